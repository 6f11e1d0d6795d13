package playbook

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haplay/haplay/engine/catalog"
	"github.com/haplay/haplay/modules"
)

// A module Ansible has and haplay does not loads with a positioned
// warning and is marked to fail when it runs; a name Ansible does not
// know either stays an error, as under ansible-playbook.
func TestNotImplementedModule(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "pb.yml")
	text := `- hosts: all
  collections: [community.general]
  tasks:
    - name: red hat only
      yum: {name: httpd}
      when: ansible_os_family == 'RedHat'
    - name: short name routed to a collection
      pacman: name=foo state=present
    - name: from the play's collections
      ufw: rule=allow port=22
    - name: fqcn
      ansible.posix.firewalld_info:
`
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	pb, err := Load(p, Options{Modules: modules.Builtin(), Catalog: catalog.New()})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		p + ":5:7: yum (ansible.builtin.yum): not implemented by haplay; this task fails if it runs",
		p + ":8:7: pacman (community.general.pacman): not implemented by haplay; this task fails if it runs",
		p + ":10:7: ufw (community.general.ufw): not implemented by haplay; this task fails if it runs",
		p + ":12:7: ansible.posix.firewalld_info: not implemented by haplay; this task fails if it runs",
	}
	if got := strings.Join(pb.Warnings, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	ts := pb.Plays[0].Tasks
	if ts[0].NotImplemented != "ansible.builtin.yum" || ts[0].Args["name"] != "httpd" || len(ts[0].When) != 1 {
		t.Errorf("yum task: %+v", ts[0])
	}
	if ts[1].Args["name"] != "foo" || ts[1].Args["state"] != "present" {
		t.Errorf("pacman k=v args: %v", ts[1].Args)
	}

	for _, tc := range []struct{ task, want string }{
		{"    - yumm: {name: httpd}\n", `unknown module or task keyword "yumm"`},
		{"    - community.general.no_such_module: {}\n", `unknown module or task keyword "community.general.no_such_module"`},
	} {
		if err := os.WriteFile(p, []byte("- hosts: all\n  tasks:\n"+tc.task), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(p, Options{Modules: modules.Builtin(), Catalog: catalog.New()})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.task, err, tc.want)
		}
	}
}

// An argument ansible-core 2.14 removed (command's warn) loads with a
// warning, from args and from a free form, as Ansible loads it.
func TestRemovedArgumentLoads(t *testing.T) {
	p := filepath.Join(t.TempDir(), "pb.yml")
	text := "- hosts: all\n  tasks:\n    - command: echo hi\n      args: {warn: false}\n    - shell: echo hi warn=no\n"
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	pb, err := Load(p, Options{Modules: modules.Builtin()})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		p + `:4:20: command: unsupported argument "warn": ansible-core 2.14 removed it; remove it from the task; this task fails if it runs`,
		p + `:5:14: shell: unsupported argument "warn": ansible-core 2.14 removed it; remove it from the task; this task fails if it runs`,
	}
	if got := strings.Join(pb.Warnings, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	if cmd := pb.Plays[0].Tasks[1].Args["cmd"]; cmd != "echo hi" {
		t.Errorf("shell's free form kept warn=no: %q", cmd)
	}
}
