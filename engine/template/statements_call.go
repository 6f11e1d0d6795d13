package template

// statements_call.go holds the values a template can call: macros,
// caller() in a call block, super() in a block, loop() of a recursive
// loop, loop.cycle(), and the Jinja globals namespace(), cycler() and
// joiner(). Calls reach them through env.CallV (a name called) and env.M
// (an attribute called: forms.input(), loop.cycle()).

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/haplay/haplay/engine/pyfmt"
)

// maxCallDepth bounds nested macro calls, includes and recursive loops:
// a macro calling itself without end would otherwise exhaust the stack
// (Python raises RecursionError there).
const maxCallDepth = 200

// callable is a value a template may call.
type callable interface {
	call(r *run, pos []any, kw kwargs) (any, error)
}

// funcVal is a callable written in Go (loop.cycle, joiner, cycler.next).
type funcVal func(pos []any, kw kwargs) (any, error)

func (f funcVal) call(_ *run, pos []any, kw kwargs) (any, error) { return f(pos, kw) }

// macroVal is a macro bound to where it was defined: the run holding its
// variables and the scope around its definition.
type macroVal struct {
	m       *macroT
	closure *scope
	owner   *run
}

func (mv macroVal) call(_ *run, pos []any, kw kwargs) (any, error) {
	m, r := mv.m, mv.owner
	if err := r.enter(); err != nil {
		return nil, err
	}
	defer r.leave()
	sc := &scope{vars: map[string]any{}, parent: mv.closure}
	saved := r.locals
	r.locals = sc
	defer func() { r.locals = saved }()
	rest := map[string]any{}
	for k, v := range kw {
		rest[k] = v
	}
	for i, p := range m.params {
		v, given := rest[p.name]
		switch {
		case i < len(pos):
			if given {
				return nil, fmt.Errorf("macro '%s' got multiple values for argument '%s'", m.name, p.name)
			}
			v = pos[i]
		case given:
		case p.def != "":
			var err error
			if v, err = r.eval(p.def); err != nil {
				return nil, fmt.Errorf("macro '%s' default of %s: %w", m.name, p.name, err)
			}
		default:
			// Jinja: a missing argument is undefined, an error once used.
			v = Undefined{Name: fmt.Sprintf("%s (macro '%s' was called without it)", p.name, m.name)}
		}
		delete(rest, p.name)
		sc.vars[p.name] = v
	}
	if err := mv.bindExtra(sc, pos, rest); err != nil {
		return nil, err
	}
	var b strings.Builder
	if err := r.exec(m.body, &b); err != nil {
		return nil, fmt.Errorf("in macro %s: %w", m.name, err)
	}
	return b.String(), nil
}

// bindExtra binds varargs, kwargs and caller, refusing what the macro's
// body never reads, as Jinja does.
func (mv macroVal) bindExtra(sc *scope, pos []any, rest map[string]any) error {
	m := mv.m
	if c, ok := rest["caller"]; ok {
		if !m.callerUsed {
			return fmt.Errorf("macro '%s' was invoked with a call block but does not use caller()", m.name)
		}
		sc.vars["caller"] = c
		delete(rest, "caller")
	} else if m.callerUsed {
		sc.vars["caller"] = Undefined{Name: "caller"}
	}
	extra := []any{}
	if len(pos) > len(m.params) {
		extra = append(extra, pos[len(m.params):]...)
	}
	if m.varargs {
		sc.vars["varargs"] = pyfmt.Tuple(extra)
	} else if len(extra) > 0 {
		return fmt.Errorf("macro '%s' takes not more than %d argument(s)", m.name, len(m.params))
	}
	if m.kwargs {
		sc.vars["kwargs"] = rest
	} else if len(rest) > 0 {
		keys := make([]string, 0, len(rest))
		for k := range rest {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return fmt.Errorf("macro '%s' takes no keyword argument '%s'", m.name, keys[0])
	}
	return nil
}

// enter counts one more nested call; leave undoes it.
func (r *run) enter() error {
	if r.tc == nil {
		return errors.New("macros need a template file")
	}
	*r.tc.depth++
	if *r.tc.depth > maxCallDepth {
		*r.tc.depth--
		return fmt.Errorf("macros, includes or recursive loops nested deeper than %d", maxCallDepth)
	}
	return nil
}

func (r *run) leave() { *r.tc.depth-- }

// CallV calls a callable value: a macro, caller, super or loop.
func (e env) CallV(fn any, args ...any) (any, error) {
	pos, kw := splitArgs(args)
	fn = e.r.unwrap(fn)
	if m, ok := fn.(map[string]any); ok && m[loopCallKey] != nil {
		fn = m[loopCallKey]
	}
	if c, ok := fn.(callable); ok {
		if err := e.r.step(); err != nil {
			return nil, err
		}
		return c.call(e.r, pos, kw)
	}
	if _, err := strict(fn); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("'%s' object is not callable", typeName(fn))
}

// attrCall is obj.name(...) when obj holds a callable under name (an
// imported template's macro, loop.cycle, cycler.next).
func attrCall(r *run, obj any, name string, args []any) (any, bool, error) {
	var v any
	switch m := obj.(type) {
	case map[string]any:
		v = m[name]
	case namespace:
		v = m[name]
	default:
		return nil, false, nil
	}
	c, ok := v.(callable)
	if !ok {
		return nil, false, nil
	}
	pos, kw := splitArgs(args)
	out, err := c.call(r, pos, kw)
	return out, true, err
}

// loopCallKey holds, in a recursive loop's loop variable, what loop(...)
// calls.
const loopCallKey = "__call__"

// namespace is Jinja's namespace(): the one object {% set ns.x = ... %}
// may assign to, so that a value can leave a loop's scope.
type namespace map[string]any

// PyRepr is how Jinja prints a namespace.
func (n namespace) PyRepr() string { return "<Namespace " + pyfmt.Repr(map[string]any(n)) + ">" }

// String is how Jinja prints a macro.
func (mv macroVal) String() string { return fmt.Sprintf("<Macro '%s'>", mv.m.name) }

// String stands for a Python bound method.
func (funcVal) String() string { return "<function>" }

// statementFuncs are the Jinja globals handled here (SF).
var statementFuncs = map[string]bool{"namespace": true, "cycler": true, "joiner": true}

// SF runs namespace(), cycler() or joiner().
func (e env) SF(name string, args ...any) (any, error) {
	pos, kw := splitArgs(args)
	switch name {
	case "namespace":
		ns := namespace{}
		for _, p := range pos {
			m, ok := asMap(p)
			if !ok {
				return nil, fmt.Errorf("namespace() takes a dict, got %s", typeName(p))
			}
			for k, v := range m {
				ns[k] = v
			}
		}
		for k, v := range kw {
			ns[k] = v
		}
		return ns, nil
	case "joiner":
		sep := ", "
		if len(pos) > 0 {
			sep = pyfmt.Str(pos[0])
		} else if s, ok := kw["sep"]; ok {
			sep = pyfmt.Str(s)
		}
		used := false
		return funcVal(func([]any, kwargs) (any, error) {
			if !used {
				used = true
				return "", nil
			}
			return sep, nil
		}), nil
	case "cycler":
		return newCycler(pos)
	}
	return nil, fmt.Errorf("no function named %q", name)
}

// newCycler is Jinja's cycler(): next() yields the items in turn,
// current is the item next() yields next, reset() starts over.
func newCycler(items []any) (any, error) {
	if len(items) == 0 {
		return nil, errors.New("at least one item has to be provided to cycler()")
	}
	c := map[string]any{"current": items[0]}
	i := 0
	c["next"] = funcVal(func([]any, kwargs) (any, error) {
		v := items[i]
		i = (i + 1) % len(items)
		c["current"] = items[i]
		return v, nil
	})
	c["reset"] = funcVal(func([]any, kwargs) (any, error) {
		i = 0
		c["current"] = items[0]
		return nil, nil
	})
	return c, nil
}

// implicitCallables are the names Jinja binds to callables by itself.
var implicitCallables = map[string]bool{"caller": true, "super": true, "loop": true}

// keywordOps are Jinja's word operators: "not (x)" and "a and (b)" are
// no calls.
var keywordOps = map[string]bool{"and": true, "or": true, "not": true, "in": true, "is": true, "if": true, "else": true}

// calledNames are the names called as functions in src: name( not
// after ".", "|" or "is [not]" (methods, filters and tests).
func calledNames(src string) []string {
	toks, err := lex(src)
	if err != nil {
		return nil
	}
	var out []string
	for i := 0; i+1 < len(toks); i++ {
		t := toks[i]
		if t.kind != tName || toks[i+1].kind != tOp || toks[i+1].val != "(" || keywordOps[t.val] {
			continue
		}
		if i > 0 {
			prev := toks[i-1]
			if prev.val == "." || prev.val == "|" || prev.kind == tName && prev.val == "is" {
				continue
			}
			if prev.kind == tName && prev.val == "not" && i > 1 && toks[i-2].val == "is" {
				continue
			}
		}
		out = append(out, t.val)
	}
	return out
}

// checkCalls refuses, at parse time, a call of a name that is neither a
// function nor anything the template binds (a macro, an import, a
// parameter), as the old static check did.
func (p *tparser) checkCalls() error {
	for _, x := range p.exprs {
		for _, name := range calledNames(x.src) {
			if !globalFuncs[name] && !statementFuncs[name] && !implicitCallables[name] && !p.bound[name] {
				return fmt.Errorf("line %d: no function named %q", x.line, name)
			}
		}
	}
	return nil
}

// checkExprCalls is checkCalls for a bare expression (when:, that:).
func checkExprCalls(src string) error {
	for _, name := range calledNames(src) {
		if !globalFuncs[name] && !statementFuncs[name] {
			return fmt.Errorf("syntax error in expression %q: no function named %q", src, name)
		}
	}
	return nil
}

type exprAt struct {
	src  string
	line int
}
