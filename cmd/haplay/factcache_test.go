package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haplay/haplay/internal/e2e"
)

// factCacheProject is a project whose ansible.cfg keeps facts in a
// jsonfile cache with gathering = smart, on the controller itself.
func factCacheProject(t *testing.T) string {
	dir := t.TempDir()
	for name, text := range map[string]string{
		"ansible.cfg": "[defaults]\ninventory = hosts\ngathering = smart\nfact_caching = jsonfile\nfact_caching_connection = cache\nfact_caching_timeout = 3600\n",
		"hosts":       "localhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n",
		"pb.yml": "- hosts: all\n  gather_subset: ['!all', '!min', platform, distribution]\n  tasks:\n" +
			"    - debug: {msg: \"{{ ansible_distribution }}/{{ ansible_facts.hostname }}/{{ module_setup }}\"}\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func readCache(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v\n%s", path, err, b)
	}
	return m
}

// A first run with gathering = smart gathers and writes the host's file
// (the directory relative to where haplay runs, as Ansible's); the second
// gathers nothing and reads the facts from the file; --flush-cache clears
// it, so the third gathers again.
func TestFactCacheSmartGathering(t *testing.T) {
	dir := factCacheProject(t)
	r := e2e.Run(t, dir, "run", "pb.yml")
	if r.ExitCode != 0 || !strings.Contains(r.Stdout, "Gathering Facts") {
		t.Fatalf("first run: exit %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	entry := readCache(t, filepath.Join(dir, "cache", "localhost"))
	for _, k := range []string{"_ansible_facts_gathered", "module_setup", "ansible_distribution", "ansible_hostname", "gather_subset"} {
		if _, ok := entry[k]; !ok {
			t.Errorf("cache entry lacks %s: %v", k, entry)
		}
	}
	r = e2e.Run(t, dir, "run", "pb.yml")
	if r.ExitCode != 0 || strings.Contains(r.Stdout, "Gathering Facts") || !strings.Contains(r.Stdout, "/True") {
		t.Errorf("second run gathered, or lost the cached facts: exit %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	r = e2e.Run(t, dir, "run", "--flush-cache", "pb.yml")
	if r.ExitCode != 0 || !strings.Contains(r.Stdout, "Gathering Facts") {
		t.Errorf("--flush-cache run did not gather: exit %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
}

// The two tools share a cache: haplay, with gathering = smart, takes the
// file ansible-playbook wrote and gathers nothing; the file haplay writes
// has the keys ansible-playbook's has for the same subsets.
func TestFactCacheSharedWithAnsible(t *testing.T) {
	ansible := ansiblePlaybook(t)
	dir := factCacheProject(t)
	cmd := exec.Command(ansible, "pb.yml")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+dir, "ANSIBLE_LOCAL_TEMP="+filepath.Join(dir, "tmp"), "ANSIBLE_NOCOLOR=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ansible-playbook: %v\n%s", err, out)
	}
	path := filepath.Join(dir, "cache", "localhost")
	theirs := readCache(t, path)
	r := e2e.Run(t, dir, "run", "pb.yml")
	if r.ExitCode != 0 || strings.Contains(r.Stdout, "Gathering Facts") || !strings.Contains(r.Stdout, "/True") {
		t.Errorf("haplay gathered despite ansible-playbook's cache: exit %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if r = e2e.Run(t, dir, "run", "pb.yml"); r.ExitCode != 0 {
		t.Fatalf("haplay: exit %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	ours := readCache(t, path)
	for k := range theirs {
		if _, ok := ours[k]; !ok && k != "ansible_python_version" && k != "discovered_interpreter_python" {
			t.Errorf("haplay's cache lacks %s (ansible-playbook's has it)", k)
		}
	}
	for k := range ours {
		if _, ok := theirs[k]; !ok {
			t.Errorf("haplay's cache has %s, ansible-playbook's has not", k)
		}
	}
}

// A cache plugin haplay does not have, or jsonfile without a directory,
// stops the run before any host is contacted (exit 5).
func TestFactCacheBadSettings(t *testing.T) {
	for cfg, want := range map[string]string{
		"fact_caching = redis\n":    `fact_caching "redis"`,
		"fact_caching = jsonfile\n": "needs fact_caching_connection",
		"gathering = sometimes\n":   `gathering "sometimes"`,
	} {
		dir := factCacheProject(t)
		writeFile(t, filepath.Join(dir, "ansible.cfg"), "[defaults]\ninventory = hosts\n"+cfg)
		r := e2e.Run(t, dir, "run", "pb.yml")
		if r.ExitCode != 5 || !strings.Contains(r.Stderr, want) {
			t.Errorf("%s: exit %d, stderr %q, want %q", cfg, r.ExitCode, r.Stderr, want)
		}
	}
}
