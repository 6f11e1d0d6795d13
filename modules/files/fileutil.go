package files

// fileutil.go holds what the file modules share: the mode/owner/group
// arguments and how to apply them, atomic content writes with backup and
// validate, and diffs of attributes as text lines.

import (
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules/internal/hostscript"
)

// recordPredicted tells the host's overlay about f when it keeps one.
func recordPredicted(c *module.Call, f module.FileInfo) {
	if p, ok := c.Host.(module.Predictor); ok && c.Check {
		p.RecordPredicted(f)
	}
}

// attrArgs are the attribute arguments every file module takes.
func attrArgs() []module.Arg {
	return []module.Arg{
		{Name: "mode", Type: module.TypeMode, Doc: "permissions: octal as a quoted string ('0644') or symbolic ('u=rw,g=r,o=r'); a bare YAML number is read as octal digits"},
		{Name: "owner", Type: module.TypeStr, Doc: "user name or numeric uid that should own the file"},
		{Name: "group", Type: module.TypeStr, Doc: "group name or numeric gid that should own the file"},
		{Name: "unsafe_writes", Type: module.TypeBool, Default: false, Doc: "accepted for compatibility; writes are always atomic"},
		{Name: "attributes", Type: module.TypeStr, Aliases: []string{"attr"}, Doc: "accepted for compatibility; chattr attributes are not managed"},
		{Name: "selevel", Type: module.TypeStr, Doc: "accepted for compatibility; SELinux contexts are not managed"},
		{Name: "serole", Type: module.TypeStr, Doc: "accepted for compatibility"},
		{Name: "setype", Type: module.TypeStr, Doc: "accepted for compatibility"},
		{Name: "seuser", Type: module.TypeStr, Doc: "accepted for compatibility"},
	}
}

// attrs is what the user asked of a path's metadata.
type attrs struct {
	Mode  string // as given: octal or symbolic; "" leaves the mode alone
	Owner string
	Group string
}

// modeString reads the mode argument. YAML 0644 arrives as the integer
// 420 and Ansible treats it as such (an integer is the mode itself); a
// string is octal or symbolic.
func modeString(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return strings.TrimSpace(x), nil
	case int:
		return fmt.Sprintf("%04o", x), nil
	case int64:
		return fmt.Sprintf("%04o", x), nil
	case uint64:
		return fmt.Sprintf("%04o", x), nil
	case float64:
		return fmt.Sprintf("%04o", int(x)), nil
	}
	return "", fmt.Errorf("mode: %v is neither octal nor symbolic", v)
}

func attrsOf(a module.Args) (attrs, error) {
	m, err := modeString(a["mode"])
	if err != nil {
		return attrs{}, err
	}
	if m == "preserve" {
		m = "" // copy's mode=preserve: the source's mode, handled by copy
	}
	if m != "" {
		// Reject bad modes before anything is touched.
		if _, err := module.ParseMode(m, 0o644, false); err != nil {
			return attrs{}, err
		}
	}
	return attrs{Mode: m, Owner: a.String("owner"), Group: a.String("group")}, nil
}

// wantMode is the mode f should end with, and whether the user named one.
func (a attrs) wantMode(f module.FileInfo) (fs.FileMode, bool, error) {
	if a.Mode == "" {
		return 0, false, nil
	}
	m, err := module.ParseMode(a.Mode, f.Mode, f.Type == "directory")
	if err != nil {
		return 0, false, fmt.Errorf("%s: %w", f.Path, err)
	}
	return m, true, nil
}

// idMatches reports whether the wanted owner or group (a name or a number)
// is what the file has: numbers compare to the id, so ids without a name on
// the host work.
func idMatches(want, name string, id int) bool {
	if want == name {
		return true
	}
	if n, err := strconv.Atoi(want); err == nil {
		return n == id
	}
	return false
}

// attrChange is what would change on one path.
type attrChange struct {
	Path                 string
	IsLink               bool
	OldMode, NewMode     fs.FileMode
	ModeChanged          bool
	OldOwner, NewOwner   string
	OldGroup, NewGroup   string
	OwnerChanged, GroupC bool
}

func (ch attrChange) changed() bool { return ch.ModeChanged || ch.OwnerChanged || ch.GroupC }

// planAttrs compares f with a. Links get no chmod (Linux has no link
// modes); their owner is changed with chown -h.
func planAttrs(f module.FileInfo, a attrs) (attrChange, error) {
	// stat prints UNKNOWN for ids without a name: show the number.
	if f.Owner == "UNKNOWN" {
		f.Owner = strconv.Itoa(f.UID)
	}
	if f.Group == "UNKNOWN" {
		f.Group = strconv.Itoa(f.GID)
	}
	ch := attrChange{Path: f.Path, IsLink: f.Type == "link", OldMode: f.Mode, NewMode: f.Mode,
		OldOwner: f.Owner, NewOwner: f.Owner, OldGroup: f.Group, NewGroup: f.Group}
	if !f.Exists {
		return ch, nil
	}
	if m, ok, err := a.wantMode(f); err != nil {
		return ch, err
	} else if ok && !ch.IsLink && m != f.Mode {
		ch.NewMode, ch.ModeChanged = m, true
	}
	if a.Owner != "" && !idMatches(a.Owner, f.Owner, f.UID) {
		ch.NewOwner, ch.OwnerChanged = a.Owner, true
	}
	if a.Group != "" && !idMatches(a.Group, f.Group, f.GID) {
		ch.NewGroup, ch.GroupC = a.Group, true
	}
	return ch, nil
}

// script returns the shell commands that make the change.
func (ch attrChange) script() string {
	var b strings.Builder
	q := hostcmd.Quote(ch.Path)
	h := ""
	if ch.IsLink {
		h = "-h "
	}
	if ch.OwnerChanged && ch.GroupC {
		b.WriteString("chown " + h + hostcmd.Quote(ch.NewOwner+":"+ch.NewGroup) + " -- " + q + "\n")
	} else if ch.OwnerChanged {
		b.WriteString("chown " + h + hostcmd.Quote(ch.NewOwner) + " -- " + q + "\n")
	} else if ch.GroupC {
		b.WriteString("chgrp " + h + hostcmd.Quote(ch.NewGroup) + " -- " + q + "\n")
	}
	// chmod after chown: chown clears setuid/setgid bits.
	if ch.ModeChanged {
		b.WriteString("chmod " + module.FormatMode(ch.NewMode) + " -- " + q + "\n")
	}
	return b.String()
}

// apply records the new attributes on f (for the overlay).
func (ch attrChange) apply(f module.FileInfo) module.FileInfo {
	f.Mode = ch.NewMode
	if ch.OwnerChanged {
		f.Owner = ch.NewOwner
		if n, err := strconv.Atoi(ch.NewOwner); err == nil {
			f.UID = n
		}
	}
	if ch.GroupC {
		f.Group = ch.NewGroup
		if n, err := strconv.Atoi(ch.NewGroup); err == nil {
			f.GID = n
		}
	}
	return f
}

// attrLines renders the changed attributes as Ansible's file diff does
// ({'mode': '0644'} -> {'mode': '0600'}), one "key: value" line each.
func (ch attrChange) lines() (before, after string) {
	var b, a strings.Builder
	if ch.ModeChanged {
		fmt.Fprintf(&b, "mode: %s\n", module.FormatMode(ch.OldMode))
		fmt.Fprintf(&a, "mode: %s\n", module.FormatMode(ch.NewMode))
	}
	if ch.OwnerChanged {
		fmt.Fprintf(&b, "owner: %s\n", ch.OldOwner)
		fmt.Fprintf(&a, "owner: %s\n", ch.NewOwner)
	}
	if ch.GroupC {
		fmt.Fprintf(&b, "group: %s\n", ch.OldGroup)
		fmt.Fprintf(&a, "group: %s\n", ch.NewGroup)
	}
	return b.String(), a.String()
}

func (ch attrChange) diff() module.Diff {
	b, a := ch.lines()
	p := "path: " + ch.Path + "\n"
	return module.Diff{BeforeHeader: ch.Path + " (attributes before)", AfterHeader: ch.Path + " (attributes after)", Before: p + b, After: p + a}
}

// runMutation runs a mutation script and turns a non-zero exit into a
// failure message naming what was attempted.
func runMutation(ctx context.Context, c *module.Call, what, script string) (string, error) {
	out, err := c.Host.Run(ctx, hostcmd.Cmd{Script: "set -e\n" + script, Become: c.Become})
	if err != nil {
		return "", err
	}
	if out.ExitCode != 0 {
		return "", &hostscript.Failure{Msg: fmt.Sprintf("%s failed (exit code %d): %s", what, out.ExitCode, strings.TrimSpace(string(out.Stderr)))}
	}
	return string(out.Stdout), nil
}

// asResult turns errors into results: failures become Failed results;
// unreachable hosts stay errors; so do other transport problems.
func asResult(r module.Result, err error) (module.Result, error) {
	if err == nil {
		return r, nil
	}
	if hostcmd.IsUnreachable(err) {
		return r, err
	}
	r.Failed = true
	r.Changed = false
	r.Msg = err.Error()
	return r, nil
}

// contentWrite is one desired regular file.
type contentWrite struct {
	Path     string
	Cur      module.FileInfo // as read (with content)
	Data     []byte
	Attrs    attrs
	Backup   bool
	Validate string
	Label    string // diff header label; Path when empty
	// Edit: Data was planned from Cur's content (lineinfile, blockinfile,
	// replace), so the write renames only over the file as read
	// (WriteOptions.Unchanged); the caller wraps its read, plan and
	// write in module.ReadModifyWrite.
	Edit bool
}

// ensureContent makes Path hold Data with the wanted attributes, in one
// write (content and attributes together) when the content differs, or one
// chmod/chown when only attributes do. It fills the result's changed flag,
// diffs, backup_file and Ansible's file keys.
func ensureContent(ctx context.Context, c *module.Call, w contentWrite, r *module.Result) error {
	if w.Validate != "" && !strings.Contains(w.Validate, "%s") {
		return &hostscript.Failure{Msg: fmt.Sprintf("validate must contain %%s: %q", w.Validate)}
	}
	cur := w.Cur
	label := w.Label
	if label == "" {
		label = w.Path
	}
	if cur.Exists && cur.Type == "directory" {
		return &hostscript.Failure{Msg: fmt.Sprintf("%s is a directory", w.Path)}
	}
	contentChanged := !cur.Exists || !cur.HasData || string(cur.Content) != string(w.Data)
	final := cur
	if contentChanged {
		if c.Diff {
			before := ""
			if cur.Exists {
				before = string(cur.Content)
			}
			r.Diffs = append(r.Diffs, module.Diff{BeforeHeader: label + " (before)", AfterHeader: label + " (after)", Before: before, After: string(w.Data)})
		}
		base, opts, wm, hasMode, err := contentWriteOptions(c, w)
		if err != nil {
			return err
		}
		if cur.Exists && cur.Type == "file" {
			ch, _ := planAttrs(cur, w.Attrs)
			if ch.changed() && c.Diff {
				r.Diffs = append(r.Diffs, ch.diff())
			}
		}
		if w.Backup && cur.Exists && !c.Check {
			b, err := backupFile(ctx, c, w.Path)
			if err != nil {
				return err
			}
			r.Set("backup_file", b)
		}
		if err := c.Host.WriteFile(ctx, w.Path, w.Data, opts); err != nil {
			if hostcmd.IsUnreachable(err) || errors.Is(err, hostcmd.ErrChangedSinceRead) {
				return err
			}
			return &hostscript.Failure{Msg: err.Error()}
		}
		if hasMode && wm == 0 && !c.Check {
			// WriteOptions reads mode 0 as "keep": spell 0000 with chmod.
			if _, err := runMutation(ctx, c, "chmod 0000 "+w.Path, "chmod 0000 -- "+hostcmd.Quote(w.Path)); err != nil {
				return err
			}
		}
		r.Changed = true
		final = base
		final.Content, final.HasData, final.Size = w.Data, true, int64(len(w.Data))
		if hasMode {
			final.Mode = wm
		}
		if w.Attrs.Owner != "" {
			final.Owner = w.Attrs.Owner
		}
		if w.Attrs.Group != "" {
			final.Group = w.Attrs.Group
		}
		recordPredicted(c, final)
	} else {
		ch, err := planAttrs(cur, w.Attrs)
		if err != nil {
			return &hostscript.Failure{Msg: err.Error()}
		}
		if ch.changed() {
			if c.Diff {
				r.Diffs = append(r.Diffs, ch.diff())
			}
			if !c.Check {
				if _, err := runMutation(ctx, c, "changing attributes of "+w.Path, ch.script()); err != nil {
					return err
				}
			}
			final = ch.apply(cur)
			recordPredicted(c, final)
			r.Changed = true
		}
	}
	setFileKeys(r, w.Path, final, w.Data)
	return nil
}

// contentWriteOptions is how a content write leaves the file: base is the
// old file's attributes (0644 root's for a new one), opts what the write
// sets, wm and hasMode the mode the user asked for.
func contentWriteOptions(c *module.Call, w contentWrite) (base module.FileInfo, opts hostcmd.WriteOptions, wm fs.FileMode, hasMode bool, err error) {
	cur := w.Cur
	base = cur
	if !cur.Exists {
		base = module.FileInfo{Path: w.Path, Exists: true, Type: "file", Mode: 0o644}
	}
	opts = hostcmd.WriteOptions{Become: c.Become, Validate: w.Validate, Owner: w.Attrs.Owner, Group: w.Attrs.Group}
	if w.Edit {
		opts.Unchanged = cur.ReadState()
	}
	wm, hasMode, err = w.Attrs.wantMode(base)
	if err != nil {
		return base, opts, 0, false, &hostscript.Failure{Msg: err.Error()}
	}
	if hasMode && wm != 0 {
		opts.Mode = wm
	}
	// What the probe saw is what the write keeps: saying so spares the
	// host a chmod and a chown (see connection.writeScript).
	if cur.Exists && cur.Type == "file" {
		if !hasMode && cur.Mode != 0 {
			opts.Mode = cur.Mode
		}
		if opts.Owner != "" && idMatches(opts.Owner, cur.Owner, cur.UID) {
			opts.Owner = ""
		}
		if opts.Group != "" && idMatches(opts.Group, cur.Group, cur.GID) {
			opts.Group = ""
		}
	}
	return base, opts, wm, hasMode, nil
}

// setFileKeys sets Ansible's keys about the resulting file.
func setFileKeys(r *module.Result, p string, f module.FileInfo, data []byte) {
	r.Set("dest", p)
	if data != nil {
		f.Content, f.HasData = data, true
		r.Set("checksum", f.Checksum())
		r.Set("md5sum", fmt.Sprintf("%x", md5.Sum(data)))
		r.Set("size", len(data))
	}
	r.Set("mode", module.FormatMode(f.Mode))
	r.Set("owner", f.Owner)
	r.Set("group", f.Group)
	r.Set("uid", f.UID)
	r.Set("gid", f.GID)
	r.Set("state", "file")
}

// backupFile copies p beside itself with Ansible's name,
// p.N.YYYY-MM-DD@HH:MM:SS~, keeping its attributes, and returns the name.
// Ansible's N is its module's PID, new for every task. Here $$ is the PID
// of the long-lived remote shell, the same for every task of the run, so
// two backups of one file in one second would have one name: N counts up
// from $$ until the name is free, and an earlier backup is never
// overwritten.
func backupFile(ctx context.Context, c *module.Call, p string) (string, error) {
	q := hostcmd.Quote(p)
	out, err := runMutation(ctx, c, "backup of "+p,
		"t=$(date +%Y-%m-%d@%H:%M:%S)\nn=$$\n"+
			"while [ -e "+q+`."$n.$t~" ] || [ -L `+q+`."$n.$t~" ]; do n=$((n + 1)); done`+"\n"+
			"b="+q+`."$n.$t~"`+"\ncp -p -- "+q+` "$b"`+"\nprintf '%s' \"$b\"\n")
	if err != nil {
		return "", err
	}
	return out, nil
}

// readText reads path for a line-editing module; a missing file is an
// empty one when create is set, and a failure otherwise.
func readText(ctx context.Context, c *module.Call, p string) (module.FileInfo, error) {
	f, err := c.Host.ReadFile(ctx, p, true)
	if err != nil {
		if hostcmd.IsUnreachable(err) {
			return f, err
		}
		return f, &hostscript.Failure{Msg: err.Error()}
	}
	if f.Exists && f.Type == "directory" {
		return f, &hostscript.Failure{Msg: fmt.Sprintf("Path %s is a directory !", p)}
	}
	return f, nil
}

// parentDir is the directory holding p.
func parentDir(p string) string { return path.Dir(p) }

// ensureParent creates p's directory (mkdir -p), as Ansible does for
// create=yes; check mode only predicts it.
func ensureParent(ctx context.Context, c *module.Call, p string) error {
	if c.Check {
		return nil
	}
	d := parentDir(p)
	_, err := runMutation(ctx, c, "creating directory "+d, "mkdir -p -- "+hostcmd.Quote(d))
	return err
}
