package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/haplay/haplay/engine/playbook"
	"github.com/haplay/haplay/engine/runner"
)

func TestProgressShowsHostsStillRunning(t *testing.T) {
	var b bytes.Buffer
	r := NewText(&b, TextOptions{})
	task := &playbook.Task{Name: "upgrade"}
	r.TaskStart(task, false)
	r.Running(task, []string{"node1", "node2", "node3"})
	r.HostResult(runner.HostResult{Host: "node2", Task: task, Status: runner.StatusOK})
	start := r.prog.started
	r.tick(start.Add(time.Second))
	if strings.Contains(b.String(), "still running") {
		t.Fatalf("progress shown before two seconds:\n%s", b.String())
	}
	r.tick(start.Add(3 * time.Second))
	if !strings.Contains(b.String(), "... upgrade: 3s, still running on 2 hosts: node1, node3") {
		t.Fatalf("no progress line:\n%q", b.String())
	}
	r.HostResult(runner.HostResult{Host: "node1", Task: task, Status: runner.StatusOK})
	if !strings.Contains(b.String(), "\r\x1b[Kok: [node1]") {
		t.Fatalf("progress line not cleared before the next result:\n%q", b.String())
	}
}
