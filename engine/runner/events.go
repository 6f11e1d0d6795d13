// Package runner runs loaded playbooks: plays -> batches -> tasks -> hosts,
// with handlers, check and diff, and results streamed to a Reporter.
package runner

import (
	"context"

	"github.com/haplay/haplay/engine/connection"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/engine/playbook"
)

// Status is a task's outcome on one host.
type Status string

const (
	StatusOK          Status = "ok"
	StatusChanged     Status = "changed"
	StatusSkipped     Status = "skipped"
	StatusFailed      Status = "failed"
	StatusUnreachable Status = "unreachable"
)

// HostResult is one task's result on one host (one loop item when Item is
// set; the aggregate result of a loop has Items).
type HostResult struct {
	Host      string
	Delegated string // delegate_to host, if any
	Task      *playbook.Task
	Status    Status
	Ignored   bool // failed, but ignore_errors was set
	Msg       string
	Result    module.Result
	Item      any  // the loop item, for per-item results
	IsItem    bool // a per-item line; the aggregate follows
	Label     string
	Attempt   int // for until/retries: the attempt that failed
	Retrying  int // retries left when Attempt is set
	NoLog     bool
	CheckSkip bool // skipped because the module cannot predict in check mode
}

// Stats are the recap counters for one host.
type Stats struct {
	OK, Changed, Unreachable, Failed, Skipped, Rescued, Ignored int
}

// Reporter receives the run as it happens. Implementations must be safe
// for concurrent HostResult calls.
type Reporter interface {
	PlayStart(p *playbook.Play, hosts []string)
	TaskStart(t *playbook.Task, handler bool)
	HostResult(r HostResult)
	Warn(msg string)
	RolloutStopped(s RolloutStop)
	Recap(r *Recap)
}

// CommandReporter is an optional Reporter method: with -vv it is told
// every command a module runs (never those of no_log tasks).
type CommandReporter interface {
	Command(host string, c connection.Cmd)
}

// Prompter is the operator's side of the run: notices while a module
// waits, and questions (pause with a prompt). Modules reach it through
// module.Controller, never through os.Stdin.
type Prompter interface {
	Notify(text string)
	Prompt(ctx context.Context, text string, echo bool) (string, error)
}

// ProgressReporter is an optional Reporter method: it is told which hosts
// a task starts on, so it can show which are still running it.
type ProgressReporter interface {
	Running(t *playbook.Task, hosts []string)
}

// RolloutStop says where a stopped rollout left each host.
type RolloutStop struct {
	Play       string
	Reason     string
	Done       []string
	Failed     []string
	NotStarted []string
	RetryFile  string
	ResumeHint string
	// Serial is set when the play ran in several batches (serial): only
	// then is there a rollout to report beyond "no more hosts left".
	Serial bool
}

// Recap is the end-of-run summary.
type Recap struct {
	Hosts       []string // in first-seen order
	Stats       map[string]*Stats
	Changes     []Change // every changed (or, in check mode, would-change) task per host
	Interrupted bool
}

// Change is one task that changed (or would change) a host; plan prints
// these.
type Change struct {
	Host string
	Task string
	Pos  string
}
