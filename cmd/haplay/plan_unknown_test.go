package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haplay/haplay/internal/e2e"
)

// TestPlanFactFromUnpredictableResult: a set_fact that uses a result check
// mode could not know cannot predict either, and neither can a later task
// that uses the fact: the plan says "cannot predict" rather than failing
// on an undefined variable the real run would have.
func TestPlanFactFromUnpredictableResult(t *testing.T) {
	dir := t.TempDir()
	pb := `- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: read the release
      command: echo 1.2.3
      register: out
    - name: keep it
      set_fact:
        release: "{{ out.stdout }}"
    - name: use it
      debug:
        msg: "release {{ release }}"
    - name: set it again, from something known
      set_fact:
        release: "4.5.6"
    - name: use it again
      debug:
        msg: "release {{ release }}"
`
	if err := os.WriteFile(filepath.Join(dir, "pb.yml"), []byte(pb), 0o644); err != nil {
		t.Fatal(err)
	}
	inv := filepath.Join(dir, "hosts")
	if err := os.WriteFile(inv, []byte("localhost ansible_connection=local\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := e2e.Run(t, dir, "plan", "pb.yml", "-i", inv, "--output=json")
	if r.ExitCode != 0 {
		t.Fatalf("plan: exit %d, want 0 (nothing predictable changes)\n%s\n%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	for task, want := range map[string]string{
		"read the release": "skipped", "keep it": "skipped", "use it": "skipped",
		"set it again, from something known": "ok", "use it again": "ok",
	} {
		if got := r.Doc.Status(task, "localhost"); got != want {
			t.Errorf("%s: %s, want %s\n%s", task, got, want, r.Stdout)
		}
	}
	if !strings.Contains(r.Stdout, `cannot predict: uses \"release\"`) {
		t.Errorf("the skip does not name the fact:\n%s", r.Stdout)
	}
}
