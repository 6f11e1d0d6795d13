package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haplay/haplay/internal/e2e"
)

const gatedRollout = `
- name: rolling work
  hosts: all
  serial: 1
  gather_facts: false
  rollout:
    timeout: 2
    gate:
      - name: node is healthy
        command: test ! -e /etc/broken
  tasks:
    - name: work
      shell: date > /tmp/worked
      args:
        creates: /tmp/worked
`

// A gate failure on the second node stops the rollout with the third
// untouched; the resume command finishes it.
func TestGateFailureStopsRolloutAndResumeFinishesLab(t *testing.T) {
	l := e2e.Lab(t, 3)
	dir := t.TempDir()
	e2e.Exec(t, l, "node2", "touch", "/etc/broken")
	r := e2e.Playbook(t, l, dir, "roll.yml", gatedRollout, "run")
	if r.ExitCode != 2 {
		t.Fatalf("exit %d, want 2\n%s", r.ExitCode, r.Stdout)
	}
	if got := e2e.Exec(t, l, "node3", "sh", "-c", "test -e /tmp/worked && echo worked || echo untouched"); got != "untouched" {
		t.Fatalf("node3 is %s, want untouched", got)
	}
	if r.Doc.Status("work", "node1") != "changed" || r.Doc.Status("work", "node2") != "changed" {
		t.Fatalf("node1/node2 should have worked: %v", r.Doc.Changed())
	}
	resume := filepath.Join(dir, ".haplay", "roll.resume")
	data, err := os.ReadFile(resume)
	if err != nil {
		t.Fatalf("no resume file: %v", err)
	}
	if got := strings.Fields(string(data)); strings.Join(got, ",") != "node2,node3" {
		t.Fatalf("resume file lists %v, want node2 (failed) and node3 (never started)", got)
	}
	text := e2e.Run(t, dir, "run", filepath.Join(dir, "roll.yml"), "-i", l.InventoryPath, "--known-hosts", l.KnownHostsPath)
	for _, want := range []string{"ROLLOUT STOPPED", "done:        node1", "not started: node3", "resume with: haplay run"} {
		if !strings.Contains(text.Stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, text.Stdout)
		}
	}

	// Fix node2, then resume.
	e2e.Exec(t, l, "node2", "rm", "/etc/broken")
	r = e2e.Run(t, dir, "run", filepath.Join(dir, "roll.yml"), "-i", l.InventoryPath, "--known-hosts", l.KnownHostsPath,
		"--limit", "@"+resume, "--output=json")
	if r.ExitCode != 0 {
		t.Fatalf("resume: exit %d\n%s", r.ExitCode, r.Stdout)
	}
	if r.Doc.Status("work", "node1") != "" {
		t.Errorf("resume ran node1 again")
	}
	if r.Doc.Status("work", "node3") != "changed" || r.Doc.Status("gate: node is healthy", "node3") != "ok" {
		t.Errorf("resume did not finish node3: %v", r.Doc.Changed())
	}
}

// The quorum guard refuses serial: 2 on a three-manager group before any
// host is contacted, in plan as in run.
func TestQuorumGuardRefusesAtPlanTimeLab(t *testing.T) {
	l := e2e.Lab(t, 4)
	pb := `
- name: rolling managers
  hosts: all
  serial: 2
  gather_facts: false
  rollout:
    quorum_group: managers
  tasks:
    - name: work
      shell: touch /tmp/touched
`
	r := e2e.Playbook(t, l, t.TempDir(), "q.yml", pb, "plan")
	if r.ExitCode != 1 {
		t.Fatalf("exit %d, want 1\n%s\n%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	for _, want := range []string{"rollout refused", "3 managers can lose only 1", "fault tolerance", "->   3", "Use serial: 1"} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.Stderr)
		}
	}
	for _, h := range l.Hosts() {
		if got := e2e.Exec(t, l, h.Name, "sh", "-c", "test -e /tmp/touched && echo yes || echo no"); got != "no" {
			t.Errorf("%s was touched", h.Name)
		}
	}
}
