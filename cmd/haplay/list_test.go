package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/haplay/haplay/engine/runner"
)

func TestTagsSelected(t *testing.T) {
	cases := []struct {
		tags, want, skip []string
		run              bool
	}{
		{nil, nil, nil, true},
		{[]string{"never"}, nil, nil, false},
		{[]string{"never", "debug"}, []string{"debug"}, nil, true},
		{[]string{"always"}, []string{"web"}, nil, true},
		{[]string{"always"}, nil, []string{"always"}, false},
		{[]string{"web"}, []string{"db"}, nil, false},
		{nil, []string{"untagged"}, nil, true},
		{[]string{"web"}, nil, []string{"tagged"}, false},
	}
	for _, c := range cases {
		if got := runner.TagsSelected(c.tags, c.want, c.skip); got != c.run {
			t.Errorf("tags %v, --tags %v, --skip-tags %v: %v, want %v", c.tags, c.want, c.skip, got, c.run)
		}
	}
}

// --list-hosts chooses hosts as the run does: --limit narrows the play's
// pattern, and the play's order: sorts what is left.
func TestListHostsFollowsOrder(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	inv := write("hosts", "[web]\nweb3\nweb1\nweb2\n[db]\ndb2\ndb1\n")
	var plays strings.Builder
	for _, order := range []string{"inventory", "reverse_inventory", "sorted", "reverse_sorted"} {
		fmt.Fprintf(&plays, "- name: %s\n  hosts: all\n  order: %s\n  gather_facts: false\n  tasks: []\n", order, order)
	}
	pb := write("site.yml", plays.String())
	list := func(args ...string) string {
		var out bytes.Buffer
		root := newRootCmd()
		root.SetOut(&out)
		root.SetErr(&bytes.Buffer{})
		root.SetArgs(append([]string{"run", pb, "-i", inv, "--list-hosts"}, args...))
		if err := root.Execute(); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return out.String()
	}
	hostsOf := func(out string) [][]string {
		var plays [][]string
		for _, line := range strings.Split(out, "\n") {
			switch {
			case strings.Contains(line, "hosts ("):
				plays = append(plays, []string{})
			case strings.HasPrefix(line, "      ") && len(plays) > 0:
				plays[len(plays)-1] = append(plays[len(plays)-1], strings.TrimSpace(line))
			}
		}
		return plays
	}
	want := [][]string{
		{"web3", "web1", "web2", "db2", "db1"},
		{"db1", "db2", "web2", "web1", "web3"},
		{"db1", "db2", "web1", "web2", "web3"},
		{"web3", "web2", "web1", "db2", "db1"},
	}
	out := list()
	if got := hostsOf(out); !reflect.DeepEqual(got, want) {
		t.Errorf("--list-hosts:\n%s\ngot  %q\nwant %q", out, got, want)
	}
	wantLimited := [][]string{{"web3", "web1", "web2"}, {"web2", "web1", "web3"}, {"web1", "web2", "web3"}, {"web3", "web2", "web1"}}
	out = list("--limit", "web")
	if got := hostsOf(out); !reflect.DeepEqual(got, wantLimited) {
		t.Errorf("--list-hosts --limit web:\n%s\ngot  %q\nwant %q", out, got, wantLimited)
	}
}

// --list-tags and --list-tasks print what ansible-playbook prints, with
// and without --tags, for named and unnamed plays.
func TestListTagsAgainstAnsible(t *testing.T) {
	ansible := ansiblePlaybook(t)
	dir := t.TempDir()
	pb := filepath.Join(dir, "tags.yml")
	text := "- hosts: all\n  tags: [p]\n  gather_facts: false\n  tasks:\n    - debug: msg=a\n      tags: [x, y]\n    - debug: msg=b\n" +
		"- name: second\n  hosts: all\n  tasks:\n    - name: c\n      debug: msg=c\n      tags: z\n    - block:\n        - debug: msg=d\n      tags: [blk]\n"
	if err := os.WriteFile(pb, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"--list-tags"}, {"--list-tasks"}, {"--list-tags", "--list-tasks", "-t", "x,blk"}, {"--list-tags", "--skip-tags", "z"}} {
		var out bytes.Buffer
		root := newRootCmd()
		root.SetOut(&out)
		root.SetErr(&bytes.Buffer{})
		root.SetArgs(append([]string{"run", "tags.yml", "-i", "localhost,"}, args...))
		t.Chdir(dir)
		if err := root.Execute(); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		cmd := exec.Command(ansible, append([]string{"-i", "localhost,", "tags.yml"}, args...)...)
		cmd.Dir = dir
		want, err := cmd.Output()
		if err != nil {
			t.Fatalf("ansible-playbook %v: %v", args, err)
		}
		if out.String() != string(want) {
			t.Errorf("%v:\nhaplay:\n%s\nansible-playbook:\n%s", args, out.String(), want)
		}
	}
}
