package template

import "fmt"

// testParams names the parameters of the tests that take keyword
// arguments (`x is version('1.2', '<', strict=true)`), after the tested
// value, as Ansible's and Jinja's test functions declare them.
var testParams = map[string][]string{
	"version":     {"version", "operator", "strict", "version_type"},
	"regex":       {"pattern", "ignorecase", "multiline", "match_type"},
	"match":       {"pattern", "ignorecase", "multiline"},
	"search":      {"pattern", "ignorecase", "multiline"},
	"truthy":      {"convert_bool"},
	"falsy":       {"convert_bool"},
	"subset":      {"b"},
	"superset":    {"b"},
	"divisibleby": {"num"},
	"sameas":      {"other"},
	"in":          {"seq"},
	"contains":    {"value"},
	// The comparison tests and their aliases take one value.
	"version_compare": {"version", "operator", "strict", "version_type"},
	"eq":              {"other"}, "ne": {"other"}, "lt": {"other"}, "le": {"other"}, "gt": {"other"}, "ge": {"other"},
	"equalto": {"other"}, "lessthan": {"other"}, "greaterthan": {"other"},
	"==": {"other"}, "!=": {"other"}, "<": {"other"}, "<=": {"other"}, ">": {"other"}, ">=": {"other"},
}

// testArgs places keyword arguments at their parameter's position, so a
// test function sees positional arguments only; a position left open
// before a keyword one is nil (the test's default).
func testArgs(name string, pos []any, kw kwargs) ([]any, error) {
	if len(kw) == 0 {
		return pos, nil
	}
	params := testParams[name]
	out := append([]any(nil), pos...)
	for k, v := range kw {
		i := indexOf(params, k)
		if i < 0 {
			return nil, fmt.Errorf("got an unexpected keyword argument '%s'", k)
		}
		if i < len(pos) {
			return nil, fmt.Errorf("got multiple values for argument '%s'", k)
		}
		for len(out) <= i {
			out = append(out, nil)
		}
		out[i] = v
	}
	return out, nil
}

func indexOf(l []string, s string) int {
	for i, x := range l {
		if x == s {
			return i
		}
	}
	return -1
}
