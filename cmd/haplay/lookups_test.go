package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/haplay/haplay/internal/e2e"
)

// TestLookupWarnAndCheck: errors='warn' warns through the run's reporter
// and the task goes on; a lookup of a missing literal file stops
// `haplay check` with its position, before any host.
func TestLookupWarnAndCheck(t *testing.T) {
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "hosts"), "localhost ansible_connection=local\n", 0o644)
	mustWrite(t, filepath.Join(dir, "warn.yml"), `- hosts: all
  gather_facts: false
  tasks:
    - debug:
        msg: "got [{{ lookup('file', 'nope.txt', errors='warn') }}]"
`, 0o644)
	r := e2e.Run(t, dir, "run", "warn.yml", "-i", "hosts")
	out := r.Stdout + r.Stderr
	if r.ExitCode != 0 || !strings.Contains(out, "got []") ||
		!strings.Contains(out, "[WARNING]: lookup plugin 'file': could not locate file in lookup: nope.txt") {
		t.Fatalf("exit %d:\n%s", r.ExitCode, out)
	}
	mustWrite(t, filepath.Join(dir, "missing.yml"), `- hosts: all
  gather_facts: false
  tasks:
    - debug:
        msg: "{{ lookup('file', 'nope.txt') }}"
`, 0o644)
	r = e2e.Run(t, dir, "check", "missing.yml", "-i", "hosts")
	if r.ExitCode != 4 || !strings.Contains(r.Stderr, `missing.yml:5:14: lookup file: could not find file "nope.txt"`) {
		t.Fatalf("check: exit %d:\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
}
