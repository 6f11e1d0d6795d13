package template

import (
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/haplay/haplay/engine/pyfmt"
)

// testVars is shared, read-only input for the table tests.
func testVars() map[string]any {
	return map[string]any{
		"n":      3,
		"f":      2.5,
		"s":      "Hello World",
		"csv":    "a,b,c",
		"list":   []any{"b", "a", "c"},
		"nums":   []any{3, 1, 2},
		"nested": []any{[]any{1, 2}, []any{3, []any{4}}},
		"dict":   map[string]any{"k": "v", "n": map[string]any{"z": 3}},
		"users": []any{
			map[string]any{"name": "bob", "age": 30, "admin": true},
			map[string]any{"name": "al", "age": 20, "admin": false},
		},
		"t":       true,
		"empty":   "",
		"nothing": nil,
		"omit":    "__omit_place_holder__abc",
		"a":       "x",
		"b":       "{{ a }}-y",
		"c":       "{{ b }}-z",
		"lazyl":   []any{"{{ a }}", 1},
		"loop1":   "{{ loop2 }}",
		"loop2":   "{{ loop1 }}",
		"self":    "{{ self }}",
		"ok_res":  map[string]any{"changed": true, "failed": false},
		"bad_res": map[string]any{"failed": true, "changed": false},
		"skipres": map[string]any{"skipped": true, "changed": false},
		"ver":     "2.10.1",
		"path":    "/etc/nginx/nginx.conf",
		"i64":     int64(7),
		"u64":     uint64(8),
	}
}

// Expected values were checked against Jinja2 3.1 / ansible-core.
func TestRenderNative(t *testing.T) {
	e := New()
	cases := []struct {
		in   string
		want any
	}{
		{"plain", "plain"},
		{"{{ n }}", 3},
		{"{{ n + 1 }}", 4},
		{"{{ i64 + u64 }}", 15},
		{"{{ f * 2 }}", 5.0},
		{"{{ list }}", []any{"b", "a", "c"}},
		{"{{ dict.k }}", "v"},
		{"{{ dict['n']['z'] }}", 3},
		{"{{ list[0] }}", "b"},
		{"{{ list[-1] }}", "c"},
		{"{{ list.1 }}", "a"},
		{"{{ t }}", true},
		{"{{ nothing }}", nil},
		{"  {{ n }}  ", "  3  "},
		{"n={{ n }}", "n=3"},
		{"{{ t }}!", "True!"},
		{"{{ nothing }}!", "!"}, // Ansible writes None as nothing
		{"{{ list }}!", "['b', 'a', 'c']!"},
		{"{{ dict }}", map[string]any{"k": "v", "n": map[string]any{"z": 3}}},
		{"{{ dict }}!", "{'k': 'v', 'n': {'z': 3}}!"},
		{"{{ {'a': \"it's\"} }}.", `{'a': "it's"}.`},
		{"{{ 1.0 }}.", "1.0."},
		{"{{ 1e20 }}.", "1e+20."},
		{"{{ 0.1 + 0.2 }}", 0.30000000000000004},
		{"{{ 7 // 2 }} {{ 7 / 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 2 ** 10 }}", "3 3.5 -4 2 1024"},
		{"{{ 'x' ~ 1 ~ t }}", "x1True"},
		{"{{ 'ab' * 2 }}", "abab"},
		{"{{ [1] + [2] }}", []any{1, 2}},
		{"{{ 'a' + 'b' }}", "ab"},
		{"{{ 'abc'[1:] }} {{ 'abc'[:-1] }}", "bc ab"},
		{"{{ [1, 2] }}", []any{1, 2}},
		{"{{ {'a': 1} }}", map[string]any{"a": 1}},
		{"{{ (1, 2) }}", []any{1, 2}},
		{"{{ True and False }}", false},
		{"{{ none is none }}", true},
		{"{{ None }}", ""},
		{"{{ 0 or 'dflt' }}", "dflt"},
		{"{{ 'x' and 'y' }}", "y"},
		{"{{ not empty }}", true},
		{"{{ 'a' if n == 3 else 'b' }}", "a"},
		{"{{ 'a' if n == 4 else 'b' }}", "b"},
		{"{{ 'a' in list }}", true},
		{"{{ 'z' not in list }}", true},
		{"{{ 'World' in s }}", true},
		{"{{ 'k' in dict }}", true},
		{"{{ n > 2 and n <= 3 and n != 4 and 1 < 2.5 }}", true},
		{"{{ 'b' > 'a' }}", true},
		{"{{ 1 == 1.0 }}", true},
		{"{{ s.split(' ') }}", []any{"Hello", "World"}},
		{"{{ csv.split(',') }}", []any{"a", "b", "c"}},
		{"{{ '  x '.strip() }}", "x"},
		{"{{ s.lower() }} {{ s.upper() }}", "hello world HELLO WORLD"},
		{"{{ s.startswith('He') }} {{ s.endswith('x') }}", "True False"},
		{"{{ s.replace('World', 'There') }}", "Hello There"},
		{"{{ dict.get('k') }} {{ dict.get('q', 'dq') }} {{ dict.get('q') }}", "v dq "},
		{"{{ dict.keys() | list }}", []any{"k", "n"}},
		{"{{ dict.values() | list | first }}", "v"},
		{"{{ dict.items() | first }}", []any{"k", "v"}},
		{"{{ range(3) }}", []any{0, 1, 2}},
		{"{{ range(1, 7, 2) | list }}", []any{1, 3, 5}},
		{"{{ omit }}", "__omit_place_holder__abc"},
		{"{{ missing | default(omit) }}", "__omit_place_holder__abc"},
		{"{{ -n }}", -3},
		{"{{ '\\d+' }}", `\d+`},
		{`{{ "a'b" }}`, "a'b"},
		{"{{ '}}' }}", "}}"},
		{"{{ 1_000 }}", 1000},
	}
	vars := testVars()
	for _, c := range cases {
		got, err := e.Render(c.in, vars)
		if err != nil {
			t.Errorf("Render(%q): %v", c.in, err)
			continue
		}
		if !equal(got, c.want) || typeName(got) != typeName(c.want) {
			t.Errorf("Render(%q) = %#v, want %#v", c.in, got, c.want)
		}
	}
}

func TestUndefined(t *testing.T) {
	e := New()
	vars := testVars()
	errs := map[string]string{
		"{{ missing }}":                   "undefined variable: missing",
		"{{ dict.nope }}":                 "undefined variable: dict.nope",
		"{{ dict.n.q }}":                  "undefined variable: dict.n.q",
		"{{ dict['nope'] }}":              "undefined variable: dict.nope",
		"{{ list[9] }}":                   "undefined variable: list[9]",
		"{{ missing.x }}":                 "undefined variable: missing",
		"{{ missing | upper }}":           "undefined variable: missing",
		"{{ missing + 1 }}":               "undefined variable: missing",
		"x {{ missing }} y":               "undefined variable: missing",
		"{{ missing | mandatory }}":       `mandatory variable "missing" not defined`,
		"{{ x or 'dflt' }}":               "undefined variable: x",
		"{{ 'a' if missing else 'b' }}":   "undefined variable: missing",
		"{{ dict.missing | default(x) }}": "undefined variable: x",
	}
	for in, want := range errs {
		_, err := e.Render(in, vars)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Render(%q) error = %v, want %q", in, err, want)
		}
	}
	var ue *UndefinedError
	if _, err := e.Render("{{ missing }}", vars); !errors.As(err, &ue) || ue.Name != "missing" {
		t.Errorf("want *UndefinedError naming missing, got %v", err)
	}
	ok := map[string]any{
		"{{ missing | default('z') }}":                         "z",
		"{{ missing | d('z') }}":                               "z",
		"{{ missing ?? 'q' }}":                                 "q",
		"{{ dict.a.b.c | default(5) }}":                        5,
		"{{ missing.a['b'] | default(5) }}":                    5,
		"{{ empty | default('e') }}":                           "",
		"{{ empty | default('e', true) }}":                     "e",
		"{{ nothing | default('e', boolean=true) }}":           "e",
		"{{ missing is defined }}":                             false,
		"{{ missing is not defined }}":                         true,
		"{{ missing is undefined }}":                           true,
		"{{ dict.k is defined }}":                              true,
		"{{ dict.x.y is defined }}":                            false,
		"{{ missing is defined and missing.x }}":               false,
		"{{ n if n is defined else 0 }}":                       3,
		"{{ missing | default(dict.nope | default('deep')) }}": "deep",
		"{{ (missing | default([])) | length }}":               0,
	}
	for in, want := range ok {
		got, err := e.Render(in, vars)
		if err != nil || !equal(got, want) {
			t.Errorf("Render(%q) = %#v, %v; want %#v", in, got, err, want)
		}
	}
}

func TestLazyVariables(t *testing.T) {
	e := New()
	vars := testVars()
	for in, want := range map[string]any{
		"{{ b }}":            "x-y",
		"{{ c }}":            "x-y-z",
		"{{ c | upper }}":    "X-Y-Z",
		"{{ lazyl }}":        []any{"x", 1},
		"{{ lazyl[0] }}":     "x",
		"{{ b is defined }}": true,
	} {
		got, err := e.Render(in, vars)
		if err != nil || !equal(got, want) {
			t.Errorf("Render(%q) = %#v, %v; want %#v", in, got, err, want)
		}
	}
	var re *RecursionError
	if _, err := e.Render("{{ loop1 }}", vars); !errors.As(err, &re) || !strings.Contains(err.Error(), "loop1 -> loop2 -> loop1") {
		t.Errorf("loop: got %v", err)
	}
	if _, err := e.Render("{{ self }}", vars); !errors.As(err, &re) {
		t.Errorf("self loop: got %v", err)
	}
	// A var built on an undefined one is itself undefined for default().
	vars["bad"] = "{{ nope }}"
	if got, err := e.Render("{{ bad | default('d') }}", vars); err != nil || got != "d" {
		t.Errorf("lazy undefined under default = %v, %v", got, err)
	}
	if _, err := e.Render("{{ bad }}", vars); err == nil || !strings.Contains(err.Error(), "undefined variable: nope") {
		t.Errorf("lazy undefined = %v", err)
	}
	// Deep chains hit the depth limit, not the stack.
	deep := map[string]any{"v0": "end"}
	for i := 1; i <= 100; i++ {
		deep["v"+itoa(i)] = "{{ v" + itoa(i-1) + " }}"
	}
	if _, err := e.Render("{{ v100 }}", deep); err == nil || !strings.Contains(err.Error(), "deeper than") {
		t.Errorf("depth limit: %v", err)
	}
	if got, err := e.Render("{{ v20 }}", deep); err != nil || got != "end" {
		t.Errorf("v20 = %v, %v", got, err)
	}
}

func itoa(i int) string { return pyfmt.Str(i) }

func TestEvalAndEvalBool(t *testing.T) {
	e := New()
	vars := testVars()
	if v, err := e.Eval("n * 2", vars); err != nil || v != 6 {
		t.Errorf("Eval = %v, %v", v, err)
	}
	conds := []struct {
		cond any
		want bool
	}{
		{true, true},
		{false, false},
		{nil, true},
		{"n == 3", true},
		{"n is defined and n > 5", false},
		{"missing is not defined", true},
		{[]any{"n == 3", "t"}, true},
		{[]any{"n == 3", "not t"}, false},
		{"{{ n == 3 }}", true},
		{"{{ t }}", true},
		{"{{ not t }}", false},
		{"ok_res is changed", true},
		{"ok_res is succeeded", true},
		{"bad_res is failed", true},
		{"bad_res is success", false},
		{"skipres is skipped", true},
		{"ok_res is not skipped", true},
		{"list", true},
		{"empty", false},
	}
	for _, c := range conds {
		got, err := e.EvalBool(c.cond, vars)
		if err != nil || got != c.want {
			t.Errorf("EvalBool(%#v) = %v, %v; want %v", c.cond, got, err, c.want)
		}
	}
	if _, err := e.EvalBool("missing == 1", vars); err == nil || !strings.Contains(err.Error(), "undefined variable: missing") {
		t.Errorf("undefined in when: %v", err)
	}
}

func TestCheck(t *testing.T) {
	e := New()
	good := []string{"a", "a.b | default('x') | upper", "x is version('1', '>=')", "[1, 2] | union([3])", "a if b else c", "lookup('env', 'HOME')"}
	for _, s := range good {
		if err := e.Check(s); err != nil {
			t.Errorf("Check(%q): %v", s, err)
		}
	}
	bad := map[string]string{
		"a |":              "expected a name",
		"a | nosuchfilter": `no filter named "nosuchfilter"`,
		"a is nosuchtest":  `no test named "nosuchtest"`,
		"(a":               `expected ")"`,
		"'abc":             "unterminated string",
		"a b":              "unexpected token",
		"frob(1)":          `no function named "frob"`,
		"a ==":             "unexpected token",
		"":                 "empty expression",
		"a $ b":            "unexpected character",
	}
	for s, want := range bad {
		err := e.Check(s)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Check(%q) = %v, want %q", s, err, want)
		}
	}
	if err := e.CheckTemplate("x {{ a | nope }} y"); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("CheckTemplate: %v", err)
	}
	if err := e.CheckTemplate("{{ a "); err == nil || !strings.Contains(err.Error(), "unclosed") {
		t.Errorf("CheckTemplate unclosed: %v", err)
	}
	if err := e.CheckFile("{% if a %}\nx\n", AnsibleFileOptions()); err == nil || !strings.Contains(err.Error(), "endif") {
		t.Errorf("CheckFile: %v", err)
	}
	if err := e.CheckFile("line1\n{% for x in %}\n{% endfor %}", AnsibleFileOptions()); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("CheckFile line: %v", err)
	}
	if _, err := e.Render("{{ lookup('nosuch', 'x') }}", nil); err == nil || !strings.Contains(err.Error(), "lookup plugin not found") {
		t.Errorf("lookup file: %v", err)
	}
	t.Setenv("HAPLAY_TEST_ENV", "hi")
	if v, err := e.Render("{{ lookup('env', 'HAPLAY_TEST_ENV') }}", nil); err != nil || v != "hi" {
		t.Errorf("lookup env: %v %v", v, err)
	}
}

func TestConcurrent(t *testing.T) {
	e := New()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			vars := map[string]any{"i": i, "b": "{{ i * 2 }}"}
			for range 200 {
				v, err := e.Render("{{ b | int + 1 }}", vars)
				if err != nil || v != i*2+1 {
					t.Errorf("got %v %v", v, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func BenchmarkRenderCached(b *testing.B) {
	e := New()
	vars := testVars()
	for b.Loop() {
		if _, err := e.Render("{{ users | selectattr('admin') | map(attribute='name') | join(',') }}", vars); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderUncached builds a fresh Engine each time, paying the
// translate+compile cost that the cache saves.
func BenchmarkRenderUncached(b *testing.B) {
	vars := testVars()
	for b.Loop() {
		if _, err := New().Render("{{ users | selectattr('admin') | map(attribute='name') | join(',') }}", vars); err != nil {
			b.Fatal(err)
		}
	}
}

// The task result tests and their aliases, as ansible-playbook 2.14
// evaluated this list (hosts: localhost): every name Ansible's core tests
// plugin gives them exists, and each reads the result as Ansible does.
func TestResultTestAliases(t *testing.T) {
	e := New()
	vars := map[string]any{
		"ok":  map[string]any{"changed": false},
		"bad": map[string]any{"failed": true, "changed": true},
		"sk":  map[string]any{"skipped": true},
		"un":  map[string]any{"unreachable": true},
	}
	const list = "[ok is successful, ok is success, ok is succeeded, bad is failure, bad is failed, bad is change, bad is changed, " +
		"sk is skip, sk is skipped, ok is reachable, un is unreachable, ok is unreachable, bad is successful]"
	got, err := e.Eval(list, vars)
	want := []any{true, true, true, true, true, true, true, true, true, true, true, false, false}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, %v; want %v", got, err, want)
	}
	if _, err := e.Eval("'x' is successful", vars); err == nil || !strings.Contains(err.Error(), "expects a registered task result") {
		t.Errorf("successful on a string: %v", err)
	}
}
