package files

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules/internal/hostscript"
)

// BlockInFile manages a block of lines between marker lines
// (ansible.builtin.blockinfile).
type BlockInFile struct{}

var _ module.Module = BlockInFile{}

func (BlockInFile) Name() string { return "blockinfile" }

func (BlockInFile) Spec() module.Spec {
	args := []module.Arg{
		{Name: "path", Type: module.TypePath, Required: true, Aliases: []string{"dest", "destfile", "name"}, Doc: "the file to modify"},
		{Name: "block", Type: module.TypeStr, Default: "", Aliases: []string{"content"}, Doc: "the text between the markers"},
		{Name: "marker", Type: module.TypeStr, Default: "# {mark} ANSIBLE MANAGED BLOCK", Doc: "marker line template; {mark} becomes marker_begin or marker_end"},
		{Name: "marker_begin", Type: module.TypeStr, Default: "BEGIN", Doc: "replaces {mark} in the opening marker"},
		{Name: "marker_end", Type: module.TypeStr, Default: "END", Doc: "replaces {mark} in the closing marker"},
		{Name: "insertafter", Type: module.TypeStr, Doc: "EOF, or a regular expression: a new block goes after its last match"},
		{Name: "insertbefore", Type: module.TypeStr, Doc: "BOF, or a regular expression: a new block goes before its last match"},
		{Name: "state", Type: module.TypeStr, Default: "present", Choices: []string{"present", "absent"}, Doc: "whether the block should be there"},
		{Name: "create", Type: module.TypeBool, Default: false, Doc: "create the file when it is missing"},
		{Name: "backup", Type: module.TypeBool, Default: false, Doc: "keep a timestamped copy of the old file"},
		{Name: "validate", Type: module.TypeStr, Doc: "command run on the new file (%s) before it replaces the old one"},
		{Name: "append_newline", Type: module.TypeBool, Default: false, Doc: "add a blank line after a newly inserted block when the next line is not blank"},
		{Name: "prepend_newline", Type: module.TypeBool, Default: false, Doc: "add a blank line before a newly inserted block when the previous line is not blank"},
	}
	return module.Spec{
		Short: "Insert, update or remove a block of lines between markers",
		Description: "Keeps a block of text between two marker lines. An existing block (found by its markers) is replaced " +
			"in place; a new one goes at the end, or after/before the last line matching insertafter/insertbefore.",
		Args:              append(args, attrArgs()...),
		MutuallyExclusive: [][]string{{"insertbefore", "insertafter"}},
		Examples: `- name: Lab hosts in /etc/hosts
  ansible.builtin.blockinfile:
    path: /etc/hosts
    block: |
      10.31.1.171 manager
      10.31.1.172 worker1`,
	}
}

type blockOpts struct {
	Block                         string
	MarkerBegin, MarkerEnd        string
	Absent                        bool
	InsertAfter, InsertBefore     string
	AppendNewline, PrependNewline bool
}

// editBlock applies blockinfile's algorithm to text.
func editBlock(text string, o blockOpts) (lineEdit, error) {
	lines := splitLinesKeep(text)
	var insRe *regexp.Regexp
	var err error
	if o.InsertAfter != "" && o.InsertAfter != "EOF" {
		insRe, err = compilePy("insertafter", o.InsertAfter, "")
	} else if o.InsertBefore != "" && o.InsertBefore != "BOF" {
		insRe, err = compilePy("insertbefore", o.InsertBefore, "")
	}
	if err != nil {
		return lineEdit{}, err
	}
	var block []string
	if !o.Absent {
		block = append(block, o.MarkerBegin+"\n")
		if o.Block != "" {
			for _, l := range strings.Split(strings.TrimSuffix(o.Block, "\n"), "\n") {
				block = append(block, l+"\n")
			}
		}
		block = append(block, o.MarkerEnd+"\n")
	}
	n0, n1 := -1, -1
	for i, l := range lines {
		if stripEOL(l) == o.MarkerBegin {
			n0 = i
		}
		if stripEOL(l) == o.MarkerEnd {
			n1 = i
		}
	}
	fresh := false
	switch {
	case n0 == -1 || n1 == -1:
		fresh = true
		n0 = -1
		switch {
		case insRe != nil:
			for i, l := range lines {
				if insRe.MatchString(pyLine(l)) {
					n0 = i
				}
			}
			if n0 == -1 {
				n0 = len(lines)
			} else if o.InsertAfter != "" {
				n0++
			}
		case o.InsertBefore != "":
			n0 = 0 // BOF
		default:
			n0 = len(lines) // EOF
		}
	case n0 < n1:
		lines = append(lines[:n0], lines[n1+1:]...)
	default:
		lines = append(lines[:n1], lines[n0+1:]...)
		n0 = n1
	}
	if n0 > 0 && len(block) > 0 && !strings.HasSuffix(lines[n0-1], "\n") {
		lines[n0-1] += "\n"
	}
	if fresh && len(block) > 0 {
		if o.PrependNewline && n0 > 0 && stripEOL(lines[n0-1]) != "" {
			block = append([]string{"\n"}, block...)
		}
		if o.AppendNewline && n0 < len(lines) && stripEOL(lines[n0]) != "" {
			block = append(block, "\n")
		}
	}
	out := append(append(append([]string{}, lines[:n0]...), block...), lines[n0:]...)
	res := strings.Join(out, "")
	e := lineEdit{Text: res}
	if res != text {
		e.Changed = true
		if o.Absent {
			e.Msg = "Block removed"
		} else {
			e.Msg = "Block inserted"
		}
	}
	return e, nil
}

func (BlockInFile) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	a := c.Args
	p := a.String("path")
	marker := a.String("marker")
	o := blockOpts{Block: a.String("block"), Absent: a.String("state") == "absent",
		MarkerBegin: strings.ReplaceAll(marker, "{mark}", a.String("marker_begin")),
		MarkerEnd:   strings.ReplaceAll(marker, "{mark}", a.String("marker_end")),
		InsertAfter: a.String("insertafter"), InsertBefore: a.String("insertbefore"),
		AppendNewline: a.Bool("append_newline"), PrependNewline: a.Bool("prepend_newline")}
	if o.MarkerBegin == o.MarkerEnd {
		return module.Result{Failed: true, Msg: fmt.Sprintf("marker %q must contain {mark}: begin and end markers are the same", marker)}, nil
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
				r.Msg = "File not present"
				return nil
			}
			if !a.Bool("create") {
				return &hostscript.Failure{Msg: fmt.Sprintf("Path %s does not exist !", p)}
			}
			if err := ensureParent(ctx, c, p); err != nil {
				return err
			}
		}
		e, err := editBlock(string(cur.Content), o)
		if err != nil {
			return &hostscript.Failure{Msg: err.Error()}
		}
		r.Msg = e.Msg
		if err := ensureContent(ctx, c, contentWrite{Path: p, Cur: cur, Data: []byte(e.Text), Attrs: at,
			Backup: a.Bool("backup"), Validate: a.String("validate"), Edit: true}, &r); err != nil {
			return err
		}
		if r.Changed && !e.Changed {
			r.Msg = "ownership, perms or SE linux context changed"
		}
		return nil
	})
	return asResult(r, err)
}
