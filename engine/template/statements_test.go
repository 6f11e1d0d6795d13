package template

import (
	"fmt"
	"strings"
	"testing"
)

// statementCase is a template file rendered with Ansible's template
// settings (trim_blocks on, lstrip_blocks off unless set). Every want
// and err comes from Jinja2 3.1.6, the one Ansible 2.14 runs here,
// rendering the same files through a DictLoader with StrictUndefined,
// and the result padded to the text's trailing newlines as Ansible's
// templar pads it.
type statementCase struct {
	name, main     string
	files          map[string]string
	vars           map[string]any
	noTrim, lstrip bool
	want, err      string
}

// mapLoader serves templates from memory.
type mapLoader map[string]string

func (m mapLoader) Load(name string) (string, string, error) {
	t, ok := m[name]
	if !ok {
		return "", "", fmt.Errorf("%w: %s", ErrTemplateNotFound, name)
	}
	return name, t, nil
}

func TestStatementsAsJinja(t *testing.T) {
	e := New()
	for _, c := range statementCases {
		t.Run(c.name, func(t *testing.T) {
			opts := FileOptions{TrimBlocks: !c.noTrim, LstripBlocks: c.lstrip, Loader: mapLoader(c.files), Name: "main.j2"}
			got, err := e.RenderFile(c.main, c.vars, opts)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error = %v, want it to contain %q (output %q)", err, c.err, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if got != c.want {
				t.Errorf("\n got %q\nwant %q", got, c.want)
			}
		})
	}
}

var statementCases = []statementCase{
	{name: "macro_args", main: "{% macro m(a, b=2, c='x') %}{{ a }}-{{ b }}-{{ c }}{% endmacro %}\n{{ m(1) }} {{ m(1, 3) }} {{ m(1, c='z') }} {{ m(a=5, b=6) }}\n", want: "1-2-x 1-3-x 1-2-z 5-6-x\n"},
	{name: "macro_default_refers", main: "{% macro m(a, b=a * 2) %}{{ a }}/{{ b }}{% endmacro %}{{ m(3) }}", want: "3/6"},
	{name: "macro_varargs_kwargs", main: "{% macro m(a) %}{{ a }}{{ varargs }}{{ kwargs | dictsort }}{% endmacro %}{{ m(1, 2, 3, x=4) }}", want: "1(2, 3)[('x', 4)]"},
	{name: "macro_too_many", main: "{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1, 2) }}", err: "macro 'm' takes not more than 1 argument(s)"},
	{name: "macro_bad_kw", main: "{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1, z=2) }}", err: "macro 'm' takes no keyword argument 'z'"},
	{name: "macro_recursive", main: "{% macro f(n) %}{% if n > 0 %}{{ n }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(3) }}", want: "321"},
	{name: "macro_sees_vars", main: "{% set t = 'T' %}{% macro m() %}{{ g }}{{ t }}{% endmacro %}{{ m() }}", vars: map[string]any{"g": "G"}, want: "GT"},
	{name: "macro_block_text", main: "{% macro row(k, v) %}\n  {{ k }} = {{ v }}\n{% endmacro %}\n[s]\n{{ row('a', 1) }}{{ row('b', 2) }}end\n", want: "[s]\n  a = 1\n  b = 2\nend\n"},
	{name: "call_caller", main: "{% macro box(t) %}<{{ t }}>{{ caller() }}</{{ t }}>{% endmacro %}{% call box('p') %}inner {{ 1 + 1 }}{% endcall %}\n", want: "<p>inner 2</p>\n"},
	{name: "call_caller_args", main: "{% macro each(xs) %}{% for x in xs %}{{ caller(x, loop.index) }}{% endfor %}{% endmacro %}{% call(item, i) each(['a', 'b']) %}[{{ i }}:{{ item }}]{% endcall %}", want: "[1:a][2:b]"},
	{name: "call_noargs_macro", main: "{% macro w() %}({{ caller() }}){% endmacro %}{% call w() %}x{% endcall %}", want: "(x)"},
	{name: "include_basic", main: "{% for i in [1, 2] %}{% include 'inc.j2' %}{% endfor %}end\n", files: map[string]string{"inc.j2": "inc {{ v }} {{ i }}\n"}, vars: map[string]any{"v": "V"}, want: "inc V 1inc V 2end\n"},
	{name: "include_missing_ignored", main: "a{% include 'nope.j2' ignore missing %}b", want: "ab"},
	{name: "include_list", main: "{% include ['a.j2', 'b.j2'] %}", files: map[string]string{"b.j2": "B"}, want: "B"},
	{name: "include_without_context", main: "{% include 'inc.j2' without context %}", files: map[string]string{"inc.j2": "{{ v | default('none') }}"}, vars: map[string]any{"v": "V"}, want: "none"},
	{name: "include_set_no_leak", main: "{% set z = 1 %}{% include 'inc.j2' %}{{ z }}", files: map[string]string{"inc.j2": "{% set z = 2 %}{{ z }}"}, want: "21"},
	{name: "import_as", main: "{% import 'forms.j2' as f %}{{ f.input('a') }}{{ f.input('b', t='pw') }} v{{ f.version }} {{ f._private is defined }}", files: map[string]string{"forms.j2": "{% macro input(n, t='text') %}<input name={{ n }} type={{ t }}>{% endmacro %}\n{% set version = 3 %}\n{% set _private = 1 %}\n"}, vars: map[string]any{"v": "V"}, want: "<input name=a type=text><input name=b type=pw> v3 False"},
	{name: "import_context", main: "{% import 'm.j2' as a %}{% import 'm.j2' as b with context %}{{ a.show() }}{{ b.show() }}", files: map[string]string{"m.j2": "{% macro show() %}[{{ v | default('UNDEF') }}]{% endmacro %}"}, vars: map[string]any{"v": "V"}, want: "[UNDEF][V]"},
	{name: "from_import", main: "{% from 'm.j2' import x, y as why %}{{ x() }}{{ why(1) }}", files: map[string]string{"m.j2": "{% macro x() %}X{% endmacro %}{% macro y(a) %}Y{{ a }}{% endmacro %}"}, want: "XY1"},
	{name: "from_import_missing", main: "{% from 'm.j2' import nope %}{{ nope() }}", files: map[string]string{"m.j2": "{% macro x() %}X{% endmacro %}"}, err: "does not export the requested name 'nope'"},
	{name: "extends_super", main: "{% extends 'base.j2' %}\n{% block body %}\nchild body\n{{ super() }}{% endblock %}\nignored text\n", files: map[string]string{"base.j2": "<head>{% block head %}base head{% endblock %}</head>\n{% block body %}\nbase body\n{% endblock %}\nfooter {{ v }}\n"}, vars: map[string]any{"v": "V"}, want: "<head>base head</head>\nchild body\nbase body\nfooter V\n"},
	{name: "extends_three_levels", main: "{% extends 'b.j2' %}{% block x %}C{{ super() }}{% endblock %}", files: map[string]string{"a.j2": "[{% block x %}A{% endblock %}]", "b.j2": "{% extends 'a.j2' %}{% block x %}B{{ super() }}{% endblock %}"}, want: "[CBA]"},
	{name: "extends_text_before", main: "before {% extends 'a.j2' %}{% block x %}C{% endblock %} after", files: map[string]string{"a.j2": "[{% block x %}A{% endblock %}]"}, want: "before [C]"},
	{name: "extends_self", main: "{% extends 'a.j2' %}{% block t %}child{% endblock %}", files: map[string]string{"a.j2": "{% block t %}T{% endblock %}|{{ self.t() }}"}, want: "child|child"},
	{name: "block_plain", main: "a{% block b %}B{% endblock %}c{% block d %}D{% endblock d %}", want: "aBcD"},
	{name: "block_scoped", main: "{% for i in [1,2] %}{% block x scoped %}{{ i }}{% endblock %}{% endfor %}", want: "12"},
	{name: "extends_set_in_child", main: "{% extends 'a.j2' %}{% set y = 5 %}{% block x %}{{ y }}{% endblock %}", files: map[string]string{"a.j2": "{% block x %}{% endblock %}"}, want: "5"},
	{name: "filter_block", main: "{% filter upper %}hello {{ 'w' }}{% endfilter %}|{% filter replace('a', 'o') | title %}banana split{% endfilter %}", want: "HELLO W|Bonono Split"},
	{name: "filter_block_indent", main: "x:\n{% filter indent(2, true) %}\na\nb\n{% endfilter %}\n", want: "x:\n  a\n  b\n"},
	{name: "with_block", main: "{% with a = 2, b = a + 10 %}{{ a }} {{ b }}{% endwith %} {{ a }}", vars: map[string]any{"a": 1}, want: "2 11 1"},
	{name: "with_empty", main: "{% with %}{% set q = 1 %}{{ q }}{% endwith %}{{ q is defined }}", want: "1False"},
	{name: "set_block", main: "{% set x %}\nline {{ 1 }}\n{% endset %}[{{ x }}]{% set y | upper %}abc{% endset %}{{ y }}", want: "[line 1\n]ABC"},
	{name: "namespace", main: "{% set ns = namespace(found=false, n=0) %}{% for i in [1, 2, 3] %}{% if i == 2 %}{% set ns.found = true %}{% endif %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.found }} {{ ns.n }}", want: "True 6"},
	{name: "set_attr_non_ns", main: "{% set d = {} %}{% set d.x = 1 %}", err: "cannot assign attribute on non-namespace object"},
	{name: "loop_attrs", main: "{% for x in ['a', 'b', 'c'] %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.depth }}{{ loop.depth0 }}{{ loop.cycle('o', 'e') }} {% endfor %}", want: "1032TrueFalse310o 2121FalseFalse310e 3210FalseTrue310o "},
	{name: "loop_prev_next", main: "{% for x in [1, 2, 3] %}{{ loop.previtem | default('-') }}{{ x }}{{ loop.nextitem | default('-') }} {% endfor %}", want: "-12 123 23- "},
	{name: "loop_changed", main: "{% for x in [1, 1, 2, 2, 1] %}{% if loop.changed(x) %}{{ x }}{% endif %}{% endfor %}", want: "121"},
	{name: "loop_if_else", main: "{% for x in [1, 2, 3, 4] if x is even %}{{ x }}{{ loop.length }}{% else %}none{% endfor %}|{% for x in [] %}x{% else %}empty{% endfor %}|{% for x in [1] if x > 5 %}x{% else %}filtered{% endfor %}", want: "2242|empty|filtered"},
	{name: "loop_recursive", main: "{% for t in tree recursive %}{{ t.n }}{{ loop.depth }}{% if t.c %}({{ loop(t.c) }}){% endif %}{% endfor %}", vars: map[string]any{"tree": []any{map[string]any{"n": "a", "c": []any{map[string]any{"n": "b", "c": []any{}}, map[string]any{"n": "c", "c": []any{map[string]any{"n": "d", "c": []any{}}}}}}, map[string]any{"n": "e", "c": []any{}}}}, want: "a1(b2c2(d3))e1"},
	{name: "loop_nested_outer", main: "{% for a in [1, 2] %}{% set outer = loop %}{% for b in ['x', 'y'] %}{{ outer.index }}{{ loop.index }}{{ b }} {% endfor %}{% endfor %}", want: "11x 12y 21x 22y "},
	{name: "cycler_joiner", main: "{% set c = cycler('r', 'g') %}{% set j = joiner(' | ') %}{% for x in [1, 2, 3] %}{{ j() }}{{ c.next() }}{{ x }}{% endfor %} {{ c.current }}", want: "r1 | g2 | r3 g"},
	{name: "break", main: "{% for x in [1, 2] %}{% break %}{% endfor %}", err: "Encountered unknown tag 'break'"},
	{name: "ws_control", main: "a  {%- if true -%}  b  {%- endif -%}  c\n  {{- ' d ' -}}  \ne\n{%+ if true %}\nf\n{% endif %}\n", want: "abc d e\nf\n"},
	{name: "ws_lstrip", main: "x\n    {% if true %}\n    y\n    {% endif %}\n  {%+ if true %}z{% endif %}\n", lstrip: true, want: "x\n    y\n  z\n"},
	{name: "ws_no_trim", main: "{% macro m() %}\nM\n{% endmacro %}\n{{ m() }}\n{% for i in [1] %}\n{{ i }}\n{% endfor %}\n", noTrim: true, want: "\n\nM\n\n\n1\n"},
	{name: "macro_in_loop_closure", main: "{% for i in [1, 2] %}{% macro m() %}{{ i }}{% endmacro %}{{ m() }}{% endfor %}", want: "12"},
	{name: "caller_defined", main: "{% macro m() %}{% if caller is defined %}{{ caller() }}{% else %}nocaller{% endif %}{% endmacro %}{{ m() }}{% call m() %}C{% endcall %}", want: "nocallerC"},
	{name: "print_objects", main: "{% set ns = namespace(a=1) %}{{ ns }} {% macro m() %}{% endmacro %}{{ m }}\n", want: "<Namespace {'a': 1}> <Macro 'm'>\n"},
	{name: "macro_call_kw_param", main: "{% macro m(a, b) %}{{ a }}{{ b }}{% endmacro %}{{ m(b=1, a=2) }}", want: "21"},
	{name: "set_multi_and_block_in_if", main: "{% if true %}{% set a, b = 1, 2 %}{% endif %}{{ a }}{{ b }}", want: "12"},
	{name: "nested_include_import", main: "{% include 'a.j2' %}", files: map[string]string{"a.j2": "{% import 'b.j2' as b %}[{{ b.f(x) }}]", "b.j2": "{% macro f(v) %}f{{ v }}{% endmacro %}"}, vars: map[string]any{"x": 7}, want: "[f7]"},
	{name: "call_in_macro_of_import", main: "{% import 'lib.j2' as lib %}{% for i in [1, 2] %}{% call lib.panel('p' ~ i) %}body {{ i }}{% endcall %}{% endfor %}", files: map[string]string{"lib.j2": "{% macro panel(title) %}<{{ title }}>{{ caller() }}</>{% endmacro %}"}, want: "<p1>body 1</><p2>body 2</>"},
	{name: "macro_missing_arg", main: "{% macro m(a, b) %}{{ a }}{{ b }}{% endmacro %}{{ m(1) }}", err: "b (macro 'm' was called without it)"},
	{name: "block_no_loop_var", main: "{% extends 'p.j2' %}{% block b %}<{{ i is defined }}>{% endblock %}", files: map[string]string{"p.j2": "{% for i in [1] %}{% block b %}[{{ i is defined }}]{% endblock %}{% endfor %}"}, want: "<False>"},
	{name: "include_in_child_block", main: "{% extends 'p.j2' %}{% block b %}{% include 'i.j2' %}{% endblock %}", files: map[string]string{"p.j2": "({% block b %}{% endblock %})", "i.j2": "inc{{ v }}"}, vars: map[string]any{"v": 1}, want: "(inc1)"},
	{name: "caller_kwargs", main: "{% macro m() %}{{ caller(1, k=2) }}{% endmacro %}{% call(a) m() %}{{ a }}{{ kwargs }}{% endcall %}", want: "1{'k': 2}"},
	{name: "import_with_context_sees_set", main: "{% set top = 'T' %}{% import 'm.j2' as m with context %}{{ m.f() }}", files: map[string]string{"m.j2": "{% macro f() %}{{ top | default('no') }}{% endmacro %}"}, want: "T"},
	{name: "set_block_in_loop_no_leak", main: "{% for i in [1] %}{% set x %}in{% endset %}{% endfor %}{{ x is defined }}", want: "False"},
	{name: "recursive_revindex", main: "{% for n in t recursive %}{{ loop.depth }}{{ loop.revindex }}{% if n.c %}[{{ loop(n.c) }}]{% endif %}{% endfor %}", vars: map[string]any{"t": []any{map[string]any{"c": []any{map[string]any{"c": []any{}}, map[string]any{"c": []any{}}}}, map[string]any{"c": []any{}}}}, want: "12[2221]11"},
	{name: "ws_macro_dash", main: "{%- macro m(x) -%}\n  <{{ x }}>\n{%- endmacro -%}\nA {{ m(1) }} B\n", want: "A <1> B\n"},
	{name: "with_shadow_and_restore", main: "{% with a = 'inner' %}{% set b = 1 %}{{ a }}{% endwith %} {{ a }} {{ b is defined }}", vars: map[string]any{"a": "outer"}, want: "inner outer False"},
	{name: "filter_with_set_inside", main: "{% filter upper %}{% set q = 'x' %}{{ q }}{% endfilter %}{{ q is defined }}", want: "XFalse"},
	{name: "macro_kwargs_only", main: "{% macro m() %}{{ kwargs | dictsort }}{% endmacro %}{{ m(a=1, b=2) }}", want: "[('a', 1), ('b', 2)]"},
	{name: "super_twice", main: "{% extends 'p.j2' %}{% block b %}{{ super() }}{{ super() }}{% endblock %}", files: map[string]string{"p.j2": "{% block b %}P{% endblock %}"}, want: "PP"},
	{name: "block_in_if_child", main: "{% extends 'p.j2' %}{% block b %}C{% endblock %}", files: map[string]string{"p.j2": "{% if true %}{% block b %}P{% endblock %}{% endif %}"}, want: "C"},
	{name: "namespace_in_macro", main: "{% set ns = namespace(c=0) %}{% macro inc() %}{% set ns.c = ns.c + 1 %}{% endmacro %}{{ inc() }}{{ inc() }}{{ ns.c }}", want: "2"},
	{name: "for_tuple_iter", main: "{% for x in 1, 2 %}{{ x }}{% endfor %}", want: "12"},
	{name: "loop_length_after_filter_else", main: "{% for x in range(5) if x > 2 %}{{ loop.index }}/{{ loop.length }}{{ loop.last }} {% endfor %}", want: "1/2False 2/2True "},
	{name: "import_twice_same_alias", main: "{% import 'm.j2' as a %}{% from 'm.j2' import n %}{{ a.n }}{{ n }}", files: map[string]string{"m.j2": "{% set n = 1 %}"}, want: "11"},
	{name: "include_var_name", main: "{% include tpl %}{% include 'x' ~ '.j2' %}", files: map[string]string{"x.j2": "X"}, vars: map[string]any{"tpl": "x.j2"}, want: "XX"},
	{name: "extends_var", main: "{% extends parent %}{% block b %}c{% endblock %}", files: map[string]string{"p.j2": "P{% block b %}{% endblock %}"}, vars: map[string]any{"parent": "p.j2"}, want: "Pc"},
	{name: "include_loop_var_named_loop", main: "{% include 'i.j2' %}", files: map[string]string{"i.j2": "{{ loop }}"}, vars: map[string]any{"loop": "L"}, want: "L"},
}
