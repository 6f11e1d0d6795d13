package system

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules/internal/hostscript"
)

// Systemd manages systemd units with systemctl (ansible.builtin.systemd,
// also registered as systemd_service).
type Systemd struct{}

var _ module.Module = Systemd{}

func (Systemd) Name() string { return "systemd" }

// SystemdService is ansible.builtin.systemd_service, the newer name of
// the systemd module.
type SystemdService struct{ Systemd }

func (SystemdService) Name() string { return "systemd_service" }

func (Systemd) Spec() module.Spec {
	return module.Spec{
		Short: "Manage systemd units",
		Description: "Starts, stops, restarts and reloads units, enables and masks them, and runs " +
			"daemon-reload. The unit's state is read with one command (systemctl show and " +
			"is-enabled); only what differs is changed. restarted and reloaded always change. " +
			"In check mode nothing runs but the read, and the result says what would.",
		Args: append(serviceCommonArgs(),
			module.Arg{Name: "masked", Type: module.TypeBool, Doc: "mask (true) or unmask (false) the unit"},
			module.Arg{Name: "daemon_reload", Type: module.TypeBool, Aliases: []string{"daemon-reload"}, Doc: "run systemctl daemon-reload first (not in check mode)"},
			module.Arg{Name: "daemon_reexec", Type: module.TypeBool, Aliases: []string{"daemon-reexec"}, Doc: "run systemctl daemon-reexec first (not in check mode)"},
			module.Arg{Name: "scope", Type: module.TypeStr, Default: "system", Choices: []string{"system", "user", "global"}, Doc: "the systemd manager to talk to"},
			module.Arg{Name: "no_block", Type: module.TypeBool, Doc: "do not wait for start/stop jobs to finish"},
			module.Arg{Name: "force", Type: module.TypeBool, Doc: "override existing symlinks when enabling"},
		),
		RequiredOneOf: [][]string{{"name", "daemon_reload", "daemon_reexec"}},
		Examples: `- name: Start firewalld and enable it at boot (seed 002)
  ansible.builtin.systemd:
    name: firewalld
    state: started
    enabled: true

- name: Restart docker after changing daemon.json (seed 002)
  systemd:
    name: docker
    state: restarted
    daemon_reload: true`,
	}
}

var _ module.Module = SystemdService{}

func serviceCommonArgs() []module.Arg {
	return []module.Arg{
		{Name: "name", Type: module.TypeStr, Aliases: []string{"service", "unit"}, Doc: "the service (unit) name"},
		{Name: "state", Type: module.TypeStr, Choices: []string{"reloaded", "restarted", "started", "stopped"},
			Doc: "started and stopped change only when needed; restarted and reloaded always act"},
		{Name: "enabled", Type: module.TypeBool, Doc: "start the service at boot"},
	}
}

// unitKey names a unit in the overlay: its scope and its full name, so
// "web" and "web.service" are one unit.
func unitKey(scopeFlag, name string) string {
	if !strings.Contains(name, ".") {
		name += ".service"
	}
	return strings.TrimSpace(scopeFlag) + " " + name
}

// predictedUnit is the check run's prediction for the unit, if any.
func predictedUnit(c *module.Call, scopeFlag, name string) (module.UnitState, bool) {
	p, ok := c.Host.(module.UnitPredictor)
	if !ok || !c.Check {
		return module.UnitState{}, false
	}
	return p.PredictedUnit(unitKey(scopeFlag, name))
}

// cannotPredictUnit is the check-mode result for a unit an earlier task
// left unknown.
func cannotPredictUnit(name string) module.Result {
	return module.Result{Skipped: true, SkipReason: "cannot predict: an earlier task unmasks " + name + ", whose state under the mask is unknown until it runs"}
}

// predictAfter is u after actions (systemctl verbs, in order).
func predictAfter(u module.UnitState, actions []string) module.UnitState {
	next := module.UnitState{Props: map[string]string{}, EnabledOut: u.EnabledOut, EnabledRC: u.EnabledRC, PreMask: u.PreMask}
	for k, v := range u.Props {
		next.Props[k] = v
	}
	for _, v := range actions {
		switch v {
		case "mask":
			pre := next
			pre.PreMask = nil
			pre.Props = map[string]string{}
			for k, v := range next.Props {
				pre.Props[k] = v
			}
			next.PreMask = &pre
			next.Props["LoadState"], next.Props["UnitFileState"] = "masked", "masked"
			next.EnabledOut, next.EnabledRC = "masked", 1
		case "unmask":
			if next.PreMask == nil {
				return module.UnitState{Unknown: true}
			}
			// The unit file's state comes back; the run state is as
			// the mask left it (masking does not stop a unit).
			pre, cur := next.PreMask, next.Props
			next = module.UnitState{Props: map[string]string{}, EnabledOut: pre.EnabledOut, EnabledRC: pre.EnabledRC}
			for k, v := range pre.Props {
				next.Props[k] = v
			}
			for _, k := range []string{"ActiveState", "SubState", "MainPID"} {
				if v, ok := cur[k]; ok {
					next.Props[k] = v
				}
			}
		case "enable":
			next.Props["UnitFileState"], next.EnabledOut, next.EnabledRC = "enabled", "enabled", 0
		case "disable":
			next.Props["UnitFileState"], next.EnabledOut, next.EnabledRC = "disabled", "disabled", 1
		case "start", "restart", "reload":
			next.Props["ActiveState"] = "active"
			if next.Props["SubState"] != "exited" {
				next.Props["SubState"] = "running"
			}
		case "stop":
			next.Props["ActiveState"], next.Props["SubState"], next.Props["MainPID"] = "inactive", "dead", "0"
		}
	}
	return next
}

// systemdReadScript prints systemctl show and is-enabled for name.
func systemdReadScript(name, scopeFlag string) string {
	q := hostcmd.Quote(name)
	return hostscript.Mark("show") + "\nsystemctl " + scopeFlag + "show --no-pager -p Id,LoadState,ActiveState,SubState,UnitFileState,MainPID,Description " + q +
		"\nrc=$?\n" + hostscript.Mark("show_rc") + "\necho $rc\n" + hostscript.Mark("enabled") + "\nsystemctl " + scopeFlag + "is-enabled " + q + " 2>&1\nrc=$?\n" + hostscript.Mark("enabled_rc") + "\necho $rc\n"
}

func parseUnitState(sec map[string]string) (module.UnitState, error) {
	if rc := strings.TrimSpace(sec["show_rc"]); rc != "0" {
		return module.UnitState{}, fmt.Errorf("systemctl show exited %s: %s", rc, strings.TrimSpace(sec["show"]))
	}
	u := module.UnitState{Props: parseShow(sec["show"]), EnabledOut: strings.TrimSpace(sec["enabled"])}
	u.EnabledRC, _ = strconv.Atoi(strings.TrimSpace(sec["enabled_rc"]))
	return u, nil
}

// parseShow reads systemctl show's KEY=VALUE lines.
func parseShow(s string) map[string]string {
	out := map[string]string{}
	for _, ln := range strings.Split(s, "\n") {
		if k, v, ok := strings.Cut(ln, "="); ok && k != "" {
			out[k] = v
		}
	}
	return out
}

func (Systemd) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	a := c.Args
	scopeFlag := ""
	if s := a.String("scope"); s != "" && s != "system" {
		scopeFlag = "--" + s + " "
	}
	var pre strings.Builder
	if !c.Check {
		// Ansible reloads before reading, so the read sees changed units.
		for _, k := range []string{"daemon_reexec", "daemon_reload"} {
			if a.Bool(k) {
				verb := strings.ReplaceAll(k, "_", "-")
				fmt.Fprintf(&pre, "systemctl %s%s || { rc=$?; %s; echo %s $rc; exit 0; }\n", scopeFlag, verb, hostscript.Mark("prefail"), verb)
			}
		}
	}
	name := a.String("name")
	r := module.Result{}
	if name == "" {
		if pre.Len() == 0 {
			return r, nil
		}
		out, err := hostscript.Run(ctx, c, pre.String(), nil)
		if err != nil {
			return module.Result{}, err
		}
		if f := strings.TrimSpace(hostscript.Sections(out.Stdout)["prefail"]); f != "" {
			return systemdPreFail(c, f, out), nil
		}
		return r, nil
	}
	if u, ok := predictedUnit(c, scopeFlag, name); ok {
		if u.Unknown {
			return cannotPredictUnit(name), nil
		}
		return systemdApply(ctx, c, name, scopeFlag, u, true)
	}
	out, err := hostscript.Run(ctx, c, pre.String()+systemdReadScript(name, scopeFlag), nil)
	if err != nil {
		return module.Result{}, fmt.Errorf("read unit %s: %w", name, err)
	}
	sec := hostscript.Sections(out.Stdout)
	if f := strings.TrimSpace(sec["prefail"]); f != "" {
		return systemdPreFail(c, f, out), nil
	}
	u, err := parseUnitState(sec)
	if err != nil {
		return module.Result{Failed: true, Msg: fmt.Sprintf("%s: %v", c.Host.Name(), err)}, nil
	}
	return systemdApply(ctx, c, name, scopeFlag, u, true)
}

func systemdPreFail(c *module.Call, f string, out hostcmd.Output) module.Result {
	verb, rc, _ := strings.Cut(f, " ")
	code, _ := strconv.Atoi(rc)
	return hostscript.Failed(c, "systemctl "+verb, hostcmd.Output{ExitCode: code, Stderr: out.Stderr})
}

// planSystemd decides which systemctl verbs bring u to what the task asks,
// in order: mask/unmask, enable/disable, then the run state.
func planSystemd(a module.Args, u module.UnitState, withMask bool) (actions []string, before, after [][2]string) {
	if withMask && a.Has("masked") {
		want, have := a.Bool("masked"), u.Masked()
		before = append(before, [2]string{"masked", strconv.FormatBool(have)})
		after = append(after, [2]string{"masked", strconv.FormatBool(want)})
		if want != have {
			actions = append(actions, map[bool]string{true: "mask", false: "unmask"}[want])
		}
	}
	if a.Has("enabled") {
		want, have := a.Bool("enabled"), u.Enabled()
		before = append(before, [2]string{"enabled", strconv.FormatBool(have)})
		after = append(after, [2]string{"enabled", strconv.FormatBool(want)})
		if want != have {
			actions = append(actions, map[bool]string{true: "enable", false: "disable"}[want])
		}
	}
	if st := a.String("state"); st != "" {
		cur := u.Props["ActiveState"]
		next := cur
		switch st {
		case "started":
			if !u.Running() {
				actions = append(actions, "start")
				next = "active"
			}
		case "stopped":
			if u.Running() || cur == "deactivating" {
				actions = append(actions, "stop")
				next = "inactive"
			}
		case "restarted":
			actions = append(actions, "restart")
			next = "active (restarted)"
		case "reloaded":
			if u.Running() {
				actions = append(actions, "reload")
				next = "active (reloaded)"
			} else {
				actions = append(actions, "start")
				next = "active"
			}
		}
		before = append(before, [2]string{"state", cur})
		after = append(after, [2]string{"state", next})
	}
	return actions, before, after
}

// systemdApply acts on a read unit state; shared by systemd and service.
func systemdApply(ctx context.Context, c *module.Call, name, scopeFlag string, u module.UnitState, withMask bool) (module.Result, error) {
	a := c.Args
	r := module.Result{}
	r.Set("name", name)
	if !u.Found() && (a.Has("state") || a.Has("enabled") || (a.Has("masked") && !a.Bool("masked"))) {
		// Masking a unit that does not exist is allowed, as in systemd.
		return module.Result{Failed: true, Msg: fmt.Sprintf("%s: Could not find the requested service %s: systemctl show reports LoadState=%s", c.Host.Name(), name, u.Props["LoadState"])}, nil
	}
	actions, before, after := planSystemd(a, u, withMask)
	status := map[string]any{}
	keys := make([]string, 0, len(u.Props))
	for k := range u.Props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		status[k] = u.Props[k]
	}
	r.Set("status", status)
	if a.Has("state") {
		r.Set("state", a.String("state"))
	}
	if a.Has("enabled") {
		r.Set("enabled", a.Bool("enabled"))
	}
	if len(actions) == 0 {
		return r, nil
	}
	r.Changed = true
	if c.Diff {
		r.Diffs = []module.Diff{{BeforeHeader: name + " (before)", AfterHeader: name + " (after)", Before: hostscript.TextLines(before), After: hostscript.TextLines(after)}}
	}
	if c.Check {
		r.Msg = "would run: systemctl " + strings.Join(actions, ", ")
		if p, ok := c.Host.(module.UnitPredictor); ok {
			p.RecordUnit(unitKey(scopeFlag, name), predictAfter(u, actions))
		}
		return r, nil
	}
	for _, v := range actions {
		argv := []string{"systemctl"}
		if scopeFlag != "" {
			argv = append(argv, strings.TrimSpace(scopeFlag))
		}
		if a.Bool("no_block") && (v == "start" || v == "stop" || v == "restart" || v == "reload") {
			argv = append(argv, "--no-block")
		}
		if a.Bool("force") && v == "enable" {
			argv = append(argv, "--force")
		}
		argv = append(argv, v, name)
		out, err := c.Host.Run(ctx, hostcmd.Cmd{Argv: argv, Become: c.Become})
		if err != nil {
			return module.Result{}, fmt.Errorf("%s: %w", strings.Join(argv, " "), err)
		}
		if out.ExitCode != 0 {
			f := hostscript.Failed(c, strings.Join(argv, " "), out)
			f.Values["name"] = name
			return f, nil
		}
	}
	return r, nil
}
