package template

import "testing"

// Word operators before a parenthesis are operators, not calls (real
// roles write `when: not (x | bool)` and `(a) and (b)`).
func TestWordOperatorsBeforeParens(t *testing.T) {
	e := New()
	vars := map[string]any{"a": true, "b": false}
	for s, want := range map[string]any{
		"{{ (a) and (b) }}": false, "{{ not (a) }}": false, "{{ b or (a) }}": true,
		"{{ 1 if (a) else (2) }}": 1, "{{ 1 in ([1]) }}": true,
	} {
		if err := e.CheckTemplate(s); err != nil {
			t.Errorf("check %s: %v", s, err)
		}
		if v, err := e.Render(s, vars); err != nil || v != want {
			t.Errorf("%s = %v, %v; want %v", s, v, err, want)
		}
	}
	if _, err := e.Eval("not (a)", vars); err != nil {
		t.Errorf("eval: %v", err)
	}
}
