package runner

import (
	"context"
	"fmt"
	"strings"

	"github.com/haplay/haplay/engine/jinja"
	"github.com/haplay/haplay/engine/pyfmt"

	"github.com/haplay/haplay/engine/playbook"
)

// forceHandlers is the play's force_handlers, or --force-handlers when
// the play does not say: Ansible makes the flag the keyword's default.
func (pr *playRun) forceHandlers() bool {
	if pr.play.ForceHandlers != nil {
		return *pr.play.ForceHandlers
	}
	return pr.opts.ForceHandlers
}

// flushHandlers runs notified handlers in definition order, each once, on
// the hosts that notified it. A failed host runs none unless
// force_handlers is set.
func (pr *playRun) flushHandlers(ctx context.Context, among []string) error {
	// Take every host's notifications first: a handler that listens to
	// the same topic as another must still see it after the other ran.
	type pending struct{ sure, maybe map[string]bool }
	notes := map[string]pending{}
	for _, host := range among {
		hs := pr.host(host)
		pr.mu.Lock()
		notes[host] = pending{sure: hs.notified, maybe: hs.maybeNotified}
		hs.notified, hs.maybeNotified = map[string]bool{}, map[string]bool{}
		pr.mu.Unlock()
	}
	for _, h := range pr.play.Handlers {
		var hosts, maybe []string
		for _, host := range among {
			hs := pr.host(host)
			// Handlers may notify handlers defined after them.
			pr.mu.Lock()
			for n := range hs.notified {
				notes[host].sure[n] = true
			}
			for n := range hs.maybeNotified {
				notes[host].maybe[n] = true
			}
			hs.notified, hs.maybeNotified = map[string]bool{}, map[string]bool{}
			pr.mu.Unlock()
			if hs.unreachable.Load() || (hs.failed.Load() && !pr.forceHandlers()) {
				continue
			}
			sure, unsure := false, false
			for _, n := range handlerNames(h) {
				sure = sure || notes[host].sure[n]
				unsure = unsure || notes[host].maybe[n]
			}
			switch {
			case sure:
				hosts = append(hosts, host)
			case unsure:
				maybe = append(maybe, host)
			}
		}
		if len(hosts) == 0 && len(maybe) == 0 {
			continue
		}
		if pr.forceHandlers() {
			for _, host := range hosts {
				pr.host(host).failed.Store(false)
			}
		}
		if len(hosts) == 0 {
			// Only notified by tasks that could not predict: the plan says
			// so instead of guessing.
			pr.opts.Reporter.TaskStart(h, true)
		} else if err := pr.runTask(ctx, h, hosts, &frame{}, true); err != nil {
			return err
		}
		e := pr.resolve(h, &frame{})
		for _, host := range maybe {
			pr.finish(e, HostResult{Host: host, Task: h, Status: StatusSkipped, CheckSkip: true,
				Msg: "cannot predict: notified by a task that could not predict in check mode"})
		}
	}
	return nil
}

// handlerNames are the names a notify can use for h.
func handlerNames(h *playbook.Task) []string {
	names := append([]string{}, h.Listen...)
	if h.Name != "" {
		names = append(names, h.Name)
		if h.Role != nil {
			names = append(names, h.Role.Name+" : "+h.Name)
		}
	}
	return names
}

// runMeta handles meta: flush_handlers, end_play, end_host, end_batch,
// clear_facts, clear_host_errors, noop.
func (pr *playRun) runMeta(ctx context.Context, e *effective, hosts []string, f *frame) error {
	action := strings.TrimSpace(fmt.Sprint(e.task.Args["free_form"]))
	// The conditions of a meta task decide on which hosts it acts.
	var matched []string
	for _, h := range hosts {
		vars, err := pr.taskVars(h, e.task, f)
		if err != nil {
			return err
		}
		ok, err := pr.conditionsHold(e.when, vars)
		if err != nil {
			pr.finish(e, pr.failResult(HostResult{Host: h, Task: e.task}, err))
			continue
		}
		if ok {
			matched = append(matched, h)
		} else {
			// Reported, but, as in Ansible, not counted in the recap.
			pr.opts.Reporter.HostResult(HostResult{Host: h, Task: e.task, Status: StatusSkipped, Msg: "Conditional result was False"})
		}
	}
	if len(matched) == 0 {
		return nil
	}
	switch action {
	case "flush_handlers":
		return pr.flushHandlers(ctx, hosts)
	case "end_play":
		pr.endPlay.Store(true)
	case "end_batch":
		for _, h := range pr.batch {
			pr.host(h).ended.Store(true)
		}
	case "end_host":
		for _, h := range matched {
			pr.host(h).ended.Store(true)
		}
	case "clear_facts":
		for _, h := range matched {
			pr.forgetFacts(h)
		}
	case "clear_host_errors":
		for _, h := range pr.playHosts {
			pr.host(h).failed.Store(false)
		}
	case "noop", "refresh_inventory", "reset_connection":
	default:
		return fmt.Errorf("%s: unknown meta action %q", e.task.Pos, action)
	}
	return nil
}

// runInclude runs include_tasks / include_role: the file name is rendered
// per host (and per loop item), and hosts that include the same file with
// the same item run it together, as Ansible does. Hosts whose condition is
// false are reported as skipped; each inclusion counts as ok in the recap.
func (pr *playRun) runInclude(ctx context.Context, t *playbook.Task, hosts []string, f *frame) error {
	e := pr.resolve(t, f)
	if !pr.selected(e) {
		return nil
	}
	active := pr.active(hosts)
	if len(active) == 0 {
		return nil
	}
	pr.opts.Reporter.TaskStart(t, false)
	pr.hv = &hostvarsCache{}
	gs := &includeGroups{byKey: map[string]*includeGroup{}}
	for _, h := range active {
		pr.includeHost(e, t, f, h, gs)
	}
	// The included tasks inherit the include's vars and connection
	// keywords, but not its condition or tags: those decided the include.
	wrapper := *t
	wrapper.When, wrapper.Tags = nil, nil
	for _, key := range gs.order {
		g := gs.byKey[key]
		tasks := t.Include.Loaded
		if tasks == nil {
			if pr.opts.LoadTasks == nil {
				return fmt.Errorf("%s: include_tasks %s: no task loader", t.Pos, g.file)
			}
			loaded, err := pr.opts.LoadTasks(resolveInclude(g.file, t))
			if err != nil {
				for _, h := range g.hosts {
					pr.finish(e, pr.failResult(HostResult{Host: h, Task: t}, err))
				}
				continue
			}
			if t.Role != nil && t.Include.Kind == "tasks" {
				// A role's include_tasks of a templated file: its tasks are
				// the role's (their banner, search path and vars), as in Ansible.
				loaded = playbook.InRole(loaded, t.Role)
			}
			tasks = loaded
		}
		what := g.file
		if t.Include.Kind == "role" {
			what = t.Include.Role
		}
		pr.opts.Reporter.HostResult(HostResult{Task: t, Status: "included", Msg: what, Host: strings.Join(g.hosts, ", ")})
		inner := f.push(&wrapper, g.params)
		if t.Include.Apply != nil {
			inner = inner.push(t.Include.Apply, nil) // apply: as a block around the included tasks
		}
		if err := pr.runTasks(ctx, tasks, g.hosts, inner); err != nil {
			return err
		}
	}
	return nil
}

// includeGroup is the hosts that include one file with one loop item.
type includeGroup struct {
	file   string
	params map[string]any
	hosts  []string
}

// includeGroups holds the groups by file and item, in the order first seen.
type includeGroups struct {
	byKey map[string]*includeGroup
	order []string
}

func (gs *includeGroups) add(h, file string, params map[string]any, itemKey string) {
	key := file + "\x00" + itemKey
	g, ok := gs.byKey[key]
	if !ok {
		g = &includeGroup{file: file, params: params}
		gs.byKey[key] = g
		gs.order = append(gs.order, key)
	}
	g.hosts = append(g.hosts, h)
}

// includeHost decides, per loop item, whether and which file host h
// includes, and adds it to its group; a host that includes nothing is
// reported skipped.
func (pr *playRun) includeHost(e *effective, t *playbook.Task, f *frame, h string, gs *includeGroups) {
	hr := HostResult{Host: h, Task: t}
	vars, err := pr.taskVars(h, t, f)
	if err != nil {
		pr.finish(e, pr.failResult(hr, err))
		return
	}
	if name := pr.dependsOnUnknown(e, h); name != "" {
		pr.finish(e, cannotPredict(hr, name))
		return
	}
	items := []any{nil}
	if t.LoopKeyword != "" {
		items, err = pr.loopItems(t, vars)
		if err != nil {
			pr.finish(e, pr.loopError(e, vars, hr, err))
			return
		}
	}
	ran := false
	for i, item := range items {
		iv, params, itemKey := includeItemVars(t, vars, i, item)
		ok, err := pr.conditionsHold(e.when, iv)
		if err != nil {
			pr.finish(e, pr.failResult(hr, err))
			break
		}
		if !ok {
			continue
		}
		file := t.Include.File
		if t.Include.Kind == "tasks" && t.Include.Loaded == nil {
			file, err = pr.renderString(t.Include.File, iv)
			if err != nil {
				pr.finish(e, pr.failResult(hr, err))
				break
			}
		}
		ran = true
		gs.add(h, file, params, itemKey)
		if t.Include.Kind == "tasks" {
			// Ansible counts each include_tasks as ok (not include_role).
			pr.stats(h, func(s *Stats) { s.OK++ })
		}
	}
	if !ran && !pr.host(h).failed.Load() {
		hr.Status = StatusSkipped
		hr.Msg = "Conditional result was False"
		pr.finish(e, hr)
	}
}

// includeItemVars gives, for loop item i, the vars to decide with, the
// include's params and the item's part of the group key (without a loop:
// the vars and params as they are, and no key).
func includeItemVars(t *playbook.Task, vars map[string]any, i int, item any) (iv, params map[string]any, itemKey string) {
	if t.LoopKeyword == "" {
		return vars, t.Include.Params, ""
	}
	loopVar := t.LoopVar
	if loopVar == "" {
		loopVar = "item"
	}
	iv = copyVars(vars)
	iv[loopVar] = item
	params = copyVars(t.Include.Params)
	params[loopVar] = item
	if t.IndexVar != "" {
		iv[t.IndexVar] = i
		params[t.IndexVar] = i
	}
	plain, _ := jinja.Unwrap(item)
	return iv, params, fmt.Sprintf("%d:%s", i, pyfmt.Str(plain))
}

func resolveInclude(file string, t *playbook.Task) string {
	if strings.HasPrefix(file, "/") {
		return file
	}
	if t.Role != nil {
		return t.Role.Path + "/tasks/" + file
	}
	return t.FileDir + "/" + file
}
