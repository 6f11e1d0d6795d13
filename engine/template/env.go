package template

// env.go is the runtime side of translate.go: the generated expr code calls
// these methods of env, which carries the per-evaluation state. Names are
// short because they appear in every generated program; user variable
// names never become expr identifiers, so they cannot collide.

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/haplay/haplay/engine/jinja"
	"github.com/haplay/haplay/engine/pyfmt"
	"github.com/haplay/haplay/engine/truth"
)

type env struct{ r *run }

// kwargs carries keyword arguments (name=value) to filters and functions.
type kwargs map[string]any

// splitArgs separates trailing keyword arguments from positional ones.
func splitArgs(args []any) ([]any, kwargs) {
	if n := len(args); n > 0 {
		if kw, ok := args[n-1].(kwargs); ok {
			return args[:n-1], kw
		}
	}
	return args, nil
}

// lookup finds a name in template locals, then in the variables, resolving
// lazily templated values. ok is false if the name is not defined.
func (r *run) lookup(name string) (any, bool, error) {
	if v, ok := r.locals.lookup(name); ok {
		return v, true, nil
	}
	v, ok := r.vars[name]
	if !ok {
		return nil, false, nil
	}
	if u, ok := v.(jinja.Unsafe); ok {
		// Data from a host, or !unsafe: never rendered.
		*r.unsafe = true
		return u.V, true, nil
	}
	v, err := r.resolve(name, v)
	return v, true, err
}

// resolve renders template strings inside a variable's value, recursively,
// the way Ansible templates variables lazily when they are used.
func (r *run) resolve(name string, v any) (any, error) {
	if !needsResolve(v) {
		return v, nil
	}
	if slices.Contains(r.stack, name) {
		return nil, &RecursionError{Chain: append(slices.Clone(r.stack), name)}
	}
	if len(r.stack) >= r.e.MaxDepth {
		return nil, fmt.Errorf("template nesting deeper than %d resolving %s", r.e.MaxDepth, name)
	}
	child := &run{e: r.e, vars: r.vars, stack: append(slices.Clip(r.stack), name), unsafe: r.unsafe, steps: r.steps}
	return child.resolveValue(v)
}

func (r *run) resolveValue(v any) (any, error) {
	switch x := v.(type) {
	case string:
		if !jinja.IsTemplate(x) {
			return x, nil
		}
		return r.render(x, stringOptions)
	case []any:
		out := make([]any, len(x))
		for i, it := range x {
			var err error
			if out[i], err = r.resolveValue(it); err != nil {
				return nil, err
			}
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, it := range x {
			var err error
			if out[k], err = r.resolveValue(it); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return v, nil
}

// needsResolve reports whether v holds any template string, so that plain
// values are returned without copying.
func needsResolve(v any) bool {
	switch x := v.(type) {
	case string:
		return jinja.IsTemplate(x)
	case []any:
		return slices.ContainsFunc(x, needsResolve)
	case map[string]any:
		for _, it := range x {
			if needsResolve(it) {
				return true
			}
		}
	}
	return false
}

// V reads a variable that must be defined.
func (e env) V(name string) (any, error) {
	v, ok, err := e.r.lookup(name)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, &UndefinedError{Name: name}
	}
	return v, nil
}

// L reads a variable that may be undefined (under default or is defined).
// A value whose lazy template hits an undefined variable counts as
// undefined too, as in Ansible.
func (e env) L(name string) (any, error) {
	v, ok, err := e.r.lookup(name)
	var ue *UndefinedError
	if errors.As(err, &ue) {
		return Undefined{Name: name}, nil
	}
	if err != nil {
		return nil, err
	}
	if !ok {
		return Undefined{Name: name}, nil
	}
	return v, nil
}

// getItem implements obj.key and obj[key]; ok is false when absent.
func getItem(obj, key any) (any, bool) {
	if m, ok := asMap(obj); ok {
		ks, isStr := key.(string)
		if !isStr {
			ks = pyfmt.Str(key)
		}
		v, ok := m[ks]
		return v, ok
	}
	if i, ok := toInt(key); ok {
		if l, ok := asList(obj); ok {
			if i < 0 {
				i += len(l)
			}
			if i < 0 || i >= len(l) {
				return nil, false
			}
			return l[i], true
		}
		if s, ok := obj.(string); ok {
			rs := []rune(s)
			if i < 0 {
				i += len(rs)
			}
			if i < 0 || i >= len(rs) {
				return nil, false
			}
			return string(rs[i]), true
		}
	}
	return nil, false
}

// A reads an attribute or item that must exist.
func (e env) A(obj, key any, path string) (any, error) {
	v, ok := getItem(obj, key)
	if !ok {
		return nil, &UndefinedError{Name: path}
	}
	return e.r.unwrap(v), nil
}

// LA reads an attribute or item that may be missing; undefined chains on,
// as Ansible's AnsibleUndefined does, so `a.b.c | default(x)` works.
func (e env) LA(obj, key any, path string) (any, error) {
	if isUndefined(obj) {
		return obj, nil
	}
	v, ok := getItem(obj, key)
	if !ok {
		return Undefined{Name: path}, nil
	}
	return e.r.unwrap(v), nil
}

// Slice implements obj[lo:hi] for lists and strings.
func (e env) Slice(obj, lo, hi any) (any, error) {
	bounds := func(n int) (int, int) {
		a, b := 0, n
		if i, ok := toInt(lo); ok {
			a = i
		}
		if i, ok := toInt(hi); ok {
			b = i
		}
		if a < 0 {
			a = max(a+n, 0)
		}
		if b < 0 {
			b = max(b+n, 0)
		}
		a, b = min(a, n), min(b, n)
		if b < a {
			b = a
		}
		return a, b
	}
	if s, ok := obj.(string); ok {
		rs := []rune(s)
		a, b := bounds(len(rs))
		return string(rs[a:b]), nil
	}
	if l, ok := asList(obj); ok {
		a, b := bounds(len(l))
		return slices.Clone(l[a:b]), nil
	}
	return nil, fmt.Errorf("'%s' object is not subscriptable", typeName(obj))
}

// Truthy is Python's bool(), used by and/or/not/if.
func (e env) Truthy(v any) (bool, error) {
	if _, err := strict(v); err != nil {
		return false, err
	}
	return truth.Truthy(v), nil
}

// Neg is unary minus.
func (e env) Neg(v any) (any, error) {
	if i, ok := toInt(v); ok {
		return -i, nil
	}
	if f, ok := toFloat(v); ok {
		return -f, nil
	}
	return nil, fmt.Errorf("bad operand type for unary -: '%s'", typeName(v))
}

// Op implements Jinja's binary operators with Python semantics.
func (e env) Op(op string, a, b any) (any, error) {
	if _, err := strict(a); err != nil {
		return nil, err
	}
	if _, err := strict(b); err != nil {
		return nil, err
	}
	switch op {
	case "==":
		return equal(a, b), nil
	case "!=":
		return !equal(a, b), nil
	case "<", "<=", ">", ">=":
		c, err := compare(a, b)
		if err != nil {
			return nil, err
		}
		switch op {
		case "<":
			return c < 0, nil
		case "<=":
			return c <= 0, nil
		case ">":
			return c > 0, nil
		}
		return c >= 0, nil
	case "in":
		return contains(b, a)
	case "~":
		return pyfmt.Str(a) + pyfmt.Str(b), nil
	}
	if v, ok, err := numericOp(op, a, b); ok {
		return v, err
	}
	if v, ok, err := sequenceOp(op, a, b); ok {
		return v, err
	}
	return nil, fmt.Errorf("unsupported operand types for %s: '%s' and '%s'", op, typeName(a), typeName(b))
}

// numericOp does arithmetic on two numbers as Python does (ints stay
// ints, // and % floor); ok is false when a or b is not a number or op is
// not arithmetic.
func numericOp(op string, a, b any) (v any, ok bool, err error) {
	ia, aInt := toInt(a)
	ib, bInt := toInt(b)
	fa, aNum := toFloat(a)
	fb, bNum := toFloat(b)
	if !aNum || !bNum {
		return nil, false, nil
	}
	bothInt := aInt && bInt
	switch op {
	case "+":
		if bothInt {
			return ia + ib, true, nil
		}
		return fa + fb, true, nil
	case "-":
		if bothInt {
			return ia - ib, true, nil
		}
		return fa - fb, true, nil
	case "*":
		if bothInt {
			return ia * ib, true, nil
		}
		return fa * fb, true, nil
	case "/":
		if fb == 0 {
			return nil, true, errors.New("division by zero")
		}
		return fa / fb, true, nil
	case "//", "%":
		if fb == 0 {
			return nil, true, errors.New("integer division or modulo by zero")
		}
		if bothInt {
			q, m := ia/ib, ia%ib
			if m != 0 && (m < 0) != (ib < 0) { // Python floors
				q--
				m += ib
			}
			if op == "//" {
				return q, true, nil
			}
			return m, true, nil
		}
		if op == "//" {
			return math.Floor(fa / fb), true, nil
		}
		return fa - fb*math.Floor(fa/fb), true, nil
	case "**":
		if bothInt && ib >= 0 {
			return intPow(ia, ib), true, nil
		}
		return math.Pow(fa, fb), true, nil
	}
	return nil, false, nil
}

// sequenceOp concatenates and repeats strings and lists; ok is false when
// the operands do not fit op.
func sequenceOp(op string, a, b any) (v any, ok bool, err error) {
	ib, bInt := toInt(b)
	switch op {
	case "+":
		if sa, ok := a.(string); ok {
			if sb, ok := b.(string); ok {
				return sa + sb, true, nil
			}
		}
		if la, ok := asList(a); ok {
			if lb, ok := asList(b); ok {
				return append(slices.Clone(la), lb...), true, nil
			}
		}
	case "*":
		if sa, ok := a.(string); ok && bInt {
			if err := checkRepeat(len(sa), ib); err != nil {
				return nil, true, err
			}
			return strings.Repeat(sa, max(ib, 0)), true, nil
		}
		if la, ok := asList(a); ok && bInt {
			if err := checkRepeat(len(la), ib); err != nil {
				return nil, true, err
			}
			var out []any
			for range max(ib, 0) {
				if len(la) == 0 {
					break // [] * 10 ** 18 is [], without looping 10 ** 18 times
				}
				out = append(out, la...)
			}
			return out, true, nil
		}
	}
	return nil, false, nil
}

// maxItems bounds what one range() or repetition may make (items of a
// list, bytes of a string): Python would try, and a template such as
// 'x' * 10 ** 12 or range(10 ** 9) would end the controller by running
// out of memory, or spin for minutes.
const maxItems = 1 << 26

func checkRepeat(size, times int) error {
	if times > 0 && size > 0 && size > maxItems/times {
		return fmt.Errorf("repeating %d items %d times makes more than the %d a template may make", size, times, maxItems)
	}
	return nil
}

// rangeLen is the number of items of Python's range(start, stop, step),
// counted without overflow.
func rangeLen(start, stop, step int) uint64 {
	switch {
	case step > 0 && start < stop:
		return (uint64(stop)-uint64(start)-1)/uint64(step) + 1
	case step < 0 && start > stop:
		return (uint64(start)-uint64(stop)-1)/(-uint64(step)) + 1
	}
	return 0
}

// intPow is ia ** ib for ib >= 0 by squaring: a loop of ib
// multiplications would spin for ages on 2 ** 10 ** 18. It wraps on
// overflow exactly as the repeated multiplication did.
func intPow(ia, ib int) int {
	r := 1
	for ib > 0 {
		if ib&1 == 1 {
			r *= ia
		}
		ia *= ia
		ib >>= 1
	}
	return r
}

// contains is Python's `needle in hay`.
func contains(hay, needle any) (bool, error) {
	if s, ok := hay.(string); ok {
		n, ok := needle.(string)
		if !ok {
			return false, fmt.Errorf("'in <string>' requires string as left operand, not %s", typeName(needle))
		}
		return strings.Contains(s, n), nil
	}
	if l, ok := asList(hay); ok {
		return slices.ContainsFunc(l, func(x any) bool { return equal(x, needle) }), nil
	}
	if m, ok := asMap(hay); ok {
		_, ok := m[pyfmt.Str(needle)]
		return ok, nil
	}
	return false, fmt.Errorf("argument of type '%s' is not iterable", typeName(hay))
}

// Dict builds a dict literal from alternating keys and values.
func (e env) Dict(kv ...any) (any, error) {
	m := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[pyfmt.Str(kv[i])] = kv[i+1]
	}
	return m, nil
}

// Kw packs keyword arguments.
func (e env) Kw(kv ...any) kwargs {
	m := make(kwargs, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

// F applies a filter.
func (e env) F(name string, in any, args ...any) (any, error) {
	f := e.r.e.filters[name]
	pos, kw := splitArgs(args)
	out, err := f(e.r, in, pos, kw)
	if err != nil {
		var ue *UndefinedError
		var re *RecursionError
		if errors.As(err, &ue) || errors.As(err, &re) {
			return nil, err
		}
		return nil, fmt.Errorf("filter %s: %w", name, err)
	}
	return out, nil
}

// T applies a test.
func (e env) T(name string, in any, args ...any) (bool, error) {
	pos, kw := splitArgs(args)
	args, err := testArgs(name, pos, kw)
	if err != nil {
		return false, fmt.Errorf("test %s: %w", name, err)
	}
	ok, err := e.r.e.tests[name](e.r, in, args)
	if err != nil {
		return false, fmt.Errorf("test %s: %w", name, err)
	}
	return ok, nil
}

// Call runs a global function.
func (e env) Call(name string, args ...any) (any, error) {
	pos, kw := splitArgs(args)
	switch name {
	case "range":
		var ints []int
		for _, a := range pos {
			i, ok := toInt(a)
			if !ok {
				return nil, fmt.Errorf("range() arguments must be integers, got %s", typeName(a))
			}
			ints = append(ints, i)
		}
		start, stop, step := 0, 0, 1
		switch len(ints) {
		case 1:
			stop = ints[0]
		case 2:
			start, stop = ints[0], ints[1]
		case 3:
			start, stop, step = ints[0], ints[1], ints[2]
		default:
			return nil, errors.New("range() takes 1 to 3 arguments")
		}
		if step == 0 {
			return nil, errors.New("range() step must not be zero")
		}
		n := rangeLen(start, stop, step)
		if n > maxItems {
			return nil, fmt.Errorf("range() of %d items is more than the %d a template may make", n, maxItems)
		}
		out := make([]any, 0, n)
		for i := range int(n) {
			out = append(out, start+i*step)
		}
		return out, nil
	case "lookup", "query", "q":
		return e.r.callLookup(name, pos, kw)
	case "dict":
		m := map[string]any{}
		if len(pos) == 1 {
			src, ok := asMap(pos[0])
			if !ok {
				return nil, fmt.Errorf("dict() argument must be a dict, got %s", typeName(pos[0]))
			}
			for k, v := range src {
				m[k] = v
			}
		}
		for k, v := range kw {
			m[k] = v
		}
		return m, nil
	case "undef":
		return Undefined{Name: "undef()"}, nil
	}
	return nil, fmt.Errorf("no function named %q", name)
}

// M calls a Python method on a string or dict.
func (e env) M(obj any, name string, args ...any) (any, error) {
	if out, ok, err := attrCall(e.r, obj, name, args); ok {
		return out, err
	}
	pos, _ := splitArgs(args)
	if s, ok := obj.(string); ok {
		return strMethod(s, name, pos)
	}
	if m, ok := asMap(obj); ok {
		return dictMethod(m, name, pos)
	}
	if l, ok := asList(obj); ok {
		return listMethod(l, name, pos)
	}
	if _, err := strict(obj); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("'%s' object has no method %q", typeName(obj), name)
}

// posStr is positional argument i as a string ("" when missing).
func posStr(pos []any, i int) string {
	if i < len(pos) {
		return pyfmt.Str(pos[i])
	}
	return ""
}

func strMethod(s, name string, pos []any) (any, error) {
	switch name {
	case "split":
		if len(pos) == 0 || pos[0] == nil {
			return toAny(strings.Fields(s)), nil
		}
		n := -1
		if len(pos) > 1 {
			if m, ok := toInt(pos[1]); ok && m >= 0 {
				n = m + 1
			}
		}
		return toAny(strings.SplitN(s, posStr(pos, 0), n)), nil
	case "strip", "lstrip", "rstrip":
		cut := " \t\n\r\v\f"
		if len(pos) > 0 && pos[0] != nil {
			cut = posStr(pos, 0)
		}
		switch name {
		case "strip":
			return strings.Trim(s, cut), nil
		case "lstrip":
			return strings.TrimLeft(s, cut), nil
		}
		return strings.TrimRight(s, cut), nil
	case "lower":
		return strings.ToLower(s), nil
	case "upper":
		return strings.ToUpper(s), nil
	case "capitalize":
		return capitalize(s), nil
	case "title":
		return title(s), nil
	case "startswith", "endswith":
		prefixes := []any{pos[0]}
		if l, ok := asList(pos[0]); ok {
			prefixes = l
		}
		for _, p := range prefixes {
			if name == "startswith" && strings.HasPrefix(s, pyfmt.Str(p)) || name == "endswith" && strings.HasSuffix(s, pyfmt.Str(p)) {
				return true, nil
			}
		}
		return false, nil
	case "replace":
		n := -1
		if len(pos) > 2 {
			n, _ = toInt(pos[2])
		}
		return strings.Replace(s, posStr(pos, 0), posStr(pos, 1), n), nil
	case "join":
		l, err := iterate(pos[0])
		if err != nil {
			return nil, err
		}
		parts := make([]string, len(l))
		for i, it := range l {
			parts[i] = pyfmt.Str(it)
		}
		return strings.Join(parts, s), nil
	case "find":
		i := strings.Index(s, posStr(pos, 0))
		if i > 0 {
			i = utf8.RuneCountInString(s[:i])
		}
		return i, nil
	case "count":
		return strings.Count(s, posStr(pos, 0)), nil
	case "isdigit":
		return s != "" && strings.Trim(s, "0123456789") == "", nil
	}
	return nil, fmt.Errorf("'str' object has no method %q", name)
}

func dictMethod(m map[string]any, name string, pos []any) (any, error) {
	keys := sortedKeys(m)
	switch name {
	case "items":
		out := make([]any, len(keys))
		for i, k := range keys {
			out[i] = []any{k, m[k]}
		}
		return out, nil
	case "keys":
		return toAny(keys), nil
	case "values":
		out := make([]any, len(keys))
		for i, k := range keys {
			out[i] = m[k]
		}
		return out, nil
	case "get":
		if v, ok := m[posStr(pos, 0)]; ok {
			return v, nil
		}
		if len(pos) > 1 {
			return pos[1], nil
		}
		return nil, nil
	}
	return nil, fmt.Errorf("'dict' object has no method %q", name)
}

func listMethod(l []any, name string, pos []any) (any, error) {
	switch name {
	case "index":
		for i, it := range l {
			if len(pos) > 0 && equal(it, pos[0]) {
				return i, nil
			}
		}
		return nil, fmt.Errorf("%s is not in list", pyfmt.Repr(pos[0]))
	case "count":
		n := 0
		for _, it := range l {
			if len(pos) > 0 && equal(it, pos[0]) {
				n++
			}
		}
		return n, nil
	}
	return nil, fmt.Errorf("'list' object has no method %q", name)
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return strings.ToUpper(string(r)) + strings.ToLower(s[n:])
}

// title is Python's str.title(): upper-case after any non-letter.
func title(s string) string {
	var b strings.Builder
	prevLetter := false
	for _, r := range s {
		isLetter := strings.ToLower(string(r)) != strings.ToUpper(string(r))
		if isLetter && !prevLetter {
			b.WriteString(strings.ToUpper(string(r)))
		} else {
			b.WriteString(strings.ToLower(string(r)))
		}
		prevLetter = isLetter
	}
	return b.String()
}
