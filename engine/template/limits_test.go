package template

import (
	"strings"
	"testing"
	"time"
)

func TestHugeResultsAreErrors(t *testing.T) {
	e := New()
	tests := []struct{ src, want string }{
		{"{{ 'x' * 10 ** 12 }}", "repeating 1 items 1000000000000 times makes more than the 67108864 a template may make"},
		{"{{ [1, 2] * 10 ** 12 }}", "repeating 2 items 1000000000000 times makes more than"},
		{"{{ range(10 ** 9) | length }}", "range() of 1000000000 items is more than the 67108864 a template may make"},
		{"{% for i in range(0, 10 ** 18, 2) %}{% endfor %}", "range() of 500000000000000000 items is more than"},
	}
	for _, tt := range tests {
		_, err := e.RenderString(tt.src, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want it to contain %q", tt.src, err, tt.want)
		}
	}
}

func TestRangeAndPowerStillWork(t *testing.T) {
	e := New()
	tests := []struct{ src, want string }{
		{"{{ range(3) | list }}", "[0, 1, 2]"},
		{"{{ range(5, 0, -2) | list }}", "[5, 3, 1]"},
		{"{{ range(2, 9, 3) | list }}", "[2, 5, 8]"},
		{"{{ range(3, 3) | list }}", "[]"},
		{"{{ 2 ** 10 }} {{ 3 ** 0 }} {{ (-2) ** 3 }}", "1024 1 -8"},
		{"{{ [] * 10 ** 18 }}", "[]"},
		{"{{ 'ab' * 3 }}", "ababab"},
	}
	for _, tt := range tests {
		got, err := e.RenderString(tt.src, nil)
		if err != nil || got != tt.want {
			t.Errorf("%s = %q, %v; want %q", tt.src, got, err, tt.want)
		}
	}
}

func TestFromYAMLIsGuarded(t *testing.T) {
	e := New()
	laughs := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	for i, prev := 'b', 'a'; i <= 'i'; i, prev = i+1, i {
		laughs += string(i) + ": &" + string(i) + " [" + strings.Repeat("*"+string(prev)+", ", 9) + "*" + string(prev) + "]\n"
	}
	vars := map[string]any{"laughs": laughs, "cycle": "a: &x [*x]\n", "typed": "a: yes\nb: 0644\n"}
	for src, want := range map[string]string{
		"{{ laughs | from_yaml }}": "aliases expand to more than",
		"{{ cycle | from_yaml }}":  "from_yaml:1:8: alias *x refers to",
	} {
		if _, err := e.RenderString(src, vars); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want it to contain %q", src, err, want)
		}
	}
	// Ansible's from_yaml is PyYAML: YAML 1.1 booleans and octals.
	if got, err := e.RenderString("{{ typed | from_yaml }}", vars); err != nil || got != "{'a': True, 'b': 420}" {
		t.Errorf("typed = %q, %v", got, err)
	}
}

// One render runs at most maxSteps loop iterations and macro calls: nested
// loops over big ranges and a macro that calls itself twice per level fail
// at once instead of running for hours.
func TestStepBudget(t *testing.T) {
	e := New()
	for _, text := range []string{
		"{% for a in range(2000) %}{% for b in range(2000) %}{% endfor %}{% endfor %}",
		"{% macro m(n) %}{% if n > 0 %}{{ m(n - 1) }}{{ m(n - 1) }}{% endif %}{% endmacro %}{{ m(40) }}",
	} {
		start := time.Now()
		_, err := e.RenderFile(text, nil, AnsibleFileOptions())
		if err == nil || !strings.Contains(err.Error(), "more than 100000 loop iterations and macro calls") {
			t.Errorf("%q: %v", text, err)
		}
		if d := time.Since(start); d > 20*time.Second {
			t.Errorf("%q took %v", text, d)
		}
	}
	if out, err := e.RenderFile("{% for a in range(3) %}{{ a }}{% endfor %}", nil, AnsibleFileOptions()); err != nil || out != "012" {
		t.Errorf("small loop: %q %v", out, err)
	}
}
