package main

import (
	"strconv"
	"strings"
	"testing"

	"github.com/haplay/haplay/internal/e2e"
)

// With strategy: free a fast host finishes the play while a slow host is
// still on its first task; -vv shows commands, except for no_log tasks.
func TestFreeStrategyAndVerboseCommandsLab(t *testing.T) {
	l := e2e.Lab(t, 2)
	pb := `
- hosts: all
  strategy: free
  gather_facts: false
  tasks:
    - name: first
      shell: "{{ 'sleep 1.5' if inventory_hostname == 'node2' else 'true' }} && date +%s%N > /tmp/first"
    - name: second
      shell: date +%s%N > /tmp/second
    - name: secret
      shell: echo s3cret-value > /dev/null
      no_log: true
`
	r := e2e.Playbook(t, l, t.TempDir(), "free.yml", pb, "run")
	if r.ExitCode != 0 {
		t.Fatalf("exit %d\n%s", r.ExitCode, r.Stdout)
	}
	stamp := func(host, file string) int64 {
		n, err := strconv.ParseInt(e2e.Exec(t, l, host, "cat", file), 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if fast, slow := stamp("node1", "/tmp/second"), stamp("node2", "/tmp/first"); fast >= slow {
		t.Errorf("node1 finished its second task at %d, after node2's first at %d: hosts were held in lockstep", fast, slow)
	}

	text := e2e.Run(t, t.TempDir(), "run", "-vv", "--known-hosts", l.KnownHostsPath, "-i", l.InventoryPath, tempFile(t, "free.yml", pb))
	if !strings.Contains(text.Stdout, "<node1> EXEC date +%s%N > /tmp/second") {
		t.Errorf("-vv does not show the command:\n%s", text.Stdout)
	}
	if strings.Contains(text.Stdout, "s3cret-value") {
		t.Errorf("-vv printed a no_log task's command:\n%s", text.Stdout)
	}
}

// tempFile writes text to a new file named name and returns its path.
func tempFile(t *testing.T, name, text string) string {
	t.Helper()
	p := t.TempDir() + "/" + name
	writeFile(t, p, text)
	return p
}
