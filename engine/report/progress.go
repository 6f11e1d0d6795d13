package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/haplay/haplay/engine/playbook"
)

// progress tracks which hosts are still running the current task, so a
// long task on a TTY shows who everyone is waiting for.
type progress struct {
	task    *playbook.Task
	started time.Time
	pending []string // in start order
	shown   bool     // a progress line is on the screen
	stop    chan struct{}
}

// Running implements runner.ProgressReporter.
func (t *Text) Running(task *playbook.Task, hosts []string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.prog.task = task
	t.prog.started = time.Now()
	t.prog.pending = append([]string(nil), hosts...)
}

// done marks a host finished with the current task.
func (p *progress) done(host string) {
	for i, h := range p.pending {
		if h == host {
			p.pending = append(p.pending[:i], p.pending[i+1:]...)
			return
		}
	}
}

// line is the progress text: "still running on 2 hosts: node3, node7".
func (p *progress) line(now time.Time) string {
	if len(p.pending) == 0 || p.task == nil {
		return ""
	}
	hosts := p.pending
	more := ""
	if len(hosts) > 8 {
		more = fmt.Sprintf(" and %d more", len(hosts)-8)
		hosts = hosts[:8]
	}
	noun := "hosts"
	if len(p.pending) == 1 {
		noun = "host"
	}
	return fmt.Sprintf("... %s: %ds, still running on %d %s: %s%s", p.task.DisplayName(),
		int(now.Sub(p.started).Seconds()), len(p.pending), noun, strings.Join(hosts, ", "), more)
}

// tick redraws the progress line of a task that has run for more than
// two seconds. Only on a TTY: a log file gets no such lines.
func (t *Text) tick(now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if now.Sub(t.prog.started) < 2*time.Second {
		return
	}
	if l := t.prog.line(now); l != "" {
		fmt.Fprintf(t.w, "\r\x1b[K%s", l)
		t.prog.shown = true
	}
}

// clearProgress removes the progress line before other output. Callers
// hold t.mu.
func (t *Text) clearProgress() {
	if t.prog.shown {
		fmt.Fprint(t.w, "\r\x1b[K")
		t.prog.shown = false
	}
}

// startTicker draws progress every second until Recap.
func (t *Text) startTicker() {
	t.prog.stop = make(chan struct{})
	go func() {
		tk := time.NewTicker(time.Second)
		defer tk.Stop()
		for {
			select {
			case <-t.prog.stop:
				return
			case now := <-tk.C:
				t.tick(now)
			}
		}
	}()
}
