package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/haplay/haplay/engine/connection"
	"github.com/haplay/haplay/internal/e2e"
)

// syncBuffer is written by the child's output copier and read by the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Ctrl-C stops new work, lets the task in flight finish, prints the recap
// and exits 99.
func TestInterruptFinishesTaskInFlightAndExits99Lab(t *testing.T) {
	l := e2e.Lab(t, 2)
	dir := t.TempDir()
	pb := filepath.Join(dir, "slow.yml")
	err := os.WriteFile(pb, []byte(`
- hosts: all
  gather_facts: false
  tasks:
    - name: slow
      shell: sleep 1 && touch /tmp/slow-done
    - name: never
      shell: touch /tmp/never
`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(e2e.Binary(t), "run", pb, "-i", l.InventoryPath, "--known-hosts", l.KnownHostsPath)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "TASK [slow]") {
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("the slow task never started:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	// The run holds each host's lock while it runs, and lets go of it on
	// Ctrl-C (below).
	pid := "pid=" + strconv.Itoa(cmd.Process.Pid) + " "
	for _, h := range []string{"node1", "node2"} {
		if got := e2e.Exec(t, l, h, "cat", connection.LockPath); !strings.Contains(got, pid) {
			t.Errorf("%s: lock file %q, want one naming %s", h, got, pid)
		}
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 99 {
		t.Fatalf("exit: %v, want 99\n%s", err, out.String())
	}
	text := out.String()
	for _, want := range []string{"Interrupted: no new tasks will start", "PLAY RECAP", "changed: [node1]"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "TASK [never]") {
		t.Errorf("a new task started after Ctrl-C:\n%s", text)
	}
	for _, h := range []string{"node1", "node2"} {
		if got := e2e.Exec(t, l, h, "sh", "-c", "ls /tmp/slow-done /tmp/never 2>/dev/null | tr '\\n' ' '"); got != "/tmp/slow-done " {
			t.Errorf("%s: files %q, want only /tmp/slow-done", h, got)
		}
		if _, err := l.Exec(t.Context(), h, "test", "-e", connection.LockPath); err == nil {
			t.Errorf("%s: the lock is still there after Ctrl-C", h)
		}
	}
}
