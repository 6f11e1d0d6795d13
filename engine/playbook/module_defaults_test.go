package playbook

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/haplay/haplay/engine/catalog"
	"github.com/haplay/haplay/modules"
)

// module_defaults names modules and action groups as Ansible does; what
// cannot apply is a load error with its position.
func TestModuleDefaults(t *testing.T) {
	p := filepath.Join(t.TempDir(), "pb.yml")
	write := func(s string) {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	opts := Options{Modules: modules.Builtin(), Catalog: catalog.New()}
	write(`- hosts: all
  module_defaults:
    group/docker: {advertise_addr: 10.0.0.1}
    ansible.builtin.yum: {state: latest}
  tasks:
    - docker_swarm: {state: present}
`)
	pb, err := Load(p, opts)
	if err != nil {
		t.Fatal(err)
	}
	md := pb.Plays[0].ModuleDefaults
	if len(md) != 2 || !slices.Contains(md[0].Modules, "docker_swarm") || len(md[1].Modules) != 0 {
		t.Errorf("module defaults %+v", md)
	}
	for text, want := range map[string]string{
		"    copyy: {mode: '0644'}\n":     "pb.yml:3:5: module_defaults: unknown module \"copyy\"",
		"    copy: {modee: '0644'}\n":     "pb.yml:3:12: module_defaults: copy has no argument \"modee\"",
		"    group/nosuchgroup: {a: 1}\n": "pb.yml:3:5: module_defaults: unknown action group \"nosuchgroup\"",
		"    copy: {mode: 'u=rwz'}\n":     "copy: argument \"mode\"",
	} {
		write("- hosts: all\n  module_defaults:\n" + text + "  tasks:\n    - copy: {content: x, dest: /tmp/x}\n")
		_, err := Load(p, opts)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", text, err, want)
		}
	}
}
