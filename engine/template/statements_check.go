package template

// statements_check.go is the load-time check of a template file: its
// syntax, and that of every template it includes, imports or extends by
// a literal name (a missing one is an error then, not at render time).

import (
	"errors"
	"fmt"
	"io/fs"
)

// CheckFileTree checks the template file at path, whose text is text,
// and the templates it names by a literal, found by load.
func (e *Engine) CheckFileTree(path, text string, opts FileOptions, load func(name string) (string, string, error)) error {
	text, opts, err := fileHeader(text, opts.withDefaults())
	if err != nil {
		return fileError(path, err)
	}
	seen := map[string]bool{path: true}
	return e.checkTree(path, opts.dropLastNewline(text), opts.syntax(), load, seen)
}

func (e *Engine) checkTree(path, text string, opts FileOptions, load func(string) (string, string, error), seen map[string]bool) error {
	p, err := e.parseTemplate(text, opts)
	if err != nil {
		return fileError(path, err)
	}
	for _, ref := range literalRefs(p.nodes) {
		sub, subText, err := load(ref.name)
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, ErrTemplateNotFound) {
			if ref.optional {
				continue
			}
			return fmt.Errorf("%s:%d: %v", path, ref.line, err)
		}
		if err != nil {
			return fmt.Errorf("%s:%d: %v", path, ref.line, err)
		}
		if seen[sub] {
			continue
		}
		seen[sub] = true
		if err := e.checkTree(sub, opts.dropLastNewline(subText), opts, load, seen); err != nil {
			return err
		}
	}
	return nil
}

type templateRef struct {
	name     string
	line     int
	optional bool // include ... ignore missing
}

// literalRefs are the templates nodes name by a string literal.
func literalRefs(nodes []tnode) []templateRef {
	var out []templateRef
	add := func(src string, line int, optional bool) {
		if toks, err := lex(src); err == nil && len(toks) == 2 && toks[0].kind == tString {
			out = append(out, templateRef{toks[0].val, line, optional})
		}
	}
	walkNodes(nodes, func(n tnode) {
		switch n := n.(type) {
		case includeT:
			add(n.name, n.line, n.ignoreMissing)
		case importT:
			add(n.name, n.line, false)
		case extendsT:
			add(n.name, n.line, false)
		}
	})
	return out
}

// walkNodes calls f on every node, nested ones included.
func walkNodes(nodes []tnode, f func(tnode)) {
	for _, n := range nodes {
		f(n)
		switch n := n.(type) {
		case ifT:
			for _, b := range n.bodies {
				walkNodes(b, f)
			}
			walkNodes(n.els, f)
		case forT:
			walkNodes(n.body, f)
			walkNodes(n.els, f)
		case macroT:
			walkNodes(n.body, f)
		case callT:
			walkNodes(n.body, f)
		case blockT:
			walkNodes(n.body, f)
		case filterT:
			walkNodes(n.body, f)
		case withT:
			walkNodes(n.body, f)
		case setBlockT:
			walkNodes(n.body, f)
		}
	}
}
