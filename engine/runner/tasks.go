package runner

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sort"
	"strings"
	"time"

	"github.com/haplay/haplay/engine/connection"
	"github.com/haplay/haplay/engine/connspec"
	"github.com/haplay/haplay/engine/jinja"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/engine/playbook"
	"github.com/haplay/haplay/engine/template"
	"golang.org/x/sync/errgroup"
)

// runTasks runs a task list on hosts with the linear strategy: each task on
// every active host (in parallel, up to --forks), then the next task.
func (pr *playRun) runTasks(ctx context.Context, tasks []*playbook.Task, hosts []string, f *frame) error {
	for _, t := range tasks {
		if interrupted(ctx) {
			return ErrInterrupted
		}
		if pr.endPlay.Load() || pr.fatal.Load() || pr.maxFailHit.Load() {
			return nil
		}
		if len(pr.active(hosts)) == 0 {
			return nil
		}
		var err error
		switch {
		case t.Block != nil:
			err = pr.runBlock(ctx, t, hosts, f)
		case t.Include != nil:
			err = pr.runInclude(ctx, t, hosts, f)
		default:
			err = pr.runTask(ctx, t, hosts, f, false)
		}
		if err != nil {
			return err
		}
		pr.checkMaxFail(f)
	}
	return nil
}

// checkMaxFail stops the play after a task when more than
// max_fail_percentage of the batch has failed, as Ansible's linear strategy
// does. Failures inside a block with a rescue section are not counted
// until the block is done: the rescue may still take them over.
func (pr *playRun) checkMaxFail(f *frame) {
	p := pr.play
	if p.MaxFailPercentage == nil || len(pr.batch) == 0 {
		return
	}
	for _, c := range f.chain() {
		if c.block != nil && len(c.block.Rescue) > 0 {
			return
		}
	}
	failed := 0
	for _, h := range pr.batch {
		if hs := pr.host(h); hs.failed.Load() || hs.unreachable.Load() {
			failed++
		}
	}
	if float64(failed)*100/float64(len(pr.batch)) > *p.MaxFailPercentage {
		pr.maxFailHit.Store(true)
	}
}

// runBlock runs block, then rescue on the hosts that failed in it, then
// always on every host that entered it.
func (pr *playRun) runBlock(ctx context.Context, b *playbook.Task, hosts []string, f *frame) error {
	entered := pr.active(hosts)
	inner := f.push(b, nil)
	if err := pr.runTasks(ctx, b.Block, entered, inner); err != nil {
		return err
	}
	var failedIn []string
	for _, h := range entered {
		if hs := pr.host(h); hs.failed.Load() && !hs.unreachable.Load() {
			failedIn = append(failedIn, h)
		}
	}
	if len(failedIn) > 0 && len(b.Rescue) > 0 {
		// As in Ansible, a failure that a rescue section takes over counts
		// as rescued, not failed, whatever the rescue does next.
		for _, h := range failedIn {
			pr.host(h).failed.Store(false)
			pr.stats(h, func(s *Stats) { s.Rescued++; s.Failed-- })
		}
		// A fatal error inside the block is rescued, not fatal.
		pr.fatal.Store(false)
		if err := pr.runTasks(ctx, b.Rescue, failedIn, inner); err != nil {
			return err
		}
	}
	if len(b.Always) > 0 {
		// always runs for failed hosts too; their failure stands afterwards.
		var wasFailed []string
		for _, h := range entered {
			if hs := pr.host(h); hs.failed.Load() && !hs.unreachable.Load() {
				wasFailed = append(wasFailed, h)
				hs.failed.Store(false)
			}
		}
		fatal := pr.fatal.Load()
		pr.fatal.Store(false)
		err := pr.runTasks(ctx, b.Always, entered, inner)
		for _, h := range wasFailed {
			pr.host(h).failed.Store(true)
		}
		pr.fatal.Store(pr.fatal.Load() || fatal)
		if err != nil {
			return err
		}
	}
	return nil
}

// runTask runs one task on every active host.
func (pr *playRun) runTask(ctx context.Context, t *playbook.Task, hosts []string, f *frame, handler bool) error {
	e := pr.resolve(t, f)
	if !handler && !pr.selected(e) {
		return nil
	}
	if !pr.started.Load() {
		if t.Name != pr.opts.StartAt && t.DisplayName() != pr.opts.StartAt {
			return nil
		}
		pr.started.Store(true)
	}
	active := pr.active(hosts)
	if len(active) == 0 {
		return nil
	}
	if _, meta := pr.module(t).(module.RunControl); !meta {
		if run, err := pr.takeStep(ctx, t, handler, active); err != nil || !run {
			return err
		}
	}
	pr.opts.Reporter.TaskStart(t, handler)
	if pg, ok := pr.opts.Reporter.(ProgressReporter); ok {
		pg.Running(t, active)
	}
	pr.resetHostvars()
	mod := pr.module(t)
	if _, ok := mod.(module.RunControl); ok {
		return pr.runMeta(ctx, e, active, f)
	}
	e = pr.taskWideKeywords(e, active[0], f)
	if _, once := mod.(module.RunsOnce); e.runOnce || once {
		res := pr.runOnHost(ctx, e, active[0], f)
		// run_once: the one result stands for every host of the batch.
		for _, h := range active[1:] {
			if t.Register != "" {
				pr.register(h, t.Register, res.Result, res.Status)
				pr.markUnknown(h, t.Register, res.CheckSkip)
			}
			if len(res.Result.Facts) > 0 && res.Status != StatusFailed {
				pr.setFacts(h, res.Result.Facts)
			}
		}
		return nil
	}
	limit := pr.opts.Forks
	if e.throttle > 0 && e.throttle < limit {
		limit = e.throttle
	}
	var g errgroup.Group
	g.SetLimit(limit)
	for _, h := range active {
		g.Go(func() error { pr.runOnHost(ctx, e, h, f); return nil })
	}
	_ = g.Wait() // runOnHost reports per host; it returns no error
	return ctx.Err()
}

// selected applies --tags and --skip-tags as ansible-playbook does.
func (pr *playRun) selected(e *effective) bool {
	return TagsSelected(e.tags, pr.opts.Tags, pr.opts.SkipTags)
}

// TagsSelected says whether a task with these tags runs under --tags and
// --skip-tags, as ansible-playbook decides it: "always" runs unless
// skipped, "never" only when asked for; all, tagged and untagged are the
// special names.
func TagsSelected(tags, want, skip []string) bool {
	has := map[string]bool{}
	for _, t := range tags {
		has[t] = true
	}
	for _, s := range skip {
		if has[s] || (s == "all" && !has["always"]) || (s == "tagged" && len(tags) > 0) || (s == "untagged" && len(tags) == 0) {
			return false
		}
	}
	if has["always"] {
		return true
	}
	if len(want) == 0 {
		return !has["never"]
	}
	for _, w := range want {
		if (w == "all" && !has["never"]) || (w == "tagged" && len(tags) > 0) || (w == "untagged" && len(tags) == 0) || has[w] {
			return true
		}
	}
	return false
}

// runOnHost runs one task on one host: when, loop, templating, the module,
// retries, changed_when/failed_when, register, notify. It reports and
// records the outcome, and returns the aggregate result.
func (pr *playRun) runOnHost(ctx context.Context, e *effective, host string, f *frame) HostResult {
	t := e.task
	hr := HostResult{Host: host, Task: t, NoLog: e.noLog}
	vars, err := pr.taskVars(host, t, f)
	if err != nil {
		return pr.finish(e, pr.failResult(hr, err))
	}
	if e, err = pr.renderKeywords(e, vars); err != nil {
		return pr.finish(e, pr.failResult(hr, err))
	}
	hr.NoLog = e.noLog
	if name := pr.dependsOnUnknown(e, host); name != "" {
		if fs, ok := pr.module(t).(module.FactSetter); ok {
			// The facts it would set are unknown too: a later task that
			// uses them cannot predict either, rather than fail on an
			// undefined variable the real run would have.
			for _, k := range fs.FactNames(t.Args) {
				pr.markUnknown(host, k, true)
			}
		}
		return pr.finish(e, cannotPredict(hr, name))
	}
	if t.LoopKeyword != "" {
		return pr.finish(e, pr.runLoop(ctx, e, host, vars, hr))
	}
	ok, err := pr.conditionsHold(e.when, vars)
	if err != nil {
		return pr.finish(e, pr.failResult(hr, err))
	}
	if !ok {
		hr.Status = StatusSkipped
		hr.Msg = "Conditional result was False"
		return pr.finish(e, hr)
	}
	return pr.finish(e, pr.runOnce(ctx, e, host, vars, hr))
}

// loopState is what runLoop gathers over the items.
type loopState struct {
	agg                            HostResult
	results                        []any
	anyRan, anyChanged, anyUnknown bool
}

// runLoop runs the task once per loop item, each reported on its own, and
// returns the aggregate result that register and the recap see.
func (pr *playRun) runLoop(ctx context.Context, e *effective, host string, vars map[string]any, hr HostResult) HostResult {
	t := e.task
	items, err := pr.loopItems(t, vars)
	if err != nil {
		return pr.loopError(e, vars, hr, err)
	}
	loopVar := t.LoopVar
	if loopVar == "" {
		loopVar = "item"
	}
	ls := &loopState{agg: hr}
	ls.agg.Status = StatusSkipped
	for i, item := range items {
		iv := copyVars(vars)
		iv[loopVar] = item
		if t.IndexVar != "" {
			iv[t.IndexVar] = i
		}
		if t.LoopExtended {
			iv["ansible_loop"] = extendedLoop(items, i, t.LoopAllItems)
		}
		if i > 0 && t.LoopPause > 0 {
			if err := sleepCtx(ctx, time.Duration(t.LoopPause*float64(time.Second))); err != nil {
				break // interrupted: the items so far stand
			}
		}
		plain, _ := jinja.Unwrap(item) // what is reported and registered
		ir := pr.runItem(ctx, e, host, iv, plain, ls)
		// set_fact in a loop: each item sees the facts of the items before.
		if (ir.Status == StatusOK || ir.Status == StatusChanged) && len(ir.Result.Facts) > 0 {
			for k, v := range ir.Result.Facts {
				if _, extra := pr.opts.ExtraVars[k]; !extra {
					vars[k] = v
				}
			}
		}
		ls.results = append(ls.results, itemValues(ir, loopVar))
		ls.add(ir)
	}
	return ls.result()
}

// extendedLoop is ansible_loop under loop_control's extended, with
// Ansible's keys: previtem and nextitem only where there is one.
func extendedLoop(items []any, i int, allItems bool) map[string]any {
	n := len(items)
	m := map[string]any{"index": i + 1, "index0": i, "first": i == 0, "last": i == n-1, "length": n,
		"revindex": n - i, "revindex0": n - i - 1}
	if i > 0 {
		m["previtem"] = items[i-1]
	}
	if i < n-1 {
		m["nextitem"] = items[i+1]
	}
	if allItems {
		m["allitems"] = items
	}
	return m
}

// loopError is the outcome of a task whose loop could not be rendered.
// As in Ansible (TaskExecutor), a loop that names an undefined variable
// does not fail the task when its when, evaluated once without an item,
// is false: the task is skipped. Any other outcome of when, an error in
// it included, lets the loop's error stand.
func (pr *playRun) loopError(e *effective, vars map[string]any, hr HostResult, loopErr error) HostResult {
	var ue *template.UndefinedError
	if errors.As(loopErr, &ue) && len(e.when) > 0 {
		if ok, err := pr.conditionsHold(e.when, vars); err == nil && !ok {
			hr.Status = StatusSkipped
			hr.Msg = "Conditional result was False"
			return hr
		}
	}
	return pr.failResult(hr, loopErr)
}

// runItem runs and reports one loop item.
func (pr *playRun) runItem(ctx context.Context, e *effective, host string, iv map[string]any, item any, ls *loopState) HostResult {
	ir := HostResult{Host: host, Task: e.task, NoLog: e.noLog, Item: item, IsItem: true}
	ir.Label = pr.itemLabel(e.task, iv, item)
	ok, err := pr.conditionsHold(e.when, iv)
	if err != nil {
		ir = pr.failResult(ir, err)
	} else if !ok {
		ir.Status = StatusSkipped
		ir.Msg = "Conditional result was False"
	} else {
		ir = pr.runOnce(ctx, e, host, iv, ir)
		ls.anyRan = true
	}
	if ir.Status == StatusFailed && e.ignoreErrors {
		ir.Ignored = true
	}
	pr.opts.Reporter.HostResult(ir)
	return ir
}

// itemValues is one item's entry in the registered results list.
func itemValues(ir HostResult, loopVar string) map[string]any {
	vals := map[string]any{}
	for k, v := range ir.Result.Values {
		vals[k] = v
	}
	vals[loopVar] = ir.Item // as execute left it: no_log argument values hidden
	vals["changed"] = ir.Status == StatusChanged
	vals["failed"] = ir.Status == StatusFailed
	if ir.Status == StatusSkipped {
		vals["skipped"] = true
	}
	if ir.Msg != "" {
		vals["msg"] = ir.Msg
	}
	vals["ansible_loop_var"] = loopVar
	return vals
}

// add folds one item's outcome into the aggregate: the worst status wins,
// diffs and facts accumulate.
func (ls *loopState) add(ir HostResult) {
	agg := &ls.agg
	if ir.Result.Changed || ir.Status == StatusChanged {
		ls.anyChanged = true
	}
	if ir.CheckSkip {
		ls.anyUnknown = true
	}
	switch {
	case ir.Status == StatusUnreachable:
		agg.Status = StatusUnreachable
	case ir.Status == StatusFailed && !ir.Ignored && agg.Status != StatusUnreachable:
		agg.Status = StatusFailed
		agg.Msg = "One or more items failed"
	case ir.Status == StatusFailed && ir.Ignored && agg.Status != StatusUnreachable:
		agg.Status = StatusFailed
		agg.Ignored = true
		agg.Msg = "One or more items failed"
	case ir.Status == StatusChanged && (agg.Status == StatusOK || agg.Status == StatusSkipped):
		agg.Status = StatusChanged
	case ir.Status == StatusOK && agg.Status == StatusSkipped:
		agg.Status = StatusOK
	}
	agg.Result.Diffs = append(agg.Result.Diffs, ir.Result.Diffs...)
	if ir.Result.Facts != nil {
		if agg.Result.Facts == nil {
			agg.Result.Facts = map[string]any{}
		}
		for k, v := range ir.Result.Facts {
			agg.Result.Facts[k] = v
		}
	}
}

// result is the loop's aggregate, with Ansible's results and msg.
func (ls *loopState) result() HostResult {
	agg := ls.agg
	results := ls.results
	if results == nil {
		results = []any{}
	}
	agg.Result.Values = map[string]any{"results": results, "changed": agg.Status == StatusChanged, "msg": "All items completed"}
	if !ls.anyRan && agg.Status == StatusSkipped {
		agg.Result.Values["skipped"] = true
		agg.Result.Values["msg"] = "All items skipped"
	}
	if agg.Status == StatusFailed {
		agg.Result.Values["msg"] = agg.Msg
	}
	agg.Result.Changed = agg.Status == StatusChanged || ls.anyChanged
	if ls.anyUnknown && agg.Status == StatusSkipped {
		agg.CheckSkip = true
		agg.Msg = "cannot predict: some items could not predict in check mode"
		agg.Result.Values["msg"] = agg.Msg
	}
	return agg
}

// runOnce runs the module for one host (one loop item), with until/retries.
func (pr *playRun) runOnce(ctx context.Context, e *effective, host string, vars map[string]any, hr HostResult) HostResult {
	t := e.task
	// Ansible 2.14's arithmetic: retries N runs the task up to N+1 times
	// (3 times when retries is not given, once when it is 0), and a final
	// failure reports attempts as one less than the runs.
	attempts := 1
	if len(t.Until) > 0 {
		attempts = 3
		if e.retries != nil {
			attempts = *e.retries + 1
			if *e.retries <= 0 {
				attempts = 1
			}
		}
	}
	delay := 5
	if e.delay != nil {
		delay = *e.delay
	}
	for attempt := 1; ; attempt++ {
		out := pr.executeAsync(ctx, e, host, vars, hr)
		if len(t.Until) == 0 || out.Status == StatusUnreachable || out.Status == StatusSkipped {
			return out
		}
		rv := copyVars(vars)
		if t.Register != "" {
			rv[t.Register] = jinja.MarkUnsafe(registerValue(out.Result, out.Status))
		}
		ok, err := pr.conditionsHold(t.Until, rv)
		if err != nil {
			return pr.failResult(out, err)
		}
		if ok {
			out.Result.Set("attempts", attempt)
			return out
		}
		if attempt >= attempts {
			out.Status = StatusFailed
			out.Ignored = e.ignoreErrors
			if out.Msg == "" {
				out.Msg = fmt.Sprintf("until condition not met after %d runs", attempt)
			}
			out.Result.Set("attempts", max(attempt-1, 1))
			return out
		}
		retry := out
		retry.Attempt = attempt
		retry.Retrying = attempts - attempt
		pr.opts.Reporter.HostResult(retry)
		select {
		case <-ctx.Done():
			return pr.failResult(out, ctx.Err())
		case <-time.After(time.Duration(delay) * time.Second):
		}
	}
}

// redactResult hides a call's no_log argument values in hr.
func redactResult(s module.Secrets, hr HostResult) HostResult {
	if len(s) == 0 {
		return hr
	}
	hr.Msg = s.String(hr.Msg)
	hr.Label = s.String(hr.Label)
	hr.Item = s.Value(hr.Item)
	hr.Result = s.Result(hr.Result)
	return hr
}

// execute templates the arguments and runs the module once.
func (pr *playRun) execute(ctx context.Context, e *effective, host string, vars map[string]any, hr HostResult) (out HostResult) {
	t := e.task
	if t.NotImplemented != "" {
		return pr.failResult(hr, errors.New(playbook.NotImplementedMsg(t.Module, t.NotImplemented)))
	}
	mod, ok := pr.opts.Modules.Lookup(t.Module)
	if !ok {
		return pr.failResult(hr, fmt.Errorf("unknown module %q", t.Module))
	}
	args, unsafeArgs, secrets, err := pr.moduleArgs(e, mod, vars)
	// The values of per-argument no_log arguments leave no trace in what
	// is reported, logged or registered (module.Redact).
	defer func() { out = redactResult(secrets, out) }()
	if err != nil {
		return pr.failResult(hr, err)
	}
	check := pr.opts.Check
	if e.checkMode != nil {
		check = *e.checkMode
	}
	diff := pr.opts.Diff
	if e.diff != nil {
		diff = *e.diff
	}
	targetHost := host
	if e.delegateTo != "" {
		d, err := pr.renderString(e.delegateTo, vars)
		if err != nil {
			return pr.failResult(hr, err)
		}
		targetHost = d
		hr.Delegated = d
	}
	spec, specErr := pr.connSpec(e, host, vars)
	if errors.Is(specErr, connspec.ErrBecome) {
		return pr.failResult(hr, specErr)
	}
	call := &module.Call{
		Args: args, Check: check, Diff: diff, Become: spec.Become,
		Controller: &controller{pr: pr, vars: vars, task: t},
	}
	if _, local := mod.(module.RunsOnController); !local {
		if targetHost != host {
			spec, specErr = pr.connSpec(e, targetHost, pr.otherHostVars(targetHost))
		}
		if err := pr.connectCall(ctx, e, call, targetHost, spec, specErr, vars, secrets); err != nil {
			hr.Status = StatusUnreachable
			hr.Msg = err.Error()
			return hr
		}
	}
	res, err := runWithTimeout(ctx, e.timeout, func(ctx context.Context) (module.Result, error) { return mod.Run(ctx, call) })
	if errors.Is(err, errTaskTimeout) {
		// Ansible's words (task_executor.py), with the action as written.
		return pr.failResult(hr, fmt.Errorf("The %s action failed to execute in the expected time frame (%d) and was terminated",
			t.Module, e.timeout))
	}
	if err == nil && !res.Failed && !res.Skipped {
		pr.applyInventory(mod, host, &res)
	}
	res.Facts = markFacts(mod, res.Facts, unsafeArgs)
	hr.Result = res
	if err != nil {
		if connection.IsUnreachable(err) {
			hr.Status = StatusUnreachable
			hr.Msg = err.Error()
			return hr
		}
		return pr.failResult(hr, fmt.Errorf("%s on %s: %w", mod.Name(), targetHost, err))
	}
	hr.Status = statusOf(res)
	if hr.Status == StatusSkipped {
		hr.CheckSkip = check
		hr.Msg = res.SkipReason
	}
	if res.Msg != "" {
		hr.Msg = res.Msg
	}
	if hr.Status != StatusSkipped && (len(t.ChangedWhen) > 0 || len(t.FailedWhen) > 0) {
		var err error
		if hr, err = pr.resultConditions(t, vars, hr); err != nil {
			return pr.failResult(hr, err)
		}
	}
	if hr.Status == StatusFailed && e.ignoreErrors {
		hr.Ignored = true
	}
	if hr.Status == StatusUnreachable && e.ignoreUnreachable {
		hr.Ignored = true
	}
	return hr
}

// moduleArgs templates the task's arguments and validates them against
// the module's spec, now that their values are known. The secrets are
// the values of the no_log arguments, for a failed validation too.
func (pr *playRun) moduleArgs(e *effective, mod module.Module, vars map[string]any) (module.Args, map[string]bool, module.Secrets, error) {
	t := e.task
	args := t.Args
	// module_defaults fill what the task does not set, as in Ansible.
	if d := playbook.DefaultArgs(mod.Name(), e.moduleDefaults...); d != nil {
		maps.Copy(d, t.Args)
		args = d
	}
	rawArgs, err := pr.renderArgs(args, mod, vars)
	if err != nil {
		return nil, nil, nil, err
	}
	rawArgs, unsafe := plainArgs(rawArgs)
	secrets := module.Redact(mod.Spec(), rawArgs)
	args, argErrs := module.Validate(mod.Spec(), rawArgs, true)
	if len(argErrs) > 0 {
		var msgs []string
		for _, ae := range argErrs {
			msgs = append(msgs, ae.Msg)
		}
		return nil, nil, secrets, fmt.Errorf("%s: %s", t.Module, strings.Join(msgs, "; "))
	}
	return args, unsafe, secrets, nil
}

// connectCall gives the call its host (the delegate, when there is one)
// and the way to reach other inventory hosts. The error means the host is
// unreachable. The commands -vv shows have secrets hidden.
func (pr *playRun) connectCall(ctx context.Context, e *effective, call *module.Call, targetHost string, spec connection.Spec, specErr error, vars map[string]any, secrets module.Secrets) error {
	tgt, err := pr.targetFor(ctx, spec, specErr)
	if err != nil {
		return err
	}
	env := pr.environment(e, vars)
	hh := &hostHandle{name: targetHost, target: envTarget{tgt, env}, check: call.Check, overlay: &pr.host(targetHost).overlay, become: call.Become}
	cr, showCmds := pr.opts.Reporter.(CommandReporter)
	showCmds = showCmds && pr.opts.Verbosity >= 2 && !e.noLog
	if showCmds {
		hh.onCmd = func(c connection.Cmd) { cr.Command(targetHost, secrets.Cmd(c)) }
	}
	call.Host = hh
	call.Hosts = func(name string) (module.Host, error) {
		if m, err := pr.opts.Inventory.Match(name); err != nil || len(m) != 1 || m[0] != name {
			return nil, fmt.Errorf("%q is not a host of the inventory", name)
		}
		ospec, ospecErr := pr.connSpec(e, name, pr.otherHostVars(name))
		other, err := pr.targetFor(ctx, ospec, ospecErr)
		if err != nil {
			return nil, err
		}
		oh := &hostHandle{name: name, target: envTarget{other, env}, check: call.Check, overlay: &pr.host(name).overlay, become: call.Become}
		if showCmds {
			oh.onCmd = func(c connection.Cmd) { cr.Command(name, secrets.Cmd(c)) }
		}
		return oh, nil
	}
	return nil
}

// statusOf is the status a module's result reports.
func statusOf(res module.Result) Status {
	switch {
	case res.Failed:
		return StatusFailed
	case res.Skipped:
		return StatusSkipped
	case res.Changed:
		return StatusChanged
	}
	return StatusOK
}

// resultConditions applies changed_when and failed_when. The conditions
// see the result under the register name only, as in Ansible.
func (pr *playRun) resultConditions(t *playbook.Task, vars map[string]any, hr HostResult) (HostResult, error) {
	rv := copyVars(vars)
	if t.Register != "" {
		rv[t.Register] = jinja.MarkUnsafe(registerValue(hr.Result, hr.Status))
	}
	if len(t.ChangedWhen) > 0 {
		changed, err := pr.conditionsHold(t.ChangedWhen, rv)
		if err != nil {
			return hr, fmt.Errorf("changed_when: %w", err)
		}
		if hr.Status != StatusFailed {
			hr.Status = map[bool]Status{true: StatusChanged, false: StatusOK}[changed]
		}
		hr.Result.Changed = changed
	}
	if len(t.FailedWhen) > 0 {
		failed, err := pr.conditionsHold(t.FailedWhen, rv)
		if err != nil {
			return hr, fmt.Errorf("failed_when: %w", err)
		}
		hr.Result.Failed = failed
		if failed {
			hr.Status = StatusFailed
			if hr.Msg == "" || hr.Msg == "non-zero return code" {
				hr.Msg = "failed_when condition was true"
			}
		} else if hr.Status == StatusFailed {
			hr.Status = map[bool]Status{true: StatusChanged, false: StatusOK}[hr.Result.Changed]
			hr.Msg = ""
		}
	}
	return hr, nil
}

// module is the task's module, or nil when the registry does not know it
// (the loader has refused such a task already).
func (pr *playRun) module(t *playbook.Task) module.Module {
	if pr.opts.Modules == nil {
		return nil
	}
	m, _ := pr.opts.Modules.Lookup(t.Module)
	return m
}

// applyInventory carries out what an InventoryChanger's result asks of the
// in-memory inventory (in check mode too, as Ansible: later plays of the
// check run must see the hosts). With ChangedIfNew the task is changed
// only when the host was not in one of the groups yet.
func (pr *playRun) applyInventory(mod module.Module, host string, res *module.Result) {
	ch := res.Inventory
	if _, ok := mod.(module.InventoryChanger); !ok || ch == nil {
		return
	}
	name := ch.Host
	if name == "" {
		name = host
	}
	if ch.ChangedIfNew {
		had := map[string]bool{}
		for _, g := range pr.opts.Inventory.GroupNames(name) {
			had[g] = true
		}
		for _, g := range ch.Groups {
			if !had[g] {
				res.Changed = true
			}
		}
	}
	pr.opts.Inventory.AddHost(name, ch.Groups, ch.Vars)
}

func (pr *playRun) failResult(hr HostResult, err error) HostResult {
	hr.Status = StatusFailed
	t := hr.Task
	hr.Msg = fmt.Sprintf("%v (task %q at %s)", err, t.DisplayName(), t.Pos)
	// What register keeps, as Ansible's msg (without the position).
	hr.Result.Msg = err.Error()
	if hr.Task.IgnoreErrors != nil && *hr.Task.IgnoreErrors {
		hr.Ignored = true
	}
	return hr
}

// finish records a host's final result for a task: stats, register, facts,
// notify, failure state; and reports it.
func (pr *playRun) finish(e *effective, hr HostResult) HostResult {
	t := e.task
	if hr.Status == StatusFailed && e.ignoreErrors {
		hr.Ignored = true
	}
	if !hr.IsItem {
		pr.opts.Reporter.HostResult(hr)
	}
	host := hr.Host
	hs := pr.host(host)
	if t.Register != "" {
		pr.register(host, t.Register, hr.Result, hr.Status)
		pr.markUnknown(host, t.Register, hr.CheckSkip)
	}
	if hr.Status == StatusSkipped && hr.CheckSkip {
		pr.mu.Lock()
		for _, n := range t.Notify {
			hs.maybeNotified[n] = true
		}
		pr.mu.Unlock()
	}
	switch hr.Status {
	case StatusOK:
		pr.stats(host, func(s *Stats) { s.OK++ })
	case StatusChanged:
		pr.stats(host, func(s *Stats) { s.OK++; s.Changed++ })
		pr.recordChange(host, t)
		for _, n := range t.Notify {
			pr.mu.Lock()
			hs.notified[n] = true
			pr.mu.Unlock()
		}
	case StatusSkipped:
		pr.stats(host, func(s *Stats) { s.Skipped++ })
	case StatusFailed:
		if hr.Ignored {
			// Ansible counts an ignored failure as ok, and as changed when
			// the result says so.
			pr.stats(host, func(s *Stats) {
				s.Ignored++
				s.OK++
				if hr.Result.Changed {
					s.Changed++
				}
			})
		} else {
			pr.stats(host, func(s *Stats) { s.Failed++ })
			hs.failed.Store(true)
			// A rescue section sees what failed, as in Ansible.
			pr.setFacts(host, map[string]any{
				"ansible_failed_task":   map[string]any{"name": t.Name, "action": t.Action},
				"ansible_failed_result": jinja.MarkUnsafe(registerValue(hr.Result, hr.Status)),
			})
			if e.anyErrorsFatal {
				pr.fatal.Store(true)
			}
		}
	case StatusUnreachable:
		if hr.Ignored {
			pr.stats(host, func(s *Stats) { s.Skipped++ })
		} else {
			pr.stats(host, func(s *Stats) { s.Unreachable++ })
			hs.unreachable.Store(true)
		}
	}
	if (hr.Status == StatusOK || hr.Status == StatusChanged) && len(hr.Result.Facts) > 0 {
		target := host
		if hr.Delegated != "" && t.DelegateFacts {
			target = hr.Delegated
		}
		if _, ok := pr.module(t).(module.FactGatherer); ok {
			// Gathered facts rank below play vars; set_fact above.
			pr.setGathered(target, hr.Result.Facts)
			pr.cacheGathered(target, hr.Result.Facts, t == pr.implicitGather)
		} else {
			pr.setFacts(target, hr.Result.Facts)
			if hr.Result.CacheFacts {
				pr.cacheGathered(target, hr.Result.Facts, false)
			}
		}
	}
	return hr
}

func (pr *playRun) recordChange(host string, t *playbook.Task) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	pr.recap.Changes = append(pr.recap.Changes, Change{Host: host, Task: t.DisplayName(), Pos: t.Pos.String()})
}

// markFacts marks the facts a module sets Unsafe where they come from a
// host, as Ansible's TaskExecutor wraps them: all the facts of a module
// that runs on the host or gathers facts. A module that runs on the controller sets facts
// from the playbook's data (include_vars's files), rendered lazily as
// any variable; where its facts are its arguments (set_fact), those
// rendered from unsafe data stay marked.
func markFacts(mod module.Module, facts map[string]any, unsafeArgs map[string]bool) map[string]any {
	if len(facts) == 0 {
		return facts
	}
	_, local := mod.(module.RunsOnController)
	if _, gathers := mod.(module.FactGatherer); gathers || !local {
		return markAll(facts)
	}
	if _, ok := mod.(module.FactSetter); !ok || len(unsafeArgs) == 0 {
		return facts
	}
	out := make(map[string]any, len(facts))
	for k, v := range facts {
		out[k] = markIf(unsafeArgs[k], v)
	}
	return out
}

// register stores a task's result, marked Unsafe once here: it is data
// from the host, never rendered again however it is read later.
func (pr *playRun) register(host, name string, res module.Result, st Status) {
	v := jinja.MarkUnsafe(registerValue(res, st))
	pr.mu.Lock()
	defer pr.mu.Unlock()
	pr.hosts[host].registered[name] = v
}

func (pr *playRun) setGathered(host string, facts map[string]any) {
	hs := pr.host(host)
	pr.mu.Lock()
	defer pr.mu.Unlock()
	for k, v := range facts {
		// A later setup task adds to ansible_facts, as in Ansible, rather
		// than replace what gather_facts found.
		old, _ := jinja.Unwrap(hs.gathered[k])
		if old, ok := old.(map[string]any); ok && k == factsKey {
			add, _ := jinja.Unwrap(v)
			if add, ok := add.(map[string]any); ok {
				merged := make(map[string]any, len(old)+len(add))
				for fk, fv := range old {
					merged[fk] = fv
				}
				for fk, fv := range add {
					merged[fk] = fv
				}
				v = jinja.MarkUnsafe(merged)
			}
		}
		hs.gathered[k] = v
	}
}

// factsKey is the variable that holds every gathered fact.
const factsKey = "ansible_facts"

func (pr *playRun) setFacts(host string, facts map[string]any) {
	hs := pr.host(host)
	pr.mu.Lock()
	defer pr.mu.Unlock()
	for k, v := range facts {
		hs.facts[k] = v
		delete(hs.unknown, k) // known again (see runOnHost)
	}
}

// registerValue is what `register` stores: the module's values plus
// changed, failed, skipped and msg.
func registerValue(res module.Result, st Status) map[string]any {
	v := map[string]any{}
	for k, x := range res.Values {
		v[k] = x
	}
	v["changed"] = st == StatusChanged
	v["failed"] = st == StatusFailed
	if st == StatusSkipped {
		v["skipped"] = true
		if res.SkipReason != "" {
			v["skip_reason"] = res.SkipReason
		}
	}
	if st == StatusUnreachable {
		v["unreachable"] = true
	}
	if res.Msg != "" {
		if _, ok := v["msg"]; !ok {
			v["msg"] = res.Msg
		}
	}
	if len(res.Diffs) > 0 {
		var ds []any
		for _, d := range res.Diffs {
			ds = append(ds, map[string]any{"before": d.Before, "after": d.After, "before_header": d.BeforeHeader, "after_header": d.AfterHeader})
		}
		v["diff"] = ds
	}
	return v
}

// target is host's connection under the play's settings, for gathering
// facts.
func (pr *playRun) target(ctx context.Context, host string) (connection.Target, error) {
	t := &playbook.Task{Pos: pr.play.Pos}
	vars, err := pr.taskVars(host, t, &frame{})
	if err != nil {
		return nil, err
	}
	spec, err := pr.connSpec(pr.resolve(t, &frame{}), host, vars)
	if errors.Is(err, connspec.ErrBecome) {
		err = nil // gathering facts does not become
	}
	return pr.targetFor(ctx, spec, err)
}

// connSpec resolves how the task e reaches host, from vars (the task's
// variables on that host) and the task's connection keywords. It is
// called for every task: the pool hands out one connection per distinct
// result.
func (pr *playRun) connSpec(e *effective, host string, vars map[string]any) (connection.Spec, error) {
	kw := connspec.Keywords{Connection: e.connection, RemoteUser: e.remoteUser, Port: e.port,
		Become: e.become, BecomeUser: e.becomeUser, BecomeMethod: e.becomeMethod, Defaults: pr.opts.Connection}
	vars = withoutConnDefaults(vars)
	return connspec.Resolve(host, vars, kw, func(s string) (string, error) { return pr.renderString(s, vars) })
}

// otherHostVars are the variables that say how to reach another host than
// the task's (delegate_to, a module acting on a second host): that host's
// inventory vars and facts, with -e on top.
func (pr *playRun) otherHostVars(host string) map[string]any {
	v := hostvarsView{pr: pr}.Get(host)
	for k, x := range pr.opts.ExtraVars {
		v[k] = x
	}
	v["hostvars"] = hostvarsView{pr: pr}
	return v
}

// targetFor returns the target for spec; a spec that could not be
// resolved makes the host unreachable, as a connection that fails does.
func (pr *playRun) targetFor(ctx context.Context, spec connection.Spec, specErr error) (connection.Target, error) {
	if specErr != nil {
		return nil, &connection.UnreachableError{Host: spec.Host, Err: specErr}
	}
	return pr.opts.Connector.Target(ctx, spec)
}

// environment renders the play's, blocks' and task's environment.
func (pr *playRun) environment(e *effective, vars map[string]any) map[string]string {
	if len(e.environment) == 0 {
		return nil
	}
	env := map[string]string{}
	for _, m := range e.environment {
		for k, v := range m {
			rv, err := pr.renderValue(v, vars)
			if err == nil {
				env[k] = fmt.Sprint(rv)
			}
		}
	}
	return env
}

// envTarget adds the task's environment to every command.
type envTarget struct {
	connection.Target
	env map[string]string
}

// Reset forgets a failed dial of the underlying target, if it keeps one.
func (t envTarget) Reset() {
	if r, ok := t.Target.(interface{ Reset() }); ok {
		r.Reset()
	}
}

func (t envTarget) Run(ctx context.Context, c connection.Cmd) (connection.Output, error) {
	if len(t.env) > 0 {
		merged := map[string]string{}
		for k, v := range t.env {
			merged[k] = v
		}
		for k, v := range c.Env {
			merged[k] = v
		}
		c.Env = merged
	}
	return t.Target.Run(ctx, c)
}

// markUnknown records whether a registered value came from a task that
// could not predict in check mode.
func (pr *playRun) markUnknown(host, name string, unknown bool) {
	hs := pr.host(host)
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if unknown {
		hs.unknown[name] = true
	} else {
		delete(hs.unknown, name)
	}
}

// dependsOnUnknown returns the registered name, if any, that the task uses
// (in when, its arguments, loop, vars or result conditions) although the
// task that registered it could not predict in check mode. Such a task
// cannot predict either: evaluating it against a skipped result would be
// a guess, or an error that a real run would not have.
func (pr *playRun) dependsOnUnknown(e *effective, host string) string {
	hs := pr.host(host)
	pr.mu.Lock()
	names := make([]string, 0, len(hs.unknown))
	for n := range hs.unknown {
		names = append(names, n)
	}
	pr.mu.Unlock()
	if len(names) == 0 {
		return ""
	}
	sort.Strings(names)
	t := e.task
	var texts []string
	var collect func(v any)
	collect = func(v any) {
		switch x := v.(type) {
		case string:
			texts = append(texts, x)
		case []string:
			texts = append(texts, x...)
		case []any:
			for _, y := range x {
				collect(y)
			}
		case map[string]any:
			for _, y := range x {
				collect(y)
			}
		}
	}
	collect(e.when)
	collect(t.Args)
	collect(t.Loop)
	collect(t.Vars)
	collect(t.ChangedWhen)
	collect(t.FailedWhen)
	collect(t.Until)
	collect(t.LoopLabel)
	for _, n := range names {
		for _, text := range texts {
			if mentions(text, n) {
				return n
			}
		}
	}
	return ""
}

// mentions reports whether expression text uses the variable name.
func mentions(text, name string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], name)
		if j < 0 {
			return false
		}
		j += i
		before := j == 0 || !isIdentByte(text[j-1]) && text[j-1] != '.'
		end := j + len(name)
		after := end == len(text) || !isIdentByte(text[end])
		if before && after {
			return true
		}
		i = j + 1
	}
}

func isIdentByte(b byte) bool {
	return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

// cannotPredict is the result of a task that depends on a value check mode
// could not know.
func cannotPredict(hr HostResult, name string) HostResult {
	hr.Status = StatusSkipped
	hr.CheckSkip = true
	hr.Msg = fmt.Sprintf("cannot predict: uses %q, registered by a task that could not predict in check mode", name)
	hr.Result.Skipped = true
	hr.Result.SkipReason = hr.Msg
	return hr
}
