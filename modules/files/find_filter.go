package files

// find_filter.go filters what find listed as Ansible's find does, and
// builds its result.

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules/internal/hostscript"
)

// findOptions are the validated arguments.
type findOptions struct {
	Paths              []string
	Patterns, Excludes []*regexp.Regexp
	Contains           string
	WholeFile          bool
	FileType           string
	HasAge, HasSize    bool
	Age, Size          int64
	AgeStamp           string
	Recurse, Hidden    bool
	Follow, Checksum   bool
	Depth              int
}

func findOptionsOf(a module.Args) (findOptions, error) {
	o := findOptions{Paths: a.List("paths"), Contains: a.String("contains"), WholeFile: a.Bool("read_whole_file"),
		FileType: a.String("file_type"), AgeStamp: a.String("age_stamp"), Recurse: a.Bool("recurse"),
		Hidden: a.Bool("hidden"), Follow: a.Bool("follow"), Checksum: a.Bool("get_checksum"), Depth: a.Int("depth")}
	regex := a.Bool("use_regex")
	pats := a.List("patterns")
	if len(pats) == 0 {
		pats = []string{"*"}
		if regex {
			pats = []string{".*"}
		}
	}
	var err error
	if o.Patterns, err = compileNamePatterns("patterns", pats, regex); err != nil {
		return o, err
	}
	if o.Excludes, err = compileNamePatterns("excludes", a.List("excludes"), regex); err != nil {
		return o, err
	}
	if s := a.String("age"); s != "" {
		o.HasAge = true
		if o.Age, err = parseFindUnit("age", s); err != nil {
			return o, err
		}
	}
	if s := a.String("size"); s != "" {
		o.HasSize = true
		if o.Size, err = parseFindUnit("size", s); err != nil {
			return o, err
		}
	}
	return o, nil
}

// maxDepth is how deep find lists: the entries below the deepest level
// Ansible walks are counted in examined, as os.walk counts them.
func (o findOptions) maxDepth() int {
	if !o.Recurse {
		return 1
	}
	if o.Depth > 0 {
		return o.Depth + 1
	}
	return 0
}

// compileNamePatterns compiles globs (Python's fnmatch) or regexes
// (Python's re.match: anchored at the start).
func compileNamePatterns(arg string, pats []string, regex bool) ([]*regexp.Regexp, error) {
	var out []*regexp.Regexp
	for _, p := range pats {
		src := `\A(?:` + p + `)`
		if !regex {
			src = fnmatchRegexp(p)
		}
		re, err := compilePy(arg, src, "")
		if err != nil {
			return nil, err
		}
		out = append(out, re)
	}
	return out, nil
}

// fnmatchRegexp translates a glob as Python's fnmatch.translate does:
// * ? [seq] [!seq], everything else literal, matching the whole name.
func fnmatchRegexp(p string) string {
	var b strings.Builder
	b.WriteString(`(?s)\A(?:`)
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		case '[':
			j := i + 1
			if j < len(p) && p[j] == '!' {
				j++
			}
			if j < len(p) && p[j] == ']' {
				j++
			}
			for j < len(p) && p[j] != ']' {
				j++
			}
			if j >= len(p) {
				b.WriteString(`\[`)
				continue
			}
			set := p[i+1 : j]
			set = strings.ReplaceAll(set, `\`, `\\`)
			if strings.HasPrefix(set, "!") {
				set = "^" + set[1:]
			} else if strings.HasPrefix(set, "^") {
				set = `\` + set
			}
			b.WriteString("[" + set + "]")
			i = j
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString(`)\z`)
	return b.String()
}

// nameMatches is Ansible's pfilter.
func (o findOptions) nameMatches(name string) bool {
	for _, p := range o.Patterns {
		if p.MatchString(name) {
			for _, e := range o.Excludes {
				if e.MatchString(name) {
					return false
				}
			}
			return true
		}
	}
	return false
}

func (o findOptions) ageMatches(e findEntry, now float64) bool {
	if !o.HasAge {
		return true
	}
	t := map[string]float64{"atime": e.Atime, "ctime": e.Ctime, "mtime": e.Mtime}[o.AgeStamp]
	if o.Age >= 0 {
		return now-t >= float64(o.Age)
	}
	return now-t <= float64(-o.Age)
}

func (o findOptions) sizeMatches(e findEntry) bool {
	if !o.HasSize {
		return true
	}
	if o.Size >= 0 {
		return e.Size >= o.Size
	}
	return e.Size <= -o.Size
}

// selects is whether the entry is one the task asks for, before its
// content is searched.
func (o findOptions) selects(e findEntry, now float64) bool {
	if !o.nameMatches(baseName(e.Rel)) || !o.ageMatches(e, now) {
		return false
	}
	switch o.FileType {
	case "any":
		return e.Type != 'f' || o.sizeMatches(e)
	case "directory":
		return e.Type == 'd'
	case "link":
		return e.Type == 'l'
	default:
		return e.Type == 'f' && o.sizeMatches(e)
	}
}

func baseName(rel string) string {
	if i := strings.LastIndexByte(rel, '/'); i >= 0 {
		return rel[i+1:]
	}
	return rel
}

func depthOf(rel string) int { return strings.Count(rel, "/") + 1 }

// result filters the listing and builds find's result.
func (o findOptions) result(ctx context.Context, c *module.Call, fl findListing, stderr string) (module.Result, error) {
	var picked []findEntry
	looked := 0
	skipped := map[string]any{}
	for i, p := range o.Paths {
		if !fl.Dirs[i] {
			skipped[p] = fmt.Sprintf("'%s' is not a directory", p)
			continue
		}
		for _, e := range fl.Entries[i] {
			looked++
			if o.Recurse && o.Depth > 0 && depthOf(e.Rel) > o.Depth {
				continue
			}
			if strings.HasPrefix(baseName(e.Rel), ".") && !o.Hidden {
				continue
			}
			if o.selects(e, fl.Now) {
				picked = append(picked, e)
			}
		}
		if fl.RC[i] != 0 {
			skipped[p] = firstLine(stderr)
		}
	}
	sums, picked, err := o.searchContent(ctx, c, picked)
	if err != nil {
		return module.Result{}, err
	}
	files := make([]any, 0, len(picked))
	for _, e := range picked {
		m := findStatInfo(e)
		if s, ok := sums[e.Path]; ok {
			m["checksum"] = s
		}
		files = append(files, m)
	}
	r := module.Result{Msg: "All paths examined"}
	if len(skipped) > 0 {
		r.Msg = "Not all paths examined, check warnings for details"
		var w []any
		for _, p := range o.Paths {
			if s, ok := skipped[p]; ok {
				w = append(w, fmt.Sprintf("Skipped '%s' path due to this access issue: %s\n", p, s))
			}
		}
		r.Set("warnings", w)
	}
	r.Set("files", files)
	r.Set("matched", len(files))
	r.Set("examined", looked)
	r.Set("skipped_paths", skipped)
	return r, nil
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// searchContent runs, in one command, grep -P over the candidates for
// contains and sha1sum over the matched regular files for get_checksum.
func (o findOptions) searchContent(ctx context.Context, c *module.Call, picked []findEntry) (map[string]string, []findEntry, error) {
	grep := o.Contains != "" && o.FileType == "file"
	var list bytes.Buffer
	for _, e := range picked {
		if e.Type == 'f' {
			list.WriteString(e.Path + "\x00")
		}
	}
	if (!grep && !o.Checksum) || list.Len() == 0 {
		return nil, picked, nil
	}
	script := "t=$(mktemp -d) || exit 1\ntrap 'rm -rf \"$t\"' EXIT\ncat >\"$t/l\"\n"
	in := `"$t/l"`
	if grep {
		pat, z := `^(?:`+o.Contains+`)`, ""
		if o.WholeFile {
			pat, z = o.Contains, "z"
		}
		script += "xargs -0 -r grep -lsZP" + z + " -e " + hostcmd.Quote(pat) + " -- <\"$t/l\" >\"$t/m\"\nprintf 'M\\0'; cat \"$t/m\"; printf 'X\\0'\n"
		in = `"$t/m"`
	}
	if o.Checksum {
		script += "xargs -0 -r sha1sum -z -- <" + in + "\n"
	}
	out, err := c.Host.Run(ctx, hostcmd.Cmd{Script: script, Stdin: list.Bytes(), Become: c.Become})
	if err != nil {
		return nil, nil, fmt.Errorf("find: %w", err)
	}
	if out.ExitCode != 0 {
		return nil, nil, hostscript.Failf("%s: searching the files' content failed (exit %d): %s", c.Host.Name(), out.ExitCode, strings.TrimSpace(string(out.Stderr)))
	}
	return o.parseContentOutput(out.Stdout, picked, grep)
}

func (o findOptions) parseContentOutput(b []byte, picked []findEntry, grep bool) (map[string]string, []findEntry, error) {
	recs := bytes.Split(b, []byte{0})
	matched := map[string]bool{}
	sums := map[string]string{}
	i := 0
	if grep {
		if len(recs) == 0 || string(recs[0]) != "M" {
			return nil, nil, fmt.Errorf("find: unexpected output %q", b)
		}
		for i = 1; i < len(recs) && string(recs[i]) != "X"; i++ {
			matched[string(recs[i])] = true
		}
		i++
	}
	for ; i < len(recs); i++ {
		if sum, name, ok := strings.Cut(string(recs[i]), "  "); ok {
			sums[name] = sum
		}
	}
	if !grep {
		return sums, picked, nil
	}
	var kept []findEntry
	for _, e := range picked {
		if matched[e.Path] {
			kept = append(kept, e)
		}
	}
	return sums, kept, nil
}

// findStatInfo is one entry of files, with Ansible's keys.
func findStatInfo(e findEntry) map[string]any {
	m := e.Mode
	return map[string]any{
		"path": e.Path, "mode": fmt.Sprintf("%04o", m&0o7777),
		"isdir": e.Type == 'd', "ischr": e.Type == 'c', "isblk": e.Type == 'b', "isreg": e.Type == 'f',
		"isfifo": e.Type == 'p', "islnk": e.Type == 'l', "issock": e.Type == 's',
		"uid": e.UID, "gid": e.GID, "size": e.Size, "inode": e.Inode, "dev": e.Dev, "nlink": e.Nlink,
		"atime": e.Atime, "mtime": e.Mtime, "ctime": e.Ctime, "gr_name": e.Group, "pw_name": e.User,
		"wusr": m&0o200 != 0, "rusr": m&0o400 != 0, "xusr": m&0o100 != 0,
		"wgrp": m&0o020 != 0, "rgrp": m&0o040 != 0, "xgrp": m&0o010 != 0,
		"woth": m&0o002 != 0, "roth": m&0o004 != 0, "xoth": m&0o001 != 0,
		"isuid": m&0o4000 != 0, "isgid": m&0o2000 != 0,
	}
}
