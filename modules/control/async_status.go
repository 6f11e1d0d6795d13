package control

import (
	"context"
	"fmt"

	"github.com/haplay/haplay/engine/module"
)

// AsyncStatus reports on a task started with async (ansible.builtin.async_status).
type AsyncStatus struct{}

var _ module.RunsOnController = AsyncStatus{}

// RunsOnController: the jobs are the run's own (engine/runner's async).
func (AsyncStatus) RunsOnController() {}

func (AsyncStatus) Name() string { return "async_status" }

// asyncJobs is the runner's table of async jobs, offered by its Controller.
type asyncJobs interface {
	AsyncJob(jid string) (finished bool, res module.Result, found bool)
}

func (AsyncStatus) Spec() module.Spec {
	return module.Spec{
		Short: "Report on a task started with async",
		Description: "Returns finished: 0 while the job runs and, once it is done, its result with finished: 1 " +
			"(failed if the job failed). Use it with until: job.finished and retries. Jobs are those of this run.",
		Args: []module.Arg{
			{Name: "jid", Type: module.TypeStr, Required: true, Doc: "the ansible_job_id the async task registered"},
			{Name: "mode", Type: module.TypeStr, Default: "status", Choices: []string{"status", "cleanup"}, Doc: "status reports; cleanup forgets nothing here (jobs live in the run) and reports as status does"},
		},
		Examples: "- command: /usr/local/bin/long-job\n  async: 600\n  poll: 0\n  register: job\n- async_status: {jid: \"{{ job.ansible_job_id }}\"}\n  register: st\n  until: st.finished\n  retries: 60\n  delay: 10",
	}
}

func (AsyncStatus) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	jid := fmt.Sprint(c.Args["jid"])
	jobs, ok := c.Controller.(asyncJobs)
	if !ok {
		return module.Result{}, fmt.Errorf("async_status: this run keeps no async jobs")
	}
	finished, res, found := jobs.AsyncJob(jid)
	if !found {
		// Ansible's words for a job it has no results file of.
		return module.Result{Failed: true, Msg: "could not find job", Values: map[string]any{"ansible_job_id": jid, "started": 1, "finished": 1}}, nil
	}
	if !finished {
		return module.Result{Values: map[string]any{"ansible_job_id": jid, "started": 1, "finished": 0}}, nil
	}
	return res, nil
}
