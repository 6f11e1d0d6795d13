package jinja

import (
	"encoding/json"
	"fmt"
	"testing"
)

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

func TestUnsafePrintsAsItsValue(t *testing.T) {
	u := MarkUnsafe(map[string]any{"a": "{{ x }}"})
	b, err := json.Marshal(map[string]any{"r": u})
	if err != nil || string(b) != `{"r":{"a":"{{ x }}"}}` {
		t.Errorf("json: %s, %v", b, err)
	}
	if s := fmt.Sprint(MarkUnsafe("{{ x }}")); s != "{{ x }}" {
		t.Errorf("Sprint: %q", s)
	}
	if MarkUnsafe(3) != 3 || IsTemplated(MarkUnsafe("{{ x }}")) {
		t.Error("numbers are not marked; a marked string is not a template")
	}
	if v, ok := Unwrap(MarkUnsafe("a")); !ok || v != "a" {
		t.Errorf("Unwrap: %v %v", v, ok)
	}
}
