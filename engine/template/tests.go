package template

// tests.go implements Jinja/Ansible tests (`x is name(args)`).

import (
	"errors"
	"fmt"
	"strings"

	"github.com/haplay/haplay/engine/pyfmt"
	"github.com/haplay/haplay/engine/truth"
)

type testFunc func(r *run, v any, args []any) (bool, error)

func needArg(args []any, n int) error {
	if len(args) < n {
		return fmt.Errorf("needs %d argument(s), got %d", n, len(args))
	}
	return nil
}

func cmpTest(op string) testFunc {
	return func(r *run, v any, args []any) (bool, error) {
		if err := needArg(args, 1); err != nil {
			return false, err
		}
		out, err := (env{r}).Op(op, v, args[0])
		if err != nil {
			return false, err
		}
		return out.(bool), nil
	}
}

// resultTest reads a registered result, as Ansible's succeeded/failed/
// changed/skipped tests do.
func resultTest(kind string) testFunc {
	return func(r *run, v any, args []any) (bool, error) {
		m, ok := asMap(v)
		if !ok {
			return false, fmt.Errorf("the %s test expects a registered task result (a dict), got %s", kind, typeName(v))
		}
		failed := truth.Truthy(m["failed"])
		switch kind {
		case "failed":
			return failed, nil
		case "succeeded":
			return !failed, nil
		case "changed":
			return truth.Truthy(m["changed"]), nil
		case "unreachable":
			return truth.Truthy(m["unreachable"]), nil
		case "reachable":
			return !truth.Truthy(m["unreachable"]), nil
		}
		return truth.Truthy(m["skipped"]), nil
	}
}

// reTestAnchored is the search and match tests: Python's re.search, or
// re.match with anchor \A (start of the string, even with multiline).
func reTestAnchored(anchor, end string) testFunc {
	return func(r *run, v any, args []any) (bool, error) {
		if err := needArg(args, 1); err != nil {
			return false, err
		}
		pat := pyfmt.Str(args[0])
		kw := kwargs{}
		if len(args) > 1 {
			kw["ignorecase"] = args[1]
		}
		if len(args) > 2 {
			kw["multiline"] = args[2]
		}
		re, err := compileRegex(anchor+"(?:"+pat+")"+end, kw)
		if err != nil {
			return false, err
		}
		return re.MatchString(pyfmt.Str(v)), nil
	}
}

func builtinTests() map[string]testFunc {
	t := map[string]testFunc{
		"defined":     func(r *run, v any, args []any) (bool, error) { return !isUndefined(v), nil },
		"undefined":   func(r *run, v any, args []any) (bool, error) { return isUndefined(v), nil },
		"none":        func(r *run, v any, args []any) (bool, error) { return v == nil, nil },
		"match":       reTestAnchored(`\A`, ""),
		"search":      reTestAnchored("", ""),
		"regex":       testRegex,
		"sameas":      testSameas,
		"version":     testVersion,
		"succeeded":   resultTest("succeeded"),
		"failed":      resultTest("failed"),
		"changed":     resultTest("changed"),
		"skipped":     resultTest("skipped"),
		"reachable":   resultTest("reachable"),
		"unreachable": resultTest("unreachable"),
		"eq":          cmpTest("=="),
		"ne":          cmpTest("!="),
		"lt":          cmpTest("<"),
		"le":          cmpTest("<="),
		"gt":          cmpTest(">"),
		"ge":          cmpTest(">="),
		"in":          testIn,
		"contains":    testContains,
		"string":      func(r *run, v any, args []any) (bool, error) { _, ok := v.(string); return ok, nil },
		"number":      func(r *run, v any, args []any) (bool, error) { return isNumber(v), nil },
		"integer":     func(r *run, v any, args []any) (bool, error) { _, ok := toInt(v); return ok, nil },
		"float":       testFloat,
		"boolean":     func(r *run, v any, args []any) (bool, error) { _, ok := v.(bool); return ok, nil },
		"mapping":     func(r *run, v any, args []any) (bool, error) { _, ok := asMap(v); return ok, nil },
		"sequence":    testSequence,
		"truthy":      truthTest(true),
		"falsy":       truthTest(false),
		"even":        testEven,
		"odd":         testOdd,
		"divisibleby": testDivisibleBy,
		"lower":       func(r *run, v any, args []any) (bool, error) { s := pyfmt.Str(v); return s == strings.ToLower(s), nil },
		"upper":       func(r *run, v any, args []any) (bool, error) { s := pyfmt.Str(v); return s == strings.ToUpper(s), nil },
	}
	for name, f := range fileTests() {
		t[name] = f
	}
	for name, f := range netTests() {
		t[name] = f
	}
	t["iterable"] = t["sequence"]
	// The task result tests' aliases, as Ansible's core tests plugin names them.
	t["success"], t["successful"] = t["succeeded"], t["succeeded"]
	t["failure"] = t["failed"]
	t["change"] = t["changed"]
	t["skip"] = t["skipped"]
	t["version_compare"] = t["version"]
	t["equalto"], t["=="] = t["eq"], t["eq"]
	t["!="] = t["ne"]
	t["<"], t["lessthan"] = t["lt"], t["lt"]
	t["<="] = t["le"]
	t[">"], t["greaterthan"] = t["gt"], t["gt"]
	t[">="] = t["ge"]
	return t
}

// testSameas stands for Python's "is": equal values of the same type.
func testSameas(r *run, v any, args []any) (bool, error) {
	if err := needArg(args, 1); err != nil {
		return false, err
	}
	return equal(v, args[0]) && typeName(v) == typeName(args[0]), nil
}

func testIn(r *run, v any, args []any) (bool, error) {
	if err := needArg(args, 1); err != nil {
		return false, err
	}
	return contains(args[0], v)
}

func testContains(r *run, v any, args []any) (bool, error) {
	if err := needArg(args, 1); err != nil {
		return false, err
	}
	return contains(v, args[0])
}

func testFloat(r *run, v any, args []any) (bool, error) {
	_, isInt := toInt(v)
	return isNumber(v) && !isInt, nil
}

func testSequence(r *run, v any, args []any) (bool, error) {
	_, isList := asList(v)
	_, isMap := asMap(v)
	_, isStr := v.(string)
	return isList || isMap || isStr, nil
}

func testEven(r *run, v any, args []any) (bool, error) {
	i, ok := toInt(v)
	return ok && i%2 == 0, nil
}

func testOdd(r *run, v any, args []any) (bool, error) {
	i, ok := toInt(v)
	return ok && i%2 != 0, nil
}

func testDivisibleBy(r *run, v any, args []any) (bool, error) {
	if err := needArg(args, 1); err != nil {
		return false, err
	}
	a, ok1 := toInt(v)
	b, ok2 := toInt(args[0])
	if !ok1 || !ok2 || b == 0 {
		return false, errors.New("divisibleby needs integers and a non-zero divisor")
	}
	return a%b == 0, nil
}
