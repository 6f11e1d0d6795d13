package run

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// The ad-hoc play is Ansible's: hosts PATTERN, no facts, one task whose
// -a is read as a task's k=v pairs or free form, or as a mapping when
// it is a JSON object; what does not load names -a or -m, with the kind
// exec maps to ansible's exit codes.
func TestLoadAdHoc(t *testing.T) {
	t.Chdir(t.TempDir())
	load := func(a AdHoc) (*Loaded, error) {
		return Load(Options{AdHoc: &a, Inventories: []string{"node1,node2"}, Forks: 5, Output: "text", HostKeyChecking: "strict"})
	}
	want := map[string]any{"content": "hi there", "dest": "/tmp/x"}
	for _, args := range []string{`content="hi there" dest=/tmp/x`, `{"content": "hi there", "dest": "/tmp/x"}`} {
		l, err := load(AdHoc{Pattern: "node1", Module: "copy", Args: args})
		if err != nil {
			t.Fatalf("-a %s: %v", args, err)
		}
		p := l.Playbook.Plays[0]
		if p.Hosts != "node1" || p.GatherFacts == nil || *p.GatherFacts || len(p.Tasks) != 1 {
			t.Fatalf("-a %s: play %+v", args, p)
		}
		if got := p.Tasks[0].Args; !reflect.DeepEqual(got, want) {
			t.Errorf("-a %s: args %#v, want %#v", args, got, want)
		}
	}
	l, err := load(AdHoc{Pattern: "all", Module: "shell", Args: "echo a=b | tr a b"})
	if err != nil || !reflect.DeepEqual(l.Playbook.Plays[0].Tasks[0].Args, map[string]any{"cmd": "echo a=b | tr a b"}) {
		t.Errorf("shell free form: %v %#v", err, l)
	}
	for _, c := range []struct {
		a    AdHoc
		kind Kind
		msg  string
	}{
		{AdHoc{Pattern: "all", Module: "copy", Args: "dest=/tmp/x nope=1"}, AdHocTaskError, `-a: copy: unsupported argument "nope"`},
		{AdHoc{Pattern: "all", Module: "nosuch"}, AdHocTaskError, `-m: unknown module or task keyword "nosuch"`},
		{AdHoc{Pattern: "all", Module: "shell"}, BadOptions, "No argument passed to shell module"},
		{AdHoc{Pattern: "site.yml", Module: "command"}, BadOptions, "(did you mean to run ansible-playbook?)"},
		{AdHoc{Pattern: "all", Module: "ping", Dir: "/nonexistent"}, BadOptions, "--playbook-dir /nonexistent: not a directory"},
	} {
		_, err := load(c.a)
		var re *Error
		if !errors.As(err, &re) || re.Kind != c.kind || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%+v: %v, want kind %d and %q", c.a, err, c.kind, c.msg)
		}
	}
}

// Host choice as Ansible's ad-hoc command: no match warns and is no
// error, unless --limit left no host.
func TestAdHocHosts(t *testing.T) {
	t.Chdir(t.TempDir())
	hosts := func(pattern string, limit ...string) ([]string, []string, error) {
		l, err := Load(Options{AdHoc: &AdHoc{Pattern: pattern, Module: "ping"}, Inventories: []string{"node1,node2"}, Limit: limit,
			Forks: 5, Output: "text", HostKeyChecking: "strict"})
		if err != nil {
			t.Fatal(err)
		}
		return l.AdHocHosts()
	}
	if h, w, err := hosts("all", "node2"); err != nil || !reflect.DeepEqual(h, []string{"node2"}) || w != nil {
		t.Errorf("all -l node2: %v %v %v", h, w, err)
	}
	h, w, err := hosts("nomatch")
	if err != nil || h != nil || !reflect.DeepEqual(w, []string{"Could not match supplied host pattern, ignoring: nomatch", "No hosts matched, nothing to do"}) {
		t.Errorf("nomatch: %v %q %v", h, w, err)
	}
	if _, _, err := hosts("all", "nomatch"); !errors.Is(err, ErrNoHostsLeft) {
		t.Errorf("-l nomatch: %v", err)
	}
}
