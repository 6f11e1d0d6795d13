package runner

import (
	"context"
	"fmt"

	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/engine/playbook"
	"golang.org/x/sync/errgroup"
)

// gatherFacts runs the registry's fact-gathering module (module.FactGatherer)
// on every host of the batch in parallel, as the play's implicit first task.
// As before, it runs without become: gathering reads only what any user may.
func (pr *playRun) gatherFacts(ctx context.Context) error {
	name, ok := pr.factGatherer()
	if !ok {
		return fmt.Errorf("gather_facts: no module in the registry gathers facts")
	}
	off := false
	args := map[string]any{}
	if len(pr.play.GatherSubset) > 0 {
		subset := make([]any, len(pr.play.GatherSubset))
		for i, s := range pr.play.GatherSubset {
			subset[i] = s
		}
		args["gather_subset"] = subset
	}
	if pr.play.GatherTimeout != nil {
		args["gather_timeout"] = *pr.play.GatherTimeout
	}
	t := &playbook.Task{Pos: pr.play.Pos, Name: "Gathering Facts", Module: name, Action: name, Args: args, Become: &off}
	if run, err := pr.takeStep(ctx, t, false, nil); err != nil || !run {
		return err
	}
	pr.opts.Reporter.TaskStart(t, false)
	e := pr.resolve(t, &frame{})
	f := &frame{}
	var g errgroup.Group
	g.SetLimit(pr.opts.Forks)
	for _, h := range pr.active(pr.batch) {
		g.Go(func() error { pr.runOnHost(ctx, e, h, f); return nil })
	}
	_ = g.Wait() // runOnHost reports per host; it returns no error
	return ctx.Err()
}

// factGatherer names the registry's fact-gathering module.
func (pr *playRun) factGatherer() (string, bool) {
	if pr.opts.Modules == nil {
		return "", false
	}
	for _, n := range pr.opts.Modules.Names() {
		m, _ := pr.opts.Modules.Lookup(n)
		if _, ok := m.(module.FactGatherer); ok {
			return n, true
		}
	}
	return "", false
}
