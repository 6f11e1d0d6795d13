package network

import (
	"context"
	"fmt"
	"path"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/jinja"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/engine/yamlnode"
)

// Netplan manages one netplan file (haplay's own module). The wanted
// interfaces are deep-merged into the file's network: section, so a task
// states only what it cares about; the result is validated with
// `netplan generate --root-dir` on a copy of the configuration before the
// file is replaced, and applied only when asked.
type Netplan struct{}

var _ module.Module = Netplan{}

func (Netplan) Name() string { return "netplan" }

// netplanSections are the network: keys taken as arguments.
var netplanSections = []string{"ethernets", "bonds", "bridges", "vlans", "wifis", "tunnels"}

func (Netplan) Spec() module.Spec {
	args := []module.Arg{
		{Name: "path", Type: module.TypePath, Doc: "the file, e.g. /etc/netplan/00-installer-config.yaml"},
		{Name: "name", Type: module.TypeStr, Doc: "with priority, names the file /etc/netplan/PRIORITY-NAME.yaml"},
		{Name: "priority", Type: module.TypeInt, Default: 50, Doc: "two-digit file prefix with name"},
		{Name: "remove", Type: module.TypeList, Elements: module.TypeStr, Doc: "dotted key paths under network: to delete, e.g. ethernets.ens18.dhcp4"},
		{Name: "state", Type: module.TypeStr, Default: "present", Choices: []string{"present", "absent"}, Doc: "absent deletes the file"},
		{Name: "renderer", Type: module.TypeStr, Choices: []string{"networkd", "NetworkManager"}, Doc: "network.renderer"},
		{Name: "version", Type: module.TypeInt, Default: 2, Doc: "network.version"},
		{Name: "apply", Type: module.TypeBool, Default: false, Doc: "run netplan apply after a change"},
		{Name: "try", Type: module.TypeBool, Default: false, Doc: "apply with netplan try: confirmed by the controller once it can still run a command on the host, rolled back otherwise"},
		{Name: "try_timeout", Type: module.TypeInt, Default: 120, Doc: "seconds netplan try waits for the confirmation before rolling back"},
	}
	for _, s := range netplanSections {
		args = append(args, module.Arg{Name: s, Type: module.TypeDict, Doc: "network." + s + ": interface name -> settings, merged into the file"})
	}
	return module.Spec{
		Short: "Manage a netplan configuration file",
		Description: "Merges ethernets, bonds, bridges, vlans, wifis and tunnels into the network: section of " +
			"one netplan file (mappings merge key by key, lists and scalars replace), deletes the keys named in " +
			"remove, sets version and renderer, and writes the file with mode 0600 when the result differs. The " +
			"file's key order is kept and new keys are added sorted; comments are not kept. Before replacing " +
			"the file, `netplan generate --root-dir` runs on a temporary copy of the configuration with the new " +
			"file: a bad address fails the task and leaves the old file (check mode validates too). apply runs " +
			"`netplan apply` after a change. try runs `netplan try --timeout try_timeout` in the background, waits " +
			"for it to be ready, then confirms it (SIGUSR1, as netplan-dbus does) from a second command: if the " +
			"host cannot be reached after the change, nobody confirms and netplan rolls back. Note a running " +
			"SSH connection can survive a change that breaks new ones.",
		Args:              args,
		MutuallyExclusive: [][]string{{"path", "name"}, {"apply", "try"}},
		RequiredOneOf:     [][]string{{"path", "name"}},
		Check: func(a module.Args, _ bool) []module.ArgError {
			var errs []module.ArgError
			if p := a.String("path"); p != "" && !jinja.IsTemplated(p) && !strings.HasSuffix(p, ".yaml") {
				errs = append(errs, module.ArgError{Arg: "path", Msg: "netplan reads only files ending in .yaml"})
			}
			if n := a.String("name"); n != "" && !jinja.IsTemplated(n) && strings.ContainsAny(n, "/ ") {
				errs = append(errs, module.ArgError{Arg: "name", Msg: "name must not contain / or spaces"})
			}
			return errs
		},
		Examples: `# Seed 001: static address instead of DHCP.
- name: Static address for ens18
  netplan:
    path: /etc/netplan/00-installer-config.yaml
    ethernets:
      ens18:
        dhcp4: false
        addresses: ["{{ ansible_host }}/24"]
        routes:
          - {to: default, via: 192.168.1.254}
        nameservers:
          addresses: [192.168.1.254, 8.8.8.8]
    apply: true

- name: Drop a stale setting
  netplan:
    path: /etc/netplan/00-installer-config.yaml
    remove: [ethernets.ens18.dhcp6]`,
	}
}

// okv is one key of an ordered mapping.
type okv struct {
	Key string
	Val any
}

// omap is a mapping that keeps the file's key order.
type omap []okv

func (m omap) get(k string) (any, int) {
	for i, kv := range m {
		if kv.Key == k {
			return kv.Val, i
		}
	}
	return nil, -1
}

// fromNode converts parsed YAML (YAML 1.1 booleans, as netplan reads them)
// to ordered values.
func fromNode(n *yamlnode.Node) any {
	if n == nil {
		return nil
	}
	switch n.Kind {
	case yamlnode.Map:
		m := make(omap, 0, len(n.Pairs))
		for _, p := range n.Pairs {
			m = append(m, okv{p.Key, fromNode(p.Value)})
		}
		return m
	case yamlnode.List:
		l := make([]any, len(n.Items))
		for i, it := range n.Items {
			l[i] = fromNode(it)
		}
		return l
	}
	return n.Value
}

// fromPlain converts argument values (Go maps) to ordered values, keys
// sorted so the output is stable.
func fromPlain(v any) any {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		m := make(omap, 0, len(x))
		for _, k := range keys {
			m = append(m, okv{k, fromPlain(x[k])})
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = fromPlain(e)
		}
		return l
	}
	return v
}

// mergeInto merges src into dst: mappings key by key (existing keys keep
// their place, new ones go last), anything else replaces.
func mergeInto(dst, src any) any {
	sm, ok := src.(omap)
	if !ok {
		return src
	}
	dm, ok := dst.(omap)
	if !ok {
		return sm
	}
	out := append(omap(nil), dm...)
	for _, kv := range sm {
		if old, i := out.get(kv.Key); i >= 0 {
			out[i].Val = mergeInto(old, kv.Val)
		} else {
			out = append(out, okv{kv.Key, fromPlain(kv.Val)})
		}
	}
	return out
}

// removePath deletes a dotted key path; it reports whether it was there.
func removePath(v any, keys []string) (any, bool) {
	m, ok := v.(omap)
	if !ok || len(keys) == 0 {
		return v, false
	}
	old, i := m.get(keys[0])
	if i < 0 {
		return v, false
	}
	out := append(omap(nil), m...)
	if len(keys) == 1 {
		return append(out[:i], out[i+1:]...), true
	}
	nv, found := removePath(old, keys[1:])
	out[i].Val = nv
	return out, found
}

// toPlain converts ordered values to plain Go values, for comparing
// meaning regardless of order and style.
func toPlain(v any) any {
	switch x := v.(type) {
	case omap:
		m := make(map[string]any, len(x))
		for _, kv := range x {
			m[kv.Key] = toPlain(kv.Val)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = toPlain(e)
		}
		return l
	case int64:
		return int(x)
	case uint64:
		return int(x)
	}
	return v
}

func toMapSlice(v any) any {
	switch x := v.(type) {
	case omap:
		ms := make(yaml.MapSlice, len(x))
		for i, kv := range x {
			ms[i] = yaml.MapItem{Key: kv.Key, Value: toMapSlice(kv.Val)}
		}
		return ms
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = toMapSlice(e)
		}
		return l
	}
	return v
}

// netplanDoc computes the wanted document from the file's current text and
// the arguments. It returns the new document; the caller compares meaning.
func netplanDoc(current string, a module.Args) (omap, error) {
	var doc omap
	if strings.TrimSpace(current) != "" {
		nodes, err := yamlnode.Parse("netplan", []byte(current))
		if err != nil {
			return nil, fmt.Errorf("parse the current file: %w", err)
		}
		if len(nodes) > 0 {
			d, ok := fromNode(nodes[0]).(omap)
			if !ok && nodes[0] != nil && nodes[0].Value != nil {
				return nil, fmt.Errorf("the current file is not a mapping")
			}
			doc = d
		}
	}
	netv, _ := doc.get("network")
	net, _ := netv.(omap)
	if netv != nil && net == nil {
		return nil, fmt.Errorf("network: in the current file is not a mapping")
	}
	want := omap{{"version", a.Int("version")}}
	if r := a.String("renderer"); r != "" {
		want = append(want, okv{"renderer", r})
	}
	for _, s := range netplanSections {
		if m := a.Map(s); m != nil {
			want = append(want, okv{s, fromPlain(m)})
		}
	}
	merged := mergeInto(net, want).(omap)
	var out any = merged
	for _, p := range a.List("remove") {
		out, _ = removePath(out, strings.Split(p, "."))
	}
	// Sections emptied by remove go too, rather than linger as "{}".
	res := out.(omap)
	clean := res[:0:0]
	for _, kv := range res {
		if m, ok := kv.Val.(omap); ok && len(m) == 0 {
			continue
		}
		clean = append(clean, kv)
	}
	if _, i := doc.get("network"); i >= 0 {
		doc = append(omap(nil), doc...)
		doc[i].Val = clean
	} else {
		doc = append(doc, okv{"network", clean})
	}
	return doc, nil
}

func renderNetplan(doc omap) (string, error) {
	b, err := yaml.MarshalWithOptions(toMapSlice(doc), yaml.Indent(2), yaml.IndentSequence(true))
	if err != nil {
		return "", fmt.Errorf("render YAML: %w", err)
	}
	return string(b), nil
}

func netplanPath(a module.Args) string {
	if p := a.String("path"); p != "" {
		return p
	}
	return fmt.Sprintf("/etc/netplan/%02d-%s.yaml", a.Int("priority"), a.String("name"))
}

// netplanValidateScript builds a root with the current configuration and
// the new file (on stdin) and runs netplan generate on it.
func netplanValidateScript(p string) string {
	return `set -e
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
for x in /etc/netplan /run/netplan /lib/netplan; do
  mkdir -p "$d$x"
  if [ -d "$x" ]; then for f in "$x"/*.yaml; do [ -e "$f" ] && cp -p "$f" "$d$x/"; done; fi
done
f="$d/etc/netplan/"` + hostcmd.Quote(path.Base(p)) + `
cat >"$f"; chmod 600 "$f"
netplan generate --root-dir "$d"
`
}

func (Netplan) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	p := netplanPath(c.Args)
	r := module.Result{}
	r.Set("path", p)
	fi, err := c.Host.ReadFile(ctx, p, true)
	if err != nil {
		return module.Result{}, fmt.Errorf("netplan: %w", err)
	}
	if fi.Exists && fi.Type != "file" {
		return module.Result{Failed: true, Msg: fmt.Sprintf("%s is a %s, not a file", p, fi.Type)}, nil
	}
	before := string(fi.Content)
	if c.Args.String("state") == "absent" {
		if !fi.Exists {
			return r, nil
		}
		r.Changed = true
		if c.Diff {
			r.Diffs = []module.Diff{{BeforeHeader: p + " (before)", AfterHeader: p + " (absent)", Before: before, After: ""}}
		}
		if c.Check {
			return r, nil
		}
		o, err := c.Host.Run(ctx, hostcmd.Cmd{Script: "rm -f -- " + hostcmd.Quote(p), Become: c.Become})
		if err != nil {
			return module.Result{}, fmt.Errorf("netplan: %w", err)
		}
		if o.ExitCode != 0 {
			return module.Result{Failed: true, Msg: fmt.Sprintf("rm %s failed (exit %d): %s", p, o.ExitCode, strings.TrimSpace(string(o.Stderr)))}, nil
		}
		return netplanActivate(ctx, c, r)
	}
	doc, err := netplanDoc(before, c.Args)
	if err != nil {
		return module.Result{Failed: true, Msg: fmt.Sprintf("%s: %v", p, err)}, nil
	}
	after, err := renderNetplan(doc)
	if err != nil {
		return module.Result{Failed: true, Msg: err.Error()}, nil
	}
	sameMeaning := false
	if fi.Exists {
		if nodes, err := yamlnode.Parse("netplan", []byte(before)); err == nil && len(nodes) > 0 {
			sameMeaning = reflect.DeepEqual(toPlain(fromNode(nodes[0])), toPlain(doc))
		}
	}
	modeOK := fi.Exists && fi.Mode.Perm() == 0o600
	if sameMeaning && modeOK {
		return r, nil
	}
	content := after
	if sameMeaning {
		content = before // only the mode is wrong: keep the user's text
	}
	o, err := c.Host.Run(ctx, hostcmd.Cmd{Script: netplanValidateScript(p), Stdin: []byte(content), Become: c.Become})
	if err != nil {
		return module.Result{}, fmt.Errorf("netplan: validate: %w", err)
	}
	if o.ExitCode != 0 {
		return module.Result{Failed: true, Msg: fmt.Sprintf("netplan generate rejected the new %s (exit %d), file left unchanged: %s", p, o.ExitCode, strings.TrimSpace(string(o.Stderr)))}, nil
	}
	if err := c.Host.WriteFile(ctx, p, []byte(content), hostcmd.WriteOptions{Mode: 0o600, Become: c.Become}); err != nil {
		return module.Result{Failed: true, Msg: err.Error()}, nil
	}
	r.Changed = true
	if c.Diff {
		if before != content {
			r.Diffs = append(r.Diffs, module.Diff{BeforeHeader: p + " (before)", AfterHeader: p + " (after)", Before: before, After: content})
		}
		if !modeOK {
			old := "absent"
			if fi.Exists {
				old = fmt.Sprintf("%04o", uint32(fi.Mode.Perm()))
			}
			r.Diffs = append(r.Diffs, module.Diff{BeforeHeader: p + " (mode)", AfterHeader: p + " (mode)", Before: "mode: " + old + "\n", After: "mode: 0600\n"})
		}
	}
	if c.Check {
		return r, nil
	}
	return netplanActivate(ctx, c, r)
}

// netplanActivate runs netplan apply or try after a change, when asked.
func netplanActivate(ctx context.Context, c *module.Call, r module.Result) (module.Result, error) {
	if c.Args.Bool("apply") {
		o, err := c.Host.Run(ctx, hostcmd.Cmd{Script: "netplan apply", Become: c.Become})
		if err != nil {
			return module.Result{}, fmt.Errorf("netplan apply: %w", err)
		}
		r.Set("apply_rc", o.ExitCode)
		if o.ExitCode != 0 {
			r.Failed = true
			r.Msg = fmt.Sprintf("netplan apply failed (exit %d): %s", o.ExitCode, strings.TrimSpace(string(o.Stderr)))
		}
		return r, nil
	}
	if !c.Args.Bool("try") {
		return r, nil
	}
	t := c.Args.Int("try_timeout")
	if t <= 0 {
		t = 120
	}
	ts := strconv.Itoa(t)
	// netplan try waits for ENTER on a terminal, or SIGUSR1 once it has
	// touched its ready stamp (what netplan-dbus sends). It runs detached,
	// its stdin held open by a sleep so it never sees EOF.
	start := `st=/run/haplay-netplan-try; rm -rf "$st"; mkdir -p "$st"
rm -f /run/netplan/netplan-try.ready
setsid sh -c 'sleep ` + ts + `0 | netplan try --timeout ` + ts + ` >"$0/log" 2>&1 & echo $! >"$0/pid"; wait $!; echo $? >"$0/rc"' "$st" </dev/null >/dev/null 2>&1 &
i=0
while [ ! -e /run/netplan/netplan-try.ready ]; do
  if [ -e "$st/rc" ]; then cat "$st/log" >&2; exit "$(cat "$st/rc")"; fi
  i=$((i+1)); [ $i -lt ` + strconv.Itoa(t*10) + ` ] || { echo "netplan try never became ready" >&2; exit 1; }
  sleep 0.1
done
`
	o, err := c.Host.Run(ctx, hostcmd.Cmd{Script: start, Become: c.Become})
	if err != nil {
		return module.Result{}, fmt.Errorf("netplan try: %w", err)
	}
	if o.ExitCode != 0 {
		r.Failed = true
		r.Msg = fmt.Sprintf("netplan try failed (exit %d): %s", o.ExitCode, strings.TrimSpace(string(o.Stderr)))
		return r, nil
	}
	// A second command: reaching the host after the change is the test.
	confirm := `st=/run/haplay-netplan-try
kill -USR1 "$(cat "$st/pid")"
i=0; while [ ! -e "$st/rc" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
cat "$st/log"; exit "$(cat "$st/rc" 2>/dev/null || echo 1)"
`
	o, err = c.Host.Run(ctx, hostcmd.Cmd{Script: confirm, Become: c.Become})
	if err != nil {
		return module.Result{}, fmt.Errorf("netplan try: confirming (netplan rolls back in %d s): %w", t, err)
	}
	r.Set("try_output", string(o.Stdout))
	if o.ExitCode != 0 || !strings.Contains(string(o.Stdout), "accepted") {
		r.Failed = true
		r.Msg = fmt.Sprintf("netplan try did not accept the configuration (exit %d): %s", o.ExitCode, strings.TrimSpace(string(o.Stdout)+string(o.Stderr)))
	}
	return r, nil
}
