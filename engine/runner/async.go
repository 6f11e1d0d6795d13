package runner

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/haplay/haplay/engine/module"
)

// asyncJobs are the run's async tasks (async: N), by host and job id, for
// async_status. A job with poll: 0 runs on in the background while the
// play goes on; the run waits for those still running before it ends,
// since the commands run over this process's connections (Ansible's run
// on the host by themselves: docs/ansible-differences.md).
type asyncJobs struct {
	mu   sync.Mutex
	jobs map[string]*asyncJob // host + "\x00" + jid
	wg   sync.WaitGroup
}

type asyncJob struct {
	done chan struct{}
	res  HostResult // set before done is closed
}

func (j *asyncJobs) add(host, jid string) *asyncJob {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.jobs == nil {
		j.jobs = map[string]*asyncJob{}
	}
	job := &asyncJob{done: make(chan struct{})}
	j.jobs[host+"\x00"+jid] = job
	return job
}

func (j *asyncJobs) get(host, jid string) (*asyncJob, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	job, ok := j.jobs[host+"\x00"+jid]
	return job, ok
}

// wait waits for the background jobs still running.
func (j *asyncJobs) wait() { j.wg.Wait() }

func newJobID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "j" + hex.EncodeToString(b)
}

// executeAsync runs the module as the task's async and poll ask: with
// poll > 0 (or in check mode, where nothing runs in the background) it
// waits up to async seconds for the result; with poll: 0 it starts the
// job and reports it started, for async_status to follow.
func (pr *playRun) executeAsync(ctx context.Context, e *effective, host string, vars map[string]any, hr HostResult) HostResult {
	t := e.task
	if t.Async <= 0 {
		return pr.execute(ctx, e, host, vars, hr)
	}
	jid := newJobID()
	job := pr.jobs.add(host, jid)
	limit := time.Duration(t.Async) * time.Second
	run := func(ctx context.Context) HostResult {
		jctx, cancel := context.WithTimeout(ctx, limit)
		defer cancel()
		out := pr.execute(jctx, e, host, vars, hr)
		if ctx.Err() == nil && errors.Is(jctx.Err(), context.DeadlineExceeded) && out.Status == StatusFailed {
			out = pr.failResult(hr, fmt.Errorf("async task did not complete within the requested time - %ds", t.Async))
		}
		out.Result.Values = withJob(out.Result.Values, jid, 1)
		return out
	}
	check := pr.opts.Check || (e.checkMode != nil && *e.checkMode)
	if (t.Poll != nil && *t.Poll == 0) && !check {
		pr.jobs.wg.Add(1)
		go func() {
			defer pr.jobs.wg.Done()
			job.res = run(ctx) // the run's context: an interrupt stops the job
			close(job.done)
		}()
		hr.Status = StatusChanged
		hr.Result = module.Result{Changed: true, Values: withJob(nil, jid, 0)}
		return hr
	}
	out := run(ctx)
	job.res = out
	close(job.done)
	return out
}

func withJob(v map[string]any, jid string, finished int) map[string]any {
	out := map[string]any{}
	maps.Copy(out, v)
	out["ansible_job_id"] = jid
	out["started"] = 1
	out["finished"] = finished
	return out
}

// AsyncJob is what async_status reads (modules/control): whether the
// job has finished and, if so, its result.
func (c *controller) AsyncJob(jid string) (finished bool, res module.Result, found bool) {
	host, _ := c.vars["inventory_hostname"].(string)
	job, ok := c.pr.jobs.get(host, jid)
	if !ok {
		return false, module.Result{}, false
	}
	select {
	case <-job.done:
		r := job.res.Result
		if job.res.Status == StatusFailed {
			r.Failed = true
			if r.Msg == "" {
				r.Msg = job.res.Msg
			}
		}
		return true, r, true
	default:
		return false, module.Result{}, true
	}
}
