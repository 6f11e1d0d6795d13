package runner

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"strings"

	"github.com/haplay/haplay/engine/playbook"
)

// playRun is the state of one play.
type playRun struct {
	*run
	play      *playbook.Play
	playHosts []string // all the play's hosts
	batch     []string // the current batch
	varsFiles map[string]any
	endPlay   bool
	started   bool // --start-at-task has been reached
	fatal     bool // any_errors_fatal fired
	// maxFailHit is set when more than max_fail_percentage of the batch
	// failed: the play stops after the task.
	maxFailHit bool
	hv         *hostvarsCache
}

// runPlay runs one play batch by batch. It returns stop=true when the
// playbook must not go on (a batch failed entirely, max_fail_percentage,
// any_errors_fatal).
func (r *run) runPlay(ctx context.Context, p *playbook.Play) (bool, error) {
	hosts, err := r.playHosts(p)
	if err != nil {
		return true, err
	}
	pr := &playRun{run: r, play: p, playHosts: hosts, started: r.opts.StartAt == "", hv: &hostvarsCache{}}
	// meta: end_host lasts for the play it was called in.
	for _, h := range hosts {
		r.host(h).ended = false
	}
	r.opts.Reporter.PlayStart(p, hosts)
	if len(hosts) == 0 {
		r.opts.Reporter.Warn(fmt.Sprintf("play %q: no hosts matched %q", p.Name, p.Hosts))
		return false, nil
	}
	if err := pr.loadVarsFiles(); err != nil {
		return true, err
	}
	bs, err := batches(hosts, p.Serial)
	if err != nil {
		return true, fmt.Errorf("%s: %w", p.Pos, err)
	}
	var done []string
	for i, b := range bs {
		// Hosts that failed in an earlier play or batch take no further part.
		var active []string
		for _, h := range b {
			if hs := r.host(h); !hs.failed && !hs.unreachable {
				active = append(active, h)
			}
		}
		pr.batch = active
		if err := pr.runBatch(ctx); err != nil {
			return true, err
		}
		failed := 0
		for _, h := range active {
			if hs := r.host(h); hs.failed || hs.unreachable {
				failed++
			}
		}
		var batchFailed []string
		for _, h := range active {
			if hs := r.host(h); hs.failed || hs.unreachable {
				batchFailed = append(batchFailed, h)
			} else {
				done = append(done, h)
			}
		}
		reason := ""
		switch {
		case pr.fatal:
			reason = "any_errors_fatal: a host failed"
		case len(active) > 0 && failed == len(active):
			reason = "every host of the batch failed"
		case pr.maxFailHit || p.MaxFailPercentage != nil && float64(failed)*100/float64(len(active)) > *p.MaxFailPercentage:
			reason = fmt.Sprintf("%d of %d hosts failed in the batch, more than max_fail_percentage %g%%", failed, len(active), *p.MaxFailPercentage)
		}
		if pr.endPlay {
			break
		}
		if reason != "" {
			var notStarted []string
			for _, rest := range bs[i+1:] {
				notStarted = append(notStarted, rest...)
			}
			name := p.Name
			if name == "" {
				name = p.Hosts // as the PLAY banner names it
			}
			stop := RolloutStop{Play: name, Reason: reason, Done: done, Failed: failedHosts(r, hosts), NotStarted: notStarted,
				Serial: len(bs) > 1}
			if len(notStarted) > 0 {
				stop.RetryFile = r.writeResume(p, notStarted)
				if stop.RetryFile != "" {
					stop.ResumeHint = fmt.Sprintf("haplay run %s --limit @%s", r.pb.Path, stop.RetryFile)
				}
			}
			r.opts.Reporter.RolloutStopped(stop)
			return true, nil
		}
		if err := ctx.Err(); err != nil {
			return true, err
		}
	}
	return false, nil
}

func failedHosts(r *run, hosts []string) []string {
	var out []string
	for _, h := range hosts {
		if hs := r.host(h); hs.failed || hs.unreachable {
			out = append(out, h)
		}
	}
	return out
}

// runBatch runs the whole play on the current batch: facts, pre_tasks,
// roles and tasks, post_tasks, with handlers flushed after each section.
func (pr *playRun) runBatch(ctx context.Context) error {
	p := pr.play
	if p.GatherFacts == nil || *p.GatherFacts {
		if err := pr.gatherFacts(ctx); err != nil {
			return err
		}
	}
	root := &frame{}
	for _, section := range [][]*playbook.Task{p.PreTasks, p.Tasks, p.PostTasks} {
		if pr.endPlay {
			return nil
		}
		if err := pr.runTasks(ctx, section, pr.batch, root); err != nil {
			return err
		}
		if err := pr.flushHandlers(ctx); err != nil {
			return err
		}
	}
	return nil
}

// active filters hosts to those still running in this play.
func (pr *playRun) active(hosts []string) []string {
	var out []string
	for _, h := range hosts {
		hs := pr.host(h)
		if !hs.failed && !hs.unreachable && !hs.ended {
			out = append(out, h)
		}
	}
	return out
}

func (pr *playRun) loadVarsFiles() error {
	pr.varsFiles = map[string]any{}
	for _, f := range pr.play.VarsFiles {
		vars, err := loadVarsFile(f, pr.play.Dir)
		if err != nil {
			return fmt.Errorf("%s: vars_files: %w", pr.play.Pos, err)
		}
		for k, v := range vars {
			pr.varsFiles[k] = v
		}
	}
	return nil
}

func randomToken() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func shuffle(hosts []string) {
	mrand.Shuffle(len(hosts), func(i, j int) { hosts[i], hosts[j] = hosts[j], hosts[i] })
}

func joinHosts(h []string) string { return strings.Join(h, ", ") }
