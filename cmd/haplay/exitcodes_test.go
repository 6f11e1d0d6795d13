package main

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/haplay/haplay/internal/e2e"
)

// haplay's exit codes for a failed host, an unreachable one and both, by
// default and with --ansible-exit-codes, which must be what the real
// ansible-playbook (2.14) returns for the same inventory and playbook.
// The failing host is the controller (connection local); the unreachable
// one is a closed port on 127.0.0.1.
func TestAnsibleExitCodes(t *testing.T) {
	ansible, err := exec.LookPath("ansible-playbook")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but ansible-playbook is not installed")
		}
		t.Skip("ansible-playbook not installed")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	dir := t.TempDir()
	pb := `- hosts: all
  gather_facts: false
  tasks:
    - name: fail
      command: "false"
    - name: after
      command: "true"
`
	if err := os.WriteFile(filepath.Join(dir, "pb.yml"), []byte(pb), 0o644); err != nil {
		t.Fatal(err)
	}
	failer := "failer ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n"
	down := "down ansible_host=127.0.0.1 ansible_port=" + closed + " ansible_user=root\n"
	cases := []struct {
		name, inv         string
		haplay, asAnsible int
	}{
		{"failed", failer, 2, 2},
		{"unreachable", down, 3, 4},
		{"failed and unreachable", failer + down, 2, 4},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			inv := filepath.Join(dir, "hosts"+strconv.Itoa(i))
			if err := os.WriteFile(inv, []byte(c.inv), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(ansible, "-i", inv, "pb.yml")
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "ANSIBLE_LOCAL_TEMP="+t.TempDir(), "ANSIBLE_HOST_KEY_CHECKING=False", "ANSIBLE_NOCOLOR=1")
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				t.Fatalf("ansible-playbook: %v\n%s", err, out)
			}
			if ee.ExitCode() != c.asAnsible {
				t.Fatalf("ansible-playbook exits %d, the test expects %d\n%s", ee.ExitCode(), c.asAnsible, out)
			}
			if r := e2e.Run(t, dir, "run", "pb.yml", "-i", inv); r.ExitCode != c.haplay {
				t.Errorf("haplay run: exit %d, want %d\n%s%s", r.ExitCode, c.haplay, r.Stdout, r.Stderr)
			}
			if r := e2e.Run(t, dir, "run", "pb.yml", "-i", inv, "--ansible-exit-codes"); r.ExitCode != ee.ExitCode() {
				t.Errorf("haplay run --ansible-exit-codes: exit %d, ansible-playbook's %d\n%s%s", r.ExitCode, ee.ExitCode(), r.Stdout, r.Stderr)
			}
		})
	}
}
