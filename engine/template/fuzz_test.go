package template

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haplay/haplay/engine/jinja"
)

// slow is how long one fuzzed template may take to render: far more
// than any reasonable one needs, so that a template which makes the
// engine spin (a huge range or repetition) is reported as a failure.
const slow = 5 * time.Second

// fuzzVars are the variables fuzzed templates see.
func fuzzVars() map[string]any {
	return map[string]any{
		"n": 3, "s": "text", "b": true, "f": 1.5, "none": nil,
		"list": []any{"b", "a", "c"}, "nums": []any{1, 2, 3},
		"dict": map[string]any{"k": "v", "n": 2},
		"lazy": "{{ n + 1 }}", "loop1": "{{ loop2 }}", "loop2": "{{ loop1 }}",
	}
}

// templateSeeds returns the template files under testdata/ (the
// engine's own and the playbook corpus's).
func templateSeeds(f *testing.F) []string {
	var out []string
	for _, glob := range []string{"testdata/*.j2", "../../testdata/playbooks/*/templates/*.j2"} {
		files, err := filepath.Glob(glob)
		if err != nil {
			f.Fatal(err)
		}
		for _, p := range files {
			data, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			out = append(out, string(data))
		}
	}
	if len(out) == 0 {
		f.Fatal("no template seeds under testdata/")
	}
	return out
}

// FuzzRenderString renders templated strings as playbooks hold them: text
// without delimiters comes back unchanged, and a string the syntax check
// refuses never renders.
func FuzzRenderString(f *testing.F) {
	for _, s := range templateSeeds(f) {
		for _, l := range strings.Split(s, "\n") {
			f.Add(l)
		}
	}
	for _, s := range []string{"{{ n + 1 }}", "{{ list | sort | join(',') }}", "{{ dict.k | upper }}", "{{ lazy }}",
		"{{ loop1 }}", "{{ s ~ 'x' if b else 'y' }}", "{{ nums | map('string') | list }}", "{{ none | default('d') }}",
		"{{ 'a' in s }}", "{{ range(3) | list }}", "{{ '{{' }}", "{{", "}}", "{{ }}", "{% if %}"} {
		f.Add(s)
	}
	e := fuzzEngine()
	vars := fuzzVars()
	f.Fuzz(func(t *testing.T, s string) {
		start := time.Now()
		defer func() {
			if d := time.Since(start); d > slow {
				t.Fatalf("rendering took %v", d)
			}
		}()
		out, err := e.RenderString(s, vars)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an empty error")
			}
			return
		}
		if !jinja.IsTemplate(s) && out != s {
			t.Fatalf("plain text %q rendered as %q", s, out)
		}
		if cerr := e.CheckTemplate(s); cerr != nil {
			t.Fatalf("%q rendered (%q) but the syntax check says: %v", s, out, cerr)
		}
	})
}

// FuzzRenderFile renders template files with {% %} blocks under the
// template module's options: a file the syntax check refuses never
// renders, and one without delimiters keeps its text.
func FuzzRenderFile(f *testing.F) {
	for _, s := range templateSeeds(f) {
		f.Add(s)
	}
	f.Add("{% for x in nums %}{{ loop.index }}{% endfor %}\n")
	f.Add("{% set y = n * 2 %}{% if y > 4 %}big{% else %}small{% endif %}\n")
	f.Add("{% macro m(a, b=1) %}{{ a }}{{ caller() }}{% endmacro %}{% call m(2) %}c{% endcall %}\n")
	f.Add("{% filter upper %}{% with a = 1 %}{{ a }}{% endwith %}{% endfilter %}{% set x %}b{% endset %}{{ x }}")
	f.Add("{% block b %}{{ loop is defined }}{% endblock %}{% for x in nums recursive %}{{ loop.depth }}{% endfor %}")
	f.Add("#jinja2: lstrip_blocks: True, variable_start_string: '[['\n  {% if true %}[[ n ]]{% endif %}")
	f.Add("{% set ns = namespace(a=1) %}{% set ns.a = 2 %}{{ ns.a }}{% include 'x' ignore missing %}")
	e := fuzzEngine()
	vars := fuzzVars()
	opts := AnsibleFileOptions()
	f.Fuzz(func(t *testing.T, text string) {
		start := time.Now()
		defer func() {
			if d := time.Since(start); d > slow {
				t.Fatalf("rendering took %v", d)
			}
		}()
		out, err := e.RenderFile(text, vars, opts)
		if err != nil {
			return
		}
		// Plain text comes out as it went in, but for what Jinja does to
		// any text: line endings become "\n", and a #jinja2: first line
		// is a header.
		if !jinja.IsTemplate(text) && !strings.ContainsRune(text, '\r') && !strings.HasPrefix(text, "#jinja2:") && out != text {
			t.Fatalf("plain text %q rendered as %q", text, out)
		}
		if cerr := e.CheckFile(text, opts); cerr != nil {
			t.Fatalf("%q rendered (%q) but the syntax check says: %v", text, out, cerr)
		}
	})
}
