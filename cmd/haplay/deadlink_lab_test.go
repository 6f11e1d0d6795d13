package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/haplay/haplay/engine/lab"
	"github.com/haplay/haplay/internal/e2e"
)

// These tests cut a lab host's link, stop or kill its sshd session in the
// middle of a run, and check that the run reports that host unreachable
// within 60 s (keepalives: 10 s x 3 by default) while the others finish
// every task. They act only inside lab hosts, on processes found there.

// noticeBound is what issue 13 asks for; the keepalives take about 30 s.
const noticeBound = 60 * time.Second

// startRun runs the playbook in the background; the result arrives on
// the channel.
func startRun(t *testing.T, l *lab.Lab, pb string, extra ...string) <-chan e2e.Result {
	t.Helper()
	e2e.Binary(t) // built here, where a failure may end the test
	dir := t.TempDir()
	ch := make(chan e2e.Result, 1)
	go func() { ch <- e2e.Playbook(t, l, dir, "pb.yml", pb, "run", extra...) }()
	return ch
}

// waitFor polls a shell condition inside host until it holds.
func waitFor(t *testing.T, l *lab.Lab, host, cond string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		if _, err := l.Exec(t.Context(), host, "/bin/sh", "-c", cond); err == nil {
			return
		}
		if time.Now().After(deadline) {
			ps, _ := l.Exec(t.Context(), host, "ps", "-eo", "pid,pgid,stat,args")
			t.Fatalf("%s: %q not true within %v\n%s", host, cond, within, ps)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// labDo runs a shell script inside host, failing the test if it fails.
func labDo(t *testing.T, l *lab.Lab, host, script string) string {
	t.Helper()
	out, err := l.Exec(t.Context(), host, "/bin/sh", "-c", script)
	if err != nil {
		t.Fatalf("%s: %s: %v\n%s", host, script, err, out)
	}
	return strings.TrimSpace(string(out))
}

// awaitRun waits for the run and checks the verdict: exit 3, lost
// unreachable on task lostAt within noticeBound of since, the others
// through to the task "last".
func awaitRun(t *testing.T, l *lab.Lab, ch <-chan e2e.Result, since time.Time, lost, lostAt string, msgs ...string) e2e.Result {
	t.Helper()
	var r e2e.Result
	select {
	case r = <-ch:
	case <-time.After(3 * noticeBound):
		t.Fatalf("the run still waits %v after the fault", 3*noticeBound)
	}
	took := time.Since(since)
	if r.ExitCode != 3 {
		t.Errorf("exit %d, want 3\n%s\n%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	if took > noticeBound {
		t.Errorf("the run ended %v after the fault, want under %v", took.Round(time.Second), noticeBound)
	}
	if r.Doc == nil {
		t.Fatalf("no JSON document\n%s", r.Stderr)
	}
	if got := r.Doc.Status(lostAt, lost); got != "unreachable" {
		t.Errorf("%s on %s: %q, want unreachable", lostAt, lost, got)
	}
	msg := taskMsg(r.Doc, lostAt, lost)
	for _, m := range msgs {
		if !strings.Contains(msg, m) {
			t.Errorf("%s on %s: message %q lacks %q", lostAt, lost, msg, m)
		}
	}
	if s := r.Doc.Stats[lost]; s["Unreachable"] != 1 || s["Failed"] != 0 {
		t.Errorf("%s stats %v, want unreachable=1 failed=0", lost, s)
	}
	if got := r.Doc.Status("last", lost); got != "" {
		t.Errorf("%s ran the last task (%q): an unreachable host leaves the play", lost, got)
	}
	for _, h := range l.Hosts() {
		if h.Name == lost {
			continue
		}
		if got := r.Doc.Status("last", h.Name); got != "changed" {
			t.Errorf("%s: last task %q, want changed", h.Name, got)
		}
		if s := r.Doc.Stats[h.Name]; s["Unreachable"] != 0 || s["Failed"] != 0 {
			t.Errorf("%s stats %v", h.Name, s)
		}
	}
	t.Logf("%s unreachable; the run ended %v after the fault", lost, took.Round(time.Second))
	return r
}

func taskMsg(d *e2e.Doc, task, host string) string {
	for _, p := range d.Plays {
		for _, tk := range p.Tasks {
			if r, ok := tk.Hosts[host]; ok && tk.Name == task {
				return r.Msg
			}
		}
	}
	return ""
}

// The link of node1 goes down while it waits between two tasks.
func TestLinkDownBetweenTasksLab(t *testing.T) {
	t.Parallel()
	l := e2e.Lab(t, 3)
	ch := startRun(t, l, `
- hosts: all
  gather_facts: false
  tasks:
    - name: first
      command: touch /tmp/first
    - name: the others work
      command: sleep 4
      when: inventory_hostname != 'node1'
    - name: second
      command: "true"
    - name: last
      command: touch /tmp/last
`)
	waitFor(t, l, "node1", "test -e /tmp/first", 30*time.Second)
	time.Sleep(time.Second) // node1's first task is over; it idles
	labDo(t, l, "node1", "ip link set eth0 down")
	since := time.Now()
	awaitRun(t, l, ch, since, "node1", "second", "unreachable")
}

// The link of node1 goes down while its command runs.
func TestLinkDownDuringTaskLab(t *testing.T) {
	t.Parallel()
	l := e2e.Lab(t, 3)
	ch := startRun(t, l, `
- hosts: all
  gather_facts: false
  tasks:
    - name: long
      command: sleep 6
    - name: last
      command: touch /tmp/last
`)
	waitFor(t, l, "node1", "pgrep -x sleep", 30*time.Second)
	labDo(t, l, "node1", "ip link set eth0 down")
	since := time.Now()
	awaitRun(t, l, ch, since, "node1", "long", "connection lost during the task: it may have run partly", "no answer from the host")
}

// node1's sshd session (the process that speaks SSH for the connection)
// is stopped: the kernel still acknowledges, nothing answers.
func TestSSHDSessionStoppedLab(t *testing.T) {
	t.Parallel()
	l := e2e.Lab(t, 3)
	ch := startRun(t, l, `
- hosts: all
  gather_facts: false
  tasks:
    - name: long
      command: sleep 6
    - name: last
      command: touch /tmp/last
`)
	waitFor(t, l, "node1", "pgrep -x sleep", 30*time.Second)
	pid := labDo(t, l, "node1", "pgrep -f '^sshd: root@notty'")
	if strings.Contains(pid, "\n") || pid == "" {
		t.Fatalf("node1: want one sshd session process, found %q", pid)
	}
	labDo(t, l, "node1", "kill -STOP "+pid)
	since := time.Now()
	t.Cleanup(func() { _, _ = l.Exec(context.Background(), "node1", "kill", "-CONT", pid) })
	awaitRun(t, l, ch, since, "node1", "long", "connection lost during the task: it may have run partly", "no answer from the host")
}

// node1's sshd session processes are killed under a running command:
// the connection closes at once, and the host is unreachable, not failed.
func TestSSHDKilledDuringTaskLab(t *testing.T) {
	t.Parallel()
	l := e2e.Lab(t, 3)
	ch := startRun(t, l, `
- hosts: all
  gather_facts: false
  tasks:
    - name: long
      command: sleep 6
    - name: last
      command: touch /tmp/last
`)
	waitFor(t, l, "node1", "pgrep -x sleep", 30*time.Second)
	// The session's two processes: the privileged monitor and its child.
	labDo(t, l, "node1", "kill -KILL $(pgrep -f '^sshd: root')")
	since := time.Now()
	r := awaitRun(t, l, ch, since, "node1", "long", "connection lost during the task: it may have run partly", "closed the connection")
	if took := time.Since(since); took > 20*time.Second {
		t.Errorf("a closed connection took %v to notice: no keepalive should be needed", took)
	}
	_ = r
}

// The task keyword timeout fails the task with Ansible's message and ends
// the command on the host; the host stays in the play.
func TestTaskTimeoutLab(t *testing.T) {
	t.Parallel()
	l := e2e.Lab(t, 2)
	start := time.Now()
	r := e2e.Playbook(t, l, t.TempDir(), "pb.yml", `
- hosts: all
  gather_facts: false
  tasks:
    - name: slow
      command: sleep 40
      timeout: 2
      when: inventory_hostname == 'node1'
      ignore_errors: true
    - name: last
      command: touch /tmp/last
`, "run")
	if r.ExitCode != 0 {
		t.Errorf("exit %d, want 0 (the failure is ignored)\n%s", r.ExitCode, r.Stdout)
	}
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("the run took %v: the timeout is 2 s", took)
	}
	if got := r.Doc.Status("slow", "node1"); got != "failed" {
		t.Errorf("slow on node1: %q, want failed", got)
	}
	want := "The command action failed to execute in the expected time frame (2) and was terminated"
	if msg := taskMsg(r.Doc, "slow", "node1"); !strings.Contains(msg, want) {
		t.Errorf("message %q, want %q", msg, want)
	}
	if got := r.Doc.Status("last", "node1"); got != "changed" {
		t.Errorf("last on node1: %q, want changed", got)
	}
	if out, err := l.Exec(t.Context(), "node1", "pgrep", "-x", "sleep"); err == nil {
		t.Errorf("node1 still runs sleep after the timeout: %s", out)
	}
}
