package template

import (
	"strings"
	"testing"
)

// TestCheckFileTree: a template file and what it names by a literal are
// checked without rendering, each error with the template's file:line.
func TestCheckFileTree(t *testing.T) {
	e := New()
	files := mapLoader{
		"ok.j2":     "fine\n",
		"bad.j2":    "line one\n{{ 1 + }}\n",
		"lib.j2":    "{% macro m() %}\n{% do x %}\n{% endmacro %}\n",
		"nested.j2": "{% include 'bad.j2' %}\n",
		"self.j2":   "{% include 'self.j2' %}\n",
	}
	load := func(name string) (string, string, error) { return files.Load(name) }
	cases := []struct{ text, want string }{
		{"{% include 'ok.j2' %}\n{% include 'gone.j2' ignore missing %}\n{% include name %}\n", ""},
		{"{% include 'self.j2' %}", ""},
		{"a\n{% for x in xs %}{% break %}{% endfor %}", "main.j2:2: Encountered unknown tag 'break'"},
		{"a\n{% continue %}", "main.j2:2: Encountered unknown tag 'continue'"},
		{"{% autoescape true %}x{% endautoescape %}", "main.j2:1: unknown statement {% autoescape true %}"},
		{"\n\n{% include 'missing.j2' %}", "main.j2:3: template not found: missing.j2"},
		{"{% include 'nested.j2' %}", "bad.j2:2: syntax error"},
		{"{% from 'lib.j2' import m %}", "lib.j2:2: Encountered unknown tag 'do'"},
		{"{% extends 'bad.j2' %}", "bad.j2:2:"},
		{"{{ nosuch(1) }}", `main.j2:1: no function named "nosuch"`},
		{"{% macro m() %}{% endmacro %}{{ m() }}{% set f = m %}{{ f() }}", ""},
		{"{% block a %}{% endblock %}\n{% block a %}{% endblock %}", "main.j2:2: block 'a' defined twice"},
		{"{% macro m(a=1, b) %}{% endmacro %}", "non-default argument b follows default argument"},
		{"{% if x %}\n{% endfor %}", "main.j2:1: {% if x %} is not closed by {% endif %}"},
		{"{% block a %}\nx\n{% endblock b %}", "main.j2:3: {% endblock b %} does not close {% block a %}"},
		{"{% filter nosuchfilter %}x{% endfilter %}", `no filter named "nosuchfilter"`},
		{"{% call m() %}x", "main.j2:1: {% call %} is not closed by {% endcall %}"},
	}
	for _, c := range cases {
		err := e.CheckFileTree("main.j2", c.text, AnsibleFileOptions(), load)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("CheckFileTree(%q): %v", c.text, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("CheckFileTree(%q) = %v, want %q", c.text, err, c.want)
		}
	}
}

// TestUnknownFunctionStillStatic: a call of a name nothing binds is a
// load-time error in playbook strings and conditions, as before macros.
func TestUnknownFunctionStillStatic(t *testing.T) {
	e := New()
	for _, s := range []string{"{{ frob(1) }}", "x {{ a | default(frob()) }}"} {
		if err := e.CheckTemplate(s); err == nil || !strings.Contains(err.Error(), `no function named "frob"`) {
			t.Errorf("CheckTemplate(%q) = %v", s, err)
		}
	}
	if err := e.Check("not frob(1)"); err == nil || !strings.Contains(err.Error(), `no function named "frob"`) {
		t.Errorf("Check: %v", err)
	}
	for _, s := range []string{"{{ x | map('upper') | list }}", "{{ x is version('1', '>') }}", "{{ x is not sameas(y) }}", "{{ 'a'.upper() }}", "{{ namespace(a=1).a }}"} {
		if err := e.CheckTemplate(s); err != nil {
			t.Errorf("CheckTemplate(%q): %v", s, err)
		}
	}
	// A macro works in a playbook string too.
	v, err := e.Render("{% macro m(x) %}<{{ x }}>{% endmacro %}{{ m(1) }}{{ m('b') }}", nil)
	if err != nil || v != "<1><b>" {
		t.Errorf("macro in a string = %q, %v", v, err)
	}
	if _, err := e.Render("{% include 'x.j2' %}", nil); err == nil || !strings.Contains(err.Error(), "cannot load other templates") {
		t.Errorf("include in a string: %v", err)
	}
}

// TestHeaderAndDelims: outputs from Ansible 2.14's template module (the
// last from Jinja2 3.1.6 with those delimiters, padded as Ansible pads).
func TestHeaderAndDelims(t *testing.T) {
	e := New()
	vars := map[string]any{"greeting": "hello", "ports": []any{80, 443}}
	cases := []struct {
		text string
		opts FileOptions
		want string
	}{
		{"#jinja2: trim_blocks: False, lstrip_blocks: True\nheader\n    {% if true %}\nx\n    {% endif %}\ndone\n", AnsibleFileOptions(),
			"header\n\nx\n\ndone\n"},
		{"#jinja2: variable_start_string: '[%', variable_end_string: '%]', keep_trailing_newline: True\n[% greeting | upper %] {{ literal }}\n{% for p in ports %}[% p %] {% endfor %}\n\n",
			AnsibleFileOptions(), "HELLO {{ literal }}\n80 443 \n\n"},
		{"#jinja2:newline_sequence:'\\r\\n'\na\n{% if true %}\nb\n{% endif %}\n", AnsibleFileOptions(), "a\r\nb\r\n"},
		{"{{ x }} << greeting >>\n<% for p in ports %>\n<< p >>,<% endfor %>\n<# c #>\n<%- raw %><< raw >><% endraw %>\n",
			FileOptions{TrimBlocks: true, Delims: Delims{VarStart: "<<", VarEnd: ">>", BlockStart: "<%", BlockEnd: "%>", CommentStart: "<#", CommentEnd: "#>"}},
			"{{ x }} hello\n80,443,<< raw >>\n"},
	}
	for _, c := range cases {
		got, err := e.RenderFile(c.text, vars, c.opts)
		if err != nil || got != c.want {
			t.Errorf("RenderFile(%q)\n got %q, %v\nwant %q", c.text, got, err, c.want)
		}
	}
	bad := map[string]string{
		"#jinja2: trim_blocks False\nx":    "failed to parse jinja2 override 'trim_blocks False'",
		"#jinja2: autoescape: True\nx":     "#jinja2 override autoescape: not supported by haplay",
		"#jinja2: trim_blocks: yes\nx":     "expected True or False",
		"#jinja2: newline_sequence: 'x'\n": "must be",
	}
	for text, want := range bad {
		_, err := e.RenderFile(text, nil, FileOptions{Name: "t.j2"})
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "t.j2:1:") {
			t.Errorf("RenderFile(%q) = %v, want t.j2:1: and %q", text, err, want)
		}
	}
}

// TestMacroDepthBounded: a macro calling itself without end fails with
// an error instead of exhausting the stack.
func TestMacroDepthBounded(t *testing.T) {
	_, err := New().RenderFile("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", nil, AnsibleFileOptions())
	if err == nil || !strings.Contains(err.Error(), "nested deeper than") {
		t.Fatalf("error = %v", err)
	}
	files := mapLoader{"loop.j2": "{% include 'loop.j2' %}"}
	_, err = New().RenderFile("{% include 'loop.j2' %}", nil, FileOptions{Loader: files})
	if err == nil || !strings.Contains(err.Error(), "nested deeper than") {
		t.Fatalf("include loop: error = %v", err)
	}
}

// The differences listed in docs/ansible-differences.md ("Template
// statements").
func TestStatementDifferencesPinned(t *testing.T) {
	e := New()
	files := mapLoader{"base.j2": "{% block b %}{% endblock %}"}
	for text, want := range map[string]string{
		// Ansible's Jinja has autoescape built in; haplay has no HTML escaping.
		"{% autoescape true %}<{% endautoescape %}": "unknown statement {% autoescape true %}",
		// Ansible's header sets any environment attribute.
		"#jinja2: autoescape: True\nx": "not supported by haplay",
		// Jinja lets an if choose the parent template.
		"{% if true %}{% extends 'base.j2' %}{% endif %}": "must be at the top level",
	} {
		_, err := e.RenderFile(text, nil, FileOptions{Loader: files})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("RenderFile(%q) = %v, want %q", text, err, want)
		}
	}
	if _, err := e.Render("{% include 'x.j2' %}", nil); err == nil || !strings.Contains(err.Error(), "cannot load other templates") {
		t.Errorf("include in a playbook string: %v", err)
	}
	// A missing literal include fails the load; Ansible fails the task.
	err := e.CheckFileTree("t.j2", "{% include 'nowhere.j2' %}", AnsibleFileOptions(), files.Load)
	if err == nil || !strings.Contains(err.Error(), "t.j2:1:") {
		t.Errorf("missing include at load: %v", err)
	}
}
