package catalog

import (
	"testing"
)

func TestResolve(t *testing.T) {
	c := New()
	cases := []struct {
		name        string
		collections []string
		want        string
		ok          bool
	}{
		{"yum", nil, "ansible.builtin.yum", true},
		{"ansible.builtin.dnf", nil, "ansible.builtin.dnf", true},
		{"ansible.legacy.pacman", nil, "community.general.pacman", true}, // routed
		{"pacman", nil, "community.general.pacman", true},
		{"sysctl", nil, "ansible.posix.sysctl", true},
		{"docker_stack", nil, "community.docker.docker_stack", true},
		{"ufw", []string{"community.general"}, "community.general.ufw", true},
		{"community.general.ufw", nil, "community.general.ufw", true},
		{"yumm", nil, "", false},
		{"community.general.no_such_module", nil, "community.general.no_such_module", false},
	}
	for _, tc := range cases {
		got, ok := c.Resolve(tc.name, tc.collections)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("Resolve(%q, %v) = %q, %v; want %q, %v", tc.name, tc.collections, got, ok, tc.want, tc.ok)
		}
	}
}

func TestSpec(t *testing.T) {
	c := New()
	m, ok := c.Spec("ansible.builtin.yum")
	if !ok {
		t.Fatal("no spec for ansible.builtin.yum")
	}
	name, ok := m.Options["name"]
	if !ok || name.Type != "list" || len(name.Aliases) == 0 || name.Aliases[0] != "pkg" {
		t.Errorf("yum name: %+v", name)
	}
	if core, coll := c.Versions(); core == "" || coll == "" {
		t.Errorf("versions %q %q", core, coll)
	}
}

func TestGroup(t *testing.T) {
	c := New()
	m, ok := c.Group("community.docker.docker", nil)
	if !ok || !contains(m, "community.docker.docker_swarm") {
		t.Errorf("group docker: %v %v", ok, m)
	}
	if _, ok := c.Group("docker", []string{"community.docker"}); !ok {
		t.Error("group docker of the play's collections not found")
	}
	if m, ok := c.Group("docker", nil); !ok || !contains(m, "community.docker.docker_swarm") {
		t.Errorf("ansible-core's legacy group docker: %v %v", ok, m)
	}
	if _, ok := c.Group("no_such_group", []string{"community.docker"}); ok {
		t.Error("an unknown group resolved")
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
