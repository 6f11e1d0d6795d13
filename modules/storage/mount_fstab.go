package storage

import (
	"strings"
)

// The fstab edits of ansible.posix.mount on Linux, line for line: the
// fields of a line are what Python's str.split() makes of it, a line of
// 4 to 6 fields is an entry (the missing dump and passno never equal an
// argument, so such an entry is rewritten), the entry matches on the
// escaped mount point (and, for "none ... swap" entries, on src too), and
// once one entry changed every later match is written out again.

// fstabEscape escapes a field as the module does: backslash, space, and
// ampersand as octal escapes.
func fstabEscape(v string) string {
	v = strings.ReplaceAll(v, `\`, `\134`)
	v = strings.ReplaceAll(v, " ", `\040`)
	return strings.ReplaceAll(v, "&", `\046`)
}

// fstabEntry is the module's args: the fields of the desired line.
type fstabEntry struct {
	Src, Name, Fstype, Opts, Dump, Passno string
	HasSrc                                bool
}

// noField stands for a dump or passno the line does not have: it equals
// no argument (the module's int 0 against the string "0").
const noField = "\x00"

func (e fstabEntry) escaped() fstabEntry {
	return fstabEntry{Src: fstabEscape(e.Src), Name: fstabEscape(e.Name), Fstype: fstabEscape(e.Fstype),
		Opts: fstabEscape(e.Opts), Dump: fstabEscape(e.Dump), Passno: fstabEscape(e.Passno), HasSrc: e.HasSrc}
}

func (e fstabEntry) line() string {
	return e.Src + " " + e.Name + " " + e.Fstype + " " + e.Opts + " " + e.Dump + " " + e.Passno + "\n"
}

// fstabLines are the file's lines as Python's readlines() gives them.
func fstabLines(content string) []string {
	var out []string
	for _, l := range strings.SplitAfter(content, "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// isFstabComment is a line the module passes over: blank or a comment.
func isFstabComment(l string) bool {
	s := strings.TrimSpace(l)
	return s == "" || strings.HasPrefix(s, "#")
}

// otherEntry says whether the entry ld is not the one e (unescaped) with
// escaped name esc manages.
func otherEntry(ld fstabEntry, e fstabEntry, esc string) bool {
	return ld.Name != esc || (e.HasSrc && ld.Name == "none" && ld.Fstype == "swap" && ld.Src != e.Src)
}

// fstabSet is the file with e's entry in it (the module's set_mount),
// and whether that changed it.
func fstabSet(content string, e fstabEntry) (string, bool) {
	esc := e.escaped()
	var b strings.Builder
	exists, changed := false, false
	for _, l := range fstabLines(content) {
		if !strings.HasSuffix(l, "\n") {
			l += "\n"
		}
		f := strings.Fields(l)
		if isFstabComment(l) || len(f) < 4 || len(f) > 6 {
			b.WriteString(l)
			continue
		}
		f = append(f, noField, noField)
		ld := fstabEntry{Src: f[0], Name: f[1], Fstype: f[2], Opts: f[3], Dump: f[4], Passno: f[5]}
		if otherEntry(ld, e, esc.Name) {
			b.WriteString(l)
			continue
		}
		exists = true
		for _, p := range [][2]*string{{&ld.Src, &esc.Src}, {&ld.Fstype, &esc.Fstype}, {&ld.Opts, &esc.Opts}, {&ld.Dump, &esc.Dump}, {&ld.Passno, &esc.Passno}} {
			if *p[0] != *p[1] {
				*p[0], changed = *p[1], true
			}
		}
		if changed {
			b.WriteString(ld.line())
		} else {
			b.WriteString(l)
		}
	}
	if !exists {
		b.WriteString(esc.line())
		changed = true
	}
	return b.String(), changed
}

// fstabUnset is the file without e's entry (the module's unset_mount:
// only lines of exactly 6 fields are entries there), and whether that
// changed it.
func fstabUnset(content string, e fstabEntry) (string, bool) {
	esc := fstabEscape(e.Name)
	var b strings.Builder
	changed := false
	for _, l := range fstabLines(content) {
		f := strings.Fields(l)
		if isFstabComment(l) || len(f) != 6 {
			b.WriteString(l)
			continue
		}
		ld := fstabEntry{Src: f[0], Name: f[1], Fstype: f[2], Opts: f[3], Dump: f[4], Passno: f[5]}
		if otherEntry(ld, e, esc) {
			b.WriteString(l)
			continue
		}
		changed = true
	}
	if !changed {
		return content, false
	}
	return b.String(), true
}
