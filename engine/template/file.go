package template

// file.go parses and renders template text: {{ }} interpolation, {% %}
// statements (if/elif/else, for/else, set, raw) and {# #} comments, with
// Jinja's whitespace control.

import (
	"fmt"
	"strings"

	"github.com/haplay/haplay/engine/jinja"
	"github.com/haplay/haplay/engine/pyfmt"
	"github.com/haplay/haplay/engine/truth"
)

// FileOptions are Jinja environment settings that shape whitespace.
// The zero value is plain Jinja; AnsibleFileOptions gives what Ansible's
// template module uses.
type FileOptions struct {
	TrimBlocks      bool   // drop the first newline after a block tag
	LstripBlocks    bool   // strip blanks before a block tag on its line
	NewlineSequence string // "\n" (default), "\r\n" or "\r"
	// Delims are the tag delimiters; an empty one is Jinja's default.
	Delims Delims
	// KeepTrailingNewline keeps the text's last newline (Jinja's
	// keep_trailing_newline, set by a #jinja2: header).
	KeepTrailingNewline bool

	// Loader finds the templates this one includes, imports or extends;
	// nil refuses those statements when they run.
	Loader Loader
	// Name is the template's path, named in its errors.
	Name string

	// rawStrings doubles the backslashes of the string literals inside
	// {{ }}, as Ansible's templar does for strings in playbooks (not for
	// template files): there '\n' is a backslash and an n.
	rawStrings bool
}

// AnsibleFileOptions returns the template module's defaults.
func AnsibleFileOptions() FileOptions {
	return FileOptions{TrimBlocks: true, NewlineSequence: "\n"}
}

// syntax is o without what does not change how text parses, for the
// parse cache's key.
func (o FileOptions) syntax() FileOptions {
	o.Loader, o.Name = nil, ""
	return o.withDefaults()
}

func (o FileOptions) withDefaults() FileOptions {
	if o.NewlineSequence == "" {
		o.NewlineSequence = "\n"
	}
	o.Delims = o.Delims.withDefaults()
	return o
}

// Delims are a template's tag delimiters (the template module's
// variable_start_string and friends).
type Delims struct {
	VarStart, VarEnd, BlockStart, BlockEnd, CommentStart, CommentEnd string
}

func (d Delims) withDefaults() Delims {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&d.VarStart, "{{")
	def(&d.VarEnd, "}}")
	def(&d.BlockStart, "{%")
	def(&d.BlockEnd, "%}")
	def(&d.CommentStart, "{#")
	def(&d.CommentEnd, "#}")
	return d
}

// start is the opening delimiter of kind '{', '%' or '#'; end the closing.
func (d Delims) start(kind byte) string {
	return map[byte]string{'{': d.VarStart, '%': d.BlockStart, '#': d.CommentStart}[kind]
}

func (d Delims) end(kind byte) string {
	return map[byte]string{'{': d.VarEnd, '%': d.BlockEnd, '#': d.CommentEnd}[kind]
}

// stringOptions applies to templated strings in playbooks (Ansible's
// templar uses trim_blocks there too).
var stringOptions = FileOptions{TrimBlocks: true, NewlineSequence: "\n", rawStrings: true}

type tmplKey struct {
	text string
	opts FileOptions
}

type parsedTmpl struct {
	nodes  []tnode
	single string // set when the text is exactly one {{ expression }}
	err    error
}

type (
	tnode any
	textT struct{ s string }
	exprT struct{ src string }
	ifT   struct {
		conds  []string
		bodies [][]tnode
		els    []tnode
	}
	forT struct {
		names          []string
		iter, cond     string
		body, els      []tnode
		line           int
		hasElse        bool
		recursive      bool // loop(...) in the body runs the loop again
		statementShown string
	}
	setT struct {
		names []string
		src   string
	}
)

// RenderFile renders a template file's text. A "#jinja2:" first line
// overrides opts, as in Ansible; opts.Loader finds the templates it
// includes, imports or extends.
func (e *Engine) RenderFile(text string, vars map[string]any, opts FileOptions) (string, error) {
	text, opts, err := fileHeader(text, opts.withDefaults())
	if err != nil {
		return "", fileError(opts.Name, err)
	}
	// Ansible's Jinja drops the text's last newline, and Ansible then
	// pads the result back to as many newlines as the text ended with;
	// an included template keeps its last newline dropped.
	want := trailingNewlines(text)
	p, err := e.parseTemplate(opts.dropLastNewline(text), opts.syntax())
	if err != nil {
		return "", fileError(opts.Name, err)
	}
	r := newRun(e, vars)
	top := &scope{vars: map[string]any{}}
	r.locals = top
	r.tc = &tmplCtx{loader: opts.Loader, opts: opts.syntax(), blocks: map[string][]blockT{}, top: top, depth: new(int)}
	var b strings.Builder
	if err := r.execTemplate(p.nodes, &b); err != nil {
		if opts.Name != "" {
			return "", fmt.Errorf("%s: rendering template: %w", opts.Name, err)
		}
		return "", fmt.Errorf("rendering template: %w", err)
	}
	if n := want - trailingNewlines(b.String()); n > 0 {
		b.WriteString(strings.Repeat(opts.NewlineSequence, n))
	}
	return b.String(), nil
}

// Render templates a string value. A string that is exactly one {{ expr }}
// yields the expression's native value (list, dict, int, bool); otherwise
// the result is the interpolated string. Strings without markup are
// returned unchanged. Non-string values are returned as they are.
func (e *Engine) Render(s string, vars map[string]any) (any, error) {
	v, _, err := e.render(s, vars)
	return v, err
}

// RenderMarked is Render, but a result computed from unsafe data
// (registered results, facts, !unsafe values) comes back marked
// jinja.Unsafe, as Ansible marks it, so that it is never rendered again:
// set_fact, loop items and include parameters keep the mark.
func (e *Engine) RenderMarked(s string, vars map[string]any) (any, error) {
	v, r, err := e.render(s, vars)
	if err != nil || r == nil {
		return v, err
	}
	return r.marked(v), nil
}

func (e *Engine) render(s string, vars map[string]any) (any, *run, error) {
	if !jinja.IsTemplate(s) {
		return s, nil, nil
	}
	r := newRun(e, vars)
	v, err := r.render(s, stringOptions)
	if err != nil {
		return nil, nil, fmt.Errorf("templating %q: %w", s, err)
	}
	return r.finish(v), r, nil
}

// RenderString templates s and always returns a string.
func (e *Engine) RenderString(s string, vars map[string]any) (string, error) {
	v, err := e.Render(s, vars)
	if err != nil {
		return "", err
	}
	return pyfmt.Str(v), nil
}

// RenderValue templates every string inside v (lists and maps recursively),
// as Ansible does for module arguments.
func (e *Engine) RenderValue(v any, vars map[string]any) (any, error) {
	if !needsResolve(v) {
		return v, nil
	}
	r := newRun(e, vars)
	out, err := r.resolveValue(v)
	return r.finish(out), err
}

func (r *run) render(s string, opts FileOptions) (any, error) {
	p, err := r.e.parseTemplate(s, opts)
	if err != nil {
		return nil, err
	}
	if p.single != "" {
		v, err := r.eval(p.single)
		if err != nil {
			return nil, err
		}
		if _, isVar := r.vars[p.single]; v == nil && !(isVar && isBareName(p.single)) {
			// Ansible's finalize makes None "", except that "{{ name }}"
			// alone hands over the variable as it is.
			return "", nil
		}
		return strict(v)
	}
	var b strings.Builder
	r.ensureTC()
	if err := r.execTemplate(p.nodes, &b); err != nil {
		return nil, err
	}
	return b.String(), nil
}

func (e *Engine) parseTemplate(s string, opts FileOptions) (parsedTmpl, error) {
	key := tmplKey{s, opts}
	e.mu.RLock()
	p, ok := e.tmpls[key]
	e.mu.RUnlock()
	if ok {
		return p, p.err
	}
	p.nodes, p.err = e.parseNodes(s, opts)
	if p.err == nil && len(p.nodes) == 1 {
		if x, ok := p.nodes[0].(exprT); ok {
			p.single = x.src
		}
	}
	e.mu.Lock()
	if len(e.tmpls) >= cacheLimit {
		e.tmpls = map[tmplKey]parsedTmpl{}
	}
	e.tmpls[key] = p
	e.mu.Unlock()
	return p, p.err
}

type ttok struct {
	kind byte // 't' text, '{' expression, '%' statement
	s    string
	line int
}

// findClose finds the end delimiter of a tag, skipping quoted strings and
// balanced brackets so that '}}' inside a literal or a nested dict literal
// does not end the tag, as in Jinja's lexer.
func findClose(s string, from int, close string, comment bool) int {
	var quote byte
	depth := 0
	for i := from; i < len(s); i++ {
		c := s[i]
		switch {
		case comment:
			if strings.HasPrefix(s[i:], close) {
				return i
			}
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case depth == 0 && strings.HasPrefix(s[i:], close):
			return i
		case c == '{' || c == '[' || c == '(':
			depth++
		case (c == '}' || c == ']' || c == ')') && depth > 0:
			depth--
		}
	}
	return -1
}

// trailingNewlines counts the "\n" that end s (Ansible's
// _count_newlines_from_end).
func trailingNewlines(s string) int {
	return len(s) - len(strings.TrimRight(s, "\n"))
}

// dropLastNewline removes the line ending that ends s, as Jinja's lexer
// does without keep_trailing_newline.
func (o FileOptions) dropLastNewline(s string) string {
	if o.KeepTrailingNewline {
		return s
	}
	return dropLastNewline(s)
}

func dropLastNewline(s string) string {
	if t, ok := strings.CutSuffix(s, "\r\n"); ok {
		return t
	}
	if t, ok := strings.CutSuffix(s, "\n"); ok {
		return t
	}
	return strings.TrimSuffix(s, "\r")
}

func lineAt(s string, pos int) int { return strings.Count(s[:pos], "\n") + 1 }

// tokenize splits template text into text and tag tokens, applying the
// whitespace rules as it goes.
func tokenize(s string, opts FileOptions) ([]ttok, error) {
	d := opts.Delims.withDefaults()
	opts.Delims = d
	var toks []ttok
	pos := 0
	stripNext := false // previous tag ended with -%} / -}}
	addText := func(t string, start int, lstrip bool) {
		if stripNext {
			t = strings.TrimLeft(t, " \t\r\n")
		}
		if lstrip {
			l := strings.LastIndexByte(t, '\n') + 1
			if (l > 0 || start == 0 || s[start-1] == '\n') && strings.Trim(t[l:], " \t") == "" {
				t = t[:l]
			}
		}
		if t != "" {
			toks = append(toks, ttok{'t', t, lineAt(s, start)})
		}
	}
	for {
		idx, kind := nextTagStart(s, pos, d)
		if idx < 0 {
			addText(s[pos:], pos, false)
			return toks, nil
		}
		inner := idx + len(d.start(kind))
		leftStrip, plus := false, false
		if inner < len(s) && s[inner] == '-' {
			leftStrip = true
			inner++
		} else if inner < len(s) && s[inner] == '+' {
			plus = true
			inner++
		}
		closeDelim := d.end(kind)
		end := findClose(s, inner, closeDelim, kind == '#')
		if end < 0 {
			return nil, fmt.Errorf("line %d: unclosed %q starting at %q", lineAt(s, idx), d.start(kind), excerpt(s, idx))
		}
		body := s[inner:end]
		rightStrip := strings.HasSuffix(body, "-")
		if rightStrip {
			body = body[:len(body)-1]
		}
		text := s[pos:idx]
		if leftStrip {
			text = strings.TrimRight(text, " \t\r\n")
		}
		addText(text, pos, !leftStrip && !plus && kind != '{' && opts.LstripBlocks)
		stripNext = rightStrip
		pos = end + len(closeDelim)
		if !rightStrip && opts.TrimBlocks && kind != '{' {
			if strings.HasPrefix(s[pos:], "\r\n") {
				pos += 2
			} else if strings.HasPrefix(s[pos:], "\n") {
				pos++
			}
		}
		line := lineAt(s, idx)
		switch kind {
		case '{':
			if strings.TrimSpace(body) == "" {
				return nil, fmt.Errorf("line %d: empty expression %q", line, s[idx:pos])
			}
			body = strings.TrimSpace(body)
			if opts.rawStrings {
				body = escapeBackslashes(body)
			}
			toks = append(toks, ttok{'{', body, line})
		case '%':
			stmt := strings.TrimSpace(body)
			if stmt == "raw" {
				raw, strip, next, err := rawBlock(s, pos, line, opts)
				if err != nil {
					return nil, err
				}
				if raw != "" {
					toks = append(toks, ttok{'t', raw, line})
				}
				stripNext, pos = strip, next
				continue
			}
			toks = append(toks, ttok{'%', stmt, line})
		}
	}
}

// nextTagStart is the index and kind ('{', '%' or '#') of the next tag
// at or after pos, or -1: the earliest, and at one index the longest
// delimiter, as Jinja's lexer matches them.
func nextTagStart(s string, pos int, d Delims) (int, byte) {
	best, kind := -1, byte(0)
	for _, k := range []byte{'{', '%', '#'} {
		i := strings.Index(s[pos:], d.start(k))
		if i < 0 {
			continue
		}
		i += pos
		if best < 0 || i < best || i == best && len(d.start(k)) > len(d.start(kind)) {
			best, kind = i, k
		}
	}
	return best, kind
}

// rawBlock reads a {% raw %} block whose body starts at pos: everything up
// to endraw is literal text. It returns that text, whether the endraw tag
// strips the text after it, and the index after the tag.
func rawBlock(s string, pos, line int, opts FileOptions) (raw string, stripNext bool, next int, err error) {
	d := opts.Delims
	bs, be := d.BlockStart, d.BlockEnd
	j := pos
	for {
		k := strings.Index(s[j:], bs)
		if k < 0 {
			return "", false, 0, fmt.Errorf("line %d: raw without endraw", line)
		}
		k += j
		e := findClose(s, k+len(bs), be, false)
		if e < 0 {
			return "", false, 0, fmt.Errorf("line %d: raw without endraw", line)
		}
		if strings.Trim(s[k+len(bs):e], " -+\t\n") == "endraw" {
			raw := s[pos:k]
			if strings.HasPrefix(s[k+len(bs):], "-") {
				raw = strings.TrimRight(raw, " \t\r\n")
			}
			stripNext = s[e-1] == '-'
			next = e + len(be)
			if !stripNext && opts.TrimBlocks && strings.HasPrefix(s[next:], "\n") {
				next++
			}
			return raw, stripNext, next, nil
		}
		j = e
	}
}

// parseNodes builds the statement tree, compiling every expression so that
// syntax errors surface at parse (load) time.
func (e *Engine) parseNodes(s string, opts FileOptions) ([]tnode, error) {
	toks, err := tokenize(s, opts)
	if err != nil {
		return nil, err
	}
	p := &tparser{e: e, toks: toks, nl: opts.NewlineSequence, blocks: map[string]bool{}, bound: map[string]bool{}}
	nodes, end, err := p.block()
	if err != nil {
		return nil, err
	}
	if end != "" {
		return nil, fmt.Errorf("line %d: unexpected {%% %s %%}", p.toks[p.i-1].line, end)
	}
	return nodes, p.checkCalls()
}

type tparser struct {
	e      *Engine
	toks   []ttok
	i      int
	nl     string
	exprs  []exprAt        // every expression parsed, for macroT's reads
	blocks map[string]bool // block names seen, each allowed once
	bound  map[string]bool // names a statement binds: they may hold macros
}

func (p *tparser) check(src string, line int) error {
	p.exprs = append(p.exprs, exprAt{src, line})
	if _, err := p.e.compile(src); err != nil {
		return fmt.Errorf("line %d: %w", line, err)
	}
	return nil
}

// block parses nodes until an end-ish statement, which it returns.
func (p *tparser) block() ([]tnode, string, error) {
	var nodes []tnode
	for p.i < len(p.toks) {
		t := p.toks[p.i]
		p.i++
		switch t.kind {
		case 't':
			// Jinja turns every line ending of the text into the
			// newline_sequence.
			s := strings.ReplaceAll(strings.ReplaceAll(t.s, "\r\n", "\n"), "\r", "\n")
			if p.nl != "\n" {
				s = strings.ReplaceAll(s, "\n", p.nl)
			}
			nodes = append(nodes, textT{s})
		case '{':
			if err := p.check(t.s, t.line); err != nil {
				return nil, "", err
			}
			nodes = append(nodes, exprT{t.s})
		case '%':
			word, rest := stmtWord(t.s)
			switch word {
			case "if":
				n, err := p.parseIf(rest, t.line)
				if err != nil {
					return nil, "", err
				}
				nodes = append(nodes, n)
			case "for":
				n, err := p.parseFor(rest, t.line)
				if err != nil {
					return nil, "", err
				}
				nodes = append(nodes, n)
			case "set":
				names, src, ok := cutAssign(rest)
				if !ok {
					n, err := p.parseSetBlock(rest, t.line)
					if err != nil {
						return nil, "", err
					}
					nodes = append(nodes, n)
					continue
				}
				n := setT{src: implicitTuple(strings.TrimSpace(src))}
				for _, nm := range strings.Split(names, ",") {
					n.names = append(n.names, strings.TrimSpace(nm))
					p.bound[strings.TrimSpace(nm)] = true
				}
				if err := p.check(n.src, t.line); err != nil {
					return nil, "", err
				}
				nodes = append(nodes, n)
			case "elif", "else":
				return nodes, t.s, nil
			default:
				if strings.HasPrefix(word, "end") {
					return nodes, t.s, nil
				}
				n, err := p.statement(word, rest, t)
				if err != nil {
					return nil, "", err
				}
				nodes = append(nodes, n)
			}
		}
	}
	return nodes, "", nil
}

func (p *tparser) parseIf(cond string, line int) (tnode, error) {
	var n ifT
	for {
		if err := p.check(cond, line); err != nil {
			return nil, err
		}
		body, end, err := p.block()
		if err != nil {
			return nil, err
		}
		n.conds = append(n.conds, cond)
		n.bodies = append(n.bodies, body)
		switch {
		case strings.HasPrefix(end, "elif "):
			cond = strings.TrimSpace(end[5:])
			line = p.toks[p.i-1].line
		case end == "else":
			els, end, err := p.block()
			if err != nil {
				return nil, err
			}
			if end != "endif" {
				return nil, fmt.Errorf("line %d: expected {%% endif %%} after {%% else %%}, got %q", line, end)
			}
			n.els = els
			return n, nil
		case end == "endif":
			return n, nil
		default:
			return nil, fmt.Errorf("line %d: {%% if %s %%} is not closed by {%% endif %%}", line, cond)
		}
	}
}

func (p *tparser) parseFor(stmt string, line int) (tnode, error) {
	names, rest, ok := strings.Cut(stmt, " in ")
	if !ok {
		return nil, fmt.Errorf("line %d: expected {%% for NAME in EXPR %%}, got %q", line, stmt)
	}
	n := forT{line: line, statementShown: stmt}
	for _, nm := range strings.Split(names, ",") {
		nm = strings.TrimSpace(nm)
		if nm == "" {
			return nil, fmt.Errorf("line %d: bad loop variable in %q", line, stmt)
		}
		n.names = append(n.names, nm)
		p.bound[nm] = true
	}
	n.iter = strings.TrimSpace(rest)
	if it, ok := cutSuffixWords(n.iter, "recursive"); ok {
		n.iter, n.recursive = it, true
	}
	// `for x in xs if cond` filters the items; a trailing `if` without a
	// matching `else` is the filter rather than a conditional expression.
	if toks, err := lex(n.iter); err == nil {
		depth := 0
		for i, t := range toks {
			if t.kind == tOp && strings.Contains("([{", t.val) {
				depth++
			} else if t.kind == tOp && strings.Contains(")]}", t.val) {
				depth--
			} else if depth == 0 && t.kind == tName && t.val == "if" {
				hasElse := false
				for _, u := range toks[i:] {
					if u.kind == tName && u.val == "else" {
						hasElse = true
					}
				}
				if !hasElse {
					n.cond = strings.TrimSpace(n.iter[t.pos+2:])
					n.iter = strings.TrimSpace(n.iter[:t.pos])
				}
				break
			}
		}
	}
	n.iter = implicitTuple(n.iter)
	if err := p.check(n.iter, line); err != nil {
		return nil, err
	}
	if n.cond != "" {
		if err := p.check(n.cond, line); err != nil {
			return nil, err
		}
	}
	body, end, err := p.block()
	if err != nil {
		return nil, err
	}
	n.body = body
	if end == "else" {
		n.hasElse = true
		if n.els, end, err = p.block(); err != nil {
			return nil, err
		}
	}
	if end != "endfor" {
		return nil, fmt.Errorf("line %d: {%% for %s %%} is not closed by {%% endfor %%}", line, stmt)
	}
	return n, nil
}

// exec renders nodes into b.
func (r *run) exec(nodes []tnode, b *strings.Builder) error {
	for _, n := range nodes {
		switch n := n.(type) {
		case textT:
			b.WriteString(n.s)
		case exprT:
			v, err := r.eval(n.src)
			if err == nil {
				v, err = strict(v)
			}
			if err != nil {
				return fmt.Errorf("in {{ %s }}: %w", n.src, err)
			}
			if v != nil { // Ansible's finalize prints None as nothing
				b.WriteString(pyfmt.Str(v))
			}
		case setT:
			v, err := r.eval(n.src)
			if err == nil {
				v, err = strict(v)
			}
			if err != nil {
				return fmt.Errorf("in {%% set %s %%}: %w", strings.Join(n.names, ", "), err)
			}
			if err := r.assign(n.names, v); err != nil {
				return err
			}
		case ifT:
			done := false
			for i, c := range n.conds {
				v, err := r.eval(c)
				if err == nil {
					v, err = strict(v)
				}
				if err != nil {
					return fmt.Errorf("in {%% if %s %%}: %w", c, err)
				}
				if truth.Truthy(v) {
					if err := r.exec(n.bodies[i], b); err != nil {
						return err
					}
					done = true
					break
				}
			}
			if !done {
				if err := r.exec(n.els, b); err != nil {
					return err
				}
			}
		case forT:
			if err := r.execFor(n, b); err != nil {
				return err
			}
		default:
			if err := r.execStmt(n, b); err != nil {
				return err
			}
		}
	}
	return nil
}

// assign binds names in the innermost scope, unpacking when several.
func (r *run) assign(names []string, v any) error {
	if r.locals == nil {
		r.locals = &scope{vars: map[string]any{}}
	}
	if len(names) == 1 {
		if obj, attr, ok := strings.Cut(names[0], "."); ok {
			return r.setAttr(strings.TrimSpace(obj), strings.TrimSpace(attr), v)
		}
		r.locals.vars[names[0]] = v
		return nil
	}
	l, err := iterate(v)
	if err != nil {
		return err
	}
	if len(l) != len(names) {
		return fmt.Errorf("cannot unpack %d values into %d names (%s)", len(l), len(names), strings.Join(names, ", "))
	}
	for i, nm := range names {
		r.locals.vars[nm] = l[i]
	}
	return nil
}
