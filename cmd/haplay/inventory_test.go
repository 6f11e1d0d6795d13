package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runHaplay(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := newRootCmd()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), err
}

func TestInventoryCommand(t *testing.T) {
	p := filepath.Join(t.TempDir(), "hosts")
	if err := os.WriteFile(p, []byte("h1 x=1\n[web]\nw1\n[web:vars]\ny=True\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := runHaplay(t, "inventory", "-i", p, "--list")
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if hv := got["_meta"].(map[string]any)["hostvars"].(map[string]any); hv["w1"].(map[string]any)["y"] != true {
		t.Errorf("hostvars = %v", hv)
	}
	out, err = runHaplay(t, "inventory", "-i", p, "--graph")
	if want := "@all:\n  |--@ungrouped:\n  |  |--h1\n  |--@web:\n  |  |--w1\n"; err != nil || out != want {
		t.Errorf("graph = %q, %v; want %q", out, err, want)
	}
	out, err = runHaplay(t, "inventory", "-i", p, "--host", "h1")
	if err != nil || strings.TrimSpace(out) != "{\n    \"x\": 1\n}" {
		t.Errorf("host = %q, %v", out, err)
	}
}

func TestInventoryCommandErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "hosts")
	if err := os.WriteFile(bad, []byte("[g:foo]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		code int
	}{
		{[]string{"inventory", "-i", bad, "--list"}, exitParse},
		{[]string{"inventory", "--list"}, exitBadOptions},
		{[]string{"inventory", "-i", bad}, exitBadOptions},
		{[]string{"inventory", "--bogus"}, exitBadOptions},
	}
	for _, tt := range tests {
		_, err := runHaplay(t, tt.args...)
		if got := exitCode(err); got != tt.code {
			t.Errorf("%v: exit %d (%v), want %d", tt.args, got, err, tt.code)
		}
	}
}

// Without -i, the inventory comes from ansible.cfg (or ANSIBLE_INVENTORY,
// which beats it), as ansible-inventory takes it.
func TestInventoryFromConfig(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{"ansible.cfg": "[defaults]\ninventory = hosts\n", "hosts": "a\n", "other": "b\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("ANSIBLE_CONFIG", filepath.Join(dir, "ansible.cfg"))
	out, err := runHaplay(t, "inventory", "--graph")
	if want := "@all:\n  |--@ungrouped:\n  |  |--a\n"; err != nil || out != want {
		t.Errorf("graph = %q, %v; want %q", out, err, want)
	}
	t.Setenv("ANSIBLE_INVENTORY", filepath.Join(dir, "other"))
	out, err = runHaplay(t, "inventory", "--graph")
	if want := "@all:\n  |--@ungrouped:\n  |  |--b\n"; err != nil || out != want {
		t.Errorf("with ANSIBLE_INVENTORY: graph = %q, %v; want %q", out, err, want)
	}
}
