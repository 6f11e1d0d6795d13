package inventory

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func writeInv(t testing.TB, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name, file, text, want string
	}{
		{"bad range", "hosts", "[g]\nnode[1:2:3:4]\n", "hosts:2: host range must be begin:end or begin:end:step"},
		{"range letters", "hosts", "ok\nn[a:5]\n", "hosts:2: host range [a:5] must be numeric or single letters"},
		{"range widths", "hosts", "n[01:3]\n", "hosts:1: host range must specify equal-length begin and end formats"},
		{"huge range", "hosts", "[g]\nn[0:9999999999]\n", "hosts:2: host range [0:9999999999] makes 10000000000 hosts, more than the 1000000 one pattern may make"},
		{"huge ranges", "hosts", "a[0:999]b[0:999]c[0:9]\n", `hosts:1: host ranges in "a[0:999]b[0:999]c[0:9]" make more than the 1000000 hosts`},
		{"unknown section", "hosts", "[g]\nh\n[g:foo]\n", "hosts:3: section [g:foo] has unknown type: foo"},
		{"spaces in section", "hosts", "[my group]\n", `hosts:1: invalid section entry: "[my group]"`},
		{"self child", "hosts", "[a]\nh\n[a:children]\na\n", `hosts:4: group "a" cannot be a child of itself`},
		{"cycle", "hosts", "[a]\n[b]\n[a:children]\nb\n[b:children]\na\n", `hosts:6: adding group "a" as child to "b" creates a recursive dependency loop`},
		{"vars of undefined group", "hosts", "h\n[nope:vars]\nx=1\n", "hosts:2: section [nope:vars] not valid for undefined group: nope"},
		{"undefined child", "hosts", "[a:children]\nb\n", "hosts:2: section [a:children] includes undefined group: b"},
		{"bad var", "hosts", "h x\n", "hosts:1: expected key=value host variable assignment, got: x"},
		{"yaml hosts list", "inv.yml", "all:\n  children:\n    web:\n      hosts:\n        - w1\n", `inv.yml:5: "hosts" of group "web" must be a mapping, got a list`},
		{"yaml group list", "inv.yml", "all:\n  children:\n    web: [a]\n", `inv.yml:3: group "web" must be a mapping, got a list`},
		{"yaml syntax", "inv.yml", "all:\n  hosts: {a\n", "inv.yml:"},
		{"yaml alias cycle", "inv.yml", "all: &a\n  children:\n    g: *a\n", `inv.yml:3: alias *a refers to the node its anchor &a is on`},
		{"yaml alias cycle in vars", "inv.yml", "all:\n  vars:\n    x: &v [1, *v]\n", `inv.yml:3: alias *v refers to`},
		{"yaml two documents", "inv.yml", "all: {}\n---\nall: {}\n", `inv.yml: expected one YAML document, found several`},
		{"yaml cycle", "inv.yml", "all:\n  children:\n    a:\n      children:\n        a:\n", `inv.yml:5: group "a" cannot be a child of itself`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeInv(t, tt.file, tt.text)
			_, err := Load([]string{p})
			if err == nil {
				t.Fatal("no error")
			}
			want := filepath.Join(filepath.Dir(p), tt.want)
			if got := err.Error(); len(got) < len(want) || got[:len(want)] != want {
				t.Errorf("error\n got: %s\nwant prefix: %s", got, want)
			}
		})
	}
}

const patternInv = `
lone
[web]
web1
web2
web3
[db]
db1
web2
[prod:children]
web
db
`

func TestMatch(t *testing.T) {
	inv, err := Load([]string{writeInv(t, "hosts", patternInv)})
	if err != nil {
		t.Fatal(err)
	}
	limit := writeInv(t, "limit", "db1\nweb3\n\n")
	tests := []struct {
		pattern string
		want    []string
		warn    bool
	}{
		{"all", []string{"lone", "web1", "web2", "web3", "db1"}, false},
		{"*", []string{"lone", "web1", "web2", "web3", "db1"}, false},
		{"web", []string{"web1", "web2", "web3"}, false},
		{"db1", []string{"db1"}, false},
		{"web*", []string{"web1", "web2", "web3"}, false},
		{"db:web", []string{"db1", "web2", "web1", "web3"}, false},
		{"db,lone", []string{"db1", "web2", "lone"}, false},
		{"web:&db", []string{"web2"}, false},
		{"prod:!db", []string{"web1", "web3"}, false},
		{"~web[12]", []string{"web1", "web2"}, false},
		{"web[0]", []string{"web1"}, false},
		{"web[-1]", []string{"web3"}, false},
		{"web[0:1]", []string{"web1", "web2"}, false},
		{"web[1:]", []string{"web2", "web3"}, false},
		{"ungrouped", []string{"lone"}, false},
		// Ansible's implicit localhost: named, never matched by all or a glob.
		{"localhost", []string{"localhost"}, false},
		{"web1:127.0.0.1", []string{"web1", "127.0.0.1"}, false},
		{"local*", []string{}, true},
		{"web:&localhost", []string{}, false},
		{"@" + limit, []string{"db1", "web3"}, false},
		{"nothere", []string{}, true},
		{"web:nothere", []string{"web1", "web2", "web3"}, true},
	}
	for _, tt := range tests {
		got, warns, err := inv.Match(tt.pattern)
		if err != nil {
			t.Errorf("%s: %v", tt.pattern, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) || (len(warns) > 0) != tt.warn {
			t.Errorf("%s: got %v warnings %v, want %v (warn %v)", tt.pattern, got, warns, tt.want, tt.warn)
		}
	}
	if _, _, err := inv.Match("web[7]"); err == nil {
		t.Error("web[7]: want an error for an out-of-range subscript")
	}
	for _, p := range []string{"!", "&", "web:!", "web,&"} {
		bare := p[len(p)-1:]
		want := `invalid host pattern "` + bare + `": ` + bare + " must be followed by a group or host pattern"
		if _, _, err := inv.Match(p); err == nil || err.Error() != want {
			t.Errorf("%s: err = %v, want %q", p, err, want)
		}
	}
}

func TestAccessors(t *testing.T) {
	inv, err := Load([]string{writeInv(t, "hosts", patternInv+"[web:vars]\nansible_user=deploy\nansible_become=yes\n[db:vars]\nansible_port=2200\nansible_connection=local\n")})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := inv.GroupNames("web2"), []string{"db", "prod", "web"}; !reflect.DeepEqual(got, want) {
		t.Errorf("GroupNames = %v, want %v", got, want)
	}
	if got, want := inv.GroupNames("lone"), []string{"ungrouped"}; !reflect.DeepEqual(got, want) {
		t.Errorf("GroupNames = %v, want %v", got, want)
	}
	gh := inv.GroupHosts()
	if got, want := gh["prod"], []string{"web1", "web2", "web3", "db1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("groups.prod = %v, want %v", got, want)
	}
	// Connection settings are read from these vars by engine/connspec.
	hv := inv.HostVars("web2")
	for k, want := range map[string]string{"ansible_port": "2200", "ansible_user": "deploy", "ansible_connection": "local", "ansible_become": "yes"} {
		if got := fmt.Sprint(hv[k]); !strings.EqualFold(got, want) {
			t.Errorf("web2 %s = %q, want %q", k, got, want)
		}
	}
	inv.AddHost("new1", []string{"fresh"}, map[string]any{"ansible_host": "10.1.1.1"})
	if got, _, _ := inv.Match("fresh"); !reflect.DeepEqual(got, []string{"new1"}) {
		t.Errorf("after AddHost, fresh = %v", got)
	}
	if h := inv.HostVars("new1")["ansible_host"]; h != "10.1.1.1" {
		t.Errorf("new1 ansible_host = %v", h)
	}
}

func TestPyLiteral(t *testing.T) {
	tests := map[string]any{
		"5": 5, "-2": -2, "1.5": 1.5, "0x10": 16, "True": true, "None": nil, "'a b'": "a b",
		`"x\ty"`: "x\ty", "[1, 'a']": []any{1, "a"}, "{'k': [True]}": map[string]any{"k": []any{true}},
		"08": "08", "yes": "yes", "1.2.3": "1.2.3", "a=b": "a=b", " 5": " 5", "(1,)": []any{1}, "'a' 'b'": "ab",
	}
	for in, want := range tests {
		if got := pyLiteral(in); !reflect.DeepEqual(got, want) {
			t.Errorf("pyLiteral(%q) = %#v, want %#v", in, got, want)
		}
	}
}

func TestVarsFileAliasCycleIsAnError(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "group_vars"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "hosts"), []byte("h1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	gv := filepath.Join(dir, "group_vars", "all.yml")
	if err := os.WriteFile(gv, []byte("a: 1\nb: &b\n  c: *b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load([]string{dir})
	if want := gv + ":3: alias *b refers to"; err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want it to contain %q", err, want)
	}
}

// TestRangeHighToLow: Ansible makes m[5:1] an empty range and the group
// loses its hosts without a word; haplay refuses it with file and line.
func TestRangeHighToLow(t *testing.T) {
	path := writeInv(t, "hosts", "[g]\nm1\nm[5:1]\n")
	_, err := Load([]string{path})
	want := "hosts:3: host range [5:1] is empty: it begins at 5, above its end 1"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want it to contain %q", err, want)
	}
}

func TestRangeEnds(t *testing.T) {
	inv, err := Load([]string{writeInv(t, "hosts", "n[9223372036854775806:9223372036854775807]\n[g]\nx[1:5:2]\n")})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"n9223372036854775806", "n9223372036854775807", "x1", "x3", "x5"}
	if got := inv.Hosts(); !reflect.DeepEqual(got, want) {
		t.Errorf("hosts = %v, want %v", got, want)
	}
}
