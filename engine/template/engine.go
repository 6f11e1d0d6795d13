// Package template evaluates Ansible's Jinja-like expressions and renders
// templates. Expressions are translated to expr-lang source (translate.go),
// compiled once per Engine and cached; template text is parsed once and
// cached too (file.go).
package template

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"

	"github.com/haplay/haplay/engine/jinja"
	"github.com/haplay/haplay/engine/pyfmt"
	"github.com/haplay/haplay/engine/truth"
)

// DefaultMaxDepth bounds lazy variable resolution (a var whose value is a
// template naming another var, and so on).
const DefaultMaxDepth = 64

// cacheLimit caps each cache; beyond it the cache is dropped rather than
// grown without bound by templates that are built dynamically.
const cacheLimit = 20000

// Engine evaluates expressions and templates. It is safe for concurrent use;
// its caches belong to it alone.
type Engine struct {
	filters map[string]filterFunc
	tests   map[string]testFunc
	lk      lookupState // lookup plugins and their hooks (lookups.go)

	// MaxDepth limits nested lazy variable resolution; set before use.
	MaxDepth int

	mu    sync.RWMutex
	progs map[string]compiled
	tmpls map[tmplKey]parsedTmpl
}

type compiled struct {
	prog *vm.Program
	err  error
}

// New returns an Engine with the standard filters and tests.
func New() *Engine {
	e := &Engine{
		MaxDepth: DefaultMaxDepth,
		progs:    map[string]compiled{},
		tmpls:    map[tmplKey]parsedTmpl{},
	}
	e.filters = builtinFilters()
	e.tests = builtinTests()
	e.lk = newLookupState()
	return e
}

// compile translates and compiles a Jinja expression, caching the result
// (errors included, so a bad expression is not re-parsed each time).
func (e *Engine) compile(src string) (*vm.Program, error) {
	e.mu.RLock()
	c, ok := e.progs[src]
	e.mu.RUnlock()
	if ok {
		return c.prog, c.err
	}
	code, err := e.translate(src)
	if err == nil {
		c.prog, err = expr.Compile(code, expr.Env(env{}), expr.DisableAllBuiltins())
		if err != nil {
			// A translation bug, not a user error; keep the generated code
			// in the message so it can be diagnosed.
			err = fmt.Errorf("internal: compiling %q: %w", code, err)
		}
	}
	if err != nil {
		err = fmt.Errorf("syntax error in expression %q: %w", src, err)
	}
	c.err = err
	e.mu.Lock()
	if len(e.progs) >= cacheLimit {
		e.progs = map[string]compiled{}
	}
	e.progs[src] = c
	e.mu.Unlock()
	return c.prog, c.err
}

// run is the state of one top-level evaluation, shared by the nested
// renders that lazy variables cause.
type run struct {
	e      *Engine
	vars   map[string]any
	locals *scope
	stack  []string // variables being resolved, for loop detection
	// unsafe is set once the evaluation reads a value marked Unsafe; it is
	// shared with the nested runs of lazy variables, so that what the
	// top-level evaluation yields can be marked Unsafe in turn.
	unsafe *bool
	tc     *tmplCtx // template-file state: nil outside RenderFile
	// steps counts the loop iterations and calls of one render, shared
	// with its nested runs, against maxSteps.
	steps *int
}

// maxSteps bounds the loop iterations and macro calls of one render, so
// that a hostile or mistaken template (nested loops over big ranges, a
// macro that calls itself twice per level) fails instead of running for
// hours.
const maxSteps = 100_000

func newRun(e *Engine, vars map[string]any) *run {
	return &run{e: e, vars: vars, unsafe: new(bool), steps: new(int)}
}

// step counts one loop iteration or call, and fails past maxSteps.
func (r *run) step() error {
	if r.steps == nil {
		r.steps = new(int)
	}
	*r.steps++
	if *r.steps > maxSteps {
		return fmt.Errorf("the template runs more than %d loop iterations and macro calls", maxSteps)
	}
	return nil
}

// unwrap returns the value inside an Unsafe mark, noting that the
// evaluation has read unsafe data.
func (r *run) unwrap(v any) any {
	if u, ok := v.(jinja.Unsafe); ok {
		*r.unsafe = true
		return u.V
	}
	return v
}

// finish strips the Unsafe marks that a result may still hold deep inside
// (a map read from hostvars), noting them, so callers see plain values.
// Tuples (pyfmt.Tuple, from dictsort, zip, subelements...) leave as
// plain lists too: loops, modules and registers know lists only.
func (r *run) finish(v any) any {
	if !containsUnsafe(v) && !containsTuple(v) {
		return v
	}
	if containsUnsafe(v) {
		*r.unsafe = true
	}
	return stripUnsafe(v)
}

func containsUnsafe(v any) bool {
	switch x := v.(type) {
	case jinja.Unsafe:
		return true
	case pyfmt.Tuple:
		return containsUnsafe([]any(x))
	case []any:
		for _, e := range x {
			if containsUnsafe(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range x {
			if containsUnsafe(e) {
				return true
			}
		}
	}
	return false
}

func stripUnsafe(v any) any {
	switch x := v.(type) {
	case jinja.Unsafe:
		return stripUnsafe(x.V)
	case pyfmt.Tuple:
		return stripUnsafe([]any(x))
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = stripUnsafe(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = stripUnsafe(e)
		}
		return out
	}
	return v
}

// marked is v, marked Unsafe if the evaluation read unsafe data.
func (r *run) marked(v any) any {
	if *r.unsafe {
		return jinja.MarkUnsafe(v)
	}
	return v
}

// scope holds template-local names ({% set %}, loop variables).
type scope struct {
	vars   map[string]any
	parent *scope
}

func (s *scope) lookup(name string) (any, bool) {
	for ; s != nil; s = s.parent {
		if v, ok := s.vars[name]; ok {
			return v, true
		}
	}
	return nil, false
}

func (r *run) eval(src string) (any, error) {
	prog, err := r.e.compile(src)
	if err != nil {
		return nil, err
	}
	out, err := expr.Run(prog, env{r})
	if err != nil {
		// expr wraps our errors with positions in the generated code, which
		// mean nothing to the user; surface the original error.
		if inner := errors.Unwrap(err); inner != nil {
			err = inner
		}
		return nil, err
	}
	return out, nil
}

// Eval evaluates a bare Jinja expression, as found in when:, until:,
// changed_when:, failed_when: and assert's that:.
func (e *Engine) Eval(src string, vars map[string]any) (any, error) {
	v, _, err := e.eval(src, vars)
	return v, err
}

// EvalMarked is Eval, but a result computed from unsafe data (registered
// results, facts, !unsafe values) comes back marked jinja.Unsafe, so that
// whoever stores it never renders it again.
func (e *Engine) EvalMarked(src string, vars map[string]any) (any, error) {
	v, r, err := e.eval(src, vars)
	if err != nil {
		return nil, err
	}
	return r.marked(v), nil
}

func (e *Engine) eval(src string, vars map[string]any) (any, *run, error) {
	r := newRun(e, vars)
	v, err := r.eval(src)
	if err != nil {
		return nil, nil, fmt.Errorf("evaluating %q: %w", src, err)
	}
	v, err = strict(v)
	return r.finish(v), r, err
}

// EvalBool evaluates a condition the way Ansible treats when:. cond may be
// a bool, a string expression (optionally wrapped in {{ }}), or a list of
// those which must all hold.
func (e *Engine) EvalBool(cond any, vars map[string]any) (bool, error) {
	switch c := cond.(type) {
	case nil:
		return true, nil
	case bool:
		return c, nil
	case string:
		if strings.TrimSpace(c) == "" {
			return true, nil
		}
		var v any
		var err error
		if jinja.IsTemplate(c) {
			// when: "{{ x }}" is discouraged but common; the rendered text
			// is itself a condition.
			v, err = e.RenderMarked(c, vars)
			if _, ok := v.(jinja.Unsafe); ok && err == nil {
				return false, ErrUnsafeCondition
			}
			if s, ok := v.(string); ok && err == nil {
				return e.EvalBool(s, vars)
			}
		} else {
			v, err = e.Eval(c, vars)
		}
		if err != nil {
			return false, err
		}
		return truth.Truthy(v), nil
	}
	if l, ok := asList(cond); ok {
		for _, c := range l {
			ok, err := e.EvalBool(c, vars)
			if err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	}
	if n, ok := toFloat(cond); ok {
		return n != 0, nil
	}
	return false, fmt.Errorf("condition must be a bool, string or list, got %s", typeName(cond))
}

// ErrUnsafeCondition is a "{{ x }}" condition whose text comes from
// unsafe data: evaluating that text would run what a host printed. Ansible
// refuses it with the same words.
var ErrUnsafeCondition = errors.New("Conditional is marked as unsafe, and cannot be evaluated.")

// Check validates the syntax of a bare expression without evaluating it.
func (e *Engine) Check(src string) error {
	if _, err := e.compile(src); err != nil {
		return err
	}
	return checkExprCalls(src)
}

// CheckTemplate validates the syntax of a string that may hold {{ }} and
// {% %} markup.
func (e *Engine) CheckTemplate(s string) error {
	if !jinja.IsTemplate(s) {
		return nil
	}
	_, err := e.parseTemplate(s, stringOptions)
	return err
}

// CheckFile validates the syntax of a template file.
func (e *Engine) CheckFile(text string, opts FileOptions) error {
	text, opts, err := fileHeader(text, opts.withDefaults())
	if err == nil {
		_, err = e.parseTemplate(opts.dropLastNewline(text), opts.syntax())
	}
	if err != nil {
		return fileError(opts.Name, err)
	}
	return nil
}
