package pyfmt

import "testing"

// Expected values are what python3 prints for str() and repr().
func TestStrAndRepr(t *testing.T) {
	cases := []struct {
		v         any
		str, repr string
	}{
		{"a", "a", "'a'"},
		{"it's", "it's", `"it's"`},
		{`both ' and "`, `both ' and "`, `'both \' and "'`},
		{"tab\tnl\n", "tab\tnl\n", `'tab\tnl\n'`},
		{true, "True", "True"},
		{nil, "None", "None"},
		{3, "3", "3"},
		{1.0, "1.0", "1.0"},
		{0.5, "0.5", "0.5"},
		{1e16, "1e+16", "1e+16"},
		{0.00001, "1e-05", "1e-05"},
		{[]any{"a", 1, nil}, "['a', 1, None]", "['a', 1, None]"},
		{[]string{"x"}, "['x']", "['x']"},
		{map[string]any{"b": []any{1}, "a": "x"}, "{'a': 'x', 'b': [1]}", "{'a': 'x', 'b': [1]}"},
		{Tuple{"a", 1}, "('a', 1)", "('a', 1)"},
		{Tuple{"a"}, "('a',)", "('a',)"},
		{Tuple{}, "()", "()"},
		{[]any{Tuple{1, nil}}, "[(1, None)]", "[(1, None)]"},
	}
	for _, c := range cases {
		if got := Str(c.v); got != c.str {
			t.Errorf("Str(%#v) = %q, want %q", c.v, got, c.str)
		}
		if got := Repr(c.v); got != c.repr {
			t.Errorf("Repr(%#v) = %q, want %q", c.v, got, c.repr)
		}
	}
}
