package runner

import (
	"context"
	"fmt"

	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/engine/playbook"
	"golang.org/x/sync/errgroup"
)

// gatherFacts runs the registry's fact-gathering module (module.FactGatherer)
// on the hosts in parallel, as the play's implicit first task. As before,
// it runs without become: gathering reads only what any user may.
func (pr *playRun) gatherFacts(ctx context.Context, hosts []string) error {
	name, ok := pr.factGatherer()
	if !ok {
		return fmt.Errorf("gather_facts: no module in the registry gathers facts")
	}
	off := false
	args := map[string]any{}
	subsets := pr.play.GatherSubset
	if len(subsets) == 0 {
		subsets = pr.opts.GatherSubset
	}
	if len(subsets) > 0 {
		args["gather_subset"] = toAny(subsets)
	}
	if t := pr.play.GatherTimeout; t != nil {
		args["gather_timeout"] = *t
	} else if t := pr.opts.GatherTimeout; t != nil {
		args["gather_timeout"] = *t
	}
	if pr.opts.FactPath != "" {
		args["fact_path"] = pr.opts.FactPath
	}
	t := &playbook.Task{Pos: pr.play.Pos, Name: "Gathering Facts", Module: name, Action: name, Args: args, Become: &off}
	pr.implicitGather = t
	if run, err := pr.takeStep(ctx, t, false, nil); err != nil || !run {
		return err
	}
	pr.opts.Reporter.TaskStart(t, false)
	e := pr.resolve(t, &frame{})
	f := &frame{}
	var g errgroup.Group
	g.SetLimit(pr.opts.Forks)
	for _, h := range hosts {
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
