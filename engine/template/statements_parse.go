package template

// statements_parse.go parses the template statements beyond if/for/set:
// macro and call, include, import and from-import, extends and block,
// filter, with, and set blocks. What Ansible's Jinja would refuse at
// parse time (break and continue without the loopcontrols extension, do)
// is refused here too, at load time, with the line.

import (
	"fmt"
	"strings"
)

type (
	param struct {
		name string
		def  string // default expression, "" when required
	}
	macroT struct {
		name            string
		params          []param
		body            []tnode
		line            int
		varargs, kwargs bool // the body reads varargs / kwargs
		callerUsed      bool // the body reads caller
	}
	callT struct {
		params  []param // of the caller: {% call(a, b) m() %}
		call    string  // the macro call expression, caller=... added
		body    []tnode
		line    int
		kwargs  bool // the call block's body reads kwargs
		varargs bool // ... or varargs
	}
	includeT struct {
		name          string // expression
		ignoreMissing bool
		noContext     bool
		line          int
	}
	importT struct {
		name      string // expression
		alias     string // import ... as alias
		names     [][2]string
		context   bool
		line      int
		fromStyle bool
	}
	extendsT struct {
		name string
		line int
	}
	blockT struct {
		name     string
		body     []tnode
		scoped   bool
		required bool
		line     int
	}
	filterT struct {
		chain string // the filters, as after a "|"
		body  []tnode
		line  int
	}
	withT struct {
		names [][]string
		srcs  []string
		body  []tnode
	}
	setBlockT struct {
		names []string
		chain string // optional filters applied to the body
		body  []tnode
		line  int
	}
)

// stmtWord splits a statement into its keyword and the rest:
// "call(x) m()" is "call" and "(x) m()".
func stmtWord(s string) (string, string) {
	i := 0
	for i < len(s) && (s[i] == '_' || s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z' || s[i] >= '0' && s[i] <= '9') {
		i++
	}
	return s[:i], strings.TrimSpace(s[i:])
}

// cutAssign splits "a, b = expr" at its assignment; ok is false when the
// statement has no "=" after a list of (dotted) names, as in a set block.
func cutAssign(s string) (names, src string, ok bool) {
	toks, err := lex(s)
	if err != nil {
		return "", "", false
	}
	for _, t := range toks {
		switch {
		case t.kind == tName:
		case t.kind == tOp && (t.val == "," || t.val == "."):
		case t.kind == tOp && t.val == "=":
			return s[:t.pos], s[t.pos+1:], true
		default:
			return "", "", false
		}
	}
	return "", "", false
}

// implicitTuple parenthesises "1, 2": Jinja reads a bare comma list as
// a tuple after "set x =" and "for x in".
func implicitTuple(src string) string {
	if len(splitTop(src, ',')) > 1 {
		return "(" + src + ")"
	}
	return src
}

// splitTop splits s at sep outside quotes and brackets.
func splitTop(s string, sep byte) []string {
	var out []string
	var quote byte
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '(' || c == '[' || c == '{':
			depth++
		case c == ')' || c == ']' || c == '}':
			depth--
		case c == sep && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// statement parses the statements that file.go's block does not know.
func (p *tparser) statement(word, rest string, t ttok) (tnode, error) {
	switch word {
	case "macro":
		return p.parseMacro(rest, t.line)
	case "call":
		return p.parseCall(rest, t.line)
	case "include":
		return p.parseInclude(rest, t.line)
	case "import", "from":
		return p.parseImport(word, rest, t.line)
	case "extends":
		if err := p.check(rest, t.line); err != nil {
			return nil, err
		}
		return extendsT{name: rest, line: t.line}, nil
	case "block":
		return p.parseBlock(rest, t.line)
	case "filter":
		body, err := p.body("endfilter", "filter", t.line)
		if err != nil {
			return nil, err
		}
		if err := p.check("_ | "+rest, t.line); err != nil {
			return nil, err
		}
		return filterT{chain: rest, body: body, line: t.line}, nil
	case "with":
		return p.parseWith(rest, t.line)
	case "break", "continue":
		return nil, fmt.Errorf("line %d: Encountered unknown tag '%s': Ansible's Jinja does not load the loopcontrols extension (use {%% for x in xs if cond %%})", t.line, word)
	case "do":
		return nil, fmt.Errorf("line %d: Encountered unknown tag 'do': Ansible's Jinja does not load the do extension (use {%% set _ = ... %%})", t.line)
	}
	return nil, fmt.Errorf("line %d: unknown statement {%% %s %%}", t.line, t.s)
}

// body parses nodes up to the end statement want (with an optional name
// after it, as in "endblock name" or "endmacro name").
func (p *tparser) body(want, what string, line int) ([]tnode, error) {
	nodes, end, err := p.block()
	if err != nil {
		return nil, err
	}
	if w, _ := stmtWord(end); w != want {
		if end == "" {
			return nil, fmt.Errorf("line %d: {%% %s %%} is not closed by {%% %s %%}", line, what, want)
		}
		return nil, fmt.Errorf("line %d: expected {%% %s %%} closing {%% %s %%} of line %d, got {%% %s %%}", p.toks[p.i-1].line, want, what, line, end)
	}
	return nodes, nil
}

// parseParams reads "(a, b=1, c='x')".
func (p *tparser) parseParams(s string, line int) ([]param, error) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "(") || !strings.HasSuffix(s, ")") {
		return nil, fmt.Errorf("line %d: expected (parameters), got %q", line, s)
	}
	inner := strings.TrimSpace(s[1 : len(s)-1])
	if inner == "" {
		return nil, nil
	}
	var out []param
	for _, part := range splitTop(inner, ',') {
		name, def, hasDef := strings.Cut(part, "=")
		name, def = strings.TrimSpace(name), strings.TrimSpace(def)
		if w, r := stmtWord(name); w == "" || r != "" {
			return nil, fmt.Errorf("line %d: bad parameter %q", line, part)
		}
		if hasDef {
			if err := p.check(def, line); err != nil {
				return nil, err
			}
		} else if len(out) > 0 && out[len(out)-1].def != "" {
			return nil, fmt.Errorf("line %d: non-default argument %s follows default argument", line, name)
		}
		out = append(out, param{name, def})
		p.bound[name] = true
	}
	return out, nil
}

func (p *tparser) parseMacro(rest string, line int) (tnode, error) {
	name, params := stmtWord(rest)
	if name == "" {
		return nil, fmt.Errorf("line %d: expected {%% macro NAME(...) %%}", line)
	}
	ps, err := p.parseParams(params, line)
	if err != nil {
		return nil, err
	}
	p.bound[name] = true
	first := len(p.exprs)
	body, err := p.body("endmacro", "macro "+name, line)
	if err != nil {
		return nil, err
	}
	m := macroT{name: name, params: ps, body: body, line: line}
	m.varargs, m.kwargs, m.callerUsed = p.reads(first, "varargs"), p.reads(first, "kwargs"), p.reads(first, "caller")
	return m, nil
}

// reads reports whether an expression parsed since exprs[first] names
// the variable name: Jinja lets a macro take extra arguments only when
// its body reads varargs or kwargs, and caller only when it reads caller.
func (p *tparser) reads(first int, name string) bool {
	for _, x := range p.exprs[first:] {
		toks, err := lex(x.src)
		if err != nil {
			continue
		}
		for i, t := range toks {
			if t.kind == tName && t.val == name && (i == 0 || toks[i-1].val != ".") {
				return true
			}
		}
	}
	return false
}

func (p *tparser) parseCall(rest string, line int) (tnode, error) {
	var n callT
	n.line = line
	if strings.HasPrefix(rest, "(") {
		end, depth := len(rest), 0
		for i := 0; i < len(rest); i++ {
			if rest[i] == '(' {
				depth++
			} else if rest[i] == ')' {
				depth--
				if depth == 0 {
					end = i + 1
					break
				}
			}
		}
		ps, err := p.parseParams(rest[:end], line)
		if err != nil {
			return nil, err
		}
		n.params, rest = ps, strings.TrimSpace(rest[end:])
	}
	toks, err := lex(rest)
	if err != nil || len(toks) < 3 || toks[len(toks)-2].val != ")" {
		return nil, fmt.Errorf("line %d: expected {%% call macro(...) %%}, got %q", line, rest)
	}
	if toks[len(toks)-3].val == "(" && toks[len(toks)-3].kind == tOp {
		n.call = rest[:len(rest)-1] + "caller=__caller)"
	} else {
		n.call = rest[:len(rest)-1] + ", caller=__caller)"
	}
	if err := p.check(n.call, line); err != nil {
		return nil, err
	}
	first := len(p.exprs)
	body, err := p.body("endcall", "call", line)
	if err != nil {
		return nil, err
	}
	n.body = body
	n.varargs, n.kwargs = p.reads(first, "varargs"), p.reads(first, "kwargs")
	return n, nil
}

// cutSuffixWords removes a trailing phrase such as "ignore missing".
func cutSuffixWords(s, words string) (string, bool) {
	f := strings.Fields(s)
	w := strings.Fields(words)
	if len(f) <= len(w) {
		return s, false
	}
	for i := range w {
		if f[len(f)-len(w)+i] != w[i] {
			return s, false
		}
	}
	return strings.Join(f[:len(f)-len(w)], " "), true
}

// contextSuffix strips "with context" / "without context"; ok tells
// which was written, def when neither was.
func contextSuffix(s string, def bool) (string, bool) {
	if r, ok := cutSuffixWords(s, "with context"); ok {
		return r, true
	}
	if r, ok := cutSuffixWords(s, "without context"); ok {
		return r, false
	}
	return s, def
}

func (p *tparser) parseInclude(rest string, line int) (tnode, error) {
	n := includeT{line: line}
	var ctx bool
	rest, ctx = contextSuffix(rest, true)
	n.noContext = !ctx
	rest, n.ignoreMissing = cutSuffixWords(rest, "ignore missing")
	n.name = rest
	return n, p.check(rest, line)
}

func (p *tparser) parseImport(word, rest string, line int) (tnode, error) {
	n := importT{line: line, fromStyle: word == "from"}
	rest, n.context = contextSuffix(rest, false)
	sep := " as "
	if n.fromStyle {
		sep = " import "
	}
	i := strings.LastIndex(rest, sep)
	if i < 0 {
		return nil, fmt.Errorf("line %d: expected {%% %s TEMPLATE%sNAME %%}, got %q", line, word, sep, rest)
	}
	n.name, rest = strings.TrimSpace(rest[:i]), strings.TrimSpace(rest[i+len(sep):])
	if err := p.check(n.name, line); err != nil {
		return nil, err
	}
	if !n.fromStyle {
		if w, r := stmtWord(rest); w == "" || r != "" {
			return nil, fmt.Errorf("line %d: bad import name %q", line, rest)
		}
		n.alias = rest
		return n, nil
	}
	for _, part := range strings.Split(rest, ",") {
		f := strings.Fields(part)
		switch {
		case len(f) == 1:
			n.names = append(n.names, [2]string{f[0], f[0]})
			p.bound[f[0]] = true
		case len(f) == 3 && f[1] == "as":
			n.names = append(n.names, [2]string{f[0], f[2]})
			p.bound[f[2]] = true
		default:
			return nil, fmt.Errorf("line %d: bad import list %q", line, rest)
		}
	}
	return n, nil
}

func (p *tparser) parseBlock(rest string, line int) (tnode, error) {
	f := strings.Fields(rest)
	if len(f) == 0 {
		return nil, fmt.Errorf("line %d: expected {%% block NAME %%}", line)
	}
	n := blockT{name: f[0], line: line}
	for _, w := range f[1:] {
		switch w {
		case "scoped":
			n.scoped = true
		case "required":
			n.required = true
		default:
			return nil, fmt.Errorf("line %d: unexpected %q in {%% block %s %%}", line, w, rest)
		}
	}
	body, err := p.body("endblock", "block "+n.name, line)
	if err != nil {
		return nil, err
	}
	if end := p.toks[p.i-1].s; end != "endblock" && strings.TrimSpace(strings.TrimPrefix(end, "endblock")) != n.name {
		return nil, fmt.Errorf("line %d: {%% %s %%} does not close {%% block %s %%}", p.toks[p.i-1].line, end, n.name)
	}
	if p.blocks[n.name] {
		return nil, fmt.Errorf("line %d: block '%s' defined twice", line, n.name)
	}
	p.blocks[n.name] = true
	n.body = body
	return n, nil
}

func (p *tparser) parseWith(rest string, line int) (tnode, error) {
	var n withT
	if strings.TrimSpace(rest) != "" {
		for _, part := range splitTop(rest, ',') {
			names, src, ok := cutAssign(part)
			if !ok {
				return nil, fmt.Errorf("line %d: expected {%% with name = value, ... %%}, got %q", line, rest)
			}
			var nm []string
			for _, x := range strings.Split(names, ",") {
				nm = append(nm, strings.TrimSpace(x))
				p.bound[strings.TrimSpace(x)] = true
			}
			if err := p.check(strings.TrimSpace(src), line); err != nil {
				return nil, err
			}
			n.names, n.srcs = append(n.names, nm), append(n.srcs, strings.TrimSpace(src))
		}
	}
	body, err := p.body("endwith", "with", line)
	n.body = body
	return n, err
}

func (p *tparser) parseSetBlock(rest string, line int) (tnode, error) {
	names, chain, _ := strings.Cut(rest, "|")
	n := setBlockT{line: line, chain: strings.TrimSpace(chain)}
	for _, nm := range strings.Split(names, ",") {
		nm = strings.TrimSpace(nm)
		if w, r := stmtWord(nm); w == "" || r != "" {
			return nil, fmt.Errorf("line %d: expected {%% set NAME = VALUE %%} or {%% set NAME %%}...{%% endset %%}, got %q", line, rest)
		}
		n.names = append(n.names, nm)
		p.bound[nm] = true
	}
	if n.chain != "" {
		if err := p.check("_ | "+n.chain, line); err != nil {
			return nil, err
		}
	}
	body, err := p.body("endset", "set "+names, line)
	n.body = body
	return n, err
}
