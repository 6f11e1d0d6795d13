package runner

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/haplay/haplay/engine/jinja"
	"github.com/haplay/haplay/engine/playbook"
	"golang.org/x/sync/errgroup"
)

// playRun is the state of one play.
type playRun struct {
	*run
	play      *playbook.Play
	playHosts []string // all the play's hosts
	batch     []string // the current batch
	varsFiles map[string]any
	// hostVarsFiles are the vars_files of each host, when a name in them
	// is a template (loadVarsFiles); nil otherwise.
	hostVarsFiles map[string]map[string]any
	// The flags below are shared by the hosts of a free-strategy play.
	endPlay atomic.Bool
	started atomic.Bool // --start-at-task has been reached
	fatal   atomic.Bool // any_errors_fatal fired
	// implicitGather is the play's Gathering Facts task, once it ran.
	implicitGather *playbook.Task
	// maxFailHit is set when more than max_fail_percentage of the batch
	// failed: the play stops after the task.
	maxFailHit atomic.Bool
	hvMu       sync.Mutex
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
	pr := &playRun{run: r, play: p, playHosts: hosts, hv: &hostvarsCache{}}
	pr.started.Store(r.opts.StartAt == "")
	// meta: end_host lasts for the play it was called in.
	for _, h := range hosts {
		r.host(h).ended.Store(false)
	}
	r.opts.Reporter.PlayStart(p, hosts)
	if len(hosts) == 0 {
		r.opts.Reporter.Warn(fmt.Sprintf("play %q: no hosts matched %q", p.Name, p.Hosts))
		return false, nil
	}
	if err := pr.loadVarsFiles(); err != nil {
		return true, err
	}
	serial, err := pr.renderSerial()
	if err != nil {
		return true, fmt.Errorf("%s: %w", p.Pos, err)
	}
	bs, err := batches(hosts, serial)
	if err != nil {
		return true, fmt.Errorf("%s: %w", p.Pos, err)
	}
	if err := r.checkRolloutQuorum(p, bs); err != nil {
		return true, err
	}
	var done []string
	for i, b := range bs {
		// Hosts that failed in an earlier play or batch take no further part.
		var active []string
		for _, h := range b {
			if hs := r.host(h); !hs.failed.Load() && !hs.unreachable.Load() {
				active = append(active, h)
			}
		}
		pr.batch = active
		if err := pr.runBatch(ctx); err != nil {
			return true, err
		}
		gateFailed := false
		if p.Rollout != nil && len(p.Rollout.Gate) > 0 && !pr.endPlay.Load() && len(pr.active(active)) > 0 {
			failedGate, err := pr.runGate(ctx)
			if err != nil {
				return true, err
			}
			gateFailed = len(failedGate) > 0
		}
		reason := pr.batchStopReason(i, active, gateFailed, &done)
		if pr.endPlay.Load() {
			break
		}
		if reason != "" {
			r.stopRollout(p, hosts, bs, i, reason, done, gateFailed)
			return true, nil
		}
		if interrupted(ctx) {
			return true, ErrInterrupted
		}
	}
	return false, nil
}

// checkRolloutQuorum refuses batches that would take down a quorum of
// the rollout's quorum_group at once.
func (r *run) checkRolloutQuorum(p *playbook.Play, bs [][]string) error {
	if p.Rollout == nil || p.Rollout.QuorumGroup == "" {
		return nil
	}
	members, err := r.opts.Inventory.Match(p.Rollout.QuorumGroup)
	if err != nil {
		return fmt.Errorf("%s: rollout quorum_group: %w", p.Rollout.Pos, err)
	}
	if err := checkQuorum(p.Name, p.Rollout.QuorumGroup, members, bs); err != nil {
		return fmt.Errorf("%s: %w", p.Rollout.Pos, err)
	}
	return nil
}

// batchStopReason adds the batch's hosts that came through to done and
// says why the play stops after batch i ("" when it goes on).
func (pr *playRun) batchStopReason(i int, active []string, gateFailed bool, done *[]string) string {
	p := pr.play
	failed := 0
	var batchFailed []string
	for _, h := range active {
		if hs := pr.host(h); hs.failed.Load() || hs.unreachable.Load() {
			failed++
			batchFailed = append(batchFailed, h)
		} else {
			*done = append(*done, h)
		}
	}
	switch {
	case gateFailed:
		return "health gate failed after batch " + fmt.Sprint(i+1) + " (" + joinHosts(batchFailed) + ")"
	case pr.fatal.Load():
		return "any_errors_fatal: a host failed"
	case len(active) > 0 && failed == len(active):
		return "every host of the batch failed"
	case pr.maxFailHit.Load() || p.MaxFailPercentage != nil && float64(failed)*100/float64(len(active)) > *p.MaxFailPercentage:
		return fmt.Sprintf("%d of %d hosts failed in the batch, more than max_fail_percentage %g%%", failed, len(active), *p.MaxFailPercentage)
	}
	return ""
}

// stopRollout reports a rollout stopped after batch i, with a resume file
// naming the hosts to run again.
func (r *run) stopRollout(p *playbook.Play, hosts []string, bs [][]string, i int, reason string, done []string, gateFailed bool) {
	var notStarted []string
	for _, rest := range bs[i+1:] {
		notStarted = append(notStarted, rest...)
	}
	name := p.Name
	if name == "" {
		name = p.Hosts // as the PLAY banner names it
	}
	stop := RolloutStop{Play: name, Reason: reason, Done: done, Failed: failedHosts(r, hosts), NotStarted: notStarted,
		Serial: len(bs) > 1 || gateFailed}
	// Resuming retries the hosts that failed (once fixed) and goes
	// on with those never started.
	if resume := append(append([]string{}, stop.Failed...), notStarted...); len(resume) > 0 {
		stop.RetryFile = r.writeResume(p, resume)
		if stop.RetryFile != "" {
			stop.ResumeHint = fmt.Sprintf("haplay run %s --limit @%s", r.pb.Path, stop.RetryFile)
		}
	}
	r.opts.Reporter.RolloutStopped(stop)
}

func failedHosts(r *run, hosts []string) []string {
	var out []string
	for _, h := range hosts {
		if hs := r.host(h); hs.failed.Load() || hs.unreachable.Load() {
			out = append(out, h)
		}
	}
	return out
}

// runBatch runs the whole play on the current batch: facts, pre_tasks,
// roles and tasks, post_tasks, with handlers flushed after each section.
func (pr *playRun) runBatch(ctx context.Context) error {
	p := pr.play
	if hosts := pr.gatherHosts(); len(hosts) > 0 {
		if err := pr.gatherFacts(ctx, hosts); err != nil {
			return err
		}
	}
	if p.Strategy == "free" {
		return pr.runFree(ctx)
	}
	return pr.runSections(ctx, pr.batch)
}

// runSections runs pre_tasks, tasks and post_tasks on hosts, flushing
// handlers after each.
func (pr *playRun) runSections(ctx context.Context, hosts []string) error {
	p := pr.play
	root := &frame{}
	for _, section := range [][]*playbook.Task{p.PreTasks, p.Tasks, p.PostTasks} {
		if pr.endPlay.Load() {
			return nil
		}
		if err := pr.runTasks(ctx, section, hosts, root); err != nil {
			return err
		}
		if err := pr.flushHandlers(ctx, hosts); err != nil {
			return err
		}
	}
	return nil
}

// runFree is the free strategy: each host goes through the play at its
// own pace, up to --forks hosts at once, instead of waiting for the
// slowest host at every task.
func (pr *playRun) runFree(ctx context.Context) error {
	// No errgroup.WithContext: one host's error must not cancel the
	// others, which run to their own end as before.
	var g errgroup.Group
	g.SetLimit(pr.opts.Forks)
	for _, h := range pr.batch {
		g.Go(func() error { return pr.runSections(ctx, []string{h}) })
	}
	return g.Wait()
}

// active filters hosts to those still running in this play.
func (pr *playRun) active(hosts []string) []string {
	var out []string
	for _, h := range hosts {
		hs := pr.host(h)
		if !hs.failed.Load() && !hs.unreachable.Load() && !hs.ended.Load() {
			out = append(out, h)
		}
	}
	return out
}

// loadVarsFiles reads the play's vars_files. A name with a template in it
// ("vars/{{ env }}.yml") is rendered for each play host with its inventory
// variables, the play's vars and the extra vars, as Ansible does, so
// hosts may read different files; the files of literal names are read
// once for the play.
func (pr *playRun) loadVarsFiles() error {
	templated := slices.ContainsFunc(pr.play.VarsFiles, func(f string) bool { return jinja.IsTemplated(f) })
	if !templated {
		vars, err := pr.readVarsFiles(func(f string) (string, error) { return f, nil })
		pr.varsFiles = vars
		return err
	}
	pr.hostVarsFiles = map[string]map[string]any{}
	for _, h := range pr.playHosts {
		vars, err := pr.readVarsFiles(func(f string) (string, error) {
			v := map[string]any{}
			maps.Copy(v, pr.opts.Inventory.HostVars(h))
			maps.Copy(v, pr.play.Vars)
			maps.Copy(v, pr.opts.ExtraVars)
			pr.magic(v, h, &playbook.Task{}, nil)
			return pr.renderString(f, v)
		})
		if err != nil {
			return fmt.Errorf("host %s: %w", h, err)
		}
		pr.hostVarsFiles[h] = vars
	}
	return nil
}

// readVarsFiles reads each vars_files entry, named through name, later
// files overriding earlier ones.
func (pr *playRun) readVarsFiles(name func(string) (string, error)) (map[string]any, error) {
	out := map[string]any{}
	for _, f := range pr.play.VarsFiles {
		n, err := name(f)
		if err != nil {
			return nil, fmt.Errorf("%s: vars_files: %s: %w", pr.play.Pos, f, err)
		}
		vars, err := loadVarsFile(pr.opts.YAML, n, pr.play.Dir)
		if err != nil {
			return nil, fmt.Errorf("%s: vars_files: %w", pr.play.Pos, err)
		}
		maps.Copy(out, vars)
	}
	return out, nil
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

// resetHostvars starts a fresh hostvars map for the next task, so it sees
// the facts and registers of the tasks before.
func (pr *playRun) resetHostvars() {
	pr.hvMu.Lock()
	defer pr.hvMu.Unlock()
	pr.hv = &hostvarsCache{}
}

func (pr *playRun) hostvars() map[string]any {
	pr.hvMu.Lock()
	c := pr.hv
	pr.hvMu.Unlock()
	return c.get(pr)
}
