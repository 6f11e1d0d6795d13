package template

// translate.go turns a Jinja expression into expr-lang source.
//
// Jinja's operators do not map one to one onto expr's: `and`/`or` return an
// operand rather than a bool, `+` concatenates lists, `/` is always float
// division, and undefined variables must be tolerated under `default` and
// `is defined` but be errors everywhere else. So we parse the Jinja
// expression ourselves (a small Pratt-style recursive descent parser) and
// emit expr code in which every variable read, attribute access, operator,
// filter and test is a call to a method of the run environment (see env.go).
// expr then provides compilation, caching, short-circuit evaluation (ternary
// and let) and the VM.

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

type tokKind int

const (
	tEOF tokKind = iota
	tName
	tString
	tInt
	tFloat
	tOp
)

type token struct {
	kind tokKind
	val  string
	pos  int
}

// lex splits a Jinja expression into tokens.
func lex(src string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '_' || c < 0x80 && unicode.IsLetter(rune(c)):
			j := i
			for j < len(src) && (src[j] == '_' || src[j] < 0x80 && (unicode.IsLetter(rune(src[j])) || unicode.IsDigit(rune(src[j])))) {
				j++
			}
			toks = append(toks, token{tName, src[i:j], i})
			i = j
		case c >= '0' && c <= '9':
			t, j := lexNumber(src, i)
			toks = append(toks, t)
			i = j
		case c == '\'' || c == '"':
			t, j, err := lexString(src, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, t)
			i = j
		default:
			ops := []string{"**", "//", "==", "!=", "<=", ">=", "??", "+", "-", "*", "/", "%", "~", "<", ">", "(", ")", "[", "]", "{", "}", ",", ":", ".", "|", "="}
			found := ""
			for _, op := range ops {
				if strings.HasPrefix(src[i:], op) {
					found = op
					break
				}
			}
			if found == "" {
				return nil, fmt.Errorf("unexpected character %q at %q", c, excerpt(src, i))
			}
			toks = append(toks, token{tOp, found, i})
			i += len(found)
		}
	}
	toks = append(toks, token{tEOF, "", len(src)})
	return toks, nil
}

// lexNumber reads the int or float at src[i:] (underscores allowed, as in
// Python) and returns it with the index after it.
func lexNumber(src string, i int) (token, int) {
	j := i
	isFloat := false
	for j < len(src) && (src[j] >= '0' && src[j] <= '9' || src[j] == '_') {
		j++
	}
	if j+1 < len(src) && src[j] == '.' && src[j+1] >= '0' && src[j+1] <= '9' {
		isFloat = true
		j++
		for j < len(src) && (src[j] >= '0' && src[j] <= '9' || src[j] == '_') {
			j++
		}
	}
	if j < len(src) && (src[j] == 'e' || src[j] == 'E') {
		k := j + 1
		if k < len(src) && (src[k] == '+' || src[k] == '-') {
			k++
		}
		if k < len(src) && src[k] >= '0' && src[k] <= '9' {
			isFloat = true
			for k < len(src) && src[k] >= '0' && src[k] <= '9' {
				k++
			}
			j = k
		}
	}
	kind := tInt
	if isFloat {
		kind = tFloat
	}
	return token{kind, strings.ReplaceAll(src[i:j], "_", ""), i}, j
}

// lexString reads the quoted string at src[i:], with Python's escapes,
// and returns it with the index after the closing quote.
func lexString(src string, i int) (token, int, error) {
	quote := src[i]
	var b strings.Builder
	j := i + 1
	closed := false
	for j < len(src) {
		if src[j] == quote {
			closed = true
			j++
			break
		}
		if src[j] == '\\' && j+1 < len(src) {
			j++
			switch src[j] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case '0':
				b.WriteByte(0)
			case '\\', '\'', '"':
				b.WriteByte(src[j])
			default:
				// Python keeps unknown escapes verbatim, which
				// matters for regexes such as '\d'.
				b.WriteByte('\\')
				b.WriteByte(src[j])
			}
			j++
			continue
		}
		b.WriteByte(src[j])
		j++
	}
	if !closed {
		return token{}, 0, fmt.Errorf("unterminated string starting at %q", excerpt(src, i))
	}
	return token{tString, b.String(), i}, j, nil
}

func excerpt(src string, pos int) string {
	s := src[pos:]
	if len(s) > 30 {
		s = s[:30] + "..."
	}
	return s
}

// node is the Jinja expression AST.
type node interface{}

type (
	litNode  struct{ v any }
	nameNode struct{ name string }
	listNode struct{ items []node }
	dictNode struct{ keys, vals []node }
	attrNode struct {
		obj  node
		key  node
		path string
	} // obj.key or obj[key]
	sliceNode struct{ obj, lo, hi node }
	binNode   struct {
		op   string
		l, r node
	}
	unaryNode struct {
		op string
		x  node
	}
	condNode struct{ cond, yes, no node }
	callNode struct {
		name string
		args []node
		kw   []kwArg
	}
	callvNode struct {
		fn   node
		args []node
		kw   []kwArg
	}
	methNode struct {
		obj  node
		name string
		args []node
		kw   []kwArg
	}
	filtNode struct {
		name string
		x    node
		args []node
		kw   []kwArg
	}
	testNode struct {
		name string
		x    node
		args []node
		kw   []kwArg
		neg  bool
	}
)

type kwArg struct {
	name string
	val  node
}

type parser struct {
	src  string
	toks []token
	i    int
	e    *Engine
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token { t := p.toks[p.i]; p.i++; return t }

func (p *parser) isOp(v string) bool   { t := p.peek(); return t.kind == tOp && t.val == v }
func (p *parser) isName(v string) bool { t := p.peek(); return t.kind == tName && t.val == v }

func (p *parser) errf(format string, a ...any) error {
	t := p.peek()
	where := "end of expression"
	if t.kind != tEOF {
		where = fmt.Sprintf("%q", excerpt(p.src, t.pos))
	}
	return fmt.Errorf("%s at %s", fmt.Sprintf(format, a...), where)
}

func (p *parser) expect(op string) error {
	if !p.isOp(op) {
		return p.errf("expected %q", op)
	}
	p.i++
	return nil
}

// parseJinja parses a complete Jinja expression.
func (e *Engine) parseJinja(src string) (node, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{src: src, toks: toks, e: e}
	if p.peek().kind == tEOF {
		return nil, fmt.Errorf("empty expression")
	}
	n, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	if p.peek().kind != tEOF {
		return nil, p.errf("unexpected token")
	}
	return n, nil
}

func (p *parser) parseExpr() (node, error) {
	n, err := p.parseDefault()
	if err != nil {
		return nil, err
	}
	if p.isName("if") {
		p.i++
		cond, err := p.parseDefault()
		if err != nil {
			return nil, err
		}
		var no node
		if p.isName("else") {
			p.i++
			if no, err = p.parseExpr(); err != nil {
				return nil, err
			}
		}
		return condNode{cond, n, no}, nil
	}
	return n, nil
}

// parseDefault handles expr's `??`, which we accept as a shorthand for
// default(); it binds looser than `or`.
func (p *parser) parseDefault() (node, error) {
	n, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	for p.isOp("??") {
		p.i++
		r, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		n = filtNode{name: "default", x: n, args: []node{r}}
	}
	return n, nil
}

func (p *parser) parseOr() (node, error) {
	n, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	for p.isName("or") {
		p.i++
		r, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		n = binNode{"or", n, r}
	}
	return n, nil
}

func (p *parser) parseAnd() (node, error) {
	n, err := p.parseNot()
	if err != nil {
		return nil, err
	}
	for p.isName("and") {
		p.i++
		r, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		n = binNode{"and", n, r}
	}
	return n, nil
}

func (p *parser) parseNot() (node, error) {
	if p.isName("not") {
		p.i++
		x, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		return unaryNode{"not", x}, nil
	}
	return p.parseCompare()
}

func (p *parser) parseCompare() (node, error) {
	n, err := p.parseConcat()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		var op string
		switch {
		case t.kind == tOp && (t.val == "==" || t.val == "!=" || t.val == "<" || t.val == "<=" || t.val == ">" || t.val == ">="):
			op = t.val
			p.i++
		case t.kind == tName && t.val == "in":
			op = "in"
			p.i++
		case t.kind == tName && t.val == "not" && p.toks[p.i+1].kind == tName && p.toks[p.i+1].val == "in":
			op = "not in"
			p.i += 2
		default:
			return n, nil
		}
		r, err := p.parseConcat()
		if err != nil {
			return nil, err
		}
		if op == "not in" {
			n = unaryNode{"not", binNode{"in", n, r}}
		} else {
			n = binNode{op, n, r}
		}
	}
}

func (p *parser) parseConcat() (node, error) {
	n, err := p.parseAdd()
	if err != nil {
		return nil, err
	}
	for p.isOp("~") {
		p.i++
		r, err := p.parseAdd()
		if err != nil {
			return nil, err
		}
		n = binNode{"~", n, r}
	}
	return n, nil
}

func (p *parser) parseAdd() (node, error) {
	n, err := p.parseMul()
	if err != nil {
		return nil, err
	}
	for p.isOp("+") || p.isOp("-") {
		op := p.next().val
		r, err := p.parseMul()
		if err != nil {
			return nil, err
		}
		n = binNode{op, n, r}
	}
	return n, nil
}

func (p *parser) parseMul() (node, error) {
	n, err := p.parsePow()
	if err != nil {
		return nil, err
	}
	for p.isOp("*") || p.isOp("/") || p.isOp("//") || p.isOp("%") {
		op := p.next().val
		r, err := p.parsePow()
		if err != nil {
			return nil, err
		}
		n = binNode{op, n, r}
	}
	return n, nil
}

func (p *parser) parsePow() (node, error) {
	n, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	for p.isOp("**") {
		p.i++
		r, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		n = binNode{"**", n, r}
	}
	return n, nil
}

func (p *parser) parseUnary() (node, error) {
	if p.isOp("-") || p.isOp("+") {
		op := p.next().val
		x, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		if op == "+" {
			return x, nil
		}
		return unaryNode{"neg", x}, nil
	}
	n, err := p.parsePrimary()
	if err != nil {
		return nil, err
	}
	if n, err = p.parsePostfix(n); err != nil {
		return nil, err
	}
	return p.parseFilters(n)
}

// parseFilters handles `| filter(args)` and `is [not] test(args)` chains,
// which in Jinja bind tighter than any binary operator.
func (p *parser) parseFilters(n node) (node, error) {
	for {
		switch {
		case p.isOp("|"):
			p.i++
			name, err := p.dottedName()
			if err != nil {
				return nil, err
			}
			if p.e.filters[name] == nil {
				return nil, fmt.Errorf("no filter named %q", name)
			}
			f := filtNode{name: name, x: n}
			if p.isOp("(") {
				if f.args, f.kw, err = p.parseArgs(); err != nil {
					return nil, err
				}
			}
			n = f
			if n, err = p.parsePostfix(n); err != nil {
				return nil, err
			}
		case p.isName("is"):
			p.i++
			t := testNode{x: n}
			if p.isName("not") {
				p.i++
				t.neg = true
			}
			name, err := p.dottedName()
			if err != nil {
				return nil, err
			}
			if p.e.tests[name] == nil {
				return nil, fmt.Errorf("no test named %q", name)
			}
			t.name = name
			if p.isOp("(") {
				if t.args, t.kw, err = p.parseArgs(); err != nil {
					return nil, err
				}
			} else if k := p.peek().kind; k == tString || k == tInt || k == tFloat {
				// Jinja allows one bare argument: `x is divisibleby 3`.
				a, err := p.parsePrimary()
				if err != nil {
					return nil, err
				}
				t.args = []node{a}
			}
			n = t
		default:
			return n, nil
		}
	}
}

// dottedName reads a filter or test name; collection prefixes such as
// ansible.builtin. are dropped since we have one flat namespace.
func (p *parser) dottedName() (string, error) {
	t := p.peek()
	if t.kind != tName {
		return "", p.errf("expected a name")
	}
	p.i++
	name := t.val
	for p.isOp(".") && p.toks[p.i+1].kind == tName {
		p.i++
		name = p.next().val
	}
	return name, nil
}

func (p *parser) parseArgs() ([]node, []kwArg, error) {
	if err := p.expect("("); err != nil {
		return nil, nil, err
	}
	var args []node
	var kw []kwArg
	for !p.isOp(")") {
		if p.peek().kind == tName && p.toks[p.i+1].kind == tOp && p.toks[p.i+1].val == "=" {
			name := p.next().val
			p.i++
			v, err := p.parseExpr()
			if err != nil {
				return nil, nil, err
			}
			kw = append(kw, kwArg{name, v})
		} else {
			if len(kw) > 0 {
				return nil, nil, p.errf("positional argument after keyword argument")
			}
			v, err := p.parseExpr()
			if err != nil {
				return nil, nil, err
			}
			args = append(args, v)
		}
		if !p.isOp(",") {
			break
		}
		p.i++
	}
	if err := p.expect(")"); err != nil {
		return nil, nil, err
	}
	return args, kw, nil
}

func (p *parser) parsePrimary() (node, error) {
	t := p.next()
	switch t.kind {
	case tString:
		s := t.val
		// Adjacent string literals concatenate, as in Python.
		for p.peek().kind == tString {
			s += p.next().val
		}
		return litNode{s}, nil
	case tInt:
		v, err := strconv.Atoi(t.val)
		if err != nil {
			return nil, fmt.Errorf("bad integer %q", t.val)
		}
		return litNode{v}, nil
	case tFloat:
		v, err := strconv.ParseFloat(t.val, 64)
		if err != nil {
			return nil, fmt.Errorf("bad number %q", t.val)
		}
		return litNode{v}, nil
	case tName:
		return p.parseName(t)
	case tOp:
		switch t.val {
		case "(":
			return p.parseParen()
		case "[":
			return p.parseList()
		case "{":
			return p.parseDict()
		}
	}
	p.i--
	return nil, p.errf("unexpected token")
}

// parseName parses a constant, a call of a global function or a variable.
func (p *parser) parseName(t token) (node, error) {
	switch t.val {
	case "true", "True":
		return litNode{true}, nil
	case "false", "False":
		return litNode{false}, nil
	case "none", "None":
		return litNode{nil}, nil
	case "and", "or", "not", "if", "else", "is", "in":
		p.i--
		return nil, p.errf("unexpected keyword %q", t.val)
	}
	if p.isOp("(") {
		args, kw, err := p.parseArgs()
		if err != nil {
			return nil, err
		}
		if globalFuncs[t.val] || statementFuncs[t.val] {
			return callNode{t.val, args, kw}, nil
		}
		// A macro, caller(), super() or loop(): a callable local
		// (statements_call.go); the parser checks the name is one.
		return callvNode{nameNode{t.val}, args, kw}, nil
	}
	return nameNode{t.val}, nil
}

// parseParen parses a parenthesised expression or a tuple (after the "(").
func (p *parser) parseParen() (node, error) {
	if p.isOp(")") {
		p.i++
		return listNode{}, nil
	}
	n, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	if p.isOp(",") { // tuple; we represent it as a list
		items := []node{n}
		for p.isOp(",") {
			p.i++
			if p.isOp(")") {
				break
			}
			it, err := p.parseExpr()
			if err != nil {
				return nil, err
			}
			items = append(items, it)
		}
		n = listNode{items}
	}
	return n, p.expect(")")
}

// parseList parses a list literal (after the "[").
func (p *parser) parseList() (node, error) {
	var items []node
	for !p.isOp("]") {
		it, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		items = append(items, it)
		if !p.isOp(",") {
			break
		}
		p.i++
	}
	return listNode{items}, p.expect("]")
}

// parseDict parses a dict literal (after the "{").
func (p *parser) parseDict() (node, error) {
	var d dictNode
	for !p.isOp("}") {
		k, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		if err := p.expect(":"); err != nil {
			return nil, err
		}
		v, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		d.keys, d.vals = append(d.keys, k), append(d.vals, v)
		if !p.isOp(",") {
			break
		}
		p.i++
	}
	return d, p.expect("}")
}

func (p *parser) parsePostfix(n node) (node, error) {
	for {
		switch {
		case p.isOp("."):
			p.i++
			t := p.next()
			if t.kind != tName && t.kind != tInt {
				p.i--
				return nil, p.errf("expected attribute name")
			}
			if t.kind == tName && p.isOp("(") {
				args, kw, err := p.parseArgs()
				if err != nil {
					return nil, err
				}
				n = methNode{n, t.val, args, kw}
				continue
			}
			var key any = t.val
			if t.kind == tInt { // a.0 is Jinja for a[0]
				key, _ = strconv.Atoi(t.val)
			}
			n = attrNode{n, litNode{key}, pathOf(n) + "." + t.val}
		case p.isOp("["):
			p.i++
			var lo, hi node
			var err error
			if !p.isOp(":") {
				if lo, err = p.parseExpr(); err != nil {
					return nil, err
				}
			}
			if p.isOp(":") {
				p.i++
				if !p.isOp("]") {
					if hi, err = p.parseExpr(); err != nil {
						return nil, err
					}
				}
				n = sliceNode{n, lo, hi}
			} else {
				path := pathOf(n) + "[...]"
				if l, ok := lo.(litNode); ok {
					if s, ok := l.v.(string); ok {
						path = pathOf(n) + "." + s
					} else {
						path = fmt.Sprintf("%s[%v]", pathOf(n), l.v)
					}
				}
				n = attrNode{n, lo, path}
			}
			if err := p.expect("]"); err != nil {
				return nil, err
			}
		default:
			return n, nil
		}
	}
}

// pathOf names an expression in undefined-variable errors.
func pathOf(n node) string {
	switch n := n.(type) {
	case nameNode:
		return n.name
	case attrNode:
		return n.path
	case methNode:
		return pathOf(n.obj) + "." + n.name + "()"
	}
	return "(expression)"
}

// globalFuncs are the callable names outside filters and methods.
var globalFuncs = map[string]bool{"range": true, "lookup": true, "query": true, "q": true, "dict": true, "undef": true}

// emitter writes expr source for a node.
type emitter struct {
	b    strings.Builder
	lets int
}

func (e *emitter) str(s string) { e.b.WriteString(strconv.Quote(s)) }

// emit writes n; lazy means an undefined value is allowed to flow (as an
// Undefined) rather than failing right away, which is what default(),
// mandatory and `is defined` need.
func (e *emitter) emit(n node, lazy bool) {
	w := e.b.WriteString
	switch n := n.(type) {
	case litNode:
		e.emitLit(n.v)
	case nameNode:
		if lazy {
			w("L(")
		} else {
			w("V(")
		}
		e.str(n.name)
		w(")")
	case listNode:
		e.emitList(n)
	case dictNode:
		e.emitDict(n)
	case attrNode:
		if lazy {
			w("LA(")
		} else {
			w("A(")
		}
		e.emit(n.obj, lazy)
		w(", ")
		e.emit(n.key, false)
		w(", ")
		e.str(n.path)
		w(")")
	case sliceNode:
		w("Slice(")
		e.emit(n.obj, false)
		for _, x := range []node{n.lo, n.hi} {
			w(", ")
			if x == nil {
				w("nil")
			} else {
				e.emit(x, false)
			}
		}
		w(")")
	case binNode:
		e.emitBin(n)
	case unaryNode:
		if n.op == "not" {
			w("!Truthy(")
		} else {
			w("Neg(")
		}
		e.emit(n.x, false)
		w(")")
	case condNode:
		e.emitCond(n, lazy)
	case callvNode:
		w("CallV(")
		e.emit(n.fn, false)
		e.args(n.args, n.kw)
		w(")")
	case callNode:
		if statementFuncs[n.name] {
			w("SF(")
			e.str(n.name)
			e.args(n.args, n.kw)
			w(")")
			break
		}
		w("Call(")
		e.str(n.name)
		e.args(n.args, n.kw)
		w(")")
	case methNode:
		w("M(")
		e.emit(n.obj, false)
		w(", ")
		e.str(n.name)
		e.args(n.args, n.kw)
		w(")")
	case filtNode:
		w("F(")
		e.str(n.name)
		w(", ")
		e.emit(n.x, lazyFilters[n.name])
		e.args(n.args, n.kw)
		w(")")
	case testNode:
		if n.neg {
			w("!")
		}
		w("T(")
		e.str(n.name)
		w(", ")
		e.emit(n.x, lazyTests[n.name])
		e.args(n.args, n.kw)
		w(")")
	}
}

// emitLit writes a literal; a float keeps its point, as Python prints it.
func (e *emitter) emitLit(lit any) {
	w := e.b.WriteString
	switch v := lit.(type) {
	case nil:
		w("nil")
	case bool:
		w(strconv.FormatBool(v))
	case int:
		w(strconv.Itoa(v))
	case float64:
		s := strconv.FormatFloat(v, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		w(s)
	case string:
		e.str(v)
	}
}

func (e *emitter) emitList(n listNode) {
	w := e.b.WriteString
	w("[")
	for i, it := range n.items {
		if i > 0 {
			w(", ")
		}
		e.emit(it, false)
	}
	w("]")
}

func (e *emitter) emitDict(n dictNode) {
	w := e.b.WriteString
	w("Dict(")
	for i := range n.keys {
		if i > 0 {
			w(", ")
		}
		e.emit(n.keys[i], false)
		w(", ")
		e.emit(n.vals[i], false)
	}
	w(")")
}

func (e *emitter) emitBin(n binNode) {
	w := e.b.WriteString
	switch n.op {
	case "and", "or":
		// Jinja's and/or yield an operand; let keeps the left side
		// evaluated once while the ternary keeps short-circuiting.
		e.lets++
		v := fmt.Sprintf("_t%d", e.lets)
		w("(let " + v + " = ")
		e.emit(n.l, false)
		w("; Truthy(" + v + ") ? ")
		if n.op == "and" {
			e.emit(n.r, false)
			w(" : " + v + ")")
		} else {
			w(v + " : ")
			e.emit(n.r, false)
			w(")")
		}
	default:
		w("Op(")
		e.str(n.op)
		w(", ")
		e.emit(n.l, false)
		w(", ")
		e.emit(n.r, false)
		w(")")
	}
}

func (e *emitter) emitCond(n condNode, lazy bool) {
	w := e.b.WriteString
	w("(Truthy(")
	e.emit(n.cond, false)
	w(") ? ")
	e.emit(n.yes, lazy)
	w(" : ")
	if n.no == nil {
		// Jinja yields an undefined that renders as ''; we use ''
		// directly so that `{{ ',' if not loop.last }}` works.
		w(`""`)
	} else {
		e.emit(n.no, lazy)
	}
	w(")")
}

func (e *emitter) args(args []node, kw []kwArg) {
	for _, a := range args {
		e.b.WriteString(", ")
		e.emit(a, false)
	}
	if len(kw) > 0 {
		e.b.WriteString(", Kw(")
		for i, k := range kw {
			if i > 0 {
				e.b.WriteString(", ")
			}
			e.str(k.name)
			e.b.WriteString(", ")
			e.emit(k.val, false)
		}
		e.b.WriteString(")")
	}
}

// lazyFilters and lazyTests receive their input unevaluated-if-undefined.
var (
	lazyFilters = map[string]bool{"default": true, "d": true, "mandatory": true}
	lazyTests   = map[string]bool{"defined": true, "undefined": true}
)

// translate converts a Jinja expression to expr source.
func (e *Engine) translate(src string) (string, error) {
	n, err := e.parseJinja(src)
	if err != nil {
		return "", err
	}
	var em emitter
	em.emit(n, false)
	return em.b.String(), nil
}
