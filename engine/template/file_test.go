package template

import (
	"os"
	"strings"
	"testing"
)

// The golden outputs come from Ansible 2.14's template module (Jinja2
// 3.1) with the listed trim_blocks/lstrip_blocks settings.
func TestRenderFileGolden(t *testing.T) {
	src, err := os.ReadFile("testdata/example.j2")
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]any{
		"title": "T", "name": "bob", "n": 3,
		"users": []any{map[string]any{"name": "a"}, map[string]any{"name": "b"}},
		"cfg":   map[string]any{"x": 1, "y": "z"},
	}
	cases := []struct {
		opts FileOptions
		want string
	}{
		{AnsibleFileOptions(), "# T\n1/2 a (first)\n2/2 b (last)\nx=1\ny=z\nmedium\n      indented hi bob\n    emptyabc tight end \n0:0,2:1\n{{ not rendered }}\n"},
		{FileOptions{TrimBlocks: true, LstripBlocks: true}, "# T\n1/2 a (first)\n2/2 b (last)\nx=1\ny=z\nmedium\n  indented hi bob\nemptyabc tight end \n0:0,2:1\n{{ not rendered }}\n"},
		{FileOptions{}, "# T\n\n\n\n1/2 a (first)\n\n\n2/2 b (last)\n\n\n\nx=1\n\ny=z\n\n\nmedium\n\n    \n  indented hi bob\n    \nempty\nabc tight end \n0:0,2:1\n\n{{ not rendered }}\n"},
	}
	e := New()
	for _, c := range cases {
		got, err := e.RenderFile(string(src), vars, c.opts)
		if err != nil {
			t.Errorf("%+v: %v", c.opts, err)
			continue
		}
		if got != c.want {
			t.Errorf("%+v:\n got %q\nwant %q", c.opts, got, c.want)
		}
	}
}

func TestRenderFileCases(t *testing.T) {
	e := New()
	vars := testVars()
	opts := AnsibleFileOptions()
	cases := []struct{ in, want string }{
		// Ansible pads the result to the text's trailing newlines.
		{"{% if missing is defined %}a{% else %}b{% endif %}\n", "b\n"},
		{"{% if n == 1 %}1{% elif n == 2 %}2{% elif n == 3 %}3{% endif %}", "3"},
		{"{% for x in nums %}{{ loop.index0 }}{{ loop.revindex }}{% endfor %}", "031221"},
		{"{% for x in list %}{% if not loop.first %},{% endif %}{{ x }}{% endfor %}", "b,a,c"},
		{"{% for k, v in dict.items() %}{{ k }};{% endfor %}", "k;n;"},
		{"{% for a, b in [[1, 2], [3, 4]] %}{{ a + b }} {% endfor %}", "3 7 "},
		{"{% for o in [1, 2] %}{% for i in [1, 2] %}{{ o }}{{ i }}{{ loop.length }} {% endfor %}{% endfor %}", "112 122 212 222 "},
		{"{% set x = 5 %}{% set y, z = [1, 2] %}{{ x + y + z }}", "8"},
		// set inside a loop does not leak out (Jinja scoping)
		{"{% set x = 1 %}{% for i in [1] %}{% set x = 2 %}{{ x }}{% endfor %}{{ x }}", "21"},
		{"{# multi\nline #}x", "x"},
		{"a {{- ' b ' -}} c", "a b c"},
		{"{{ '}' }}{{ {'a': {'b': 1}}.a.b }}", "}1"},
		// Jinja turns every line ending into newline_sequence.
		{"line\r\nx {{ n }}\r\n", "line\nx 3\n"},
		{"", ""},
	}
	for _, c := range cases {
		got, err := e.RenderFile(c.in, vars, opts)
		if err != nil || got != c.want {
			t.Errorf("RenderFile(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	got, err := e.RenderFile("a\nb\n", nil, FileOptions{NewlineSequence: "\r\n"})
	if err != nil || got != "a\r\nb\r\n" {
		t.Errorf("newline_sequence: %q %v", got, err)
	}
	// A templated string with statements still renders to a string.
	if v, err := e.Render("{% for x in nums %}{{ x }}{% endfor %}", vars); err != nil || v != "312" {
		t.Errorf("Render with statements: %#v %v", v, err)
	}
}

func TestRenderFileErrors(t *testing.T) {
	e := New()
	opts := AnsibleFileOptions()
	cases := map[string]string{
		"{% if x %}a":                        "not closed by {% endif %}",
		"{% for x in y %}a":                  "not closed by {% endfor %}",
		"{% endif %}":                        "unexpected {% endif %}",
		"{% frob %}":                         "unknown statement {% frob %}",
		"{% for x %}{% endfor %}":            "expected {% for NAME in EXPR %}",
		"a\n{{ missing }}":                   "undefined variable: missing",
		"{% for x in missing %}{% endfor %}": "undefined variable: missing",
		"{% if missing %}{% endif %}":        "undefined variable: missing",
		"{% set a = missing %}":              "undefined variable: missing",
		"{% for x in 3 %}{% endfor %}":       "not iterable",
		"{{ 1 + 'a' }}":                      "unsupported operand types for +: 'int' and 'str'",
		"x\n{{ a |\n}}":                      "line 2",
		"{% raw %}x":                         "raw without endraw",
	}
	for in, want := range cases {
		_, err := e.RenderFile(in, map[string]any{}, opts)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("RenderFile(%q) error = %v, want %q", in, err, want)
		}
	}
}
