package files

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules/internal/hostscript"
)

// LineInFile ensures one line is present in or absent from a text file
// (ansible.builtin.lineinfile).
type LineInFile struct{}

var _ module.Module = LineInFile{}

func (LineInFile) Name() string { return "lineinfile" }

func (LineInFile) Spec() module.Spec {
	args := []module.Arg{
		{Name: "path", Type: module.TypePath, Required: true, Aliases: []string{"dest", "destfile", "name"}, Doc: "the file to modify"},
		{Name: "regexp", Type: module.TypeStr, Aliases: []string{"regex"}, Doc: "regular expression to look for in every line; the last match is replaced (or removed with state=absent)"},
		{Name: "search_string", Type: module.TypeStr, Doc: "literal string to look for in every line (instead of regexp)"},
		{Name: "line", Type: module.TypeStr, Aliases: []string{"value"}, Doc: "the line to insert or replace; with backrefs, may hold \\1 or \\g<name>"},
		{Name: "state", Type: module.TypeStr, Default: "present", Choices: []string{"present", "absent"}, Doc: "whether the line should be there"},
		{Name: "insertafter", Type: module.TypeStr, Doc: "EOF, or a regular expression: insert after its last match (first with firstmatch) when regexp finds nothing"},
		{Name: "insertbefore", Type: module.TypeStr, Doc: "BOF, or a regular expression: insert before its last match (first with firstmatch)"},
		{Name: "backrefs", Type: module.TypeBool, Default: false, Doc: "expand regexp's groups in line; when regexp does not match, the file is left unchanged"},
		{Name: "create", Type: module.TypeBool, Default: false, Doc: "create the file when it is missing"},
		{Name: "backup", Type: module.TypeBool, Default: false, Doc: "keep a timestamped copy of the old file"},
		{Name: "validate", Type: module.TypeStr, Doc: "command run on the new file (%s) before it replaces the old one"},
		{Name: "firstmatch", Type: module.TypeBool, Default: false, Doc: "insertafter/insertbefore use the first match instead of the last"},
		{Name: "others", Type: module.TypeStr, Doc: "accepted for compatibility"},
	}
	return module.Spec{
		Short: "Manage one line in a text file",
		Description: "Ensures a line is present (replacing the last line matching regexp or search_string, or inserting it " +
			"per insertafter/insertbefore) or absent (removing every matching line). Semantics follow Ansible's lineinfile; " +
			"regular expressions use RE2 syntax, and Python replacement escapes (\\1, \\g<1>) work in line with backrefs.",
		Args:              append(args, attrArgs()...),
		MutuallyExclusive: [][]string{{"insertbefore", "insertafter"}, {"regexp", "search_string"}, {"backrefs", "search_string"}},
		Examples: `- name: Let the docker group use sudo without a password
  ansible.builtin.lineinfile:
    path: /etc/sudoers
    regexp: '^%docker'
    line: '%docker ALL=(ALL) NOPASSWD: ALL'
    validate: /usr/sbin/visudo -cf %s

- name: Mount the NAS volume at boot (seed 002)
  lineinfile:
    path: /etc/fstab
    line: "nas:/export /mnt/NASVolume nfs defaults 0 0"`,
	}
}

// lineOpts are lineinfile's editing arguments.
type lineOpts struct {
	Regexp, SearchString      *string
	Line                      string
	Absent                    bool
	InsertAfter, InsertBefore string
	Backrefs, Firstmatch      bool
}

// lineEdit is the outcome of editing the text.
type lineEdit struct {
	Text    string
	Changed bool
	Msg     string
	Found   int // lines removed, for state=absent
}

// splitLinesKeep splits s after each "\n", keeping line endings (Python's
// splitlines(True) for \n and \r\n files).
func splitLinesKeep(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

func stripEOL(s string) string { return strings.TrimRight(s, "\r\n") }

// pyLine is a line as Python's re.search sees it without MULTILINE: $
// matches before a trailing newline, which Go's $ does not.
func pyLine(s string) string { return strings.TrimSuffix(s, "\n") }

// editLine applies lineinfile's algorithm (Ansible 2.14+) to text.
func editLine(text string, o lineOpts) (lineEdit, error) {
	lines := splitLinesKeep(text)
	var reM *regexp.Regexp
	if o.Regexp != nil {
		var err error
		if reM, err = compilePy("regexp", *o.Regexp, ""); err != nil {
			return lineEdit{}, err
		}
	}
	if o.Absent {
		return removeLines(lines, o, reM), nil
	}
	var reIns *regexp.Regexp
	var err error
	if o.InsertAfter != "" && o.InsertAfter != "BOF" && o.InsertAfter != "EOF" {
		reIns, err = compilePy("insertafter", o.InsertAfter, "")
	} else if o.InsertBefore != "" && o.InsertBefore != "BOF" {
		reIns, err = compilePy("insertbefore", o.InsertBefore, "")
	}
	if err != nil {
		return lineEdit{}, err
	}
	return placeLine(lines, o, reM, findLine(lines, o, reM, reIns)), nil
}

// linePlace is where lineinfile's line goes: index0 is the line that
// regexp/search_string (or the exact line) matched, index1 where
// insertafter/insertbefore would insert; -1 when none.
type linePlace struct {
	index0, index1 int
	match          []int // reM's submatch indexes on matchLine, for backrefs
	matchLine      string
	matched, exact bool
}

// findLine scans lines as Ansible's lineinfile does: the last match wins
// unless firstmatch.
func findLine(lines []string, o lineOpts, reM, reIns *regexp.Regexp) linePlace {
	p := linePlace{index0: -1, index1: -1}
	if reM != nil {
		for i, l := range lines {
			if m := reM.FindStringSubmatchIndex(pyLine(l)); m != nil {
				p.index0, p.match, p.matchLine, p.matched = i, m, pyLine(l), true
				if o.Firstmatch {
					break
				}
			}
		}
	}
	if o.SearchString != nil {
		for i, l := range lines {
			if strings.Contains(l, *o.SearchString) {
				p.index0, p.matched = i, true
				if o.Firstmatch {
					break
				}
			}
		}
	}
	if p.matched {
		return p
	}
	for i, l := range lines {
		if stripEOL(l) == o.Line {
			p.index0, p.exact = i, true
		} else if reIns != nil && reIns.MatchString(pyLine(l)) {
			if o.InsertAfter != "" {
				p.index1 = i + 1
				if o.Firstmatch {
					break
				}
			}
			if o.InsertBefore != "" {
				p.index1 = i
				if o.Firstmatch {
					break
				}
			}
		}
	}
	return p
}

// placeLine replaces or inserts the line where findLine said.
func placeLine(lines []string, o lineOpts, reM *regexp.Regexp, p linePlace) lineEdit {
	const sep = "\n"
	added := func() lineEdit { return lineEdit{Text: strings.Join(lines, ""), Changed: true, Msg: "line added"} }
	ensureLastEOL := func() {
		if n := len(lines); n > 0 && !strings.HasSuffix(lines[n-1], "\n") && !strings.HasSuffix(lines[n-1], "\r") {
			lines[n-1] += sep
		}
	}
	insert := func(i int, l string) {
		lines = append(lines[:i], append([]string{l}, lines[i:]...)...)
	}
	index0, index1 := p.index0, p.index1
	switch {
	case index0 != -1:
		newLine := o.Line
		if o.Backrefs && p.match != nil {
			newLine = string(reM.ExpandString(nil, pyTemplate(o.Line), p.matchLine, p.match))
		}
		if !strings.HasSuffix(newLine, sep) {
			newLine += sep
		}
		if lines[index0] != newLine {
			lines[index0] = newLine
			return lineEdit{Text: strings.Join(lines, ""), Changed: true, Msg: "line replaced"}
		}
	case o.Backrefs:
		// Without a match there is nothing to fill the backrefs with:
		// Ansible leaves the file alone.
	case o.InsertBefore == "BOF" || o.InsertAfter == "BOF":
		insert(0, o.Line+sep)
		return added()
	case o.InsertAfter == "EOF" || index1 == -1:
		ensureLastEOL()
		lines = append(lines, o.Line+sep)
		return added()
	case o.InsertAfter != "":
		if index1 == len(lines) {
			ensureLastEOL()
			if stripEOL(lines[index1-1]) != o.Line {
				lines = append(lines, o.Line+sep)
				return added()
			}
		} else if stripEOL(lines[index1]) != o.Line {
			insert(index1, o.Line+sep)
			return added()
		}
	default:
		insert(index1, o.Line+sep)
		return added()
	}
	return lineEdit{Text: strings.Join(lines, "")}
}

func removeLines(lines []string, o lineOpts, re *regexp.Regexp) lineEdit {
	var kept []string
	found := 0
	for _, l := range lines {
		var hit bool
		switch {
		case re != nil:
			hit = re.MatchString(pyLine(l))
		case o.SearchString != nil:
			hit = strings.Contains(l, *o.SearchString)
		default:
			hit = stripEOL(l) == o.Line
		}
		if hit {
			found++
			continue
		}
		kept = append(kept, l)
	}
	e := lineEdit{Text: strings.Join(kept, ""), Found: found}
	if found > 0 {
		e.Changed = true
		e.Msg = fmt.Sprintf("%d line(s) removed", found)
	}
	return e
}

func optString(a module.Args, name string) *string {
	if !a.Has(name) {
		return nil
	}
	s := a.String(name)
	return &s
}

func (LineInFile) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	a := c.Args
	p := a.String("path")
	o := lineOpts{Regexp: optString(a, "regexp"), SearchString: optString(a, "search_string"), Line: a.String("line"),
		Absent: a.String("state") == "absent", InsertAfter: a.String("insertafter"), InsertBefore: a.String("insertbefore"),
		Backrefs: a.Bool("backrefs"), Firstmatch: a.Bool("firstmatch")}
	if !o.Absent && !a.Has("line") {
		return module.Result{Failed: true, Msg: "line is required with state=present"}, nil
	}
	if o.Absent && o.Regexp == nil && o.SearchString == nil && !a.Has("line") {
		return module.Result{Failed: true, Msg: "one of line, regexp or search_string is required with state=absent"}, nil
	}
	if o.Backrefs && o.Regexp == nil {
		return module.Result{Failed: true, Msg: "regexp is required with backrefs=true"}, nil
	}
	if o.Regexp != nil && *o.Regexp == "" || o.SearchString != nil && *o.SearchString == "" {
		// Ansible warns that an empty pattern matches every line; we refuse.
		return module.Result{Failed: true, Msg: "regexp and search_string must not be empty (they would match every line)"}, nil
	}
	at, err := attrsOf(a)
	if err != nil {
		return module.Result{Failed: true, Msg: err.Error()}, nil
	}
	var r module.Result
	err = module.ReadModifyWrite(ctx, p, func() error {
		r = module.Result{}
		cur, err := readText(ctx, c, p)
		if err != nil {
			return err
		}
		if !cur.Exists {
			if o.Absent {
				r.Set("found", 0)
				r.Msg = "file not present"
				return nil
			}
			if !a.Bool("create") {
				return &hostscript.Failure{Msg: fmt.Sprintf("Destination %s does not exist !", p)}
			}
			if err := ensureParent(ctx, c, p); err != nil {
				return err
			}
		}
		e, err := editLine(string(cur.Content), o)
		if err != nil {
			return &hostscript.Failure{Msg: err.Error()}
		}
		if o.Absent {
			r.Set("found", e.Found)
		}
		r.Msg = e.Msg
		if !e.Changed && cur.Exists {
			e.Text = string(cur.Content)
		}
		if err := ensureContent(ctx, c, contentWrite{Path: p, Cur: cur, Data: []byte(e.Text), Attrs: at,
			Backup: a.Bool("backup"), Validate: a.String("validate"), Edit: true}, &r); err != nil {
			return err
		}
		if r.Changed && !e.Changed && r.Msg == "" {
			r.Msg = "ownership, perms or SE linux context changed"
		}
		return nil
	})
	return asResult(r, err)
}
