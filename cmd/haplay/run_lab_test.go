package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/haplay/haplay/internal/e2e"
)

const threeTasks = `
- name: three tasks
  hosts: all
  gather_facts: false
  tasks:
    - name: answer
      ping:
    - name: name
      command: hostname
      register: h
      changed_when: false
    - name: marker
      shell: echo {{ h.stdout }} > /tmp/marker
      args:
        creates: /tmp/marker
`

// Twenty lab hosts, strict host key checking, every host reported.
func TestRunThreeTasksOnTwentyHostsLab(t *testing.T) {
	l := e2e.Lab(t, 20)
	r := e2e.Playbook(t, l, t.TempDir(), "pb.yml", threeTasks, "run")
	if r.ExitCode != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	for _, h := range l.Hosts() {
		for task, want := range map[string]string{"answer": "ok", "name": "ok", "marker": "changed"} {
			if got := r.Doc.Status(task, h.Name); got != want {
				t.Errorf("%s on %s: %q, want %q", task, h.Name, got, want)
			}
		}
		if got := e2e.Exec(t, l, h.Name, "cat", "/tmp/marker"); got != h.Name {
			t.Errorf("%s: /tmp/marker = %q, want its hostname", h.Name, got)
		}
		if s := r.Doc.Stats[h.Name]; s["OK"] != 3 || s["Changed"] != 1 || s["Failed"] != 0 {
			t.Errorf("%s: stats %v", h.Name, s)
		}
	}
	// A second run changes nothing.
	r2 := e2e.Playbook(t, l, t.TempDir(), "pb.yml", threeTasks, "run")
	if r2.ExitCode != 0 || len(r2.Doc.Changed()) != 0 {
		t.Fatalf("second run: exit %d, changes %v", r2.ExitCode, r2.Doc.Changed())
	}
}

// Killing one host's sshd makes exactly that host unreachable (exit 3);
// the others finish.
func TestStoppedSSHDIsUnreachableOthersFinishLab(t *testing.T) {
	l := e2e.Lab(t, 3)
	if err := l.StopSSHD(t.Context(), "node2"); err != nil {
		t.Fatal(err)
	}
	r := e2e.Playbook(t, l, t.TempDir(), "pb.yml", threeTasks, "run")
	if r.ExitCode != 3 {
		t.Fatalf("exit %d, want 3\n%s", r.ExitCode, r.Stdout)
	}
	if got := r.Doc.Status("answer", "node2"); got != "unreachable" {
		t.Errorf("node2: %q, want unreachable", got)
	}
	for _, h := range []string{"node1", "node3"} {
		if got := r.Doc.Status("marker", h); got != "changed" {
			t.Errorf("%s marker: %q, want changed", h, got)
		}
	}
	if s := r.Doc.Stats["node2"]; s["Unreachable"] != 1 || s["OK"] != 0 {
		t.Errorf("node2 stats %v", s)
	}
	if err := l.StartSSHD(t.Context(), "node2"); err != nil {
		t.Fatal(err)
	}
	r = e2e.Playbook(t, l, t.TempDir(), "pb.yml", threeTasks, "run")
	if r.ExitCode != 0 || r.Doc.Status("marker", "node2") != "changed" {
		t.Fatalf("after sshd is back: exit %d, node2 marker %q", r.ExitCode, r.Doc.Status("marker", "node2"))
	}
}

// A tampered known_hosts entry is refused with the presented fingerprint;
// an unknown host is refused with the command that adds it.
func TestHostKeyCheckingLab(t *testing.T) {
	l := e2e.Lab(t, 2)
	dir := t.TempDir()
	t.Setenv("HOME", dir) // no ~/.ssh/known_hosts of the machine's user
	pb := filepath.Join(dir, "pb.yml")
	if err := os.WriteFile(pb, []byte(threeTasks), 0o644); err != nil {
		t.Fatal(err)
	}
	kh, err := os.ReadFile(l.KnownHostsPath)
	if err != nil {
		t.Fatal(err)
	}
	// node1's line gets node2's key.
	lines := strings.Split(strings.TrimSpace(string(kh)), "\n")
	var n1, n2 int = -1, -1
	for i, line := range lines {
		if strings.Contains(line, "node1") {
			n1 = i
		}
		if strings.Contains(line, "node2") {
			n2 = i
		}
	}
	if n1 < 0 || n2 < 0 {
		t.Fatalf("known_hosts lacks node1/node2:\n%s", kh)
	}
	f1, f2 := strings.Fields(lines[n1]), strings.Fields(lines[n2])
	lines[n1] = strings.Join(append([]string{f1[0]}, f2[1:]...), " ")
	tampered := filepath.Join(dir, "tampered")
	if err := os.WriteFile(tampered, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := e2e.Run(t, dir, "run", pb, "-i", l.InventoryPath, "--known-hosts", tampered)
	if r.ExitCode != 3 {
		t.Fatalf("tampered: exit %d, want 3\n%s", r.ExitCode, r.Stdout)
	}
	if !regexp.MustCompile(`(?s)node1.*SHA256:[A-Za-z0-9+/]{43}`).MatchString(r.Stdout) {
		t.Errorf("tampered: no fingerprint shown for node1:\n%s", r.Stdout)
	}
	if !strings.Contains(r.Stdout, "ok: [node2]") {
		t.Errorf("node2 should still run:\n%s", r.Stdout)
	}

	// Without any known_hosts entry: refused, with the command to add it.
	r = e2e.Run(t, dir, "run", pb, "-i", l.InventoryPath)
	if r.ExitCode != 3 || !strings.Contains(r.Stdout, "ssh-keyscan") {
		t.Fatalf("unknown host: exit %d, want 3 and an ssh-keyscan hint:\n%s", r.ExitCode, r.Stdout)
	}
	// accept-new records the keys, and the next strict run passes.
	r = e2e.Run(t, dir, "run", pb, "-i", l.InventoryPath, "--host-key-checking", "accept-new")
	if r.ExitCode != 0 {
		t.Fatalf("accept-new: exit %d\n%s", r.ExitCode, r.Stdout)
	}
	r = e2e.Run(t, dir, "run", pb, "-i", l.InventoryPath)
	if r.ExitCode != 0 {
		t.Fatalf("strict after accept-new: exit %d\n%s", r.ExitCode, r.Stdout)
	}
}

// Exit codes as ansible-playbook's, and plan's as terraform's
// -detailed-exitcode.
func TestExitCodesLab(t *testing.T) {
	l := e2e.Lab(t, 2)
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	inv := []string{"-i", l.InventoryPath, "--known-hosts", l.KnownHostsPath}
	cases := []struct {
		name string
		args []string
		want int
		out  string
	}{
		{"parse error", append([]string{"run", write("bad.yml", "- hosts: all\n  tasks:\n    - shel: echo\n")}, inv...), 4, `bad.yml:3:7: unknown module or task keyword "shel" (did you mean "shell"?)`},
		{"bad option", append([]string{"run", write("ok.yml", "- hosts: all\n  gather_facts: false\n  tasks:\n    - ping:\n")}, append(inv, "--forks", "0")...), 5, "--forks must be at least 1"},
		{"host failed", append([]string{"run", write("fail.yml", "- hosts: all\n  gather_facts: false\n  tasks:\n    - command: 'false'\n      when: inventory_hostname == 'node2'\n")}, inv...), 2, ""},
		{"plan with changes", append([]string{"plan", write("plan.yml", "- hosts: all\n  gather_facts: false\n  tasks:\n    - shell: touch /tmp/p\n      args: {creates: /tmp/p}\n")}, inv...), 2, "Plan: 2 changes on 2 hosts."},
		{"plan, nothing to do", append([]string{"plan", filepath.Join(dir, "ok.yml")}, inv...), 0, "No changes."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e2e.Run(t, dir, c.args...)
			if r.ExitCode != c.want {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.ExitCode, c.want, r.Stdout, r.Stderr)
			}
			if !strings.Contains(r.Stdout+r.Stderr, c.out) {
				t.Fatalf("output lacks %q\nstdout:\n%s\nstderr:\n%s", c.out, r.Stdout, r.Stderr)
			}
		})
	}
}
