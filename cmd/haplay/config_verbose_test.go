package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haplay/haplay/internal/e2e"
)

// -v names the config file as ansible-playbook -v does, first on stdout;
// with --output json on stderr, so stdout stays one JSON document.
// --flush-cache without a fact cache has nothing to clear.
func TestVerboseNamesConfigFile(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"ansible.cfg": "[defaults]\ninventory = hosts\n",
		"hosts":       "localhost ansible_connection=local\n",
		"pb.yml":      "- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: {msg: hi}\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	using := "Using " + filepath.Join(dir, "ansible.cfg") + " as config file\n"
	r := e2e.Run(t, dir, "run", "-v", "--flush-cache", "pb.yml")
	if r.ExitCode != 0 || !strings.HasPrefix(r.Stdout, using) {
		t.Errorf("run -v: exit %d, stdout %q, want it to start with %q\n%s", r.ExitCode, r.Stdout, using, r.Stderr)
	}
	r = e2e.Run(t, dir, "run", "-v", "--output", "json", "pb.yml")
	var doc map[string]any
	if err := json.Unmarshal([]byte(r.Stdout), &doc); err != nil || !strings.Contains(r.Stderr, using) {
		t.Errorf("run -v --output json: stdout not JSON (%v) or stderr %q lacks %q", err, r.Stderr, using)
	}
	if _, err := os.Stat("/etc/ansible/ansible.cfg"); err == nil {
		return // the machine's config would be found
	}
	t.Setenv("HOME", t.TempDir())
	r = e2e.Run(t, t.TempDir(), "run", "-v", "-i", filepath.Join(dir, "hosts"), filepath.Join(dir, "pb.yml"))
	if !strings.HasPrefix(r.Stdout, "No config file found; using defaults\n") {
		t.Errorf("run -v without a config: stdout %q", r.Stdout)
	}
}
