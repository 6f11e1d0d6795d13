package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haplay/haplay/engine/connection"
	"github.com/haplay/haplay/engine/lab"
	"github.com/haplay/haplay/internal/e2e"
)

// addLines adds 30 lines, "R<round> <who> <n>", to one file, an item a
// read and a write each, as the two concurrent runs did.
const addLines = `
- hosts: all
  gather_facts: false
  tasks:
    - name: add lines
      lineinfile:
        path: "{{ path }}"
        line: "R{{ round }} {{ who }} {{ item }}"
        create: true
      loop: "{{ range(1, 31) | list }}"
`

// concurrentRounds runs two haplay runs at once on every lab host, each
// adding its 30 lines to file, for three rounds, and checks every host's
// file after each round: where a run's task succeeded, all its lines are
// there; where the host was refused (the lock), none is, and the refusal
// names the holder; a task that failed says the file kept changing. A
// change is never lost in silence. It returns how many (run, host) pairs
// the lock turned away, and how many of those gave up without waiting
// because the other run started first (wait-die, hostlock.go).
func concurrentRounds(t *testing.T, l *lab.Lab, file string, extra ...string) (refused, yielded int) {
	dir := t.TempDir()
	pb := filepath.Join(dir, "lines.yml")
	if err := os.WriteFile(pb, []byte(addLines), 0o644); err != nil {
		t.Fatal(err)
	}
	for round := 1; round <= 3; round++ {
		results := make([]e2e.Result, 2)
		var wg sync.WaitGroup
		for i, who := range []string{"A", "B"} {
			wg.Go(func() {
				args := append([]string{"run", pb, "-i", l.InventoryPath, "--known-hosts", l.KnownHostsPath, "--output=json",
					"-e", fmt.Sprintf("round=%d who=%s path=%s", round, who, file)}, extra...)
				results[i] = e2e.Run(t, dir, args...)
			})
		}
		wg.Wait()
		for _, h := range l.Hosts() {
			content := "\n" + e2e.Exec(t, l, h.Name, "cat", file) + "\n"
			for i, who := range []string{"A", "B"} {
				res, status := taskResult(results[i].Doc, "add lines", h.Name)
				n := 0
				for k := 1; k <= 30; k++ {
					if strings.Contains(content, fmt.Sprintf("\nR%d %s %d\n", round, who, k)) {
						n++
					}
				}
				switch {
				case status == "changed" && n != 30:
					t.Errorf("round %d: run %s changed %s but %d of its 30 lines are there", round, who, h.Name, n)
				case status == "unreachable":
					refused++
					if strings.Contains(res, "not waiting for it: this run holds other hosts already") {
						yielded++
					}
					if n != 0 {
						t.Errorf("round %d: %s has %d lines of run %s, which the lock turned away", round, h.Name, n, who)
					}
					for _, w := range []string{"is locked by another haplay run", "controller ", "pid ", "run ",
						"lock file " + connection.LockPath, "--lock-wait", "rm " + connection.LockPath + " on " + h.Name} {
						if !strings.Contains(res, w) {
							t.Errorf("round %d run %s on %s: the refusal does not say %q: %s", round, who, h.Name, w, res)
						}
					}
				case status == "failed" && strings.Contains(res, "kept changing on the host"):
					t.Logf("round %d run %s on %s: %s", round, who, h.Name, res)
				case status != "changed":
					t.Errorf("round %d run %s on %s: %s: %s\n%s", round, who, h.Name, status, res, results[i].Stderr)
				}
			}
		}
	}
	return refused, yielded
}

// taskResult is a task's status on host and its message and result as
// text.
func taskResult(d *e2e.Doc, task, host string) (string, string) {
	if d == nil {
		return "no JSON document", ""
	}
	for _, p := range d.Plays {
		for _, tk := range p.Tasks {
			if r, ok := tk.Hosts[host]; ok && tk.Name == task {
				b, _ := json.Marshal(r.Result)
				return r.Msg + " " + string(b), r.Status
			}
		}
	}
	return "", "not run"
}

// Two runs at once against the same hosts never lose a line (issue 13,
// point 6): with --lock-wait the second waits for the first and both
// land; without, each either lands or is refused, naming who holds the
// host. Ansible takes no lock at all (docs/ansible-differences.md).
func TestConcurrentRunsLoseNoLineLab(t *testing.T) {
	l := e2e.Lab(t, 2)
	// Two runs that start together may each take one host first: the
	// younger then gives up the other's host at once rather than wait for
	// a run that waits for it.
	t.Run("wait", func(t *testing.T) {
		start := time.Now()
		refused, yielded := concurrentRounds(t, l, "/tmp/locktest/wait", "--lock-wait", "2m")
		if refused != yielded {
			t.Errorf("%d (run, host) refused though they could wait, %d of them for the older run", refused, yielded)
		}
		if d := time.Since(start); d > time.Minute {
			t.Errorf("three rounds took %s: the runs waited for each other", d)
		}
		t.Logf("%d of 12 (run, host) gave way to the older run", yielded)
	})
	t.Run("refuse", func(t *testing.T) {
		refused, _ := concurrentRounds(t, l, "/tmp/locktest/refuse")
		t.Logf("%d of 12 (run, host) refused", refused)
	})
	// Past the lock (--no-lock, or another tool), the changed-since-read
	// check still keeps every line: a write that finds the file changed
	// since its read reads again.
	t.Run("no lock", func(t *testing.T) {
		if refused, _ := concurrentRounds(t, l, "/tmp/locktest/nolock", "--no-lock"); refused != 0 {
			t.Errorf("%d runs refused with --no-lock", refused)
		}
	})
}

// A host held by another run is left alone, with the holder named; a
// check run (plan, --check) is not held up by the lock, as it changes
// nothing. This pins the difference from Ansible, which has no lock.
func TestHostLockRefusesRunNotPlanLab(t *testing.T) {
	l := e2e.Lab(t, 2)
	holder := "haplay-lock controller=elsewhere pid=4242 run=OTHERRUN start=2099-01-01T00:00:00Z"
	if out, err := l.Exec(t.Context(), "node1", "sh", "-c", "printf '%s\\n' '"+holder+"' >"+connection.LockPath); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	pb := `
- hosts: all
  gather_facts: false
  tasks:
    - name: mark
      copy:
        dest: /tmp/marked
        content: "yes\n"
`
	dir := t.TempDir()
	for _, cmd := range [][]string{{"plan"}, {"run", "--check"}} {
		r := e2e.Playbook(t, l, dir, "pb.yml", pb, cmd[0], cmd[1:]...)
		if r.Doc.Status("mark", "node1") != "changed" || r.Doc.Status("mark", "node2") != "changed" {
			t.Errorf("%v: statuses %q %q, want both changed (predicted), the lock ignored\n%s", cmd,
				r.Doc.Status("mark", "node1"), r.Doc.Status("mark", "node2"), r.Stderr)
		}
	}
	r := e2e.Playbook(t, l, dir, "pb.yml", pb, "run")
	if r.ExitCode != 3 || r.Doc.Status("mark", "node1") != "unreachable" || r.Doc.Status("mark", "node2") != "changed" {
		t.Fatalf("run: exit %d, node1 %q, node2 %q; want 3, node1 left alone, node2 changed\n%s", r.ExitCode,
			r.Doc.Status("mark", "node1"), r.Doc.Status("mark", "node2"), r.Stdout)
	}
	msg := ""
	for _, p := range r.Doc.Plays {
		for _, tk := range p.Tasks {
			msg += tk.Hosts["node1"].Msg
		}
	}
	for _, w := range []string{"host node1 is locked by another haplay run", "controller elsewhere, pid 4242, run OTHERRUN", "rm " + connection.LockPath + " on node1"} {
		if !strings.Contains(msg, w) {
			t.Errorf("node1's message %q lacks %q", msg, w)
		}
	}
	if out, err := l.Exec(t.Context(), "node1", "cat", "/tmp/marked"); err == nil {
		t.Errorf("node1 was changed under another run's lock: %q", out)
	}
	if got := e2e.Exec(t, l, "node1", "cat", connection.LockPath); got != holder {
		t.Errorf("the holder's lock became %q", got)
	}
	// Our own lock is gone from node2 once the run is over.
	if out, err := l.Exec(t.Context(), "node2", "test", "-e", connection.LockPath); err == nil {
		t.Errorf("node2 still has a lock after the run: %s", out)
	}
}
