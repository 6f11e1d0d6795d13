package playbook

import (
	"reflect"
	"testing"

	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules"
	"github.com/haplay/haplay/modules/commands"
)

func TestSplitKV(t *testing.T) {
	shell, _ := modules.Builtin().Lookup("shell")
	debug, _ := modules.Builtin().Lookup("debug")
	cases := []struct {
		name     string
		in       string
		spec     module.Spec
		wantKV   map[string]any
		wantFree string
		wantErr  bool
	}{
		{"plain k=v", "msg=hello", debug.Spec(), map[string]any{"msg": "hello"}, "", false},
		{"quoted value", `msg="hello world"`, debug.Spec(), map[string]any{"msg": "hello world"}, "", false},
		// Ansible's parse_kv keeps {{ }} whole: spaces inside do not split.
		{"template with spaces", "msg={{ item }}", debug.Spec(), map[string]any{"msg": "{{ item }}"}, "", false},
		{"template with a quoted space", "msg={{ 'a b' | upper }}", debug.Spec(), map[string]any{"msg": "{{ 'a b' | upper }}"}, "", false},
		{"free form keeps unknown k=v", "echo a=b chdir=/tmp", shell.Spec(), map[string]any{"chdir": "/tmp"}, "echo a=b", false},
		{"free form with a template", "echo {{ x }} > /tmp/{{ y }}", shell.Spec(), map[string]any{}, "echo {{ x }} > /tmp/{{ y }}", false},
		{"open quote", "echo 'oops", shell.Spec(), nil, "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			kv, free, err := splitKV(c.in, c.spec)
			if (err != nil) != c.wantErr {
				t.Fatalf("err = %v, want error %v", err, c.wantErr)
			}
			if c.wantErr {
				return
			}
			if !reflect.DeepEqual(kv, c.wantKV) || free != c.wantFree {
				t.Errorf("splitKV(%q) = %v, %q; want %v, %q", c.in, kv, free, c.wantKV, c.wantFree)
			}
		})
	}
}

func TestRoleTasksAreNotBlocks(t *testing.T) {
	pb, err := Load("../../testdata/playbooks/roles_deps/site.yml", Options{Modules: modules.Builtin()})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	var walk func([]*Task)
	walk = func(ts []*Task) {
		for _, t := range ts {
			if t.Block != nil {
				walk(t.Block)
				continue
			}
			names = append(names, t.DisplayName())
		}
	}
	walk(pb.Plays[0].Tasks)
	want := []string{"common : common setup", "base : base task", "app : app task", "play task after the roles"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("tasks = %q, want %q", names, want)
	}
	var handlers []string
	for _, h := range pb.Plays[0].Handlers {
		handlers = append(handlers, h.DisplayName())
	}
	if want := []string{"base : base handler", "app : app handler", "play handler"}; !reflect.DeepEqual(handlers, want) {
		t.Errorf("handlers = %q, want %q", handlers, want)
	}
}

func TestIncludeRoleAddsHandlers(t *testing.T) {
	pb, err := Load("../../testdata/playbooks/include_role/site.yml", Options{Modules: modules.Builtin()})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(pb.Plays[0].Handlers); n != 1 || pb.Plays[0].Handlers[0].DisplayName() != "svc : svc handler" {
		t.Errorf("handlers: %d, want the role's one handler", n)
	}
}

// A multi-line free-form script keeps its text: only the key=value words
// the module knows are cut out.
func TestSplitKVKeepsScriptText(t *testing.T) {
	spec := commands.Shell{}.Spec()
	kv, free, err := splitKV("for i in 1 2; do\n  echo $i a=b\ndone\ncreates=/x", spec)
	if err != nil {
		t.Fatal(err)
	}
	if free != "for i in 1 2; do\n  echo $i a=b\ndone" || kv["creates"] != "/x" || len(kv) != 1 {
		t.Fatalf("free %q, kv %v", free, kv)
	}
}
