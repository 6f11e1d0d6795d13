package network

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/jinja"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules/internal/hostscript"
)

// Firewalld opens and closes ports, services, sources... in a firewalld
// zone (ansible.posix.firewalld). It talks to the daemon with firewall-cmd
// when it runs and edits the permanent configuration with
// firewall-offline-cmd when it does not (or when offline is set). Both are
// Python programs costing 0.3-1 s per call, so a task makes at most one
// query call per configuration (permanent, runtime) and one change call.
type Firewalld struct{}

var _ module.Module = Firewalld{}

func (Firewalld) Name() string { return "firewalld" }

// fwKinds maps the module's item arguments to firewall-cmd's option stems
// (--query-port, --add-port, --remove-port).
var fwKinds = []struct{ arg, opt string }{
	{"port", "port"},
	{"service", "service"},
	{"source", "source"},
	{"interface", "interface"},
	{"rich_rule", "rich-rule"},
	{"icmp_block", "icmp-block"},
	{"protocol", "protocol"},
	{"port_forward", "forward-port"},
	{"masquerade", "masquerade"},
	{"icmp_block_inversion", "icmp-block-inversion"},
	{"target", "target"},
}

// fwFlagOnly are the items that are a flag of the zone, not a list of
// values: firewall-cmd has --add-X, --remove-X, --query-X without "=V".
func fwFlagOnly(opt string) bool { return opt == "masquerade" || opt == "icmp-block-inversion" }

// fwTargets are the zone targets Ansible accepts.
var fwTargets = []string{"default", "ACCEPT", "DROP", "%%REJECT%%"}

var fwPortRe = regexp.MustCompile(`^[0-9]{1,5}(-[0-9]{1,5})?/(tcp|udp|sctp|dccp)$`)

func (Firewalld) Spec() module.Spec {
	var items []string
	for _, k := range fwKinds {
		items = append(items, k.arg)
	}
	return module.Spec{
		Short: "Manage firewalld zones: ports, services, sources, rich rules, masquerading",
		Description: "Adds (state enabled) or removes (disabled) one kind of item in a zone; present/absent " +
			"create or delete the zone itself. When the firewalld daemon runs (firewall-cmd --state), " +
			"permanent: true changes the permanent configuration, immediate: true (or permanent: false) the " +
			"running one too. When it does not run, or offline: true, the permanent configuration is edited " +
			"with firewall-offline-cmd; a runtime-only change then fails. port, service, source, interface, " +
			"icmp_block and protocol take one value or a list (haplay: a list is one query and one change). " +
			"As in Ansible, masquerade's value only names the item: state decides. With --diff the zone file " +
			"/etc/firewalld/zones/ZONE.xml is shown before and after; check mode predicts it by running the " +
			"change against a temporary copy of /etc/firewalld.",
		Args: []module.Arg{
			{Name: "zone", Type: module.TypeStr, Doc: "the zone (default: the default zone)"},
			{Name: "port", Type: module.TypeList, Elements: module.TypeStr, Doc: "PORT/PROTO or FROM-TO/PROTO, e.g. 2377/tcp"},
			{Name: "service", Type: module.TypeList, Elements: module.TypeStr, Doc: "service names, e.g. http"},
			{Name: "source", Type: module.TypeList, Elements: module.TypeStr, Doc: "source addresses or networks bound to the zone"},
			{Name: "interface", Type: module.TypeList, Elements: module.TypeStr, Doc: "interfaces bound to the zone"},
			{Name: "rich_rule", Type: module.TypeRaw, Doc: "a rich rule, or a list of them"},
			{Name: "icmp_block", Type: module.TypeList, Elements: module.TypeStr, Doc: "ICMP types to block"},
			{Name: "protocol", Type: module.TypeList, Elements: module.TypeStr, Doc: "IP protocols, e.g. esp"},
			{Name: "port_forward", Type: module.TypeList, Elements: module.TypeDict, Doc: "list of {port, proto, toport, toaddr}"},
			{Name: "masquerade", Type: module.TypeRaw, Doc: "masquerading for the zone (state says on or off)"},
			{Name: "icmp_block_inversion", Type: module.TypeRaw, Doc: "inversion of the zone's ICMP blocks (only the listed ICMP types are allowed): as in Ansible, a false value (no, false, 0) inverts state, so {icmp_block_inversion: false, state: enabled} turns it off; any other value counts as true"},
			{Name: "target", Type: module.TypeStr, Choices: fwTargets, Doc: "the zone's target (--set-target): state enabled or present sets it, disabled or absent resets it to default when it is the one named (as Ansible's); permanent only: with permanent: false or immediate: true the task fails, as in Ansible"},
			{Name: "permanent", Type: module.TypeBool, Default: false, Doc: "change the permanent configuration"},
			{Name: "immediate", Type: module.TypeBool, Default: false, Doc: "with permanent, change the running firewall too"},
			{Name: "state", Type: module.TypeStr, Required: true, Choices: []string{"enabled", "disabled", "present", "absent"}, Doc: "enabled/disabled for items, present/absent for the zone"},
			{Name: "offline", Type: module.TypeBool, Default: false, Doc: "edit the permanent configuration with firewall-offline-cmd even if the daemon runs"},
			{Name: "timeout", Type: module.TypeInt, Default: 0, Doc: "seconds a runtime change lasts (0: until reload)"},
		},
		MutuallyExclusive: [][]string{items},
		Check: func(a module.Args, _ bool) []module.ArgError {
			var errs []module.ArgError
			if !jinja.IsTemplated(a["port"]) {
				for _, p := range a.List("port") {
					if !fwPortRe.MatchString(p) {
						errs = append(errs, module.ArgError{Arg: "port", Msg: fmt.Sprintf("port %q: use PORT/PROTO or FROM-TO/PROTO with tcp, udp, sctp or dccp (e.g. 2377/tcp)", p)})
					}
				}
			}
			n := 0
			for _, k := range fwKinds {
				if a.Has(k.arg) {
					n++
				}
			}
			st := a.String("state")
			if n == 0 && (st == "enabled" || st == "disabled") && !jinja.IsTemplated(st) {
				errs = append(errs, module.ArgError{Msg: "state " + st + " needs one of: " + strings.Join(items, ", ")})
			}
			if n > 0 && (st == "present" || st == "absent") && !a.Has("target") {
				errs = append(errs, module.ArgError{Arg: "state", Msg: "state " + st + " creates or deletes a zone; use enabled or disabled for items"})
			}
			if _, err := fwValues(a); err != nil && !jinja.IsTemplated(a["rich_rule"]) && !jinja.IsTemplated(a["port_forward"]) {
				errs = append(errs, module.ArgError{Msg: err.Error()})
			}
			return errs
		},
		Examples: `# Seed 002: the Docker Swarm ports on a manager node.
- name: Open the swarm manager ports
  ansible.posix.firewalld:
    port: "{{ item }}"
    permanent: true
    state: enabled
  loop: [2376/tcp, 2377/tcp, 7946/tcp, 7946/udp, 4789/udp]

# ... and on the workers, as one query and one change.
- name: Open the swarm worker ports
  firewalld:
    port: [2376/tcp, 7946/tcp, 7946/udp, 4789/udp]
    permanent: true
    immediate: true
    state: enabled

- name: Allow encrypted overlay traffic (ESP)
  firewalld: {protocol: esp, permanent: true, state: enabled}`,
	}
}

// fwItems is the one kind of item a task manages and its values.
type fwItems struct {
	opt    string   // firewall-cmd option stem
	values []string // empty for masquerade
}

func fwValues(a module.Args) (fwItems, error) {
	for _, k := range fwKinds {
		if !a.Has(k.arg) {
			continue
		}
		switch k.arg {
		case "masquerade", "icmp_block_inversion":
			return fwItems{opt: k.opt}, nil
		case "target":
			return fwItems{opt: k.opt, values: []string{a.String(k.arg)}}, nil
		case "rich_rule":
			switch x := a[k.arg].(type) {
			case string:
				return fwItems{opt: k.opt, values: []string{x}}, nil
			case []any:
				var vs []string
				for _, v := range x {
					vs = append(vs, fmt.Sprint(v))
				}
				return fwItems{opt: k.opt, values: vs}, nil
			}
			return fwItems{}, fmt.Errorf("rich_rule must be a string or a list of strings")
		case "port_forward":
			var vs []string
			l, _ := a[k.arg].([]any)
			for _, e := range l {
				m, ok := e.(map[string]any)
				if !ok || m["port"] == nil || m["proto"] == nil {
					return fwItems{}, fmt.Errorf("port_forward items need port and proto (and toport and/or toaddr)")
				}
				s := fmt.Sprintf("port=%v:proto=%v", m["port"], m["proto"])
				if m["toport"] != nil {
					s += fmt.Sprintf(":toport=%v", m["toport"])
				}
				if m["toaddr"] != nil {
					s += fmt.Sprintf(":toaddr=%v", m["toaddr"])
				}
				vs = append(vs, s)
			}
			return fwItems{opt: k.opt, values: vs}, nil
		default:
			return fwItems{opt: k.opt, values: a.List(k.arg)}, nil
		}
	}
	return fwItems{}, nil
}

// fwQueryArgs renders the query options for items: one --query-X=V per
// value (firewall-cmd answers "V: yes" per line for several, "yes" alone
// for one).
func fwFlags(verb string, it fwItems) string {
	if fwFlagOnly(it.opt) {
		return " --" + verb + "-" + it.opt
	}
	if it.opt == "target" {
		switch verb {
		case "query":
			return " --get-target"
		case "remove":
			return " --set-target=default"
		}
		return " --set-target=" + hostcmd.Quote(it.values[0])
	}
	var b strings.Builder
	for _, v := range it.values {
		b.WriteString(" --" + verb + "-" + it.opt + "=" + hostcmd.Quote(v))
	}
	return b.String()
}

// parseFwQuery reads firewall-cmd's answers to n queries in order.
func parseFwQuery(out string, n int) ([]bool, error) {
	var ans []bool
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if i := strings.LastIndex(l, ": "); i >= 0 {
			l = l[i+2:]
		}
		switch l {
		case "yes":
			ans = append(ans, true)
		case "no":
			ans = append(ans, false)
		default:
			return nil, fmt.Errorf("unexpected query answer %q", l)
		}
	}
	if len(ans) != n {
		return nil, fmt.Errorf("expected %d answers, got %d in %q", n, len(ans), out)
	}
	return ans, nil
}

// fwTask is one firewalld task: its arguments, and the shell fragments
// that differ in check mode, where every script runs against a temporary
// copy of /etc/firewalld holding the zone file earlier tasks of this run
// would have written (the runner's overlay), so a loop over ports
// predicts each step's diff exactly.
type fwTask struct {
	it                            fwItems
	state, zone, verb             string
	permanent, immediate, offline bool
	zoneOnly                      bool
	nq                            int    // answers the query gives
	predicted                     []byte // the overlay's zone file, in check mode
	confSetup                     string // shell lines setting $conf
	offlineCmd                    string // firewall-offline-cmd on $conf
}

// fwState is what the state script read.
type fwState struct {
	online    bool
	zone      string
	tool      string
	secs      map[string]hostscript.RCSection
	beforeXML string
	hadFile   bool
}

// Run reads the state in one script, plans the changes per configuration
// ("perm" and/or "run"), and applies them in one more.
func (Firewalld) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	t, err := newFwTask(ctx, c)
	if err != nil {
		return hostscript.FailedOr(module.Result{}, err)
	}
	st, err := t.read(ctx, c)
	if err != nil {
		return hostscript.FailedOr(module.Result{}, err)
	}
	changes, err := t.plan(st)
	if err != nil {
		return hostscript.FailedOr(module.Result{}, err)
	}
	r := module.Result{}
	r.Set("zone", st.zone)
	if len(changes) == 0 {
		r.Msg = "nothing to change in zone " + st.zone
		return r, nil
	}
	r.Changed = true
	afterXML, err := t.apply(ctx, c, st, changes)
	if err != nil {
		return hostscript.FailedOr(module.Result{}, err)
	}
	t.report(&r, c.Diff, st, changes, afterXML)
	return r, nil
}

func newFwTask(ctx context.Context, c *module.Call) (*fwTask, error) {
	it, err := fwValues(c.Args)
	if err != nil {
		return nil, &hostscript.Failure{Msg: err.Error()}
	}
	t := &fwTask{
		it: it, state: c.Args.String("state"), zone: c.Args.String("zone"), verb: "add",
		permanent: c.Args.Bool("permanent"), immediate: c.Args.Bool("immediate"), offline: c.Args.Bool("offline"),
		zoneOnly: it.opt == "", nq: len(it.values),
		confSetup: "conf=/etc/firewalld\n", offlineCmd: "firewall-offline-cmd",
	}
	if fwFlagOnly(it.opt) {
		t.nq = 1
	}
	if t.state == "disabled" || t.state == "absent" {
		t.verb = "remove"
	}
	if it.opt == "icmp-block-inversion" && !fwTrue(c.Args["icmp_block_inversion"]) {
		// Ansible: expected state is enabled when (state == enabled) ==
		// boolean(value), so a false value inverts the state.
		t.verb = map[string]string{"add": "remove", "remove": "add"}[t.verb]
		t.state = map[string]string{"enabled": "disabled", "disabled": "enabled"}[t.state]
	}
	if !c.Check {
		return t, nil
	}
	if t.zone == "" {
		o, err := c.Host.Run(ctx, hostcmd.Cmd{Script: "sed -n 's/^DefaultZone=//p' /etc/firewalld/firewalld.conf 2>/dev/null | tail -n1", Become: c.Become})
		if err != nil {
			return nil, fmt.Errorf("firewalld: default zone: %w", err)
		}
		t.zone = strings.TrimSpace(string(o.Stdout))
		if t.zone == "" {
			t.zone = "public"
		}
	}
	fi, err := c.Host.ReadFile(ctx, "/etc/firewalld/zones/"+t.zone+".xml", true)
	if err != nil {
		return nil, fmt.Errorf("firewalld: %w", err)
	}
	if fi.Exists {
		t.predicted = fi.Content
	}
	t.confSetup = "conf=$(mktemp -d); trap 'rm -rf \"$conf\"' EXIT; cp -a /etc/firewalld/. \"$conf\"/ || exit 3\n"
	if t.predicted != nil {
		t.confSetup += "mkdir -p \"$conf/zones\"; cat >\"$conf/zones/$z.xml\"\n"
	}
	t.offlineCmd = "firewall-offline-cmd --system-config=\"$conf\""
	return t, nil
}

// stateScript is one script: is the daemon up, which zone, the answers,
// the zone file.
func (t *fwTask) stateScript(check bool) string {
	var s strings.Builder
	s.WriteString(hostscript.RCSectionFunc)
	s.WriteString("online=0\n")
	if !t.offline {
		// firewalld needs the system bus: without its socket, skip the
		// half-second firewall-cmd --state costs.
		s.WriteString("if [ -S /run/dbus/system_bus_socket ] && command -v firewall-cmd >/dev/null && firewall-cmd --state >/dev/null 2>&1; then online=1; fi\n")
	}
	if t.zone != "" {
		s.WriteString("z=" + hostcmd.Quote(t.zone) + "\n")
	} else {
		s.WriteString("z=$(sed -n 's/^DefaultZone=//p' /etc/firewalld/firewalld.conf 2>/dev/null | tail -n1); [ -n \"$z\" ] || z=public\n")
	}
	s.WriteString(t.confSetup)
	s.WriteString("printf '\\036info 0\\n%s %s\\n\\037\\n' \"$online\" \"$z\"\n")
	if t.zoneOnly {
		s.WriteString(`if [ $online = 1 ]; then sec zones firewall-cmd --permanent --get-zones; else sec zones firewall-offline-cmd --get-zones; fi` + "\n")
	} else {
		q := fwFlags("query", t.it)
		s.WriteString("if [ $online = 1 ]; then\n")
		if t.permanent && check {
			s.WriteString("  sec perm " + t.offlineCmd + " --zone=\"$z\"" + q + "\n")
		} else if t.permanent {
			s.WriteString("  sec perm firewall-cmd --permanent --zone=\"$z\"" + q + "\n")
		}
		if !t.permanent || t.immediate {
			s.WriteString("  sec run firewall-cmd --zone=\"$z\"" + q + "\n")
		}
		s.WriteString("else\n  command -v firewall-offline-cmd >/dev/null || { echo 'firewall-offline-cmd not found: install firewalld' >&2; exit 127; }\n")
		s.WriteString("  sec perm " + t.offlineCmd + " --zone=\"$z\"" + q + "\nfi\n")
	}
	s.WriteString(`if [ -f "$conf/zones/$z.xml" ]; then sec file cat "$conf/zones/$z.xml"; fi` + "\n")
	return s.String()
}

func (t *fwTask) read(ctx context.Context, c *module.Call) (fwState, error) {
	out, err := c.Host.Run(ctx, hostcmd.Cmd{Script: t.stateScript(c.Check), Stdin: t.predicted, Become: c.Become})
	if err != nil {
		return fwState{}, fmt.Errorf("firewalld: read state: %w", err)
	}
	if out.ExitCode != 0 {
		return fwState{}, hostscript.Failf("firewalld: reading state failed (exit %d): %s", out.ExitCode, strings.TrimSpace(string(out.Stderr)))
	}
	secs := hostscript.ParseRCSections(string(out.Stdout))
	info := strings.Fields(secs["info"].Stdout)
	if len(info) != 2 {
		return fwState{}, fmt.Errorf("firewalld: unexpected state output %q", out.Stdout)
	}
	st := fwState{online: info[0] == "1", zone: info[1], tool: "firewall-offline-cmd", secs: secs}
	if st.online {
		st.tool = "firewall-cmd"
	}
	st.beforeXML = secs["file"].Stdout
	if f, ok := secs["file"]; ok {
		st.hadFile = true
		st.beforeXML = strings.TrimSuffix(f.Stdout, "\n") + "\n"
	}
	return st, nil
}

// plan gives what to change, per configuration: "perm" and/or "run" (a
// zone task's "perm" entry has no values).
func (t *fwTask) plan(st fwState) (map[string][]string, error) {
	if !st.online && !t.permanent && !t.offline && !t.zoneOnly {
		return nil, hostscript.Failf("firewalld is not running: a runtime-only change (permanent: false) cannot be made; set permanent: true (or offline: true) to change the configuration it starts with")
	}
	if _, run := st.secs["run"]; run && t.it.opt == "target" {
		return nil, hostscript.Failf("Zone operations must be permanent. Make sure you didn't set the 'permanent' flag to 'false' or the 'immediate' flag to 'true'.")
	}
	changes := map[string][]string{}
	if t.zoneOnly {
		zs := st.secs["zones"]
		if zs.RC != 0 {
			return nil, hostscript.Failf("%s --get-zones failed (exit %d): %s", st.tool, zs.RC, zs.Stderr)
		}
		exists := false
		for _, z := range strings.Fields(zs.Stdout) {
			exists = exists || z == st.zone
		}
		if exists != (t.state == "present") {
			changes["perm"] = nil
		}
		return changes, nil
	}
	for _, cfg := range []string{"perm", "run"} {
		sec, ok := st.secs[cfg]
		if !ok {
			continue
		}
		if sec.RC != 0 && sec.RC != 1 {
			return nil, hostscript.Failf("%s --zone=%s query failed (exit %d): %s", st.tool, st.zone, sec.RC, sec.Stderr)
		}
		ans, err := t.answers(sec)
		if err != nil {
			return nil, hostscript.Failf("%s query: %v (stderr: %s)", st.tool, err, sec.Stderr)
		}
		var todo []string
		for i, yes := range ans {
			if yes != (t.verb == "add") {
				if fwFlagOnly(t.it.opt) {
					todo = append(todo, t.it.opt)
				} else {
					todo = append(todo, t.it.values[i])
				}
			}
		}
		if len(todo) > 0 {
			changes[cfg] = todo
		}
	}
	return changes, nil
}

// answers reads one configuration's query: --get-target prints the
// target, which is "on" when it is the one named (as Ansible's
// get_enabled_permanent); the others answer yes or no.
func (t *fwTask) answers(sec hostscript.RCSection) ([]bool, error) {
	if t.it.opt != "target" {
		return parseFwQuery(sec.Stdout, t.nq)
	}
	if sec.RC != 0 {
		return nil, fmt.Errorf("--get-target failed (exit %d)", sec.RC)
	}
	if t.it.values[0] == "default" {
		// Resetting to default what is default changes nothing (Ansible
		// sets it again and reports changed).
		return []bool{strings.TrimSpace(sec.Stdout) == "default" || t.verb == "add"}, nil
	}
	return []bool{strings.TrimSpace(sec.Stdout) == t.it.values[0]}, nil
}

// fwTrue is Ansible's boolean(value, strict=False) for
// icmp_block_inversion: only the false words are false.
func fwTrue(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case int:
		return x != 0
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "no", "false", "n", "f", "off", "0", "0.0":
			return false
		}
	}
	return true
}

// changeFlags renders the change options for vals (or the zone itself).
func (t *fwTask) changeFlags(vals []string) string {
	if t.zoneOnly {
		if t.state == "present" {
			return " --new-zone=\"$z\""
		}
		return " --delete-zone=\"$z\""
	}
	return " --zone=\"$z\"" + fwFlags(t.verb, fwItems{opt: t.it.opt, values: vals})
}

// apply runs the change script and returns the zone file after it. In
// check mode the permanent part runs against the temporary copy of
// /etc/firewalld and the runtime part is left out, so the predicted zone
// file is the one a real run writes; the prediction is recorded for the
// next tasks.
func (t *fwTask) apply(ctx context.Context, c *module.Call, st fwState, changes map[string][]string) (string, error) {
	var act strings.Builder
	act.WriteString("set -u\nz=" + hostcmd.Quote(st.zone) + "\n" + t.confSetup)
	if vals, ok := changes["perm"]; ok {
		permCmd := "firewall-offline-cmd"
		if c.Check {
			permCmd = t.offlineCmd
		} else if st.online {
			permCmd = "firewall-cmd --permanent"
		}
		act.WriteString(permCmd + t.changeFlags(vals) + " >/dev/null || exit $?\n")
	}
	if vals, ok := changes["run"]; ok && !c.Check {
		to := ""
		if n := c.Args.Int("timeout"); n > 0 && t.verb == "add" {
			to = " --timeout=" + strconv.Itoa(n)
		}
		act.WriteString("firewall-cmd" + t.changeFlags(vals) + to + " >/dev/null || exit $?\n")
	}
	act.WriteString("printf '\\036'; if [ -f \"$conf/zones/$z.xml\" ]; then cat \"$conf/zones/$z.xml\"; fi\n")
	ao, err := c.Host.Run(ctx, hostcmd.Cmd{Script: act.String(), Stdin: t.predicted, Become: c.Become})
	if err != nil {
		return "", fmt.Errorf("firewalld: change: %w", err)
	}
	if ao.ExitCode != 0 {
		return "", hostscript.Failf("%s: %s %s in zone %s failed (exit %d): %s", st.tool, t.verb, t.it.opt, st.zone, ao.ExitCode, strings.TrimSpace(string(ao.Stderr)))
	}
	_, afterXML, _ := strings.Cut(string(ao.Stdout), "\x1e")
	if afterXML != "" {
		afterXML = strings.TrimSuffix(afterXML, "\n") + "\n"
	}
	if _, ok := changes["perm"]; ok && c.Check && afterXML != "" {
		// Record the prediction for the next tasks (WriteFile only
		// records in check mode).
		if err := c.Host.WriteFile(ctx, "/etc/firewalld/zones/"+st.zone+".xml", []byte(afterXML), hostcmd.WriteOptions{Become: c.Become}); err != nil {
			return "", fmt.Errorf("firewalld: record prediction: %w", err)
		}
	}
	return afterXML, nil
}

// report sets the message and, with --diff, the zone file and runtime
// diffs.
func (t *fwTask) report(r *module.Result, diff bool, st fwState, changes map[string][]string, afterXML string) {
	var what []string
	cfgs := []string{}
	for cfg := range changes {
		cfgs = append(cfgs, cfg)
	}
	sort.Strings(cfgs)
	for _, cfg := range cfgs {
		label := map[string]string{"perm": "permanent", "run": "runtime"}[cfg]
		if t.zoneOnly {
			what = append(what, fmt.Sprintf("%s: zone %s %s", label, st.zone, t.state))
			continue
		}
		what = append(what, fmt.Sprintf("%s: %s %s %s", label, t.it.opt, strings.Join(changes[cfg], ", "), t.state))
	}
	r.Msg = strings.Join(what, "; ")
	if !diff {
		return
	}
	path := "/etc/firewalld/zones/" + st.zone + ".xml"
	if _, ok := changes["perm"]; ok && (st.hadFile || afterXML != "") && st.beforeXML != afterXML {
		r.Diffs = append(r.Diffs, module.Diff{BeforeHeader: path + " (before)", AfterHeader: path + " (after)", Before: st.beforeXML, After: afterXML})
	}
	if vals, ok := changes["run"]; ok {
		var b, a strings.Builder
		for _, v := range vals {
			on, off := "enabled", "disabled"
			if t.verb == "remove" {
				on, off = off, on
			}
			fmt.Fprintf(&b, "%s %s: %s\n", t.it.opt, v, off)
			fmt.Fprintf(&a, "%s %s: %s\n", t.it.opt, v, on)
		}
		r.Diffs = append(r.Diffs, module.Diff{BeforeHeader: "zone " + st.zone + " (runtime, before)", AfterHeader: "zone " + st.zone + " (runtime, after)", Before: b.String(), After: a.String()})
	}
}
