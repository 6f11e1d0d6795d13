package report

import (
	"github.com/haplay/haplay/engine/connection"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/engine/playbook"
	"github.com/haplay/haplay/engine/runner"
)

// Redact hides run-wide secrets (the values that came out of a vault)
// from every event before the reporters behind it see them: results,
// messages, loop items and labels, diffs, -vv commands and warnings. It
// uses no_log's masks (module.Secrets), so a value that is a secret reads
// VALUE_SPECIFIED_IN_NO_LOG_PARAMETER and a string holding one has it
// masked as ********. Secrets is asked at every event, since the set grows
// while the run reads vaulted files.
type Redact struct {
	R       Multi
	Secrets func() []string
}

func (r Redact) secrets() module.Secrets {
	if r.Secrets == nil {
		return nil
	}
	return module.Secrets(r.Secrets())
}

func (r Redact) PlayStart(p *playbook.Play, hosts []string) { r.R.PlayStart(p, hosts) }
func (r Redact) TaskStart(t *playbook.Task, handler bool)   { r.R.TaskStart(t, handler) }

// HostResult hides the secrets in the result, as redactResult does for a
// call's no_log arguments.
func (r Redact) HostResult(hr runner.HostResult) {
	if s := r.secrets(); len(s) > 0 {
		hr.Msg = s.String(hr.Msg)
		hr.Label = s.String(hr.Label)
		hr.Item = s.Value(hr.Item)
		hr.Result = s.Result(hr.Result)
		hr.Result.Facts = redactMap(s, hr.Result.Facts)
	}
	r.R.HostResult(hr)
}

func redactMap(s module.Secrets, m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out, _ := s.Value(m).(map[string]any)
	return out
}

func (r Redact) Warn(msg string) { r.R.Warn(r.secrets().String(msg)) }

func (r Redact) RolloutStopped(st runner.RolloutStop) {
	st.Reason = r.secrets().String(st.Reason)
	r.R.RolloutStopped(st)
}

func (r Redact) Recap(rc *runner.Recap) { r.R.Recap(rc) }

// Running passes progress on; it carries no values.
func (r Redact) Running(t *playbook.Task, hosts []string) { r.R.Running(t, hosts) }

// Command hides the secrets in a -vv command.
func (r Redact) Command(host string, c connection.Cmd) { r.R.Command(host, r.secrets().Cmd(c)) }

var (
	_ runner.ProgressReporter = Redact{}
	_ runner.CommandReporter  = Redact{}
)
