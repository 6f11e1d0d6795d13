package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A rollout that stops writes its resume file to .haplay/ beside the
// playbook (where Ansible writes retry files), never into the directory
// haplay runs from; --resume-dir puts it elsewhere, for run and plan.
func TestResumeFileBesidePlaybook(t *testing.T) {
	dir := t.TempDir()
	pb := filepath.Join(dir, "book", "roll.yml")
	writeFile(t, pb, `- hosts: all
  serial: 1
  gather_facts: false
  tasks:
    - fail: {msg: stop here}
      when: inventory_hostname == 'a'
`)
	inv := filepath.Join(dir, "hosts")
	writeFile(t, inv, "a ansible_connection=local\nb ansible_connection=local\n")
	cwd := filepath.Join(dir, "elsewhere")
	if err := os.MkdirAll(cwd, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(cwd)

	custom := filepath.Join(dir, "custom")
	for _, c := range []struct {
		name string
		args []string
		want string
		exit int // plan: a failed prediction is an error
	}{
		{"run, default", []string{"run", pb, "-i", inv}, filepath.Join(dir, "book", ".haplay", "roll.resume"), exitHostFailed},
		{"run, --resume-dir", []string{"run", pb, "-i", inv, "--resume-dir", custom}, filepath.Join(custom, "roll.resume"), exitHostFailed},
		{"plan, --resume-dir", []string{"plan", pb, "-i", inv, "--resume-dir", custom + "-plan"}, filepath.Join(custom+"-plan", "roll.resume"), exitError},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, err := runHaplay(t, c.args...)
			if exitCode(err) != c.exit {
				t.Fatalf("exit %d (%v), want %d\n%s", exitCode(err), err, c.exit, out)
			}
			data, err := os.ReadFile(c.want)
			if err != nil {
				t.Fatalf("resume file: %v\n%s", err, out)
			}
			if string(data) != "a\nb\n" {
				t.Errorf("resume file holds %q, want the failed and the never started hosts", data)
			}
			if !strings.Contains(out, "--limit @"+c.want) {
				t.Errorf("the output does not say how to resume from %s:\n%s", c.want, out)
			}
			if err := os.Remove(c.want); err != nil {
				t.Fatal(err)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(cwd, ".haplay")); !os.IsNotExist(err) {
		t.Errorf("a .haplay directory appeared in the working directory (%v)", err)
	}
}
