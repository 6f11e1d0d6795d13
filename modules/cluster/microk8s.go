package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/jinja"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules/internal/hostscript"
)

// MicroK8s joins hosts to a MicroK8s cluster and enables addons (haplay's
// own module: seeds 000 and 001 do this by hand, one node at a time).
type MicroK8s struct {
	// joins serialises joins per primary across the hosts of a task: the
	// seeds add nodes one by one, and dqlite wants it so.
	joins *KeyedLocks
}

var _ module.Module = (*MicroK8s)(nil)

// NewMicroK8s returns the module with its own join locks (one per run).
func NewMicroK8s() *MicroK8s { return &MicroK8s{joins: &KeyedLocks{}} }

func (*MicroK8s) Name() string { return "microk8s" }

func (*MicroK8s) Spec() module.Spec {
	return module.Spec{
		Short: "Join hosts to a MicroK8s cluster one at a time and manage its addons",
		Description: "With primary set, makes this host a member (state=present) of the cluster the primary " +
			"belongs to, or takes it out (state=absent). To join, it runs `microk8s add-node --token-ttl N " +
			"--format json` on the primary over the primary's connection, then `microk8s join IP:25000/TOKEN/HASH " +
			"[--worker]` here. Joins of one primary happen one at a time even when the play runs hosts in " +
			"parallel (seed 000: \"add servers to the cluster one by one\"). Membership is read from the " +
			"primary's `microk8s kubectl get nodes -o json`: a node already there is left alone, and a join " +
			"answered \"already known to dqlite\" counts as joined. state=absent runs `microk8s leave` here and " +
			"`microk8s remove-node` on the primary. addons are enabled (or, with addons_state=disabled, " +
			"disabled) one at a time on the primary, or here without primary; `metallb:10.0.0.5/32` passes " +
			"its arguments on enable, but MicroK8s does not report them back, so an enabled addon is left as " +
			"it is. The host running the task must have microk8s on its PATH.",
		Args: []module.Arg{
			{Name: "state", Type: module.TypeStr, Default: "present", Choices: []string{"present", "absent"}, Doc: "membership of this host in the primary's cluster"},
			{Name: "primary", Type: module.TypeStr, Doc: "inventory name of the node that issues join tokens (the bootstrap node); empty: this host alone, addons only"},
			{Name: "worker", Type: module.TypeBool, Default: false, Doc: "join as a worker node without the control plane (microk8s join --worker)"},
			{Name: "token_ttl", Type: module.TypeInt, Default: 300, Doc: "seconds the join token stays valid (microk8s add-node --token-ttl)"},
			{Name: "addons", Type: module.TypeList, Elements: module.TypeStr, Doc: "addons: dns, ingress, metallb:IP/32, ..."},
			{Name: "addons_state", Type: module.TypeStr, Default: "enabled", Choices: []string{"enabled", "disabled"}, Doc: "enable or disable the addons"},
			{Name: "microk8s", Type: module.TypePath, Default: "microk8s", Doc: "the microk8s command"},
		},
		Check: func(a module.Args, final bool) []module.ArgError {
			if v, ok := a["token_ttl"]; ok && !jinja.IsTemplated(v) && a.Int("token_ttl") == 0 {
				return []module.ArgError{{Arg: "token_ttl", Msg: "token_ttl must be positive (seconds), or -1 for a one-time token"}}
			}
			return nil
		},
		Examples: `# Seed 001: the first node bootstraps, the others join it one by one,
# three managers, the rest workers; then dns, ingress and the shared IP.
- name: MicroK8s cluster
  microk8s:
    primary: "{{ groups['k8s'][0] }}"
    worker: "{{ inventory_hostname not in groups['k8s'][:3] }}"

- name: Addons (seed 001)
  microk8s:
    primary: "{{ groups['k8s'][0] }}"
    addons: [dns, ingress, "metallb:{{ shared_ip }}/32"]
  run_once: true

# Seed 000, step 2: elma365ctl add-node is microk8s add-node underneath.
- name: Join the ELMA365 nodes
  microk8s:
    primary: elma365-1`,
	}
}

// mk8sStatus is what one read learns about a node.
type mk8sStatus struct {
	Hostname string
	Worker   bool // "acting as a node in a cluster": joined as a worker
	Running  bool
	Nodes    []mk8sNode
	Addons   map[string]bool // addon -> enabled
}

type mk8sNode struct {
	Name   string
	IP     string
	Ready  bool
	Worker bool
}

const mk8sSep = "----haplay-microk8s----"

// readMicroK8s reads hostname, status and node list in one command.
func readMicroK8s(ctx context.Context, h module.Host, bin string, become hostcmd.Become) (mk8sStatus, error) {
	m := hostcmd.Quote(bin)
	script := "hostname\necho " + mk8sSep + "\n" + m + " status --format yaml 2>&1; echo \"rc=$?\"\necho " + mk8sSep + "\n" +
		m + " kubectl get nodes -o json 2>&1; echo \"rc=$?\""
	out, err := h.Run(ctx, hostcmd.Cmd{Script: script, Become: become})
	if err != nil {
		return mk8sStatus{}, err
	}
	return parseMicroK8sRead(string(out.Stdout))
}

func parseMicroK8sRead(s string) (mk8sStatus, error) {
	parts := strings.Split(s, mk8sSep+"\n")
	if len(parts) != 3 {
		return mk8sStatus{}, fmt.Errorf("unexpected output reading microk8s state: %q", s)
	}
	st := mk8sStatus{Hostname: strings.TrimSpace(parts[0]), Addons: map[string]bool{}}
	body, rc := cutRC(parts[1])
	switch {
	case strings.Contains(body, "acting as a node in a cluster"):
		st.Worker, st.Running = true, true
	case rc == "127" || strings.Contains(body, "not found"):
		return st, fmt.Errorf("microk8s is not installed: %s", strings.TrimSpace(body))
	default:
		var y struct {
			Microk8s struct {
				Running any `yaml:"running"`
			} `yaml:"microk8s"`
			Addons []struct {
				Name   string `yaml:"name"`
				Status string `yaml:"status"`
			} `yaml:"addons"`
		}
		if err := yaml.Unmarshal([]byte(body), &y); err != nil {
			return st, fmt.Errorf("microk8s status --format yaml (exit %s): %v: %s", rc, err, strings.TrimSpace(body))
		}
		st.Running = fmt.Sprint(y.Microk8s.Running) == "true" || fmt.Sprint(y.Microk8s.Running) == "True"
		for _, a := range y.Addons {
			st.Addons[a.Name] = a.Status == "enabled"
		}
	}
	nodes, rc := cutRC(parts[2])
	if !st.Worker && rc == "0" {
		ns, err := parseKubectlNodes(nodes)
		if err != nil {
			return st, err
		}
		st.Nodes = ns
	}
	return st, nil
}

func cutRC(s string) (string, string) {
	s = strings.TrimRight(s, "\n")
	i := strings.LastIndex(s, "rc=")
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(s[i+3:])
}

func parseKubectlNodes(s string) ([]mk8sNode, error) {
	var l struct {
		Items []struct {
			Metadata struct {
				Name   string            `json:"name"`
				Labels map[string]string `json:"labels"`
			} `json:"metadata"`
			Status struct {
				Addresses []struct {
					Type, Address string
				} `json:"addresses"`
				Conditions []struct {
					Type, Status string
				} `json:"conditions"`
			} `json:"status"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(s), &l); err != nil {
		return nil, fmt.Errorf("kubectl get nodes -o json: %v", err)
	}
	var out []mk8sNode
	for _, it := range l.Items {
		n := mk8sNode{Name: it.Metadata.Name}
		_, n.Worker = it.Metadata.Labels["node.kubernetes.io/microk8s-worker"]
		for _, a := range it.Status.Addresses {
			if a.Type == "InternalIP" {
				n.IP = a.Address
			}
		}
		for _, c := range it.Status.Conditions {
			if c.Type == "Ready" {
				n.Ready = c.Status == "True"
			}
		}
		out = append(out, n)
	}
	return out, nil
}

func (st mk8sStatus) node(name string) (mk8sNode, bool) {
	for _, n := range st.Nodes {
		if n.Name == name {
			return n, true
		}
	}
	return mk8sNode{}, false
}

// addNodeURL picks the join URL from `add-node --format json`: the one on
// the primary's own address when it is among them, else the first.
func addNodeURL(out string, prefer string) (string, error) {
	var j struct {
		Token string   `json:"token"`
		URLs  []string `json:"urls"`
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil || len(j.URLs) == 0 {
		return "", fmt.Errorf("microk8s add-node --format json gave no join URL: %q", strings.TrimSpace(out))
	}
	for _, u := range j.URLs {
		if prefer != "" && strings.HasPrefix(u, prefer+":") {
			return u, nil
		}
	}
	return j.URLs[0], nil
}

// Run brings this node's membership of primary's cluster to state, then
// the addons (on primary when it is set). Each step decides from the state
// read; outside check mode it acts at once, as a join must happen under
// the primary's lock before the next host reads the membership.
func (m *MicroK8s) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	bin := c.Args.String("microk8s")
	me, err := readMicroK8s(ctx, c.Host, bin, c.Become)
	if err != nil {
		if hostcmd.IsUnreachable(err) {
			return module.Result{}, err
		}
		return module.Result{Failed: true, Msg: fmt.Sprintf("%s: %v", c.Host.Name(), err)}, nil
	}
	r := module.Result{}
	ch := mk8sChanges{actions: []string{}}
	primaryName := c.Args.String("primary")
	addonHost, addonStatus := c.Host, me
	if primaryName != "" && primaryName != c.Host.Name() {
		if c.Hosts == nil {
			return module.Result{Failed: true, Msg: fmt.Sprintf("primary %q: this runner cannot reach other hosts from a module", primaryName)}, nil
		}
		primary, err := c.Hosts(primaryName)
		if err != nil {
			return module.Result{Failed: true, Msg: fmt.Sprintf("primary %q: %v", primaryName, err)}, nil
		}
		// Joins of one primary run one at a time: the membership read, the
		// token and the join happen under the lock, so a second host sees
		// the first one's join.
		unlock := m.joins.Lock(primaryName)
		defer unlock()
		pst, err := m.membership(ctx, c, &r, &ch, primary, bin, me)
		if err != nil {
			return hostscript.FailedOr(module.Result{}, err)
		}
		addonHost, addonStatus = primary, pst
	} else if c.Args.String("state") == "absent" && primaryName == "" {
		return module.Result{Failed: true, Msg: "state=absent needs primary: the node that removes this one (microk8s remove-node)"}, nil
	}
	if err := mk8sAddons(ctx, c, &ch, addonHost, addonStatus, bin); err != nil {
		return hostscript.FailedOr(module.Result{}, err)
	}
	r.Changed = len(ch.actions) > 0
	r.Set("node", me.Hostname)
	r.Set("actions", ch.actions)
	if r.Changed {
		r.Msg = strings.Join(ch.actions, ", ")
		if c.Diff {
			r.Diffs = []module.Diff{{BeforeHeader: "microk8s (before)", AfterHeader: "microk8s (after)",
				Before: strings.Join(ch.before, "\n") + "\n", After: strings.Join(ch.after, "\n") + "\n"}}
		}
	} else {
		r.Msg = "nothing to do"
	}
	return r, nil
}

// mk8sChanges collects what a task changed (in check mode, would change):
// the message's actions and the diff's lines.
type mk8sChanges struct {
	actions, before, after []string
}

func (ch *mk8sChanges) add(before, after, action string) {
	ch.before = append(ch.before, before)
	ch.after = append(ch.after, after)
	ch.actions = append(ch.actions, action)
}

// membership joins this node to primary's cluster or removes it, and
// returns the primary's status as read.
func (m *MicroK8s) membership(ctx context.Context, c *module.Call, r *module.Result, ch *mk8sChanges, primary module.Host, bin string, me mk8sStatus) (mk8sStatus, error) {
	primaryName := c.Args.String("primary")
	pst, err := readMicroK8s(ctx, primary, bin, c.Become)
	if err != nil {
		if hostcmd.IsUnreachable(err) {
			return pst, err
		}
		return pst, hostscript.Failf("primary %s: %v", primaryName, err)
	}
	if pst.Worker {
		return pst, hostscript.Failf("primary %s is a worker node: name a control plane node", primaryName)
	}
	node, member := pst.node(me.Hostname)
	if member && !node.Ready {
		// Left (microk8s leave) but not removed: a join brings it back.
		member = false
	}
	want := c.Args.String("state")
	role := map[bool]string{true: "worker", false: "control plane"}
	switch {
	case want == "present" && member:
		if node.Worker != c.Args.Bool("worker") {
			r.Set("warnings", []string{fmt.Sprintf("%s is in the cluster as a %s node; worker=%v asks for a %s node: leave and join again to change it",
				me.Hostname, role[node.Worker], c.Args.Bool("worker"), role[c.Args.Bool("worker")])})
		}
	case want == "present":
		ch.add("member of "+primaryName+"'s cluster: no", "member of "+primaryName+"'s cluster: yes ("+role[c.Args.Bool("worker")]+")",
			"joined "+primaryName+"'s cluster as a "+role[c.Args.Bool("worker")]+" node")
		if c.Check {
			return pst, nil
		}
		res, done, err := m.join(ctx, c, primary, bin, pst)
		if err != nil {
			return pst, err
		}
		if done {
			return pst, &hostscript.Failure{Msg: res.Msg}
		}
		if res.Msg != "" {
			// dqlite knew the node already: joined, nothing changed.
			ch.before, ch.after, ch.actions = nil, nil, []string{}
			r.Set("warnings", []string{res.Msg})
		}
	case want == "absent" && (member || hasNode(pst, me.Hostname)):
		ch.add("member of "+primaryName+"'s cluster: yes", "member of "+primaryName+"'s cluster: no", "left "+primaryName+"'s cluster")
		if c.Check {
			return pst, nil
		}
		return pst, mk8sLeave(ctx, c, primary, bin, me.Hostname, member)
	}
	return pst, nil
}

// mk8sLeave makes a member leave, then removes it on the primary.
func mk8sLeave(ctx context.Context, c *module.Call, primary module.Host, bin, hostname string, member bool) error {
	if member {
		out, err := c.Host.Run(ctx, hostcmd.Cmd{Argv: []string{bin, "leave"}, Become: c.Become})
		if err != nil {
			return err
		}
		if out.ExitCode != 0 {
			return hostscript.Failf("microk8s leave on %s: exit %d: %s", c.Host.Name(), out.ExitCode, strings.TrimSpace(string(out.Stdout)+string(out.Stderr)))
		}
	}
	out, err := primary.Run(ctx, hostcmd.Cmd{Argv: []string{bin, "remove-node", hostname}, Become: c.Become})
	if err != nil {
		return err
	}
	if out.ExitCode != 0 {
		return hostscript.Failf("microk8s remove-node %s on %s: exit %d: %s", hostname, c.Args.String("primary"), out.ExitCode, strings.TrimSpace(string(out.Stdout)+string(out.Stderr)))
	}
	return nil
}

// mk8sAddons enables or disables the addons on h, one command each.
func mk8sAddons(ctx context.Context, c *module.Call, ch *mk8sChanges, h module.Host, st mk8sStatus, bin string) error {
	addons := c.Args.List("addons")
	if len(addons) == 0 {
		return nil
	}
	if st.Worker {
		return hostscript.Failf("%s is a worker node: addons are managed on a control plane node (set primary)", h.Name())
	}
	enable := c.Args.String("addons_state") == "enabled"
	for _, a := range addons {
		name, _, _ := strings.Cut(a, ":")
		name = strings.TrimPrefix(name, "core/")
		on, known := st.Addons[name]
		if !known && len(st.Addons) > 0 {
			return hostscript.Failf("addon %q is not available (microk8s status lists: %s)", name, strings.Join(sortedKeys(st.Addons), ", "))
		}
		if on == enable {
			continue
		}
		verb := map[bool]string{true: "enable", false: "disable"}[enable]
		ch.add(fmt.Sprintf("addon %s: %sd", name, map[bool]string{true: "enable", false: "disable"}[on]), fmt.Sprintf("addon %s: %sd", name, verb), verb+"d "+name)
		if c.Check {
			continue
		}
		arg := a
		if !enable {
			arg = name // disable takes no arguments
		}
		out, err := h.Run(ctx, hostcmd.Cmd{Argv: []string{bin, verb, arg}, Become: c.Become})
		if err != nil {
			return err
		}
		if out.ExitCode != 0 {
			return hostscript.Failf("microk8s %s %s on %s: exit %d: %s", verb, arg, h.Name(), out.ExitCode, strings.TrimSpace(string(out.Stdout)+string(out.Stderr)))
		}
	}
	return nil
}

func hasNode(st mk8sStatus, name string) bool { _, ok := st.node(name); return ok }

// join gets a token on the primary and joins with it here. done=true
// means the result is final (a failure); a Msg without done means dqlite
// already knew the node.
func (m *MicroK8s) join(ctx context.Context, c *module.Call, primary module.Host, bin string, pst mk8sStatus) (module.Result, bool, error) {
	fail := func(format string, a ...any) (module.Result, bool, error) {
		return module.Result{Failed: true, Msg: fmt.Sprintf(format, a...)}, true, nil
	}
	ttl := fmt.Sprint(c.Args.Int("token_ttl"))
	out, err := primary.Run(ctx, hostcmd.Cmd{Argv: []string{bin, "add-node", "--token-ttl", ttl, "--format", "json"}, Become: c.Become})
	if err != nil {
		return module.Result{}, true, err
	}
	if out.ExitCode != 0 {
		return fail("microk8s add-node on %s: exit %d: %s", primary.Name(), out.ExitCode, strings.TrimSpace(string(out.Stdout)+string(out.Stderr)))
	}
	prefer := ""
	if n, ok := pst.node(pst.Hostname); ok {
		prefer = n.IP
	}
	url, err := addNodeURL(string(out.Stdout), prefer)
	if err != nil {
		return fail("%v", err)
	}
	argv := []string{bin, "join", url}
	if c.Args.Bool("worker") {
		argv = append(argv, "--worker")
	}
	jo, err := c.Host.Run(ctx, hostcmd.Cmd{Argv: argv, Become: c.Become})
	if err != nil {
		return module.Result{}, true, err
	}
	text := string(jo.Stdout) + string(jo.Stderr)
	if jo.ExitCode != 0 && !strings.Contains(text, "already known to dqlite") {
		// The token in the URL is secret: name the command without it.
		return fail("microk8s join %s:25000/<token>%s on %s: exit %d: %s", strings.Split(url, ":")[0],
			map[bool]string{true: " --worker", false: ""}[c.Args.Bool("worker")], c.Host.Name(), jo.ExitCode, strings.TrimSpace(text))
	}
	if jo.ExitCode != 0 {
		return module.Result{Msg: "join answered: " + strings.TrimSpace(text)}, false, nil
	}
	return module.Result{}, false, nil
}

// sortedKeys is for deterministic output.
func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
