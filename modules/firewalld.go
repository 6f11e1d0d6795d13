package modules

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/haplay/haplay/engine/connection/hostcmd"
)

// Firewalld opens and closes ports, services, sources... in a firewalld
// zone (ansible.posix.firewalld). It talks to the daemon with firewall-cmd
// when it runs and edits the permanent configuration with
// firewall-offline-cmd when it does not (or when offline is set). Both are
// Python programs costing 0.3-1 s per call, so a task makes at most one
// query call per configuration (permanent, runtime) and one change call.
type Firewalld struct{}

var _ Module = Firewalld{}

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
}

var fwPortRe = regexp.MustCompile(`^[0-9]{1,5}(-[0-9]{1,5})?/(tcp|udp|sctp|dccp)$`)

func (Firewalld) Spec() Spec {
	var items []string
	for _, k := range fwKinds {
		items = append(items, k.arg)
	}
	return Spec{
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
		Args: []Arg{
			{Name: "zone", Type: TypeStr, Doc: "the zone (default: the default zone)"},
			{Name: "port", Type: TypeList, Elements: TypeStr, Doc: "PORT/PROTO or FROM-TO/PROTO, e.g. 2377/tcp"},
			{Name: "service", Type: TypeList, Elements: TypeStr, Doc: "service names, e.g. http"},
			{Name: "source", Type: TypeList, Elements: TypeStr, Doc: "source addresses or networks bound to the zone"},
			{Name: "interface", Type: TypeList, Elements: TypeStr, Doc: "interfaces bound to the zone"},
			{Name: "rich_rule", Type: TypeRaw, Doc: "a rich rule, or a list of them"},
			{Name: "icmp_block", Type: TypeList, Elements: TypeStr, Doc: "ICMP types to block"},
			{Name: "protocol", Type: TypeList, Elements: TypeStr, Doc: "IP protocols, e.g. esp"},
			{Name: "port_forward", Type: TypeList, Elements: TypeDict, Doc: "list of {port, proto, toport, toaddr}"},
			{Name: "masquerade", Type: TypeRaw, Doc: "masquerading for the zone (state says on or off)"},
			{Name: "permanent", Type: TypeBool, Default: false, Doc: "change the permanent configuration"},
			{Name: "immediate", Type: TypeBool, Default: false, Doc: "with permanent, change the running firewall too"},
			{Name: "state", Type: TypeStr, Required: true, Choices: []string{"enabled", "disabled", "present", "absent"}, Doc: "enabled/disabled for items, present/absent for the zone"},
			{Name: "offline", Type: TypeBool, Default: false, Doc: "edit the permanent configuration with firewall-offline-cmd even if the daemon runs"},
			{Name: "timeout", Type: TypeInt, Default: 0, Doc: "seconds a runtime change lasts (0: until reload)"},
		},
		MutuallyExclusive: [][]string{items},
		Check: func(a Args, _ bool) []ArgError {
			var errs []ArgError
			if !IsTemplated(a["port"]) {
				for _, p := range a.List("port") {
					if !fwPortRe.MatchString(p) {
						errs = append(errs, ArgError{Arg: "port", Msg: fmt.Sprintf("port %q: use PORT/PROTO or FROM-TO/PROTO with tcp, udp, sctp or dccp (e.g. 2377/tcp)", p)})
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
			if n == 0 && (st == "enabled" || st == "disabled") && !IsTemplated(st) {
				errs = append(errs, ArgError{Msg: "state " + st + " needs one of: " + strings.Join(items, ", ")})
			}
			if n > 0 && (st == "present" || st == "absent") {
				errs = append(errs, ArgError{Arg: "state", Msg: "state " + st + " creates or deletes a zone; use enabled or disabled for items"})
			}
			if _, err := fwValues(a); err != nil && !IsTemplated(a["rich_rule"]) && !IsTemplated(a["port_forward"]) {
				errs = append(errs, ArgError{Msg: err.Error()})
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

func fwValues(a Args) (fwItems, error) {
	for _, k := range fwKinds {
		if !a.Has(k.arg) {
			continue
		}
		switch k.arg {
		case "masquerade":
			return fwItems{opt: k.opt}, nil
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
	if it.opt == "masquerade" {
		return " --" + verb + "-masquerade"
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

// fwSection is one framed part of the state script's output.
type fwSection struct {
	rc     int
	stdout string
	stderr string
}

// parseSections splits output made of "\x1eTAG RC\n" headers, each
// followed by stdout, "\x1f\n", stderr.
func parseSections(out string) map[string]fwSection {
	secs := map[string]fwSection{}
	for _, part := range strings.Split(out, "\x1e")[1:] {
		head, body, _ := strings.Cut(part, "\n")
		f := strings.Fields(head)
		if len(f) != 2 {
			continue
		}
		rc, _ := strconv.Atoi(f[1])
		so, se, _ := strings.Cut(body, "\x1f\n")
		secs[f[0]] = fwSection{rc: rc, stdout: so, stderr: strings.TrimSpace(se)}
	}
	return secs
}

// sectionFunc is the shell helper behind parseSections.
const sectionFunc = `sec() { tag=$1; shift; e=$(mktemp); o=$("$@" 2>"$e"); rc=$?; printf '\036%s %d\n%s\n\037\n' "$tag" "$rc" "$o"; cat "$e"; rm -f "$e"; }
`

func (Firewalld) Run(ctx context.Context, c *Call) (Result, error) {
	it, err := fwValues(c.Args)
	if err != nil {
		return Result{Failed: true, Msg: err.Error()}, nil
	}
	state := c.Args.String("state")
	zone := c.Args.String("zone")
	permanent, immediate, offline := c.Args.Bool("permanent"), c.Args.Bool("immediate"), c.Args.Bool("offline")
	zoneOnly := it.opt == ""
	nq := len(it.values)
	if it.opt == "masquerade" {
		nq = 1
	}

	// Check mode works on a temporary copy of /etc/firewalld holding the
	// zone file earlier tasks of this run would have written (the runner's
	// overlay), so a loop over ports predicts each step's diff exactly.
	var predicted []byte
	if c.Check {
		if zone == "" {
			o, err := c.Host.Run(ctx, hostcmd.Cmd{Script: "sed -n 's/^DefaultZone=//p' /etc/firewalld/firewalld.conf 2>/dev/null | tail -n1", Become: c.Become})
			if err != nil {
				return Result{}, fmt.Errorf("firewalld: default zone: %w", err)
			}
			zone = strings.TrimSpace(string(o.Stdout))
			if zone == "" {
				zone = "public"
			}
		}
		fi, err := c.Host.ReadFile(ctx, "/etc/firewalld/zones/"+zone+".xml", true)
		if err != nil {
			return Result{}, fmt.Errorf("firewalld: %w", err)
		}
		if fi.Exists {
			predicted = fi.Content
		}
	}
	confSetup := "conf=/etc/firewalld\n"
	if c.Check {
		confSetup = "conf=$(mktemp -d); trap 'rm -rf \"$conf\"' EXIT; cp -a /etc/firewalld/. \"$conf\"/ || exit 3\n"
		if predicted != nil {
			confSetup += "mkdir -p \"$conf/zones\"; cat >\"$conf/zones/$z.xml\"\n"
		}
	}
	offlineCmd := "firewall-offline-cmd"
	if c.Check {
		offlineCmd = "firewall-offline-cmd --system-config=\"$conf\""
	}

	// One script: is the daemon up, which zone, the answers, the zone file.
	var s strings.Builder
	s.WriteString(sectionFunc)
	s.WriteString("online=0\n")
	if !offline {
		// firewalld needs the system bus: without its socket, skip the
		// half-second firewall-cmd --state costs.
		s.WriteString("if [ -S /run/dbus/system_bus_socket ] && command -v firewall-cmd >/dev/null && firewall-cmd --state >/dev/null 2>&1; then online=1; fi\n")
	}
	if zone != "" {
		s.WriteString("z=" + hostcmd.Quote(zone) + "\n")
	} else {
		s.WriteString("z=$(sed -n 's/^DefaultZone=//p' /etc/firewalld/firewalld.conf 2>/dev/null | tail -n1); [ -n \"$z\" ] || z=public\n")
	}
	s.WriteString(confSetup)
	s.WriteString("printf '\\036info 0\\n%s %s\\n\\037\\n' \"$online\" \"$z\"\n")
	if zoneOnly {
		s.WriteString(`if [ $online = 1 ]; then sec zones firewall-cmd --permanent --get-zones; else sec zones firewall-offline-cmd --get-zones; fi` + "\n")
	} else {
		q := fwFlags("query", it)
		s.WriteString("if [ $online = 1 ]; then\n")
		if permanent && c.Check {
			s.WriteString("  sec perm " + offlineCmd + " --zone=\"$z\"" + q + "\n")
		} else if permanent {
			s.WriteString("  sec perm firewall-cmd --permanent --zone=\"$z\"" + q + "\n")
		}
		if !permanent || immediate {
			s.WriteString("  sec run firewall-cmd --zone=\"$z\"" + q + "\n")
		}
		s.WriteString("else\n  command -v firewall-offline-cmd >/dev/null || { echo 'firewall-offline-cmd not found: install firewalld' >&2; exit 127; }\n")
		s.WriteString("  sec perm " + offlineCmd + " --zone=\"$z\"" + q + "\nfi\n")
	}
	s.WriteString(`if [ -f "$conf/zones/$z.xml" ]; then sec file cat "$conf/zones/$z.xml"; fi` + "\n")
	out, err := c.Host.Run(ctx, hostcmd.Cmd{Script: s.String(), Stdin: predicted, Become: c.Become})
	if err != nil {
		return Result{}, fmt.Errorf("firewalld: read state: %w", err)
	}
	if out.ExitCode != 0 {
		return Result{Failed: true, Msg: fmt.Sprintf("firewalld: reading state failed (exit %d): %s", out.ExitCode, strings.TrimSpace(string(out.Stderr)))}, nil
	}
	secs := parseSections(string(out.Stdout))
	info := strings.Fields(secs["info"].stdout)
	if len(info) != 2 {
		return Result{}, fmt.Errorf("firewalld: unexpected state output %q", out.Stdout)
	}
	online, zone := info[0] == "1", info[1]
	beforeXML, hadFile := secs["file"].stdout, false
	if f, ok := secs["file"]; ok {
		hadFile = true
		beforeXML = strings.TrimSuffix(f.stdout, "\n") + "\n"
	}
	if !online && !permanent && !offline && !zoneOnly {
		return Result{Failed: true, Msg: "firewalld is not running: a runtime-only change (permanent: false) cannot be made; set permanent: true (or offline: true) to change the configuration it starts with"}, nil
	}

	r := Result{}
	r.Set("zone", zone)
	tool := "firewall-offline-cmd"
	if online {
		tool = "firewall-cmd"
	}
	// What to change, per configuration: "perm" and/or "run".
	changes := map[string][]string{}
	verb := "add"
	if state == "disabled" || state == "absent" {
		verb = "remove"
	}
	if zoneOnly {
		zs := secs["zones"]
		if zs.rc != 0 {
			return Result{Failed: true, Msg: fmt.Sprintf("%s --get-zones failed (exit %d): %s", tool, zs.rc, zs.stderr)}, nil
		}
		exists := false
		for _, z := range strings.Fields(zs.stdout) {
			exists = exists || z == zone
		}
		if exists != (state == "present") {
			changes["perm"] = nil
		}
	} else {
		for _, cfg := range []string{"perm", "run"} {
			sec, ok := secs[cfg]
			if !ok {
				continue
			}
			if sec.rc != 0 && sec.rc != 1 {
				return Result{Failed: true, Msg: fmt.Sprintf("%s --zone=%s query failed (exit %d): %s", tool, zone, sec.rc, sec.stderr)}, nil
			}
			ans, err := parseFwQuery(sec.stdout, nq)
			if err != nil {
				return Result{Failed: true, Msg: fmt.Sprintf("%s query: %v (stderr: %s)", tool, err, sec.stderr)}, nil
			}
			var todo []string
			for i, yes := range ans {
				if yes != (state == "enabled") {
					if it.opt == "masquerade" {
						todo = append(todo, "masquerade")
					} else {
						todo = append(todo, it.values[i])
					}
				}
			}
			if len(todo) > 0 {
				changes[cfg] = todo
			}
		}
	}
	if len(changes) == 0 {
		r.Msg = "nothing to change in zone " + zone
		return r, nil
	}
	r.Changed = true

	// The change script: in check mode the permanent part runs against a
	// temporary copy of /etc/firewalld, so the predicted zone file is the
	// one a real run writes.
	var act strings.Builder
	act.WriteString("set -u\nz=" + hostcmd.Quote(zone) + "\n" + confSetup)
	flags := func(vals []string) string {
		if zoneOnly {
			if state == "present" {
				return " --new-zone=\"$z\""
			}
			return " --delete-zone=\"$z\""
		}
		return " --zone=\"$z\"" + fwFlags(verb, fwItems{opt: it.opt, values: vals})
	}
	if vals, ok := changes["perm"]; ok {
		if c.Check {
			act.WriteString(offlineCmd + flags(vals) + " >/dev/null || exit $?\n")
		} else if online {
			act.WriteString("firewall-cmd --permanent" + flags(vals) + " >/dev/null || exit $?\n")
		} else {
			act.WriteString("firewall-offline-cmd" + flags(vals) + " >/dev/null || exit $?\n")
		}
	}
	if vals, ok := changes["run"]; ok && !c.Check {
		t := ""
		if n := c.Args.Int("timeout"); n > 0 && verb == "add" {
			t = " --timeout=" + strconv.Itoa(n)
		}
		act.WriteString("firewall-cmd" + flags(vals) + t + " >/dev/null || exit $?\n")
	}
	act.WriteString("printf '\\036'; if [ -f \"$conf/zones/$z.xml\" ]; then cat \"$conf/zones/$z.xml\"; fi\n")
	ao, err := c.Host.Run(ctx, hostcmd.Cmd{Script: act.String(), Stdin: predicted, Become: c.Become})
	if err != nil {
		return Result{}, fmt.Errorf("firewalld: change: %w", err)
	}
	if ao.ExitCode != 0 {
		return Result{Failed: true, Msg: fmt.Sprintf("%s: %s %s in zone %s failed (exit %d): %s", tool, verb, it.opt, zone, ao.ExitCode, strings.TrimSpace(string(ao.Stderr)))}, nil
	}
	_, afterXML, _ := strings.Cut(string(ao.Stdout), "\x1e")
	if afterXML != "" {
		afterXML = strings.TrimSuffix(afterXML, "\n") + "\n"
	}

	if _, ok := changes["perm"]; ok && c.Check && afterXML != "" {
		// Record the prediction for the next tasks (WriteFile only
		// records in check mode).
		if err := c.Host.WriteFile(ctx, "/etc/firewalld/zones/"+zone+".xml", []byte(afterXML), hostcmd.WriteOptions{Become: c.Become}); err != nil {
			return Result{}, fmt.Errorf("firewalld: record prediction: %w", err)
		}
	}
	var what []string
	cfgs := []string{}
	for cfg := range changes {
		cfgs = append(cfgs, cfg)
	}
	sort.Strings(cfgs)
	for _, cfg := range cfgs {
		label := map[string]string{"perm": "permanent", "run": "runtime"}[cfg]
		if zoneOnly {
			what = append(what, fmt.Sprintf("%s: zone %s %s", label, zone, state))
			continue
		}
		what = append(what, fmt.Sprintf("%s: %s %s %s", label, it.opt, strings.Join(changes[cfg], ", "), state))
	}
	r.Msg = strings.Join(what, "; ")
	if c.Diff {
		path := "/etc/firewalld/zones/" + zone + ".xml"
		if _, ok := changes["perm"]; ok && (hadFile || afterXML != "") && beforeXML != afterXML {
			r.Diffs = append(r.Diffs, Diff{BeforeHeader: path + " (before)", AfterHeader: path + " (after)", Before: beforeXML, After: afterXML})
		}
		if vals, ok := changes["run"]; ok {
			var b, a strings.Builder
			for _, v := range vals {
				on, off := "enabled", "disabled"
				if verb == "remove" {
					on, off = off, on
				}
				fmt.Fprintf(&b, "%s %s: %s\n", it.opt, v, off)
				fmt.Fprintf(&a, "%s %s: %s\n", it.opt, v, on)
			}
			r.Diffs = append(r.Diffs, Diff{BeforeHeader: "zone " + zone + " (runtime, before)", AfterHeader: "zone " + zone + " (runtime, after)", Before: b.String(), After: a.String()})
		}
	}
	return r, nil
}
