package template

// statements_exec.go renders the statements of statements_parse.go, and
// the template-file machinery they need: the Loader that finds other
// templates ({% include %}, {% import %}, {% extends %}) and the chain
// of blocks an extending template overrides.

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/haplay/haplay/engine/pyfmt"
)

// Loader finds a template that another one names, where Ansible's
// template module looks (the role's and playbook's templates/ and the
// including template's directory); it returns the file's path and text.
type Loader interface {
	Load(name string) (path, text string, err error)
}

// ErrTemplateNotFound is what a Loader returns for a template it cannot
// find, so that {% include ... ignore missing %} can skip it.
var ErrTemplateNotFound = errors.New("template not found")

// tmplCtx is the template-file state of a run: how to load other
// templates, the blocks in force, and the nesting depth.
type tmplCtx struct {
	loader Loader
	opts   FileOptions
	blocks map[string][]blockT // most derived first
	top    *scope              // the template's top-level scope
	depth  *int
}

// ensureTC gives a run rendering a templated string the template state
// macros and blocks need (with no loader: a string includes nothing).
func (r *run) ensureTC() {
	if r.tc != nil {
		return
	}
	if r.locals == nil {
		r.locals = &scope{vars: map[string]any{}}
	}
	r.tc = &tmplCtx{opts: stringOptions, blocks: map[string][]blockT{}, top: r.locals, depth: new(int)}
}

// execStmt renders the statements file.go's exec does not know.
func (r *run) execStmt(n tnode, b *strings.Builder) error {
	switch n := n.(type) {
	case macroT:
		return r.assign([]string{n.name}, macroVal{m: &n, closure: r.locals, owner: r})
	case callT:
		return r.execCall(n, b)
	case includeT:
		return r.execInclude(n, b)
	case importT:
		return r.execImport(n)
	case extendsT:
		return fmt.Errorf("line %d: {%% extends %%} must be at the top level of the template, outside any statement", n.line)
	case blockT:
		return r.execBlock(n, b)
	case filterT:
		return r.execFilter(n.body, n.chain, func(v any) error { b.WriteString(pyfmt.Str(v)); return nil })
	case withT:
		return r.execWith(n, b)
	case setBlockT:
		return r.execFilter(n.body, n.chain, func(v any) error { return r.assign(n.names, v) })
	}
	return fmt.Errorf("internal: no renderer for %T", n)
}

func (r *run) execCall(n callT, b *strings.Builder) error {
	caller := macroVal{m: &macroT{name: "caller", params: n.params, body: n.body, line: n.line, varargs: n.varargs, kwargs: n.kwargs},
		closure: r.locals, owner: r}
	saved := r.locals
	r.locals = &scope{vars: map[string]any{"__caller": caller}, parent: saved}
	defer func() { r.locals = saved }()
	v, err := r.eval(n.call)
	if err == nil {
		v, err = strict(v)
	}
	if err != nil {
		return fmt.Errorf("in {%% call %%} of line %d: %w", n.line, err)
	}
	b.WriteString(pyfmt.Str(v))
	return nil
}

// execFilter renders body, pipes it through chain (when set) and hands
// the result to use: {% filter %} prints it, {% set x %} assigns it.
func (r *run) execFilter(body []tnode, chain string, use func(any) error) error {
	var sb strings.Builder
	saved := r.locals
	r.locals = &scope{vars: map[string]any{}, parent: saved}
	err := r.exec(body, &sb)
	r.locals = saved
	if err != nil {
		return err
	}
	var v any = sb.String()
	if chain != "" {
		r.locals = &scope{vars: map[string]any{"_": v}, parent: saved}
		v, err = r.eval("_ | " + chain)
		r.locals = saved
		if err == nil {
			v, err = strict(v)
		}
		if err != nil {
			return fmt.Errorf("in {%% filter %s %%}: %w", chain, err)
		}
	}
	return use(v)
}

func (r *run) execWith(n withT, b *strings.Builder) error {
	saved := r.locals
	sc := &scope{vars: map[string]any{}, parent: saved}
	for i, src := range n.srcs {
		v, err := r.eval(src)
		if err == nil {
			v, err = strict(v)
		}
		if err != nil {
			return fmt.Errorf("in {%% with %%}: %w", err)
		}
		r.locals = sc
		err = r.assign(n.names[i], v)
		r.locals = saved
		if err != nil {
			return err
		}
	}
	r.locals = sc
	defer func() { r.locals = saved }()
	return r.exec(n.body, b)
}

// load finds, reads and parses the template an expression names; a list
// names candidates, the first found wins (Jinja's select_template).
func (r *run) load(src string, line int) (path string, nodes []tnode, err error) {
	if r.tc == nil || r.tc.loader == nil {
		return "", nil, fmt.Errorf("line %d: this template cannot load other templates here", line)
	}
	v, err := r.eval(src)
	if err == nil {
		v, err = strict(v)
	}
	if err != nil {
		return "", nil, fmt.Errorf("line %d: %w", line, err)
	}
	names := []any{v}
	if l, ok := asList(v); ok {
		names = l
	}
	err = fmt.Errorf("line %d: %w: %s", line, ErrTemplateNotFound, pyfmt.Str(v))
	for _, nm := range names {
		p, text, lerr := r.tc.loader.Load(pyfmt.Str(nm))
		if errors.Is(lerr, ErrTemplateNotFound) || errors.Is(lerr, fs.ErrNotExist) {
			err = fmt.Errorf("line %d: %w: %w", line, ErrTemplateNotFound, lerr)
			continue
		}
		if lerr != nil {
			return "", nil, fmt.Errorf("line %d: %w", line, lerr)
		}
		parsed, perr := r.e.parseTemplate(r.tc.opts.dropLastNewline(text), r.tc.opts.syntax())
		if perr != nil {
			return "", nil, fileError(p, perr)
		}
		return p, parsed.nodes, nil
	}
	return "", nil, err
}

func (r *run) execInclude(n includeT, b *strings.Builder) error {
	path, nodes, err := r.load(n.name, n.line)
	if errors.Is(err, ErrTemplateNotFound) && n.ignoreMissing {
		return nil
	}
	if err != nil {
		return err
	}
	if err := r.enter(); err != nil {
		return err
	}
	defer r.leave()
	child := r
	// Jinja hands an include the names in scope but not the loop
	// variable of an enclosing for.
	sc := &scope{vars: map[string]any{}, parent: r.locals}
	if _, inLoop := r.locals.lookup("loop"); inLoop {
		sc.vars["loop"] = Undefined{Name: "loop"}
	}
	if n.noContext {
		child = &run{e: r.e, vars: map[string]any{}, unsafe: r.unsafe, steps: r.steps}
		sc.parent = nil
	}
	saved, savedTC, savedLocals := child.tc, r.tc, child.locals
	tc := *r.tc
	tc.blocks, tc.top = map[string][]blockT{}, sc
	child.tc, child.locals = &tc, sc
	defer func() { child.tc, child.locals, r.tc = saved, savedLocals, savedTC }()
	if err := child.execTemplate(nodes, b); err != nil {
		return fmt.Errorf("in included template %s: %w", path, err)
	}
	return nil
}

func (r *run) execImport(n importT) error {
	path, nodes, err := r.load(n.name, n.line)
	if err != nil {
		return err
	}
	if err := r.enter(); err != nil {
		return err
	}
	defer r.leave()
	// An import sees no variables unless "with context", as in Jinja:
	// Ansible's task variables are context, not globals.
	mr := &run{e: r.e, vars: map[string]any{}, unsafe: r.unsafe, steps: r.steps}
	var parent *scope
	if n.context {
		mr.vars, parent = r.vars, r.locals
	}
	sc := &scope{vars: map[string]any{}, parent: parent}
	tc := *r.tc
	tc.blocks, tc.top = map[string][]blockT{}, sc
	mr.tc, mr.locals = &tc, sc
	var discard strings.Builder
	if err := mr.execTemplate(nodes, &discard); err != nil {
		return fmt.Errorf("in imported template %s: %w", path, err)
	}
	exports := map[string]any{}
	for k, v := range sc.vars {
		if !strings.HasPrefix(k, "_") {
			exports[k] = v
		}
	}
	if !n.fromStyle {
		return r.assign([]string{n.alias}, exports)
	}
	for _, nm := range n.names {
		v, ok := exports[nm[0]]
		if !ok {
			return fmt.Errorf("line %d: the template %s does not export the requested name '%s'", n.line, path, nm[0])
		}
		if err := r.assign([]string{nm[1]}, v); err != nil {
			return err
		}
	}
	return nil
}

// execTemplate renders a whole template: with {% extends %}, its blocks
// join the chain and the parent renders in its place.
func (r *run) execTemplate(nodes []tnode, b *strings.Builder) error {
	collectBlocks(nodes, r.tc.blocks)
	r.bindSelf()
	var parent *extendsT
	for _, n := range nodes {
		if x, ok := n.(extendsT); ok {
			if parent != nil {
				return fmt.Errorf("line %d: extended multiple times", x.line)
			}
			parent = &x
			continue
		}
		if parent != nil && !definesNames(n) {
			continue // Jinja renders nothing of a child but its blocks
		}
		if err := r.exec([]tnode{n}, b); err != nil {
			return err
		}
	}
	if parent == nil {
		return nil
	}
	path, pnodes, err := r.load(parent.name, parent.line)
	if err != nil {
		return err
	}
	if err := r.enter(); err != nil {
		return err
	}
	defer r.leave()
	if err := r.execTemplate(pnodes, b); err != nil {
		return fmt.Errorf("in parent template %s: %w", path, err)
	}
	return nil
}

// definesNames tells the statements a child template still runs after
// its {% extends %}: those that bind names its blocks may use.
func definesNames(n tnode) bool {
	switch n.(type) {
	case setT, setBlockT, macroT, importT:
		return true
	}
	return false
}

// collectBlocks appends the blocks found anywhere in nodes to chains.
func collectBlocks(nodes []tnode, chains map[string][]blockT) {
	for _, n := range nodes {
		switch n := n.(type) {
		case blockT:
			chains[n.name] = append(chains[n.name], n)
			collectBlocks(n.body, chains)
		case ifT:
			for _, body := range n.bodies {
				collectBlocks(body, chains)
			}
			collectBlocks(n.els, chains)
		case forT:
			collectBlocks(n.body, chains)
			collectBlocks(n.els, chains)
		case withT:
			collectBlocks(n.body, chains)
		case filterT:
			collectBlocks(n.body, chains)
		}
	}
}

// bindSelf makes self.NAME() render block NAME, as in Jinja.
func (r *run) bindSelf() {
	self := map[string]any{}
	for name := range r.tc.blocks {
		self[name] = funcVal(func([]any, kwargs) (any, error) {
			var sb strings.Builder
			err := r.renderBlock(name, 0, &sb)
			return sb.String(), err
		})
	}
	r.tc.top.vars["self"] = self
}

func (r *run) execBlock(n blockT, b *strings.Builder) error {
	if len(r.tc.blocks[n.name]) == 0 {
		r.tc.blocks[n.name] = []blockT{n}
	}
	return r.renderBlock(n.name, 0, b)
}

// renderBlock renders level i of block name's chain; super() renders
// level i+1.
func (r *run) renderBlock(name string, i int, b *strings.Builder) error {
	chain := r.tc.blocks[name]
	bl := chain[i]
	if bl.required && i == 0 && len(chain) == 1 {
		return fmt.Errorf("line %d: Required block '%s' not found", bl.line, name)
	}
	parent := r.tc.top
	if bl.scoped {
		parent = r.locals
	}
	sc := &scope{vars: map[string]any{}, parent: parent}
	if i+1 < len(chain) {
		sc.vars["super"] = funcVal(func([]any, kwargs) (any, error) {
			var sb strings.Builder
			err := r.renderBlock(name, i+1, &sb)
			return sb.String(), err
		})
	}
	saved := r.locals
	r.locals = sc
	defer func() { r.locals = saved }()
	return r.exec(bl.body, b)
}

// fileError names the template file in a parse error: "path:line: msg".
func fileError(path string, err error) error {
	if path == "" {
		return err
	}
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, tail, ok := strings.Cut(rest, ": "); ok {
			return fmt.Errorf("%s:%s: %s", path, num, tail)
		}
	}
	return fmt.Errorf("%s: %w", path, err)
}
