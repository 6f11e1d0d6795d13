package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/haplay/haplay/internal/e2e"
)

// ansiblePlaybook returns the real ansible-playbook, skipping the test
// without it (failing under CI=true).
func ansiblePlaybook(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("ansible-playbook")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but ansible-playbook is not installed")
		}
		t.Skip("ansible-playbook not installed")
	}
	return p
}

// --syntax-check loads and checks, contacts no host (the inventory's one
// host is a closed port), takes vars_prompt defaults without asking, and
// prints and exits as ansible-playbook --syntax-check does: 0 and
// "playbook: FILE", or 4 on a problem.
func TestSyntaxCheckAnsible(t *testing.T) {
	ansible := ansiblePlaybook(t)
	dir := t.TempDir()
	files := map[string]string{
		"hosts":    "down ansible_host=127.0.0.1 ansible_port=1\n",
		"pb.yml":   "- hosts: all\n  gather_facts: true\n  vars_prompt:\n    - name: x\n      default: d\n  tasks:\n    - command: \"true\"\n",
		"bad.yml":  "- hosts: all\n  tasks:\n    - nosuchmodule: x\n",
		"yaml.yml": "- hosts: all\n  tasks: [\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, pb := range []string{"pb.yml", "bad.yml", "yaml.yml"} {
		cmd := exec.Command(ansible, "--syntax-check", "-i", "hosts", pb)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "ANSIBLE_LOCAL_TEMP="+t.TempDir(), "ANSIBLE_NOCOLOR=1")
		cmd.Stdin = nil
		out, err := cmd.Output()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		for _, command := range []string{"run", "plan"} {
			r := e2e.Run(t, dir, command, "--syntax-check", "-i", "hosts", pb)
			if r.ExitCode != code {
				t.Errorf("%s --syntax-check %s: exit %d, ansible-playbook's %d\n%s%s", command, pb, r.ExitCode, code, r.Stdout, r.Stderr)
			}
			if code == 0 && r.Stdout != string(out) {
				t.Errorf("%s --syntax-check %s printed %q, ansible-playbook %q", command, pb, r.Stdout, out)
			}
		}
	}
}
