package runner

import (
	"context"
	"fmt"
	"strings"

	"github.com/haplay/haplay/engine/playbook"
)

// QuorumError refuses a rollout whose batches would take down more of a
// quorum group at once than its quorum tolerates.
type QuorumError struct {
	Play      string
	Group     string
	Members   int
	Tolerates int
	Batch     []string // the first batch that takes too many
	InBatch   int
}

func (e *QuorumError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "play %q: rollout refused: a batch of %d takes %d of the %d hosts of %q down at once (%s), but %d %s can lose only %d and keep quorum.\n",
		e.Play, len(e.Batch), e.InBatch, e.Members, e.Group, strings.Join(e.Batch, ", "), e.Members, e.Group, e.Tolerates)
	b.WriteString(QuorumTable(e.Members))
	fmt.Fprintf(&b, "Use serial: %d (or less) for this play.", max(e.Tolerates, 1))
	return b.String()
}

// QuorumTable is seed 002's table: group size, majority, fault tolerance.
func QuorumTable(mark int) string {
	var b strings.Builder
	b.WriteString("  size  majority  fault tolerance\n")
	for n := 1; n <= max(7, mark); n++ {
		arrow := "  "
		if n == mark {
			arrow = "->"
		}
		fmt.Fprintf(&b, "%s%4d  %8d  %15d\n", arrow, n, n/2+1, (n-1)/2)
	}
	return b.String()
}

// checkQuorum is the quorum guard. A group of n tolerates (n-1)/2 members
// down; a batch may take at most that many of it (at least 1, or nothing
// could ever be updated).
func checkQuorum(play string, group string, members []string, bs [][]string) error {
	n := len(members)
	if n == 0 {
		return fmt.Errorf("play %q: rollout quorum_group %q has no hosts", play, group)
	}
	tolerates := (n - 1) / 2
	allowed := max(tolerates, 1)
	in := map[string]bool{}
	for _, m := range members {
		in[m] = true
	}
	for _, b := range bs {
		c := 0
		for _, h := range b {
			if in[h] {
				c++
			}
		}
		if c > allowed {
			return &QuorumError{Play: play, Group: group, Members: n, Tolerates: tolerates, Batch: b, InBatch: c}
		}
	}
	return nil
}

// runGate runs the play's health gate on the batch just done: each gate
// task is retried until it passes or the gate's timeout runs out. It
// returns the hosts that failed it.
func (pr *playRun) runGate(ctx context.Context) ([]string, error) {
	r := pr.play.Rollout
	timeout := r.GateTimeout
	const delay = 2
	hosts := pr.active(pr.batch)
	if r.TimeoutExpr != "" && len(hosts) > 0 {
		vars, err := pr.taskVars(hosts[0], &playbook.Task{Pos: r.Pos}, &frame{})
		if err != nil {
			return nil, err
		}
		s, err := pr.renderString(r.TimeoutExpr, vars)
		if err != nil {
			return nil, fmt.Errorf("%s: rollout timeout: %w", r.Pos, err)
		}
		if _, err := fmt.Sscanf(s, "%d", &timeout); err != nil {
			return nil, fmt.Errorf("%s: rollout timeout %q is not a number of seconds", r.Pos, s)
		}
	}
	if timeout <= 0 {
		timeout = 60
	}
	for _, g := range r.Gate {
		t := gateTask(g, timeout, delay)
		if err := pr.runTasks(ctx, []*playbook.Task{t}, hosts, &frame{}); err != nil {
			return nil, err
		}
	}
	var failed []string
	for _, h := range hosts {
		if hs := pr.host(h); hs.failed.Load() || hs.unreachable.Load() {
			failed = append(failed, h)
		}
	}
	return failed, nil
}

// gateTask wraps a gate task in until/retries so it is tried for the
// gate's whole timeout.
func gateTask(g *playbook.Task, timeout, delay int) *playbook.Task {
	t := *g
	if t.Name == "" {
		t.Name = t.DisplayName()
	}
	t.Name = "gate: " + t.Name
	if len(t.Until) == 0 {
		if t.Register == "" {
			t.Register = "haplay_gate_result"
		}
		t.Until = []string{t.Register + " is succeeded"}
	}
	if len(t.ChangedWhen) == 0 {
		t.ChangedWhen = []string{"False"} // a health check changes nothing
	}
	retries := max(timeout/delay, 1)
	t.Retries, t.Delay = &retries, &delay
	return &t
}
