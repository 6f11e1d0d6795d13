package files

import (
	"bytes"
	"context"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/jinja"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules/internal/hostscript"
)

// Find lists the files under directories that match what the task asks
// (ansible.builtin.find). It changes nothing.
type Find struct{}

var _ module.Module = Find{}

func (Find) Name() string { return "find" }

func (Find) Spec() module.Spec {
	return module.Spec{
		Short: "Find files by name, type, age, size or content",
		Description: "Lists each directory of paths with one GNU find on the host (all paths in one command) and " +
			"filters the entries as Ansible's find does: patterns and excludes as shell globs (fnmatch) or, with " +
			"use_regex, Python regular expressions matched at the start of the name; hidden names left out unless " +
			"hidden; age and size with their units; depth. contains runs grep -P on the candidates in a second " +
			"command (at the start of a line, or anywhere with read_whole_file), so no content travels. The result " +
			"has Ansible's keys: files (each with path, mode, uid, gid, pw_name, gr_name, size, times, the is* and " +
			"permission flags, checksum with get_checksum), matched, examined, msg and skipped_paths. It runs in check mode too.",
		Args: []module.Arg{
			{Name: "paths", Type: module.TypeList, Elements: module.TypeStr, Required: true, Aliases: []string{"name", "path"}, Doc: "directories to search"},
			{Name: "patterns", Type: module.TypeList, Elements: module.TypeStr, Default: []any{}, Aliases: []string{"pattern"}, Doc: "base names to match (globs, or regexes with use_regex); any one matching is enough"},
			{Name: "excludes", Type: module.TypeList, Elements: module.TypeStr, Aliases: []string{"exclude"}, Doc: "base names to leave out (globs or regexes)"},
			{Name: "contains", Type: module.TypeStr, Doc: "a regular expression a regular file's line must match from its start (file_type file only)"},
			{Name: "read_whole_file", Type: module.TypeBool, Default: false, Doc: "search contains anywhere in the whole file instead of at each line's start"},
			{Name: "file_type", Type: module.TypeStr, Default: "file", Choices: []string{"any", "directory", "file", "link"}, Doc: "the type of entry to return"},
			{Name: "age", Type: module.TypeStr, Doc: "at least this old (a negative value: at most), in s, m, h, d or w (seconds by default)"},
			{Name: "age_stamp", Type: module.TypeStr, Default: "mtime", Choices: []string{"atime", "ctime", "mtime"}, Doc: "the time age compares"},
			{Name: "size", Type: module.TypeStr, Doc: "at least this big (a negative value: at most), in b, k, m, g or t (bytes by default)"},
			{Name: "recurse", Type: module.TypeBool, Default: false, Doc: "descend into subdirectories"},
			{Name: "hidden", Type: module.TypeBool, Default: false, Doc: "include names that start with a dot"},
			{Name: "follow", Type: module.TypeBool, Default: false, Doc: "descend into directories that symbolic links point to"},
			{Name: "get_checksum", Type: module.TypeBool, Default: false, Doc: "add the SHA-1 of each regular file"},
			{Name: "use_regex", Type: module.TypeBool, Default: false, Doc: "patterns and excludes are Python regular expressions, not globs"},
			{Name: "depth", Type: module.TypeInt, Doc: "with recurse, the deepest level to descend to (1: the directory's own entries)"},
		},
		Check: checkFind,
		Examples: `- name: Old logs
  ansible.builtin.find:
    paths: /var/log/app
    patterns: "*.log,*.log.gz"
    age: 2w
    recurse: true
  register: old_logs

- name: Remove them
  file: {path: "{{ item.path }}", state: absent}
  loop: "{{ old_logs.files }}"

- name: Sites that still use the old backend
  find:
    paths: /etc/nginx/sites-enabled
    contains: '\s*proxy_pass http://old-backend'
    file_type: file`,
	}
}

func checkFind(a module.Args, _ bool) []module.ArgError {
	var errs []module.ArgError
	for _, k := range []string{"age", "size"} {
		if s, ok := a[k].(string); ok && !jinja.IsTemplated(s) {
			if _, err := parseFindUnit(k, s); err != nil {
				errs = append(errs, module.ArgError{Arg: k, Msg: err.Error()})
			}
		}
	}
	return errs
}

var (
	ageRe  = regexp.MustCompile(`^(-?\d+)(s|m|h|d|w)?$`)
	sizeRe = regexp.MustCompile(`^(-?\d+)(b|k|m|g|t)?$`)
)

// parseFindUnit reads age (to seconds) or size (to bytes) as Ansible does.
func parseFindUnit(kind, s string) (int64, error) {
	re, units := ageRe, map[string]int64{"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
	if kind == "size" {
		re, units = sizeRe, map[string]int64{"": 1, "b": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
	}
	m := re.FindStringSubmatch(strings.ToLower(s))
	if m == nil {
		return 0, fmt.Errorf("failed to process %s", kind)
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("failed to process %s", kind)
	}
	return n * units[m[2]], nil
}

// findEntry is one entry find printed.
type findEntry struct {
	Type                byte // find's %y: f d l b c p s
	Target              byte // %Y: the type a link points to (d: os.walk counts it a directory)
	Mode                uint32
	UID, GID            int
	User, Group         string
	Size, Inode, Dev    int64
	Nlink               int
	Atime, Mtime, Ctime float64
	Rel                 string // relative to the searched path
	Path                string
}

// findFormat is find's -printf for one entry, NUL-terminated.
const findFormat = `F%y|%Y|%m|%U|%G|%u|%g|%s|%i|%D|%n|%A@|%T@|%C@|%P\0`

// findScript lists every path in one command: a header record per path
// (H INDEX dir|notdir), its entries, then the end record (E RC).
func findScript(paths []string, follow bool, maxDepth int, withNow bool) string {
	var b strings.Builder
	if withNow {
		b.WriteString("printf 'N%s\\0' \"$(date +%s.%N)\"\n")
	}
	l := ""
	if follow {
		l = "-L "
	}
	md := ""
	if maxDepth > 0 {
		md = " -maxdepth " + strconv.Itoa(maxDepth)
	}
	for i, p := range paths {
		q := hostcmd.Quote(p)
		fmt.Fprintf(&b, "if [ -d %s ]; then printf 'H%d dir\\0'; find %s%s -mindepth 1%s -printf '%s'; printf 'E%%s\\0' $?; else printf 'H%d notdir\\0'; fi\n",
			q, i, l, q, md, findFormat, i)
	}
	return b.String()
}

// findListing is what findScript printed, per path.
type findListing struct {
	Now     float64
	Dirs    map[int]bool
	Entries map[int][]findEntry
	RC      map[int]int
}

func parseFindOutput(paths []string, out []byte) (findListing, error) {
	fl := findListing{Dirs: map[int]bool{}, Entries: map[int][]findEntry{}, RC: map[int]int{}}
	cur := -1
	for _, rec := range bytes.Split(out, []byte{0}) {
		if len(rec) == 0 {
			continue
		}
		s := string(rec[1:])
		switch rec[0] {
		case 'N':
			fl.Now, _ = strconv.ParseFloat(s, 64)
		case 'H':
			idx, kind, _ := strings.Cut(s, " ")
			cur, _ = strconv.Atoi(idx)
			fl.Dirs[cur] = kind == "dir"
		case 'E':
			fl.RC[cur], _ = strconv.Atoi(s)
		case 'F':
			e, err := parseFindEntry(s)
			if err != nil || cur < 0 || cur >= len(paths) {
				return fl, fmt.Errorf("find: unexpected output %q", s)
			}
			e.Path = path.Clean(path.Join(paths[cur], e.Rel))
			fl.Entries[cur] = append(fl.Entries[cur], e)
		default:
			return fl, fmt.Errorf("find: unexpected output %q", rec)
		}
	}
	for i, es := range fl.Entries {
		fl.Entries[i] = walkOrder(es)
	}
	return fl, nil
}

// walkOrder puts find's depth-first listing in os.walk's order, which
// Ansible's files follow: a directory's non-directories, then its
// directories (links to directories among them), each in the order the
// directory lists them, then each directory's own walk in turn.
func walkOrder(es []findEntry) []findEntry {
	children := map[string][]findEntry{}
	for _, e := range es {
		dir := ""
		if i := strings.LastIndexByte(e.Rel, '/'); i >= 0 {
			dir = e.Rel[:i]
		}
		children[dir] = append(children[dir], e)
	}
	out := make([]findEntry, 0, len(es))
	var walk func(dir string)
	walk = func(dir string) {
		var dirs []findEntry
		for _, e := range children[dir] {
			if e.Target == 'd' {
				dirs = append(dirs, e)
			} else {
				out = append(out, e)
			}
		}
		out = append(out, dirs...)
		for _, d := range dirs {
			walk(d.Rel)
		}
	}
	walk("")
	return out
}

func parseFindEntry(s string) (findEntry, error) {
	f := strings.SplitN(s, "|", 15)
	if len(f) != 15 || f[0] == "" || f[1] == "" {
		return findEntry{}, fmt.Errorf("bad entry")
	}
	var e findEntry
	e.Type, e.Target = f[0][0], f[1][0]
	f = f[1:]
	m, err := strconv.ParseUint(f[1], 8, 32)
	if err != nil {
		return e, err
	}
	e.Mode = uint32(m)
	e.UID, _ = strconv.Atoi(f[2])
	e.GID, _ = strconv.Atoi(f[3])
	e.User, e.Group = f[4], f[5]
	e.Size, _ = strconv.ParseInt(f[6], 10, 64)
	e.Inode, _ = strconv.ParseInt(f[7], 10, 64)
	e.Dev, _ = strconv.ParseInt(f[8], 10, 64)
	e.Nlink, _ = strconv.Atoi(f[9])
	e.Atime, _ = strconv.ParseFloat(f[10], 64)
	e.Mtime, _ = strconv.ParseFloat(f[11], 64)
	e.Ctime, _ = strconv.ParseFloat(f[12], 64)
	e.Rel = f[13]
	if e.User == strconv.Itoa(e.UID) {
		e.User = "" // find prints the number for an id without a name; Python's pwd lookup gives ""
	}
	if e.Group == strconv.Itoa(e.GID) {
		e.Group = ""
	}
	return e, nil
}

func (Find) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	o, err := findOptionsOf(c.Args)
	if err != nil {
		return module.Result{Failed: true, Msg: err.Error()}, nil
	}
	out, err := c.Host.Run(ctx, hostcmd.Cmd{Script: findScript(o.Paths, o.Follow, o.maxDepth(), o.HasAge), Become: c.Become})
	if err != nil {
		return module.Result{}, fmt.Errorf("find: %w", err)
	}
	if out.ExitCode != 0 {
		return hostscript.Failed(c, "find "+strings.Join(o.Paths, " "), out), nil
	}
	fl, err := parseFindOutput(o.Paths, out.Stdout)
	if err != nil {
		return module.Result{}, err
	}
	r, err := o.result(ctx, c, fl, strings.TrimSpace(string(out.Stderr)))
	return hostscript.FailedOr(r, err)
}
