package template

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/haplay/haplay/engine/jinja"
)

// lookupTree makes a playbook dir with a role, as Ansible lays them out,
// and the variables a role task sees (ansible_search_path: the role, its
// tasks dir, the playbook dir).
func lookupTree(t *testing.T) (string, map[string]any) {
	t.Helper()
	pb := t.TempDir()
	files := map[string]string{
		"files/hello.txt":           "hello {{ not_rendered }}\n\n",
		"files/both.txt":            "from the playbook",
		"files/a.txt":               "a",
		"files/b.txt":               "b",
		"files/app.ini":             "[global]\nuser = alice\nHome = /home/%(user)s\n\n[db]\nhost = db1\nport: 5432\npass_a = x\npass_b = y\nlong = first\n  second\n",
		"files/app.properties":      "name=demo\nversion = 1.2\n",
		"files/users.csv":           "alice,1000,admin\nbob,1001,\"dev, ops\"\n",
		"files/ansible.csv":         "k\tv1\tv2\n",
		"templates/greet.j2":        "Hi {{ who }}!\n{% for i in [1, 2] %}\nn={{ i }}\n{% endfor %}\n{{ lookup('file', 'hello.txt') }}",
		"roles/r/files/both.txt":    "from the role",
		"roles/r/templates/r.j2":    "role {{ template_path }}",
		"roles/r/tasks/main.yml":    "",
		"plain.txt":                 "beside the playbook",
		"templates/self.j2":         "{{ lookup('template', 'self.j2') }}",
		"templates/uses_vars.j2":    "{{ extra }} {{ who }}",
		"roles/r/files/only_role.x": "r",
	}
	for name, body := range files {
		p := filepath.Join(pb, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	role := filepath.Join(pb, "roles/r")
	vars := map[string]any{
		"playbook_dir":        pb,
		"ansible_search_path": []any{role, filepath.Join(role, "tasks"), pb},
		"who":                 "world",
		"not_rendered":        "RENDERED",
	}
	return pb, vars
}

func render(t *testing.T, e *Engine, s string, vars map[string]any) any {
	t.Helper()
	v, err := e.Render(s, vars)
	if err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return v
}

func renderErr(t *testing.T, e *Engine, s string, vars map[string]any, want string) {
	t.Helper()
	_, err := e.Render(s, vars)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("%s: error %v, want %q", s, err, want)
	}
}

func TestLookupFileSearchesAsAnsible(t *testing.T) {
	pb, vars := lookupTree(t)
	e := New()
	cases := map[string]any{
		// The role's files/ comes before the playbook's.
		"{{ lookup('file', 'both.txt') }}": "from the role",
		// Content is not rendered again, and trailing blanks go (rstrip).
		"{{ lookup('file', 'hello.txt') }}":                   "hello {{ not_rendered }}",
		"{{ lookup('file', 'hello.txt', rstrip=False) }}":     "hello {{ not_rendered }}\n\n",
		"{{ lookup('file', 'plain.txt') }}":                   "beside the playbook",
		"{{ lookup('file', 'a.txt', 'b.txt') }}":              "a,b",
		"{{ query('file', 'a.txt', 'b.txt') }}":               []any{"a", "b"},
		"{{ lookup('file', 'a.txt', wantlist=True) }}":        []any{"a"},
		"{{ lookup('file', '" + pb + "/files/b.txt') }}":      "b",
		"{{ lookup('ansible.builtin.file', 'only_role.x') }}": "r",
	}
	for src, want := range cases {
		if got := render(t, e, src, vars); !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %#v, want %#v", src, got, want)
		}
	}
	renderErr(t, e, "{{ lookup('file', 'missing.txt') }}", vars, "could not locate file in lookup: missing.txt")
	// An option a plugin does not take is an error, not ignored.
	renderErr(t, e, "{{ lookup('file', 'a.txt', strip=True) }}", vars, `the file lookup has no option "strip" (it has lstrip, rstrip)`)
	renderErr(t, e, "{{ lookup('items', [1], x=1) }}", vars, "the items lookup takes no option, got x=")
	renderErr(t, e, "{{ lookup('ini', 'user', file='app.ini', encoding='latin-1') }}", vars, `encoding "latin-1": haplay reads utf-8 only`)
}

func TestLookupErrorsOption(t *testing.T) {
	_, vars := lookupTree(t)
	e := New()
	var warned []string
	e.SetLookupHooks(LookupHooks{Warn: func(m string) { warned = append(warned, m) }})
	if v := render(t, e, "{{ lookup('file', 'nope', errors='ignore') is none }}", vars); v != true {
		t.Errorf("errors=ignore: %v", v)
	}
	if v := render(t, e, "{{ query('file', 'nope', errors='warn') }}", vars); !reflect.DeepEqual(v, []any{}) {
		t.Errorf("errors=warn query: %#v", v)
	}
	if len(warned) != 1 || !strings.Contains(warned[0], "could not locate file in lookup: nope") {
		t.Errorf("warnings: %q", warned)
	}
	renderErr(t, e, "{{ lookup('file', 'nope', errors='strict') }}", vars, "could not locate")
	renderErr(t, e, "{{ lookup('file', 'nope', errors='loud') }}", vars, `errors must be "strict", "warn" or "ignore"`)
	// An unknown plugin is an error whatever errors= says.
	renderErr(t, e, "{{ lookup('nosuch', 'x', errors='ignore') }}", vars, "lookup plugin not found")
}

func TestLookupResultsAreUnsafe(t *testing.T) {
	_, vars := lookupTree(t)
	e := New()
	v, err := e.RenderMarked("{{ lookup('file', 'hello.txt') }}", vars)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := v.(jinja.Unsafe); !ok {
		t.Fatalf("lookup result not marked unsafe: %#v", v)
	}
	// A variable holding a lookup's result keeps its text as it is.
	vars["content"] = v
	if got := render(t, e, "{{ content }}", vars); got != "hello {{ not_rendered }}" {
		t.Errorf("re-rendered: %q", got)
	}
}

func TestLookupTemplate(t *testing.T) {
	_, vars := lookupTree(t)
	e := New()
	want := "Hi world!\nn=1\nn=2\nhello {{ not_rendered }}"
	if got := render(t, e, "{{ lookup('template', 'greet.j2') }}", vars); got != want {
		t.Errorf("template = %q, want %q", got, want)
	}
	if got := render(t, e, "{{ lookup('template', 'r.j2') }}", vars); got != "role r.j2" {
		t.Errorf("role template = %q", got)
	}
	if got := render(t, e, "{{ lookup('template', 'uses_vars.j2', template_vars={'extra': 'X'}) }}", vars); got != "X world" {
		t.Errorf("template_vars = %q", got)
	}
	renderErr(t, e, "{{ lookup('template', 'self.j2') }}", vars, "recurs")
	renderErr(t, e, "{{ lookup('template', 'none.j2') }}", vars, "the template file none.j2 could not be found for the lookup")
}

func TestLookupFileglobAndFirstFound(t *testing.T) {
	pb, vars := lookupTree(t)
	e := New()
	got := render(t, e, "{{ query('fileglob', '*.txt') }}", vars)
	// The role's files/ has matches, so the playbook's are not looked at.
	if want := []any{filepath.Join(pb, "roles/r/files/both.txt")}; !reflect.DeepEqual(got, want) {
		t.Errorf("fileglob role = %#v", got)
	}
	// A directory in the pattern is found as a file is: the role's
	// files/ first, as Ansible finds it.
	got = render(t, e, "{{ query('fileglob', 'files/*.txt') }}", vars)
	if want := []any{filepath.Join(pb, "roles/r/files/both.txt")}; !reflect.DeepEqual(got, want) {
		t.Errorf("fileglob files/ = %#v", got)
	}
	got = render(t, e, "{{ query('fileglob', '"+pb+"/files/*.txt') }}", vars)
	want := []any{filepath.Join(pb, "files/a.txt"), filepath.Join(pb, "files/b.txt"), filepath.Join(pb, "files/both.txt"), filepath.Join(pb, "files/hello.txt")}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("fileglob dir = %#v", got)
	}
	if got := render(t, e, "{{ lookup('fileglob', 'zz*') }}", vars); !reflect.DeepEqual(got, []any{}) {
		t.Errorf("fileglob none = %#v", got)
	}
	ff := map[string]any{
		"{{ lookup('first_found', ['nope', 'a.txt', 'b.txt']) }}":                  filepath.Join(pb, "files/a.txt"),
		"{{ lookup('first_found', 'nope', 'b.txt') }}":                             filepath.Join(pb, "files/b.txt"),
		"{{ lookup('first_found', {'files': 'x,b.txt', 'paths': 'nope;files'}) }}": filepath.Join(pb, "files/b.txt"),
		"{{ query('first_found', {'files': ['x', 'y'], 'skip': True}) }}":          []any{},
		"{{ query('first_found', ['x'], skip=True) }}":                             []any{},
	}
	for src, w := range ff {
		if got := render(t, e, src, vars); !reflect.DeepEqual(got, w) {
			t.Errorf("%s = %#v, want %#v", src, got, w)
		}
	}
	renderErr(t, e, "{{ lookup('first_found', ['x', 'y']) }}", vars, "No file was found when using first_found.")
	// A with_first_found loop of a template task looks in templates/.
	items, err := e.LoopLookup("first_found", "ansible.builtin.template", []any{"x.j2", "greet.j2"}, vars)
	if err != nil || !reflect.DeepEqual(items, []any{filepath.Join(pb, "templates/greet.j2")}) {
		t.Errorf("with_first_found template: %#v %v", items, err)
	}
}

func TestLookupPipeAndLines(t *testing.T) {
	pb, vars := lookupTree(t)
	e := New()
	if got := render(t, e, "{{ lookup('pipe', 'printf \"x\\n\\n\"; basename $(pwd)') }}", vars); got != "x\n\n"+filepath.Base(pb) {
		t.Errorf("pipe = %q", got)
	}
	if got := render(t, e, "{{ query('lines', 'printf \"a\\nb\\n\"') }}", vars); !reflect.DeepEqual(got, []any{"a", "b"}) {
		t.Errorf("lines = %#v", got)
	}
	renderErr(t, e, "{{ lookup('pipe', 'exit 3') }}", vars, "lookup_plugin.pipe(exit 3) returned 3")
}

func TestLookupINIAndCSV(t *testing.T) {
	_, vars := lookupTree(t)
	e := New()
	cases := map[string]any{
		"{{ lookup('ini', 'user section=global file=app.ini') }}":             "alice",
		"{{ lookup('ini', 'HOME', section='global', file='app.ini') }}":       "/home/alice",
		"{{ lookup('ini', 'port section=db file=app.ini') }}":                 "5432",
		"{{ lookup('ini', 'long section=db file=app.ini') }}":                 "first\nsecond",
		"{{ query('ini', 'pass_.* section=db file=app.ini re=true') }}":       []any{"x", "y"},
		"{{ lookup('ini', 'nope section=db file=app.ini default=dflt') }}":    "dflt",
		"{{ lookup('ini', 'version type=properties file=app.properties') }}":  "1.2",
		"{{ lookup('csvfile', 'bob file=users.csv delimiter=,') }}":           "1001",
		"{{ lookup('csvfile', 'bob file=users.csv delimiter=, col=2') }}":     "dev, ops",
		"{{ lookup('csvfile', 'k', col=2) }}":                                 "v2",
		"{{ query('csvfile', 'zed file=users.csv delimiter=,') }}":            []any{},
		"{{ lookup('csvfile', 'zed file=users.csv delimiter=, default=d') }}": "d",
	}
	for src, want := range cases {
		if got := render(t, e, src, vars); !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %#v, want %#v", src, got, want)
		}
	}
	renderErr(t, e, "{{ lookup('ini', 'user section=nope file=app.ini') }}", vars, "No section 'nope' in app.ini")
	renderErr(t, e, "{{ lookup('ini', 'user section=global file=app.ini colour=red') }}", vars, "colour is not a valid option")
	renderErr(t, e, "{{ lookup('csvfile', 'bob file=users.csv delimiter=, col=9') }}", vars, "list index out of range")
}

func TestLookupDataShapers(t *testing.T) {
	e := New()
	users := []any{
		map[string]any{"name": "alice", "keys": []any{"k1", "k2"}},
		map[string]any{"name": "bob", "keys": []any{"k3"}},
		map[string]any{"name": "carol"},
	}
	vars := map[string]any{"users": users, "who": "w"}
	cases := map[string]any{
		"{{ query('sequence', 'start=1 end=5 stride=2') }}":         []any{"1", "3", "5"},
		"{{ query('sequence', '4-8/2:host%02d') }}":                 []any{"host04", "host06", "host08"},
		"{{ query('sequence', 'count=3 start=10 format=%x') }}":     []any{"a", "b", "c"},
		"{{ query('sequence', 'start=5 end=1 stride=-2') }}":        []any{"5", "3", "1"},
		"{{ query('sequence', '3') }}":                              []any{"1", "2", "3"},
		"{{ query('sequence', 'count=0') }}":                        []any{},
		"{{ query('items', 'a', ['b', ['c']]) }}":                   []any{"a", "b", []any{"c"}},
		"{{ query('indexed_items', ['a', 'b']) }}":                  []any{[]any{0, "a"}, []any{1, "b"}},
		"{{ query('dict', {'b': 2, 'a': 1}) }}":                     []any{map[string]any{"key": "a", "value": 1}, map[string]any{"key": "b", "value": 2}},
		"{{ query('together', [1, 2, 3], ['a', 'b']) }}":            []any{[]any{1, "a"}, []any{2, "b"}, []any{3, nil}},
		"{{ query('nested', ['x', 'y'], [1, 2]) }}":                 []any{[]any{"x", 1}, []any{"x", 2}, []any{"y", 1}, []any{"y", 2}},
		"{{ query('vars', 'who') }}":                                []any{"w"},
		"{{ lookup('vars', 'nope', default='d') }}":                 "d",
		"{{ lookup('env', 'HAPLAY_NO_SUCH_VAR', default='dflt') }}": "dflt",
		"{{ lookup('items', [1]) }}":                                1,
		"{{ lookup('items', [1, 2]) }}":                             []any{1, 2},
	}
	for src, want := range cases {
		if got := render(t, e, src, vars); !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %#v, want %#v", src, got, want)
		}
	}
	got := render(t, e, "{{ query('subelements', users, 'keys', {'skip_missing': True}) }}", vars)
	alice := map[string]any{"name": "alice"} // the subkey is taken out, as Ansible pops it
	want := []any{[]any{alice, "k1"}, []any{alice, "k2"}, []any{map[string]any{"name": "bob"}, "k3"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("subelements = %#v", got)
	}
	if _, ok := users[0].(map[string]any)["keys"]; !ok {
		t.Error("subelements changed the variable it read")
	}
	renderErr(t, e, "{{ query('subelements', users, 'keys') }}", vars, "could not find 'keys' key in iterated item")
	renderErr(t, e, "{{ query('sequence', 'start=5 end=1') }}", vars, "to count backwards make stride negative")
	renderErr(t, e, "{{ query('sequence', 'start=1') }}", vars, "must specify count or end in with_sequence")
	renderErr(t, e, "{{ query('sequence', 'end=3 color=red') }}", vars, "unrecognized arguments to with_sequence: color")
	renderErr(t, e, "{{ lookup('vars', 'nope') }}", vars, "nope")
	// with_<lookup>: the loop's value is the lookup's terms.
	items, err := e.LoopLookup("sequence", "debug", "start=1 end=2", vars)
	if err != nil || !reflect.DeepEqual(items, []any{"1", "2"}) {
		t.Errorf("with_sequence: %#v %v", items, err)
	}
	items, err = e.LoopLookup("dict", "debug", map[string]any{"k": "v"}, vars)
	if err != nil || !reflect.DeepEqual(items, []any{map[string]any{"key": "k", "value": "v"}}) {
		t.Errorf("with_dict: %#v %v", items, err)
	}
}

func TestLookupURL(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/lines":
			fmt.Fprint(w, "one\ntwo\n")
		case "/auth":
			u, p, _ := r.BasicAuth()
			fmt.Fprintf(w, "%s:%s %s", u, p, r.Header.Get("X-Test"))
		default:
			http.NotFound(w, r)
		}
	})}
	go srv.Serve(ln) //nolint:errcheck // ends with Close
	t.Cleanup(func() { srv.Close() })
	base := "http://" + ln.Addr().String()
	e := New()
	vars := map[string]any{}
	if got := render(t, e, "{{ query('url', '"+base+"/lines') }}", vars); !reflect.DeepEqual(got, []any{"one", "two"}) {
		t.Errorf("url lines = %#v", got)
	}
	if got := render(t, e, "{{ lookup('url', '"+base+"/lines', split_lines=False) }}", vars); got != "one\ntwo\n" {
		t.Errorf("url whole = %q", got)
	}
	src := "{{ lookup('url', '" + base + "/auth', username='u', password='p', headers={'X-Test': 'h'}) }}"
	if got := render(t, e, src, vars); got != "u:p h" {
		t.Errorf("url auth = %q", got)
	}
	renderErr(t, e, "{{ lookup('url', '"+base+"/missing') }}", vars, "HTTP Error 404: Not Found")
	renderErr(t, e, "{{ lookup('url', '"+base+"/lines', colour=1) }}", vars, `the url lookup has no option "colour"`)
}

func TestLookupUnvaultReadsThroughTheHook(t *testing.T) {
	_, vars := lookupTree(t)
	e := New()
	var read []string
	e.SetLookupHooks(LookupHooks{ReadFile: func(p string) ([]byte, error) {
		read = append(read, filepath.Base(p))
		return []byte("decrypted\n"), nil
	}})
	if got := render(t, e, "{{ lookup('unvault', 'a.txt') }}|{{ lookup('file', 'b.txt') }}", vars); got != "decrypted\n|decrypted" {
		t.Errorf("unvault = %q", got)
	}
	if !reflect.DeepEqual(read, []string{"a.txt", "b.txt"}) {
		t.Errorf("read through the hook: %q", read)
	}
	renderErr(t, e, "{{ lookup('unvault', 'nope') }}", vars, `Unable to find file matching "nope"`)
}

func TestLookupPasswordSeedMatchesAnsible(t *testing.T) {
	e := New()
	got := render(t, e, "{{ lookup('password', '/dev/null seed=foo') }} {{ lookup('password', '/dev/null seed=foo length=8 chars=digits') }}", map[string]any{})
	// ansible-playbook 2.14 prints these for the same lookups.
	if want := "6JUEsF6-,RiuGZDEWF4r 74532397"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestLookupPasswordFile(t *testing.T) {
	pb, vars := lookupTree(t)
	e := New()
	first := render(t, e, "{{ lookup('password', 'creds/db length=12 chars=ascii_lowercase,,') }}", vars).(string)
	if len(first) != 12 || strings.Trim(first, "abcdefghijklmnopqrstuvwxyz,") != "" {
		t.Fatalf("password %q: not 12 of a-z and comma", first)
	}
	p := filepath.Join(pb, "creds/db")
	data, err := os.ReadFile(p)
	if err != nil || string(data) != first+"\n" {
		t.Fatalf("file holds %q (%v), want the password and a newline", data, err)
	}
	st, _ := os.Stat(p)
	dst, _ := os.Stat(filepath.Dir(p))
	if st.Mode().Perm() != 0o600 || dst.Mode().Perm() != 0o700 {
		t.Errorf("modes %v %v, want 0600 and 0700", st.Mode().Perm(), dst.Mode().Perm())
	}
	if again := render(t, e, "{{ lookup('password', 'creds/db length=30') }}", vars); again != first {
		t.Errorf("second lookup %q, want the kept %q", again, first)
	}
	if err := os.WriteFile(p, []byte("kept salt=abc\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := render(t, e, "{{ lookup('password', 'creds/db') }}", vars); got != "kept" {
		t.Errorf("with salt: %q", got)
	}
	renderErr(t, e, "{{ lookup('password', '/dev/null colour=red') }}", vars, "Unrecognized parameter(s) given to password lookup: colour")
	renderErr(t, e, "{{ lookup('password', '/dev/null encrypt=sha512_crypt') }}", vars, "not supported")
}

func TestLookupFilesStaticCheck(t *testing.T) {
	e := New()
	refs, errs := e.LookupFiles("a {{ lookup('file', 'x.txt') ~ lookup('file', name) }} {% if query('template', 't.j2') %}{% endif %} {{ lookup('ini', 'k file=c.ini') }} {{ lookup('csvfile', 'k') }} {{ lookup('file', 'y', errors='ignore') }} {{ lookup('first_found', ['p', 'q']) }} {{ q('nosuch', 'z') }} {{ lookup('file', 'w', strip=True) }}")
	want := []FileRef{
		{Plugin: "file", Kind: "files", Names: []string{"x.txt"}},
		{Plugin: "template", Kind: "templates", Names: []string{"t.j2"}},
		{Plugin: "ini", Kind: "files", Names: []string{"c.ini"}},
		{Plugin: "csvfile", Kind: "files", Names: []string{"ansible.csv"}},
		{Plugin: "first_found", Kind: "files", Names: []string{"p", "q"}},
	}
	if !reflect.DeepEqual(refs, want) {
		t.Errorf("refs = %#v", refs)
	}
	if len(errs) != 2 || !strings.Contains(errs[0].Error(), `lookup plugin "nosuch" not found`) ||
		errs[1].Error() != `lookup('file'): the file lookup has no option "strip" (it has lstrip, rstrip)` {
		t.Errorf("errs = %v", errs)
	}
	if got := e.LoopFiles("first_found", "template", []any{"a.j2", map[string]any{"files": []any{"b.j2"}}}); !reflect.DeepEqual(got, []FileRef{{Plugin: "first_found", Kind: "templates", Names: []string{"b.j2"}}}) {
		t.Errorf("LoopFiles first_found = %#v", got)
	}
	if got := e.LoopFiles("file", "debug", []any{"{{ x }}"}); got != nil {
		t.Errorf("templated terms are left to the run: %#v", got)
	}
}

// TestLookupTuplesPrintAsLists pins a difference: haplay has no tuples,
// so indexed_items pairs print as lists (docs/ansible-differences.md).
func TestLookupTuplesPrintAsLists(t *testing.T) {
	got := render(t, New(), "{{ query('indexed_items', ['a']) }} {{ (query('indexed_items', ['a']) | first).0 }}", map[string]any{})
	if got != "[[0, 'a']] 0" {
		t.Errorf("got %q", got)
	}
}

// fuzzEngine is an engine without the lookups that act outside the
// process (run commands, fetch URLs, write password files): the fuzzers
// mutate seeds that call lookups, and must never run what they make up.
func fuzzEngine() *Engine {
	e := New()
	for _, p := range []string{"pipe", "lines", "url", "password"} {
		delete(e.lk.plugins, p)
	}
	return e
}

func TestFuzzEngineRunsNoCommand(t *testing.T) {
	_, err := fuzzEngine().Render("{{ lookup('pipe', 'echo hi') }}", map[string]any{})
	if err == nil || !strings.Contains(err.Error(), "lookup plugin not found") {
		t.Fatalf("the fuzzers' engine ran pipe: %v", err)
	}
}
