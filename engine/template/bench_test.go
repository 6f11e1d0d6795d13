package template

import "testing"

// benchVars looks like one host's view of a task: a few play vars, a
// registered result and inventory data.
func benchVars() map[string]any {
	return map[string]any{
		"inventory_hostname": "node7",
		"app_name":           "benchapp",
		"app_port":           8080,
		"listen":             "0.0.0.0:8080",
		"conf_text":          map[string]any{"stdout": "a\nb\nc", "stdout_lines": []any{"a", "b", "c"}, "rc": 0},
		"group_names":        []any{"workers", "web"},
		"groups":             map[string]any{"all": []any{"node1", "node2", "node7"}},
	}
}

// BenchmarkRenderString is the common case: a task argument with a few
// expressions and a filter, rendered per host per task.
func BenchmarkRenderString(b *testing.B) {
	e := New()
	vars := benchVars()
	const src = "{{ inventory_hostname }} runs {{ app_name }} on {{ listen }} ({{ conf_text.stdout_lines | length }} lines, in {{ group_names | join(', ') }})"
	for b.Loop() {
		if _, err := e.RenderString(src, vars); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvalBool is a when:/changed_when: condition.
func BenchmarkEvalBool(b *testing.B) {
	e := New()
	vars := benchVars()
	for b.Loop() {
		if _, err := e.EvalBool("'changed' in conf_text.stdout and app_port > 1000", vars); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderFile is a small template file with a loop and a branch.
func BenchmarkRenderFile(b *testing.B) {
	e := New()
	vars := benchVars()
	const text = "# {{ app_name }}\n{% for h in groups.all %}server {{ h }}:{{ app_port }}{% if h == inventory_hostname %} # me{% endif %}\n{% endfor %}"
	for b.Loop() {
		if _, err := e.RenderFile(text, vars, FileOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
