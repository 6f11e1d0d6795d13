package runner

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/haplay/haplay/engine/playbook"
)

// flushHandlers runs notified handlers in definition order, each once, on
// the hosts that notified it. A failed host runs none unless
// force_handlers is set.
func (pr *playRun) flushHandlers(ctx context.Context, among []string) error {
	for _, h := range pr.play.Handlers {
		var hosts []string
		for _, host := range among {
			hs := pr.host(host)
			if hs.unreachable.Load() || (hs.failed.Load() && !pr.play.ForceHandlers) {
				continue
			}
			pr.mu.Lock()
			hit := false
			for _, n := range handlerNames(h) {
				if hs.notified[n] {
					hit = true
				}
			}
			if hit {
				for _, n := range handlerNames(h) {
					delete(hs.notified, n)
				}
			}
			pr.mu.Unlock()
			if hit {
				hosts = append(hosts, host)
			}
		}
		if len(hosts) == 0 {
			continue
		}
		if pr.play.ForceHandlers {
			for _, host := range hosts {
				pr.host(host).failed.Store(false)
			}
		}
		if err := pr.runTask(ctx, h, hosts, &frame{}, true); err != nil {
			return err
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
			pr.finish(e, HostResult{Host: h, Task: e.task, Status: StatusSkipped, Msg: "Conditional result was False"})
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
			hs := pr.host(h)
			pr.mu.Lock()
			hs.facts = map[string]any{}
			pr.mu.Unlock()
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
// per host, and hosts that include the same file run it together.
func (pr *playRun) runInclude(ctx context.Context, t *playbook.Task, hosts []string, f *frame) error {
	e := pr.resolve(t, f)
	groups := map[string][]string{}
	var order []string
	for _, h := range pr.active(hosts) {
		vars, err := pr.taskVars(h, t, f)
		if err != nil {
			pr.finish(e, pr.failResult(HostResult{Host: h, Task: t}, err))
			continue
		}
		ok, err := pr.conditionsHold(e.when, vars)
		if err != nil {
			pr.finish(e, pr.failResult(HostResult{Host: h, Task: t}, err))
			continue
		}
		if !ok {
			continue
		}
		key := t.Include.File
		if t.Include.Kind == "tasks" && t.Include.Loaded == nil {
			key, err = pr.renderString(t.Include.File, vars)
			if err != nil {
				pr.finish(e, pr.failResult(HostResult{Host: h, Task: t}, err))
				continue
			}
		}
		if _, seen := groups[key]; !seen {
			order = append(order, key)
		}
		groups[key] = append(groups[key], h)
	}
	sort.SliceStable(order, func(i, j int) bool { return false })
	for _, key := range order {
		tasks := t.Include.Loaded
		if tasks == nil {
			if pr.opts.LoadTasks == nil {
				return fmt.Errorf("%s: include_tasks %s: no task loader", t.Pos, key)
			}
			loaded, err := pr.opts.LoadTasks(resolveInclude(key, t))
			if err != nil {
				for _, h := range groups[key] {
					pr.finish(e, pr.failResult(HostResult{Host: h, Task: t}, err))
				}
				continue
			}
			tasks = loaded
		}
		pr.opts.Reporter.HostResult(HostResult{Task: t, Status: "included", Msg: key, Host: strings.Join(groups[key], ", ")})
		if err := pr.runTasks(ctx, tasks, groups[key], f.push(t, t.Include.Params)); err != nil {
			return err
		}
	}
	return nil
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
