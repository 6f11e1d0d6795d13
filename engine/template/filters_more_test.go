package template

import (
	"reflect"
	"strings"
	"testing"

	"github.com/haplay/haplay/engine/jinja"
)

// Vectors from Drepper's SHA-crypt specification, and MD5-crypt ones,
// checked against python3's crypt.crypt on Debian 12 (libxcrypt).
func TestShaCrypt(t *testing.T) {
	cases := []struct {
		k        shaCryptKind
		salt     string
		rounds   int
		explicit bool
		want     string
	}{
		{sha256Crypt, "saltstring", 5000, false, "$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5"},
		{sha512Crypt, "saltstring", 5000, false, "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"},
		{sha256Crypt, "saltstringsaltstring", 10000, true, "$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA"},
		{sha512Crypt, "toolongsaltstring", 5000, true, "$6$rounds=5000$toolongsaltstrin$iGlL7EUUfzNQx59x3ydJZ.zXPMUu1dOynSEl/vcNhLlas77qD0DzRswhhB6LdrXTz250at0syAfUXra.XrxAI1"},
	}
	for _, c := range cases {
		if got := shaCrypt(c.k, "Hello world!", c.salt, c.rounds, c.explicit); got != c.want {
			t.Errorf("shaCrypt(%s, %q, %d) = %q, want %q", c.k.id, c.salt, c.rounds, got, c.want)
		}
	}
	for _, c := range [][3]string{
		{"secret", "abc", "$1$abc$iCQ2D3nhptRYi27fDYv2s1"},
		{"Hello world!", "saltsalt", "$1$saltsalt$le8lFSqqnPaRFOlmAZpvH1"},
		{"a much longer password that is longer than sixteen", "toolongsalt", "$1$toolongs$txPgDW7XV9mst18JBwWp51"},
		{"", "x", "$1$x$fwjfZtMwarkdetsjiQreU1"},
	} {
		if got := md5Crypt(c[0], c[1]); got != c[2] {
			t.Errorf("md5Crypt(%q, %q) = %q, want %q", c[0], c[1], got, c[2])
		}
	}
	if _, err := New().Render("{{ 'x' | password_hash('sha512', 'ab', rounds=10) }}", nil); err == nil || !strings.Contains(err.Error(), "rounds must be from 1000") {
		t.Errorf("rounds=10: %v, want the rounds error", err)
	}
}

// Values from python3: random.Random(seed).getrandbits and randrange.
func TestPyRandom(t *testing.T) {
	r, _ := newPyRandom("web01")
	if a, b := r.getrandbits(32), r.getrandbits(64); a != 1523098701 || b != 185878000031223311 {
		t.Errorf("Random('web01') bits %d %d", a, b)
	}
	x, _ := r.randrange(-10, 10, 3)
	y, _ := r.randrange(10, -10, -3)
	if x != -7 || y != -8 {
		t.Errorf("randrange: %d %d, want -7 -8", x, y)
	}
	for seed, want := range map[any]uint64{0: 3626764237, -5: 2675342405, true: 577090037} {
		r, _ := newPyRandom(seed)
		if got := r.getrandbits(32); got != want {
			t.Errorf("Random(%v).getrandbits(32) = %d, want %d", seed, got, want)
		}
	}
	if _, err := newPyRandom([]any{1}); err == nil {
		t.Error("a list seed should be refused")
	}
}

// Template files are not playbook strings: Jinja's escapes apply there,
// as Ansible's template module renders without _escape_backslashes.
func TestBackslashesStringsAndFiles(t *testing.T) {
	e := New()
	s, err := e.RenderString(`{{ 'a\tb' }}`, nil)
	if err != nil || s != `a\tb` {
		t.Errorf("string: %q %v, want a backslash and a t", s, err)
	}
	f, err := e.RenderFile(`{{ 'a\tb' }}`, nil, AnsibleFileOptions())
	if err != nil || f != "a\tb" {
		t.Errorf("file: %q %v, want a tab", f, err)
	}
	if _, err := e.Render(`{{ 'a\'b' }}`, nil); err == nil {
		t.Error(`'a\'b' in a playbook string is a syntax error in Ansible`)
	}
	if got := escapeBackslashes(`x | regex_replace('\d', "\\1") ~ y`); got != `x | regex_replace('\\d', "\\\\1") ~ y` {
		t.Errorf("escapeBackslashes: %s", got)
	}
}

// None: "{{ name }}" hands over the value; anything else prints nothing,
// in strings and in files (Ansible's finalize; SINGLE_VAR).
func TestNoneRendersEmpty(t *testing.T) {
	e := New()
	vars := map[string]any{"nv": nil, "m": map[string]any{"k": nil}}
	for src, want := range map[string]any{
		"{{ nv }}": nil, "{{ None }}": "", "{{ m.k }}": "", "[{{ nv }}]": "[]",
		"{{ [nv] }}": []any{nil}, "{{ nv is none }}": true, "{{ 'x' ~ None }}": "xNone",
	} {
		got, err := e.Render(src, vars)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("Render(%q) = %#v, %v; want %#v", src, got, err, want)
		}
	}
	f, _ := e.RenderFile("[{{ nv }}]{% for x in [nv] %}<{{ x }}>{% endfor %}", vars, AnsibleFileOptions())
	if f != "[]<>" {
		t.Errorf("file: %q, want []<>", f)
	}
}

// Tuples print as Python's inside strings and leave the engine as lists
// (loops and modules know lists), keeping the unsafe mark of what they
// hold.
func TestTuplesLeaveAsLists(t *testing.T) {
	e := New()
	vars := map[string]any{
		"users": []any{map[string]any{"n": "a", "k": []any{1, 2}}},
		"reg":   jinja.Unsafe{V: []any{map[string]any{"k": []any{"{{ x }}"}}}},
	}
	got, err := e.Render("{{ users | subelements('k') }}", vars)
	want := []any{[]any{vars["users"].([]any)[0], 1}, []any{vars["users"].([]any)[0], 2}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("subelements: %#v %v", got, err)
	}
	m, err := e.RenderMarked("{{ reg | subelements('k') }}", vars)
	if _, ok := m.(jinja.Unsafe); err != nil || !ok {
		t.Errorf("subelements of unsafe data: %#v %v, want it marked unsafe", m, err)
	}
	s, _ := e.RenderString("{{ {'b': 1, 'a': 2} | dictsort }}!", nil)
	if s != "[('a', 2), ('b', 1)]!" {
		t.Errorf("dictsort in a string: %q", s)
	}
}

// The differences listed in docs/ansible-differences.md ("Filters and
// tests").
func TestFilterDifferencesPinned(t *testing.T) {
	e := New()
	for src, want := range map[string]string{
		"{{ '10.0.0.1' is ip }} {{ 'fe80::1' is ipv6 }}":      "True True",
		"{{ {'a': 2.0} | json_query('a') }}":                  "2",
		"{{ {'b': 1, 'a': 2} | json_query('{b: b, a: a}') }}": "{'a': 2, 'b': 1}",
	} {
		if got, err := e.RenderString(src, nil); err != nil || got != want {
			t.Errorf("%s = %q, %v; want %q", src, got, err, want)
		}
	}
	for _, src := range []string{
		"{{ '1.0' is version('2.0', '<', version_type='pep440') }}",
		"{{ '10.0.0.1' | ipaddr('revdns') }}",
		"{{ 'x' | password_hash('blowfish', 'abcdefghijklmnopqrstuv') }}",
		"{{ 'x' | password_hash('sha512', 'ab', ident='2b') }}",
		"{{ [1] | random(seed=[1]) }}",
	} {
		if _, err := e.Render(src, nil); err == nil {
			t.Errorf("%s: want an error", src)
		}
	}
	got, _ := e.Render("{{ {'a': 1} | dictsort }}", nil)
	if !reflect.DeepEqual(got, []any{[]any{"a", 1}}) {
		t.Errorf("dictsort leaves as %#v, want a list of lists", got)
	}
}
