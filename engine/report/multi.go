package report

import (
	"github.com/rs/zerolog"

	"github.com/haplay/haplay/engine/connection"
	"github.com/haplay/haplay/engine/playbook"
	"github.com/haplay/haplay/engine/runner"
)

// Multi fans events out to several reporters.
type Multi []runner.Reporter

func (m Multi) PlayStart(p *playbook.Play, hosts []string) {
	for _, r := range m {
		r.PlayStart(p, hosts)
	}
}
func (m Multi) TaskStart(t *playbook.Task, handler bool) {
	for _, r := range m {
		r.TaskStart(t, handler)
	}
}
func (m Multi) HostResult(hr runner.HostResult) {
	for _, r := range m {
		r.HostResult(hr)
	}
}

// Running passes progress to the reporters that show it.
func (m Multi) Running(t *playbook.Task, hosts []string) {
	for _, r := range m {
		if pg, ok := r.(runner.ProgressReporter); ok {
			pg.Running(t, hosts)
		}
	}
}

// Command passes -vv commands to the reporters that show them.
func (m Multi) Command(host string, c connection.Cmd) {
	for _, r := range m {
		if cr, ok := r.(runner.CommandReporter); ok {
			cr.Command(host, c)
		}
	}
}

func (m Multi) Warn(msg string) {
	for _, r := range m {
		r.Warn(msg)
	}
}
func (m Multi) RolloutStopped(s runner.RolloutStop) {
	for _, r := range m {
		r.RolloutStopped(s)
	}
}
func (m Multi) Recap(rc *runner.Recap) {
	for _, r := range m {
		r.Recap(rc)
	}
}

// Log writes structured events to a zerolog logger (--log-file).
type Log struct{ L zerolog.Logger }

func (l Log) PlayStart(p *playbook.Play, hosts []string) {
	l.L.Info().Str("play", p.Name).Strs("hosts", hosts).Msg("play start")
}
func (l Log) TaskStart(t *playbook.Task, handler bool) {
	l.L.Info().Str("task", t.DisplayName()).Str("pos", t.Pos.String()).Bool("handler", handler).Msg("task start")
}
func (l Log) HostResult(r runner.HostResult) {
	ev := l.L.Info()
	if r.Status == runner.StatusFailed || r.Status == runner.StatusUnreachable {
		ev = l.L.Warn()
	}
	ev = ev.Str("host", r.Host).Str("task", r.Task.DisplayName()).Str("status", string(r.Status))
	if r.NoLog {
		ev = ev.Str("result", Censored)
	} else {
		ev = ev.Str("msg", r.Msg)
		if r.IsItem {
			ev = ev.Str("item", r.Label)
		}
		if rc, ok := r.Result.Values["rc"]; ok {
			ev = ev.Interface("rc", rc)
		}
	}
	ev.Msg("result")
}
func (l Log) Warn(msg string) { l.L.Warn().Msg(msg) }
func (l Log) RolloutStopped(s runner.RolloutStop) {
	l.L.Error().Str("play", s.Play).Str("reason", s.Reason).Strs("done", s.Done).Strs("failed", s.Failed).Strs("not_started", s.NotStarted).Msg("rollout stopped")
}
func (l Log) Recap(r *runner.Recap) {
	for h, s := range r.Stats {
		l.L.Info().Str("host", h).Int("ok", s.OK).Int("changed", s.Changed).Int("failed", s.Failed).Int("unreachable", s.Unreachable).Int("skipped", s.Skipped).Msg("recap")
	}
}
