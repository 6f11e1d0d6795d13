package network

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules/internal/hostscript"
)

// HAProxy enables, disables and drains servers through HAProxy's runtime
// API (community.general.haproxy).
type HAProxy struct{}

var _ module.Module = HAProxy{}

func (HAProxy) Name() string { return "haproxy" }

func (HAProxy) Spec() module.Spec {
	return module.Spec{
		Short: "Enable, disable or drain a server in HAProxy through the stats socket",
		Description: "Talks to HAProxy's stats socket (which needs `level admin`) on the host with socat, or " +
			"nc -U when socat is missing. It reads every server's administrative state and weight with " +
			"`show servers state` and sends `set server BACKEND/HOST state ready|drain|maint` and " +
			"`set weight` only where they differ, so it reports changed only when something changed. Without " +
			"backend it acts on every backend that has a server named host. Check mode reads the state and " +
			"predicts. The configuration is not touched: the change lasts until HAProxy restarts (a reload " +
			"with a server-state-file keeps it).",
		Args: []module.Arg{
			{Name: "host", Type: module.TypeStr, Required: true, Doc: "the server's name in the backend"},
			{Name: "backend", Type: module.TypeStr, Doc: "the backend (default: every backend with a server named host)"},
			{Name: "state", Type: module.TypeStr, Required: true, Choices: []string{"enabled", "disabled", "drain"}, Doc: "enabled: ready for traffic; disabled: maintenance; drain: no new connections, existing ones finish"},
			{Name: "socket", Type: module.TypePath, Default: "/var/run/haproxy.sock", Doc: "the stats socket (stats socket PATH level admin)"},
			{Name: "weight", Type: module.TypeStr, Doc: "weight to set, absolute (10) or relative to the configured weight (50%)"},
			{Name: "shutdown_sessions", Type: module.TypeBool, Default: false, Doc: "with state=disabled, close the server's open sessions"},
			{Name: "fail_on_not_found", Type: module.TypeBool, Default: false, Doc: "fail when the server (or backend) does not exist"},
			{Name: "wait", Type: module.TypeBool, Default: false, Doc: "wait until the server reports UP (enabled), MAINT (disabled) or DRAIN (drain)"},
			{Name: "wait_retries", Type: module.TypeInt, Default: 25, Doc: "how many times to check the status when waiting"},
			{Name: "wait_interval", Type: module.TypeInt, Default: 5, Doc: "seconds between checks when waiting"},
			{Name: "drain", Type: module.TypeBool, Default: false, Doc: "with state=disabled, drain first and wait until the server has no sessions (at most wait_retries*wait_interval), then disable"},
			{Name: "agent", Type: module.TypeBool, Default: false, Doc: "also enable/disable the agent check"},
			{Name: "health", Type: module.TypeBool, Default: false, Doc: "also enable/disable the health check"},
		},
		Examples: `# Seed 000: take one ELMA365 node out of the web farm while it is updated
# (elma365ctl update-hamode restarts the node), then put it back.
- name: Drain the node in HAProxy
  community.general.haproxy:
    state: drain
    host: "{{ inventory_hostname }}"
    backend: elma365_web
    socket: /var/run/haproxy.sock
  delegate_to: haproxy-server

- name: Back into the farm once healthy
  community.general.haproxy:
    state: enabled
    host: "{{ inventory_hostname }}"
    backend: elma365_web
    wait: true
    wait_interval: 2
  delegate_to: haproxy-server`,
	}
}

// haproxyServerState is one server line of `show servers state`.
type haproxyServerState struct {
	Backend, Server string
	Admin           int // srv_admin_state bits
	UWeight         int
	IWeight         int
}

// Administrative state bits (srv_admin_state): forced maintenance and
// forced drain are the ones the CLI sets; the others come from tracking,
// DNS resolution or the configuration.
const (
	haproxyAdmFMaint = 0x01
	haproxyAdmFDrain = 0x08
)

func (s haproxyServerState) state() string {
	switch {
	case s.Admin&haproxyAdmFMaint != 0:
		return "disabled"
	case s.Admin&haproxyAdmFDrain != 0:
		return "drain"
	}
	return "enabled"
}

// parseServersState reads `show servers state` (format version 1).
func parseServersState(out string) ([]haproxyServerState, error) {
	var res []haproxyServerState
	for _, l := range strings.Split(out, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		f := strings.Fields(l)
		if len(f) == 1 {
			if f[0] != "1" {
				return nil, fmt.Errorf("unsupported servers state format version %q", f[0])
			}
			continue
		}
		if len(f) < 9 {
			return nil, fmt.Errorf("unexpected servers state line %q", l)
		}
		adm, err1 := strconv.Atoi(f[6])
		uw, err2 := strconv.Atoi(f[7])
		iw, err3 := strconv.Atoi(f[8])
		if err1 != nil || err2 != nil || err3 != nil {
			return nil, fmt.Errorf("unexpected servers state line %q", l)
		}
		res = append(res, haproxyServerState{Backend: f[1], Server: f[3], Admin: adm, UWeight: uw, IWeight: iw})
	}
	return res, nil
}

// haproxyStat is the part of `show stat` the module reports and waits on.
type haproxyStat struct {
	Status string
	Scur   int
}

func parseShowStat(out string) (map[string]haproxyStat, error) {
	res := map[string]haproxyStat{}
	var cols map[string]int
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "# ") {
			cols = map[string]int{}
			for i, c := range strings.Split(strings.TrimPrefix(l, "# "), ",") {
				cols[c] = i
			}
			continue
		}
		if l == "" || cols == nil {
			continue
		}
		f := strings.Split(l, ",")
		get := func(c string) string {
			if i, ok := cols[c]; ok && i < len(f) {
				return f[i]
			}
			return ""
		}
		scur, _ := strconv.Atoi(get("scur"))
		res[get("pxname")+"/"+get("svname")] = haproxyStat{Status: get("status"), Scur: scur}
	}
	if cols == nil {
		return nil, fmt.Errorf("no header in show stat output %q", out)
	}
	return res, nil
}

// desiredWeight resolves "10" or "50%" against the configured weight the
// way HAProxy does (integer percentage of the initial weight).
func desiredWeight(w string, iweight int) (int, error) {
	w = strings.TrimSpace(w)
	if p, ok := strings.CutSuffix(w, "%"); ok {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("weight %q: not a percentage", w)
		}
		return iweight * n / 100, nil
	}
	n, err := strconv.Atoi(w)
	if err != nil || n < 0 || n > 256 {
		return 0, fmt.Errorf("weight %q: want 0..256 or N%%", w)
	}
	return n, nil
}

// haproxyCLI sends commands (joined by ";", one connection) to the socket
// and returns each command's answer.
func haproxyCLI(ctx context.Context, c *module.Call, sock string, cmds ...string) ([]string, error) {
	script := "s=" + hostcmd.Quote(sock) + "\nc=" + hostcmd.Quote(strings.Join(cmds, "; ")) + `
[ -S "$s" ] || { echo "$s is not a socket (is HAProxy running with 'stats socket $s level admin'?)" >&2; exit 2; }
if command -v socat >/dev/null 2>&1; then printf '%s\n' "$c" | socat -t 5 stdio "unix-connect:$s"
else printf '%s\n' "$c" | nc -U "$s"; fi`
	out, err := c.Host.Run(ctx, hostcmd.Cmd{Script: script, Become: c.Become})
	if err != nil {
		return nil, fmt.Errorf("haproxy stats socket %s: %w", sock, err)
	}
	if out.ExitCode != 0 {
		return nil, &haproxyCLIError{fmt.Sprintf("haproxy stats socket %s: exit %d: %s", sock, out.ExitCode, strings.TrimSpace(string(out.Stderr)))}
	}
	// Each answer ends with an empty line.
	parts := strings.Split(string(out.Stdout), "\n\n")
	res := make([]string, len(cmds))
	for i := range res {
		if i < len(parts) {
			res[i] = strings.TrimSpace(parts[i])
		}
	}
	// show stat and show servers state answers contain no blank lines, but
	// a multi-line answer after them would shift: keep the rest in the last.
	if len(parts) > len(cmds) && len(cmds) > 0 {
		res[len(cmds)-1] = strings.TrimSpace(strings.Join(parts[len(cmds)-1:], "\n\n"))
	}
	return res, nil
}

type haproxyCLIError struct{ msg string }

func (e *haproxyCLIError) Error() string { return e.msg }

// Run reads the servers' state through the admin socket, plans the CLI
// commands, and (outside check mode) sends them and waits as asked.
func (HAProxy) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	host, backend, want := c.Args.String("host"), c.Args.String("backend"), c.Args.String("state")
	sock := c.Args.String("socket")
	servers, _, err := haproxyRead(ctx, c, sock)
	if err != nil {
		return haproxyFailed(err)
	}
	targets, what := haproxyTargets(servers, host, backend)
	if len(targets) == 0 {
		if c.Args.Bool("fail_on_not_found") {
			return module.Result{Failed: true, Msg: what}, nil
		}
		return module.Result{Msg: what}, nil
	}
	p, err := planHAProxy(c.Args, targets, want)
	if err != nil {
		return module.Result{Failed: true, Msg: err.Error()}, nil
	}
	r := module.Result{Changed: len(p.changes) > 0}
	r.Set("host", host)
	r.Set("backend", backend)
	r.Set("state", want)
	r.Set("changes", p.changes)
	if c.Diff && r.Changed {
		r.Diffs = []module.Diff{{BeforeHeader: sock + " (before)", AfterHeader: sock + " (after)",
			Before: strings.Join(p.before, "\n") + "\n", After: strings.Join(p.after, "\n") + "\n"}}
	}
	if !r.Changed {
		r.Msg = fmt.Sprintf("%s is already %s", host, want)
	} else {
		r.Msg = strings.Join(p.changes, ", ")
	}
	if c.Check {
		return r, nil
	}
	if err := haproxyApply(ctx, c, sock, p.cmds); err != nil {
		return haproxyFailed(err)
	}
	drainFirst := want == "disabled" && c.Args.Bool("drain")
	if !drainFirst && !c.Args.Bool("wait") {
		return r, nil
	}
	if err := haproxyWait(ctx, c, sock, host, targets, want); err != nil {
		return haproxyFailed(err)
	}
	if _, stats, err := haproxyRead(ctx, c, sock); err == nil {
		var st []string
		for _, s := range targets {
			st = append(st, s.Backend+"/"+s.Server+" "+stats[s.Backend+"/"+s.Server].Status)
		}
		sort.Strings(st)
		r.Set("status", st)
	}
	return r, nil
}

// haproxyFailed reports what the socket or the module refused as a failed
// task, and anything else (the transport) as an error.
func haproxyFailed(err error) (module.Result, error) {
	switch err.(type) {
	case *haproxyCLIError, *hostscript.Failure:
		return module.Result{Failed: true, Msg: err.Error()}, nil
	}
	return module.Result{}, err
}

// haproxyRead asks for the servers' state and the stats in one round trip.
func haproxyRead(ctx context.Context, c *module.Call, sock string) ([]haproxyServerState, map[string]haproxyStat, error) {
	ans, err := haproxyCLI(ctx, c, sock, "show servers state", "show stat")
	if err != nil {
		return nil, nil, err
	}
	ss, err := parseServersState(ans[0])
	if err != nil {
		return nil, nil, err
	}
	st, err := parseShowStat(ans[1])
	return ss, st, err
}

// haproxyTargets picks the servers named host (in backend, if set); with
// none it says what was not found.
func haproxyTargets(servers []haproxyServerState, host, backend string) ([]haproxyServerState, string) {
	var targets []haproxyServerState
	backendSeen := false
	for _, s := range servers {
		if backend != "" && s.Backend != backend {
			continue
		}
		backendSeen = true
		if s.Server == host {
			targets = append(targets, s)
		}
	}
	if len(targets) > 0 {
		return targets, ""
	}
	what := fmt.Sprintf("server %q not found in any backend", host)
	if backend != "" {
		what = fmt.Sprintf("server %q not found in backend %q", host, backend)
		if !backendSeen {
			what = fmt.Sprintf("backend %q not found (or has no servers)", backend)
		}
	}
	return targets, what
}

// haproxyPlan is what a task changes: the CLI commands, and per change its
// part of the message and its before and after lines for the diff.
type haproxyPlan struct {
	cmds, changes, before, after []string
}

func planHAProxy(a module.Args, targets []haproxyServerState, want string) (haproxyPlan, error) {
	var p haproxyPlan
	for _, s := range targets {
		id := s.Backend + "/" + s.Server
		cur := s.state()
		if cur != want {
			target := map[string]string{"enabled": "ready", "disabled": "maint", "drain": "drain"}[want]
			if want == "disabled" && a.Bool("drain") && cur != "drain" {
				p.cmds = append(p.cmds, "set server "+id+" state drain")
			}
			if !(want == "disabled" && a.Bool("drain")) {
				p.cmds = append(p.cmds, "set server "+id+" state "+target)
			}
			p.changes = append(p.changes, fmt.Sprintf("%s: %s -> %s", id, cur, want))
			p.before = append(p.before, fmt.Sprintf("%s state: %s", id, cur))
			p.after = append(p.after, fmt.Sprintf("%s state: %s", id, want))
			// Health and agent checks follow the server's state.
			verb := map[bool]string{true: "enable", false: "disable"}[want != "disabled"]
			if a.Bool("health") {
				p.cmds = append(p.cmds, verb+" health "+id)
			}
			if a.Bool("agent") {
				p.cmds = append(p.cmds, verb+" agent "+id)
			}
			if want == "disabled" && a.Bool("shutdown_sessions") && !a.Bool("drain") {
				p.cmds = append(p.cmds, "shutdown sessions server "+id)
			}
		}
		if w := a.String("weight"); w != "" {
			dw, err := desiredWeight(w, s.IWeight)
			if err != nil {
				return p, err
			}
			if dw != s.UWeight {
				p.cmds = append(p.cmds, fmt.Sprintf("set weight %s %d", id, dw))
				p.changes = append(p.changes, fmt.Sprintf("%s: weight %d -> %d", id, s.UWeight, dw))
				p.before = append(p.before, fmt.Sprintf("%s weight: %d", id, s.UWeight))
				p.after = append(p.after, fmt.Sprintf("%s weight: %d", id, dw))
			}
		}
	}
	return p, nil
}

// haproxyApply sends the planned commands in one round trip.
func haproxyApply(ctx context.Context, c *module.Call, sock string, cmds []string) error {
	if len(cmds) == 0 {
		return nil
	}
	ans, err := haproxyCLI(ctx, c, sock, cmds...)
	if err != nil {
		return err
	}
	for i, a := range ans {
		// Successful set commands answer nothing; anything else is an error message.
		if a != "" && !strings.Contains(a, "moved to") {
			return hostscript.Failf("haproxy: %q: %s", cmds[i], a)
		}
	}
	return nil
}

// haproxyWait polls until the targets reach the wanted status; with
// drain, it first waits for the sessions to drain, then puts the servers
// into maintenance.
func haproxyWait(ctx context.Context, c *module.Call, sock, host string, targets []haproxyServerState, want string) error {
	drainFirst := want == "disabled" && c.Args.Bool("drain")
	retries, interval := max(c.Args.Int("wait_retries"), 1), time.Duration(c.Args.Int("wait_interval"))*time.Second
	for attempt := 0; ; attempt++ {
		_, stats, err := haproxyRead(ctx, c, sock)
		if err != nil {
			return err
		}
		pending := haproxyPending(targets, stats, want, drainFirst)
		if len(pending) == 0 {
			if !drainFirst {
				return nil
			}
			// Drained: now into maintenance, then wait for MAINT if asked.
			var dc []string
			for _, s := range targets {
				dc = append(dc, "set server "+s.Backend+"/"+s.Server+" state maint")
			}
			if _, err := haproxyCLI(ctx, c, sock, dc...); err != nil {
				// Wrapped: a refusal here is the module's error, not a
				// failed task, as it always was.
				return fmt.Errorf("%w", err)
			}
			drainFirst = false
			if !c.Args.Bool("wait") {
				return nil
			}
			continue
		}
		if attempt+1 >= retries {
			return hostscript.Failf("server %s did not reach the wanted status after %d checks: %s", host, retries, strings.Join(pending, ", "))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(interval):
		}
	}
}

// haproxyPending lists the servers whose `show stat` status is not yet the
// wanted one (for the drain-then-disable step: whose sessions remain).
func haproxyPending(targets []haproxyServerState, stats map[string]haproxyStat, want string, draining bool) []string {
	var pending []string
	for _, s := range targets {
		id := s.Backend + "/" + s.Server
		st := stats[id]
		ok := false
		switch {
		case draining:
			ok = st.Scur == 0
		case want == "enabled":
			ok = strings.HasPrefix(st.Status, "UP") || st.Status == "no check"
		case want == "disabled":
			ok = strings.HasPrefix(st.Status, "MAINT")
		case want == "drain":
			// A drained server that fails its checks shows DOWN, not DRAIN.
			ok = strings.HasPrefix(st.Status, "DRAIN") || strings.HasPrefix(st.Status, "DOWN") || st.Status == "no check"
		}
		if !ok {
			pending = append(pending, fmt.Sprintf("%s is %s", id, st.Status))
		}
	}
	return pending
}
