package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haplay/haplay/internal/e2e"
)

// drainWatch polls HAProxy's stats on the load balancer and remembers the
// most servers it ever saw in DRAIN at once, and which.
type drainWatch struct {
	mu      sync.Mutex
	most    int
	drained map[string]bool
}

func (w *drainWatch) watch(ctx context.Context, s *siteLab) {
	for ctx.Err() == nil {
		out, err := s.lab.Exec(ctx, "node4", "sh", "-c", `echo "show stat" | socat - /run/haproxy/admin.sock`)
		if err == nil {
			n := 0
			w.mu.Lock()
			for _, line := range strings.Split(string(out), "\n") {
				f := strings.Split(line, ",")
				if len(f) > 17 && f[0] == "elma365_web" && f[17] == "DRAIN" {
					n++
					w.drained[f[1]] = true
				}
			}
			w.most = max(w.most, n)
			w.mu.Unlock()
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// rolling-update.yml goes node by node: HAProxy never has more than one
// server in drain; a gate failure injected on the second node stops the
// rollout with the third untouched; the resume command finishes it.
func TestRollingUpdateOneNodeAtATimeLab(t *testing.T) {
	s := newSiteLab(t)
	if r := s.run(t, "run", "site.yml"); r.ExitCode != 0 {
		t.Fatalf("site: exit %d\n%s\n%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	ctx, stop := context.WithCancel(context.Background())
	w := &drainWatch{drained: map[string]bool{}}
	watched := make(chan struct{})
	go func() { w.watch(ctx, s); close(watched) }()
	defer stop()

	// node2's update leaves its port open but the application broken (404):
	// the health gate, not the port check, must catch it. The new httpd
	// retries until the killed one has let go of the port.
	work := `{"rolling_update_commands": ["sleep 0.5; touch /tmp/updated; {% if inventory_hostname == 'node2' %}kill $(pidof busybox); mkdir -p /srv/broken; for i in $(seq 50); do busybox httpd -p 8080 -h /srv/broken && break; sleep 0.1; done{% endif %}"],` +
		` "rolling_gate_timeout": 3, "maintenance_enable_wait": false}`
	dir := t.TempDir()
	pb := filepath.Join(s.root, "playbooks", "rolling-update.yml")
	args := append([]string{"run", pb}, s.inv...)
	// The playbook is the checkout's: its resume file goes to the test's
	// directory, not beside the playbook.
	r := e2e.Run(t, dir, append(args, "--output=json", "-e", work, "--resume-dir", filepath.Join(dir, ".haplay"))...)
	if r.ExitCode != 2 {
		t.Fatalf("rollout with a broken node2: exit %d, want 2\n%s\n%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	if r.Doc.Status("gate: node serves the application again", "node2") != "failed" {
		t.Errorf("node2's gate did not fail: %q", r.Doc.Status("gate: node serves the application again", "node2"))
	}
	if got := e2e.Exec(t, s.lab, "node3", "sh", "-c", "test -e /tmp/updated && echo updated || echo untouched"); got != "untouched" {
		t.Fatalf("node3 was %s after the rollout stopped", got)
	}
	resume := filepath.Join(dir, ".haplay", "rolling-update.resume")
	if data, err := os.ReadFile(resume); err != nil || strings.Join(strings.Fields(string(data)), ",") != "node2,node3" {
		t.Fatalf("resume file: %q, %v; want node2 and node3", data, err)
	}

	// Fix node2 (and the update that broke it), then resume.
	e2e.Exec(t, s.lab, "node2", "sh", "-c", "kill $(pidof busybox); for i in $(seq 50); do busybox httpd -p 8080 -h /srv/www && break; sleep 0.1; done")
	fixed := `{"rolling_update_commands": ["sleep 0.5; touch /tmp/updated"], "rolling_gate_timeout": 3, "maintenance_enable_wait": false}`
	r = e2e.Run(t, dir, append(args, "--output=json", "--limit", "@"+resume, "-e", fixed)...)
	if r.ExitCode != 0 {
		t.Fatalf("resume: exit %d\n%s\n%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	for _, h := range []string{"node1", "node2", "node3"} {
		if got := e2e.Exec(t, s.lab, h, "sh", "-c", "test -e /tmp/updated && echo updated || echo untouched"); got != "updated" {
			t.Errorf("%s is %s after the resume", h, got)
		}
	}
	if r.Doc.Status("Restart all services (seed 000, once on any node)", "node2") == "" {
		t.Errorf("the restart did not run after the resume")
	}
	stop()
	<-watched
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.most != 1 {
		t.Errorf("at most %d servers in drain at once, want exactly 1", w.most)
	}
	if !w.drained["node1"] || !w.drained["node3"] {
		t.Errorf("servers seen in drain: %v, want node1..node3", w.drained)
	}
}
