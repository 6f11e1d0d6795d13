package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules/internal/hostscript"
)

// DockerSwarm initialises, joins and leaves a Docker swarm
// (community.docker.docker_swarm) with the docker CLI.
type DockerSwarm struct{}

var _ module.Module = DockerSwarm{}

func (DockerSwarm) Name() string { return "docker_swarm" }

func (DockerSwarm) Spec() module.Spec {
	return module.Spec{
		Short: "Initialise, join or leave a Docker swarm",
		Description: "Reads the node's swarm state with `docker info --format '{{json .Swarm}}'` and acts only on " +
			"the difference: present runs `docker swarm init` on a node in no swarm, join runs `docker swarm " +
			"join --token ... REMOTE` on a node in no swarm, absent runs `docker swarm leave` (--force for a " +
			"manager, which force allows), remove runs `docker node rm` on a manager. Whether a node joins as " +
			"manager or worker is decided by the token (docker_swarm_token gives both); role, a haplay " +
			"extension, states which one you expect and fails when the node is in the swarm with the other. " +
			"On a manager it warns when the number of managers is even or below three, quoting seed 002's " +
			"quorum table.",
		Args: append(append(append([]module.Arg{
			{Name: "state", Type: module.TypeStr, Default: "present", Choices: []string{"present", "join", "absent", "remove"}, Doc: "present: be a manager of a swarm (init one); join: join remote_addrs; absent: leave; remove: remove node_id from the swarm (on a manager)"},
			{Name: "advertise_addr", Type: module.TypeStr, Doc: "address advertised to other nodes (docker swarm init/join --advertise-addr)"},
			{Name: "listen_addr", Type: module.TypeStr, Default: "0.0.0.0:2377", Doc: "listen address for swarm traffic"},
			{Name: "join_token", Type: module.TypeStr, NoLog: true, Doc: "the worker or manager token (state=join)"},
			{Name: "remote_addrs", Type: module.TypeList, Elements: module.TypeStr, Doc: "managers to join (state=join), e.g. [\"10.0.0.1:2377\"]"},
			{Name: "force", Type: module.TypeBool, Default: false, Doc: "absent: leave even as a manager; remove: remove a node that is not down"},
			{Name: "node_id", Type: module.TypeStr, Doc: "node ID or hostname to remove (state=remove)"},
			{Name: "role", Type: module.TypeStr, Choices: []string{"manager", "worker"}, Doc: "haplay: the role the node must have in the swarm (checked after join)"},
			{Name: "default_addr_pool", Type: module.TypeList, Elements: module.TypeStr, Doc: "address pools for overlay networks (init)"},
			{Name: "subnet_size", Type: module.TypeInt, Doc: "subnet size of the default address pools (init)"},
			{Name: "data_path_port", Type: module.TypeInt, Doc: "port for data path (VXLAN) traffic (init)"},
			{Name: "docker_cli", Type: module.TypePath, Default: "docker", Doc: "the docker command"},
		}, dockerConnArgs...), swarmSpecArgs...), swarmUnsupportedArgs()...),
		Check: func(a module.Args, final bool) []module.ArgError {
			errs := checkSwarmUnsupported(a)
			switch a.String("state") {
			case "join":
				for _, k := range []string{"join_token", "remote_addrs"} {
					if _, ok := a[k]; !ok && final {
						errs = append(errs, module.ArgError{Arg: k, Msg: fmt.Sprintf("state=join needs %s", k)})
					}
				}
			case "remove":
				if _, ok := a["node_id"]; !ok && final {
					errs = append(errs, module.ArgError{Arg: "node_id", Msg: "state=remove needs node_id"})
				}
			}
			return errs
		},
		Examples: `# Seed 002: three managers, the rest workers.
- name: Enable swarm mode on the first manager
  community.docker.docker_swarm:
    state: present
    advertise_addr: "{{ ansible_host }}"
  when: inventory_hostname == groups['swarm_managers'][0]

- name: Join tokens
  docker_swarm_token: {}
  register: swarm
  delegate_to: "{{ groups['swarm_managers'][0] }}"
  run_once: true

- name: Join the others
  community.docker.docker_swarm:
    state: join
    advertise_addr: "{{ ansible_host }}"
    join_token: "{{ ('swarm_managers' in group_names) | ternary(swarm.manager, swarm.worker) }}"
    remote_addrs: ["{{ swarm.addr }}"]
    role: "{{ ('swarm_managers' in group_names) | ternary('manager', 'worker') }}"
  when: inventory_hostname != groups['swarm_managers'][0]

- name: To disable the swarm mode (seed 002)
  community.docker.docker_swarm:
    state: absent
    force: true`,
	}
}

// swarmInfo is the part of `docker info`'s Swarm the modules use.
type swarmInfo struct {
	NodeID           string `json:"NodeID"`
	NodeAddr         string `json:"NodeAddr"`
	LocalNodeState   string `json:"LocalNodeState"`
	ControlAvailable bool   `json:"ControlAvailable"`
	Error            string `json:"Error"`
	RemoteManagers   []struct {
		NodeID string `json:"NodeID"`
		Addr   string `json:"Addr"`
	} `json:"RemoteManagers"`
	Nodes    int `json:"Nodes"`
	Managers int `json:"Managers"`
	Cluster  *struct {
		ID string `json:"ID"`
	} `json:"Cluster"`
	// Join tokens, read when the node is a manager.
	WorkerToken, ManagerToken string         `json:"-"`
	Raw                       map[string]any `json:"-"`
}

func (s swarmInfo) role() string {
	if s.ControlAvailable {
		return "manager"
	}
	return "worker"
}

// readSwarm reads the swarm state and, on a manager, both join tokens, in
// one command.
func readSwarm(ctx context.Context, c *module.Call, h module.Host) (swarmInfo, string, error) {
	d := dockerShell(c.Args)
	script := "s=$(" + d + ` info --format '{{json .Swarm}}' 2>&1) || { printf '%s\n' "$s" >&2; exit 3; }
printf '%s\n' "$s"
case "$s" in *'"ControlAvailable":true'*) ` + d + ` swarm join-token -q worker && ` + d + ` swarm join-token -q manager || exit 4;; esac`
	out, err := h.Run(ctx, hostcmd.Cmd{Script: script, Become: c.Become})
	if err != nil {
		return swarmInfo{}, "", err
	}
	if out.ExitCode != 0 {
		return swarmInfo{}, fmt.Sprintf("docker info on %s: exit %d: %s", h.Name(), out.ExitCode, strings.TrimSpace(string(out.Stderr))), nil
	}
	s, perr := parseSwarm(string(out.Stdout))
	if perr != nil {
		return s, fmt.Sprintf("docker info on %s: %v", h.Name(), perr), nil
	}
	return s, "", nil
}

func parseSwarm(out string) (swarmInfo, error) {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var s swarmInfo
	if err := json.Unmarshal([]byte(lines[0]), &s); err != nil {
		return s, fmt.Errorf("unexpected swarm info %q: %v", lines[0], err)
	}
	_ = json.Unmarshal([]byte(lines[0]), &s.Raw)
	if len(lines) >= 3 {
		s.WorkerToken, s.ManagerToken = strings.TrimSpace(lines[1]), strings.TrimSpace(lines[2])
	}
	return s, nil
}

// quorumWarning explains a manager count that cannot survive failures
// well, with seed 002's table (swarm size, majority, fault tolerance).
func quorumWarning(managers int) string {
	if managers <= 0 || (managers >= 3 && managers%2 == 1) {
		return ""
	}
	majority := managers/2 + 1
	return fmt.Sprintf("the swarm has %d manager(s): a majority (quorum) is %d, so it tolerates the loss of %d. "+
		"Keep an odd number of managers, at least 3 (seed 002: size 1 -> majority 1, tolerance 0; 2 -> 2, 0; "+
		"3 -> 2, 1; 4 -> 3, 1; 5 -> 3, 2; 6 -> 4, 2)", managers, majority, managers-majority)
}

// Run reads the node's swarm state, plans the one docker command that
// brings it to state, runs it (outside check mode), and reports the
// swarm's facts as read after it.
func (DockerSwarm) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	s, msg, err := readSwarm(ctx, c, c.Host)
	if err != nil {
		return module.Result{}, err
	}
	if msg != "" {
		return module.Result{Failed: true, Msg: msg}, nil
	}
	state := c.Args.String("state")
	p, err := planSwarm(ctx, c, s)
	if err != nil {
		return hostscript.FailedOr(module.Result{}, err)
	}
	r := module.Result{Changed: len(p.argvs) > 0}
	if c.Diff && r.Changed {
		before := fmt.Sprintf("swarm: %s\n", s.LocalNodeState)
		after := map[string]string{"present": "swarm: active (manager)\n", "join": "swarm: active\n", "absent": "swarm: inactive\n"}[state]
		if state == "remove" {
			before, after = "node "+c.Args.String("node_id")+": member\n", "node "+c.Args.String("node_id")+": removed\n"
		}
		if p.before != "" || p.after != "" {
			before, after = p.before, p.after
		}
		r.Diffs = []module.Diff{{BeforeHeader: "swarm (before)", AfterHeader: "swarm (after)", Before: before, After: after}}
	}
	if r.Changed && !c.Check {
		if s, err = applySwarm(ctx, c, p.argvs); err != nil {
			return hostscript.FailedOr(module.Result{}, err)
		}
	}
	if role := c.Args.String("role"); role != "" && s.LocalNodeState == "active" && (state == "join" || state == "present") && s.role() != role {
		return module.Result{Failed: true, Msg: fmt.Sprintf("%s is a %s of the swarm, role=%s: the join token decides the role (docker swarm join-token %s), or promote/demote it on a manager",
			c.Host.Name(), s.role(), role, role)}, nil
	}
	swarmReport(&r, s, state, p.actions)
	return r, nil
}

// swarmPlan is what a task runs: the docker commands, what each does
// (the result's actions), and for an update of a swarm's settings the
// diff of them.
type swarmPlan struct {
	argvs         [][]string
	actions       []string
	before, after string
}

func (p *swarmPlan) add(argv []string, action string) {
	p.argvs = append(p.argvs, argv)
	p.actions = append(p.actions, action)
}

// planSwarm gives the docker commands that bring the node to state (none
// when it is there).
func planSwarm(ctx context.Context, c *module.Call, s swarmInfo) (swarmPlan, error) {
	var p swarmPlan
	d := dockerArgv(c.Args)
	active := s.LocalNodeState == "active"
	switch c.Args.String("state") {
	case "present":
		if active && !s.ControlAvailable {
			return p, hostscript.Failf("%s is a worker of a swarm: state=present needs a manager (leave first, or promote it)", c.Host.Name())
		}
		if !active {
			p.add(swarmInitArgv(c.Args, d), "initialised a swarm")
			return p, nil
		}
		planSwarmUpdate(c.Args, d, s, &p)
	case "join":
		if !active {
			remotes := c.Args.List("remote_addrs")
			if len(remotes) == 0 || c.Args.String("join_token") == "" {
				return p, hostscript.Failf("state=join needs join_token and remote_addrs")
			}
			argv := append(append([]string(nil), d...), "swarm", "join", "--token", c.Args.String("join_token"))
			if a := c.Args.String("advertise_addr"); a != "" {
				argv = append(argv, "--advertise-addr", a)
			}
			if a := c.Args.String("data_path_addr"); a != "" {
				argv = append(argv, "--data-path-addr", a)
			}
			argv = append(argv, "--listen-addr", c.Args.String("listen_addr"), remotes[0])
			p.add(argv, "joined the swarm at "+remotes[0])
		}
	case "absent":
		if active {
			if s.ControlAvailable && !c.Args.Bool("force") {
				return p, hostscript.Failf("%s is a swarm manager: leaving needs force: true (removing the last manager erases the swarm's state)", c.Host.Name())
			}
			argv := append(append([]string(nil), d...), "swarm", "leave")
			if c.Args.Bool("force") {
				argv = append(argv, "--force")
			}
			p.add(argv, "left the swarm")
		}
	case "remove":
		if !s.ControlAvailable {
			return p, hostscript.Failf("state=remove runs on a swarm manager; %s is not one", c.Host.Name())
		}
		argv, action, err := planSwarmRemove(ctx, c, d)
		if argv != nil {
			p.add(argv, action)
		}
		return p, err
	}
	return p, nil
}

// planSwarmUpdate changes the settings of the swarm a manager is in that
// differ from the task's, and rotates the join tokens it asks to.
func planSwarmUpdate(a module.Args, d []string, s swarmInfo, p *swarmPlan) {
	if flags, before, after := swarmSpecFlags(a, s.clusterSpec()); len(flags) > 0 {
		p.add(append(append(append([]string(nil), d...), "swarm", "update"), flags...), "updated the swarm: "+strings.Join(flags, " "))
		p.before, p.after = before, after
	}
	for _, role := range []string{"worker", "manager"} {
		if a.Bool("rotate_" + role + "_token") {
			p.add(append(append([]string(nil), d...), "swarm", "join-token", "--rotate", "-q", role), "rotated the "+role+" join token")
			p.before += role + " token: current\n"
			p.after += role + " token: rotated\n"
		}
	}
}

func swarmInitArgv(a module.Args, d []string) []string {
	argv := append(append([]string(nil), d...), "swarm", "init")
	if addr := a.String("advertise_addr"); addr != "" {
		argv = append(argv, "--advertise-addr", addr)
	}
	if addr := a.String("data_path_addr"); addr != "" {
		argv = append(argv, "--data-path-addr", addr)
	}
	flags, _, _ := swarmSpecFlags(a, nil)
	argv = append(argv, flags...)
	argv = append(argv, "--listen-addr", a.String("listen_addr"))
	for _, p := range a.List("default_addr_pool") {
		argv = append(argv, "--default-addr-pool", p)
	}
	if a.Has("subnet_size") {
		argv = append(argv, "--default-addr-pool-mask-length", fmt.Sprint(a.Int("subnet_size")))
	}
	if a.Has("data_path_port") {
		argv = append(argv, "--data-path-port", fmt.Sprint(a.Int("data_path_port")))
	}
	return argv
}

// planSwarmRemove removes node_id when the manager lists it.
func planSwarmRemove(ctx context.Context, c *module.Call, d []string) ([]string, string, error) {
	id := c.Args.String("node_id")
	ls, err := c.Host.Run(ctx, hostcmd.Cmd{Argv: append(append([]string(nil), d...), "node", "ls", "--format", "{{.ID}} {{.Hostname}}"), Become: c.Become})
	if err != nil {
		return nil, "", err
	}
	if ls.ExitCode != 0 {
		return nil, "", hostscript.Failf("docker node ls: exit %d: %s", ls.ExitCode, strings.TrimSpace(string(ls.Stderr)))
	}
	var argv []string
	var action string
	for _, l := range strings.Split(string(ls.Stdout), "\n") {
		f := strings.Fields(l)
		if len(f) == 2 && (f[0] == id || f[1] == id) {
			argv = append(append([]string(nil), d...), "node", "rm")
			if c.Args.Bool("force") {
				argv = append(argv, "--force")
			}
			argv = append(argv, id)
			action = "removed node " + id
		}
	}
	return argv, action, nil
}

// applySwarm runs the commands in turn and reads the swarm state they
// left.
func applySwarm(ctx context.Context, c *module.Call, argvs [][]string) (swarmInfo, error) {
	for _, argv := range argvs {
		out, err := c.Host.Run(ctx, hostcmd.Cmd{Argv: argv, Become: c.Become})
		if err != nil {
			return swarmInfo{}, err
		}
		if out.ExitCode != 0 {
			shown := append([]string(nil), argv...)
			for i := range shown {
				if i > 0 && shown[i-1] == "--token" {
					shown[i] = "<token>"
				}
			}
			return swarmInfo{}, hostscript.Failf("%s: exit %d: %s", strings.Join(shown, " "), out.ExitCode, strings.TrimSpace(string(out.Stderr)+string(out.Stdout)))
		}
	}
	s, msg, err := readSwarm(ctx, c, c.Host)
	if err != nil {
		return swarmInfo{}, err
	}
	if msg != "" {
		return swarmInfo{}, &hostscript.Failure{Msg: msg}
	}
	return s, nil
}

// swarmReport sets swarm_facts, actions, warnings and the message.
func swarmReport(r *module.Result, s swarmInfo, state string, actions []string) {
	var warnings []string
	if s.ControlAvailable && state != "absent" {
		if w := quorumWarning(s.Managers); w != "" {
			warnings = append(warnings, w)
		}
	}
	facts := map[string]any{}
	for k, v := range s.Raw {
		facts[k] = v
	}
	if s.ControlAvailable {
		facts["JoinTokens"] = map[string]any{"Worker": s.WorkerToken, "Manager": s.ManagerToken}
	}
	r.Set("swarm_facts", facts)
	r.Set("actions", append([]string{}, actions...))
	action := strings.Join(actions, "; ")
	if len(warnings) > 0 {
		r.Set("warnings", warnings)
	}
	switch {
	case action != "":
		r.Msg = action
	default:
		r.Msg = "swarm state as wanted (" + s.LocalNodeState + ")"
	}
	if len(warnings) > 0 {
		r.Msg += "; warning: " + strings.Join(warnings, "; ")
	}
}

// DockerSwarmToken returns a swarm's join tokens from a manager (haplay's
// own module: docker swarm join-token -q worker|manager).
type DockerSwarmToken struct{}

var _ module.Module = DockerSwarmToken{}

func (DockerSwarmToken) Name() string { return "docker_swarm_token" }

func (DockerSwarmToken) Spec() module.Spec {
	return module.Spec{
		Short: "Read a swarm's worker and manager join tokens on a manager",
		Description: "Runs on a swarm manager and returns worker and manager (the join tokens), token (the one " +
			"for role) and addr (this manager's address with port 2377, for remote_addrs). It changes nothing, " +
			"so it runs in check mode too. On a node that is not a manager it fails with Docker's message.",
		Args: []module.Arg{
			{Name: "role", Type: module.TypeStr, Default: "worker", Choices: []string{"worker", "manager"}, Doc: "which token to return as token"},
			{Name: "docker_cli", Type: module.TypePath, Default: "docker", Doc: "the docker command"},
		},
		Examples: `- name: Join tokens (seed 002: docker swarm join-token manager)
  docker_swarm_token:
    role: manager
  register: swarm
  delegate_to: "{{ groups['swarm_managers'][0] }}"
  run_once: true`,
	}
}

func (DockerSwarmToken) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	s, msg, err := readSwarm(ctx, c, c.Host)
	if err != nil {
		return module.Result{}, err
	}
	if msg != "" {
		return module.Result{Failed: true, Msg: msg}, nil
	}
	if !s.ControlAvailable && c.Check && s.LocalNodeState != "active" {
		// In check mode the swarm may only be about to be initialised by an
		// earlier task: there is no token to read yet, but the joins that
		// follow must still be predicted, so hand out marked placeholders.
		r := module.Result{Msg: "no swarm yet on " + c.Host.Name() + " (check mode): the tokens are placeholders"}
		r.Set("worker", "<worker token of the swarm to be initialised>")
		r.Set("manager", "<manager token of the swarm to be initialised>")
		r.Set("token", "<"+c.Args.String("role")+" token of the swarm to be initialised>")
		r.Set("addr", c.Host.Name()+":2377")
		return r, nil
	}
	if !s.ControlAvailable {
		return module.Result{Failed: true, Msg: fmt.Sprintf("%s is not a swarm manager (swarm state %s): join tokens are read on a manager", c.Host.Name(), s.LocalNodeState)}, nil
	}
	r := module.Result{}
	r.Set("worker", s.WorkerToken)
	r.Set("manager", s.ManagerToken)
	r.Set("token", map[string]string{"worker": s.WorkerToken, "manager": s.ManagerToken}[c.Args.String("role")])
	r.Set("addr", s.NodeAddr+":2377")
	r.Set("managers", s.Managers)
	r.Set("nodes", s.Nodes)
	if w := quorumWarning(s.Managers); w != "" {
		r.Set("warnings", []string{w})
	}
	return r, nil
}
