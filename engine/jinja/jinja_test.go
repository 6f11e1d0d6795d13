package jinja

import "testing"

func TestIsTemplatedAndHasTemplate(t *testing.T) {
	cases := []struct {
		v          any
		is, inside bool
	}{
		{"{{ x }}", true, true},
		{"a {% if y %}b{% endif %}", true, true},
		{"{# note #}", true, true},
		{"plain", false, false},
		{"{ x }", false, false},
		{"${HOME}", false, false},
		{42, false, false},
		{nil, false, false},
		{[]any{"a", "{{ b }}"}, false, true},
		{map[string]any{"k": []any{"{{ v }}"}}, false, true},
		{map[string]any{"k": "v"}, false, false},
	}
	for _, c := range cases {
		if got := IsTemplated(c.v); got != c.is {
			t.Errorf("IsTemplated(%#v) = %v, want %v", c.v, got, c.is)
		}
		if got := HasTemplate(c.v); got != c.inside {
			t.Errorf("HasTemplate(%#v) = %v, want %v", c.v, got, c.inside)
		}
	}
}
