package system

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules/internal/hostscript"
)

// Service manages services with whatever init the host runs
// (ansible.builtin.service): systemctl where systemd runs, else the SysV
// init script through service(8) and update-rc.d.
type Service struct{}

var _ module.Module = Service{}

func (Service) Name() string { return "service" }

func (Service) Spec() module.Spec {
	return module.Spec{
		Short: "Manage services (systemd or SysV init scripts)",
		Description: "Detects systemd (/run/systemd/system exists and systemctl runs) and reads the " +
			"service's state in the same command. With systemd it behaves as the systemd module; " +
			"otherwise it runs /etc/init.d/NAME through service(8), reads the running state from " +
			"the script's status (or pattern, with pgrep -f) and the boot state from the " +
			"/etc/rcN.d links, changed with update-rc.d.",
		Args: append(serviceCommonArgs(),
			module.Arg{Name: "pattern", Type: module.TypeStr, Doc: "SysV: the service is running when pgrep -f finds this pattern (for scripts without status)"},
			module.Arg{Name: "arguments", Type: module.TypeStr, Aliases: []string{"args"}, Doc: "extra arguments for the init script"},
			module.Arg{Name: "sleep", Type: module.TypeInt, Doc: "SysV: seconds between stop and start when restarting"},
			module.Arg{Name: "runlevel", Type: module.TypeStr, Doc: "accepted for compatibility; update-rc.d's defaults apply"},
			module.Arg{Name: "use", Type: module.TypeStr, Default: "auto", Doc: "auto, systemd or sysvinit"},
		),
		RequiredOneOf: [][]string{{"name"}},
		Examples: `- name: Restart docker (seed 002)
  ansible.builtin.service:
    name: docker
    state: restarted

- name: Keep haproxy running and enabled
  service:
    name: haproxy
    state: started
    enabled: true`,
	}
}

func (Service) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	a := c.Args
	name := a.String("name")
	q := hostcmd.Quote(name)
	use := a.String("use")
	// A unit an earlier task of this check run changed is systemd's.
	if u, ok := predictedUnit(c, "", name); ok && use != "sysvinit" && use != "sysv" && use != "service" {
		if u.Unknown {
			return cannotPredictUnit(name), nil
		}
		return systemdApply(ctx, c, name, "", u, false)
	}
	detect := `if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then`
	switch use {
	case "systemd":
		detect = "if true; then"
	case "sysvinit", "sysv", "service":
		detect = "if false; then"
	}
	script := detect + "\n" + hostscript.Mark("init") + "\necho systemd\n" + systemdReadScript(name, "") + "else\n" + hostscript.Mark("init") + "\necho sysv\n" +
		"s=/etc/init.d/" + q + "\nif [ -x \"$s\" ]; then\n" + hostscript.Mark("status") + "\n\"$s\" status >/dev/null 2>&1; echo $?\n"
	if p := a.String("pattern"); p != "" {
		script += hostscript.Mark("pattern") + "\npgrep -f -- " + hostcmd.Quote(p) + " >/dev/null 2>&1 && echo yes || echo no\n"
	}
	script += hostscript.Mark("links") + "\nls /etc/rc[0-6S].d/ 2>/dev/null | grep -E '^[SK][0-9][0-9]'" + hostcmd.Quote(regexpQuote(name)) + "'$' || true\nfi\nfi\n"
	out, err := hostscript.Run(ctx, c, script, nil)
	if err != nil {
		return module.Result{}, fmt.Errorf("read service %s: %w", name, err)
	}
	sec := hostscript.Sections(out.Stdout)
	if strings.TrimSpace(sec["init"]) == "systemd" {
		u, err := parseUnitState(sec)
		if err != nil {
			return module.Result{Failed: true, Msg: fmt.Sprintf("%s: %v", c.Host.Name(), err)}, nil
		}
		return systemdApply(ctx, c, name, "", u, false)
	}
	if _, ok := sec["status"]; !ok {
		return module.Result{Failed: true, Msg: fmt.Sprintf("%s: Could not find the requested service %s: no systemd and no /etc/init.d/%s", c.Host.Name(), name, name)}, nil
	}
	st := sysvState{StatusRC: -1, Links: strings.Fields(sec["links"])}
	st.StatusRC, _ = strconv.Atoi(strings.TrimSpace(sec["status"]))
	if p, ok := sec["pattern"]; ok {
		st.Pattern = strings.TrimSpace(p)
	}
	return sysvApply(ctx, c, name, st)
}

// regexpQuote escapes ERE metacharacters for grep -E.
func regexpQuote(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`.[]{}()\*+?^$|`, r) {
			b.WriteRune('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// sysvState is what one read learns about an init-script service.
type sysvState struct {
	StatusRC int      // exit code of "/etc/init.d/NAME status" (LSB: 0 running, 3 stopped)
	Pattern  string   // "yes"/"no" from pgrep -f when pattern is set
	Links    []string // /etc/rcN.d entries for the service (S01name, K01name)
}

func (s sysvState) running() bool {
	if s.Pattern != "" {
		return s.Pattern == "yes"
	}
	return s.StatusRC == 0
}

// enabled: a start link in a multi-user runlevel (2-5), as update-rc.d
// makes them.
func (s sysvState) enabled() bool {
	for _, l := range s.Links {
		if strings.HasPrefix(l, "S") {
			return true
		}
	}
	return false
}

// planSysv returns the commands (as argv-ish descriptions) that bring the
// service where the task asks.
func planSysv(a module.Args, name string, s sysvState) (cmds [][]string, before, after [][2]string) {
	if a.Has("enabled") {
		want, have := a.Bool("enabled"), s.enabled()
		before = append(before, [2]string{"enabled", strconv.FormatBool(have)})
		after = append(after, [2]string{"enabled", strconv.FormatBool(want)})
		switch {
		case want && !have && len(s.Links) == 0:
			cmds = append(cmds, []string{"update-rc.d", name, "defaults"})
		case want && !have:
			cmds = append(cmds, []string{"update-rc.d", name, "enable"})
		case !want && have:
			cmds = append(cmds, []string{"update-rc.d", name, "disable"})
		}
	}
	if st := a.String("state"); st != "" {
		cur := map[bool]string{true: "running", false: "stopped"}[s.running()]
		next := cur
		switch {
		case st == "started" && !s.running():
			cmds, next = append(cmds, []string{"service", name, "start"}), "running"
		case st == "stopped" && s.running():
			cmds, next = append(cmds, []string{"service", name, "stop"}), "stopped"
		case st == "restarted":
			if a.Int("sleep") > 0 {
				cmds = append(cmds, []string{"service", name, "stop"}, []string{"sleep", strconv.Itoa(a.Int("sleep"))}, []string{"service", name, "start"})
			} else {
				cmds = append(cmds, []string{"service", name, "restart"})
			}
			next = "running (restarted)"
		case st == "reloaded" && s.running():
			cmds, next = append(cmds, []string{"service", name, "reload"}), "running (reloaded)"
		case st == "reloaded":
			cmds, next = append(cmds, []string{"service", name, "start"}), "running"
		}
		before = append(before, [2]string{"state", cur})
		after = append(after, [2]string{"state", next})
	}
	return cmds, before, after
}

func sysvApply(ctx context.Context, c *module.Call, name string, s sysvState) (module.Result, error) {
	a := c.Args
	r := module.Result{}
	r.Set("name", name)
	if a.Has("state") {
		r.Set("state", a.String("state"))
	}
	if a.Has("enabled") {
		r.Set("enabled", a.Bool("enabled"))
	}
	cmds, before, after := planSysv(a, name, s)
	if len(cmds) == 0 {
		return r, nil
	}
	r.Changed = true
	if c.Diff {
		r.Diffs = []module.Diff{{BeforeHeader: name + " (before)", AfterHeader: name + " (after)", Before: hostscript.TextLines(before), After: hostscript.TextLines(after)}}
	}
	if c.Check {
		var ds []string
		for _, cm := range cmds {
			ds = append(ds, strings.Join(cm, " "))
		}
		r.Msg = "would run: " + strings.Join(ds, "; ")
		return r, nil
	}
	// arguments is a command-line fragment for the init script, as in
	// Ansible: it is passed to the shell as written.
	extra := a.String("arguments")
	for _, cm := range cmds {
		script := hostscript.QuoteAll(cm)
		if cm[0] == "service" {
			// service(8) is missing on minimal hosts; the init script is
			// what it runs anyway.
			verb := hostscript.QuoteAll(cm[2:])
			script = "if command -v service >/dev/null 2>&1; then service " + hostcmd.Quote(name) + " " + verb + " " + extra +
				"; else /etc/init.d/" + hostcmd.Quote(name) + " " + verb + " " + extra + "; fi"
		}
		out, err := hostscript.Run(ctx, c, script, nil)
		if err != nil {
			return module.Result{}, fmt.Errorf("%s: %w", strings.Join(cm, " "), err)
		}
		if out.ExitCode != 0 {
			f := hostscript.Failed(c, strings.Join(cm, " "), out)
			f.Values["name"] = name
			return f, nil
		}
	}
	return r, nil
}
