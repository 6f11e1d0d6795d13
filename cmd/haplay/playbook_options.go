package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-multierror"
	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/haplay/haplay/engine/connection"
	"github.com/haplay/haplay/engine/inventory"
	"github.com/haplay/haplay/engine/playbook"
	"github.com/haplay/haplay/engine/report"
	"github.com/haplay/haplay/engine/runner"
	"github.com/haplay/haplay/engine/template"
	"github.com/haplay/haplay/engine/vendor"
	"github.com/haplay/haplay/engine/yamlnode"
	"github.com/haplay/haplay/modules"
)

// playbookOptions are the flags shared by run, plan and check, named as
// ansible-playbook names them.
type playbookOptions struct {
	global          *globalOptions
	inventories     []string
	limit           []string
	forks           int
	check           bool
	diff            bool
	tags            []string
	skipTags        []string
	startAt         string
	listHosts       bool
	listTasks       bool
	extraVars       []string
	knownHosts      []string
	hostKeyChecking string
	timeout         time.Duration
	rolesPath       []string
	output          string
	plan            bool
	ansibleExits    bool   // run --ansible-exit-codes (exitcodes.go)
	sshShells       int    // hidden: remote shells per host, -1 = channel per command
	cpuProfile      string // hidden: write a CPU profile of the run here
	stdout          io.Writer
	stderr          io.Writer
}

func addPlaybookFlags(cmd *cobra.Command, o *playbookOptions) {
	f := cmd.Flags()
	f.StringArrayVarP(&o.inventories, "inventory", "i", nil, "inventory source: file, directory or comma list (repeatable)")
	f.StringArrayVarP(&o.limit, "limit", "l", nil, "further limit hosts to a pattern, or @FILE of host names")
	f.IntVarP(&o.forks, "forks", "f", 50, "hosts to run in parallel")
	f.StringArrayVarP(&o.tags, "tags", "t", nil, "run only tasks with these tags (comma list, repeatable)")
	f.StringArrayVar(&o.skipTags, "skip-tags", nil, "skip tasks with these tags")
	f.StringVar(&o.startAt, "start-at-task", "", "start at the task with this name")
	f.BoolVar(&o.listHosts, "list-hosts", false, "list the hosts each play would run on, then stop")
	f.BoolVar(&o.listTasks, "list-tasks", false, "list the tasks each play would run, then stop")
	f.StringArrayVarP(&o.extraVars, "extra-vars", "e", nil, "extra variables: k=v, @FILE or JSON/YAML (repeatable)")
	f.StringArrayVar(&o.knownHosts, "known-hosts", nil, "extra known_hosts file (repeatable)")
	f.StringVar(&o.hostKeyChecking, "host-key-checking", "strict", "strict, accept-new or off")
	o.timeout = 10 * time.Second
	f.VarP(secondsValue{&o.timeout}, "timeout", "T", "SSH connect and handshake timeout, in seconds (ansible_ssh_timeout overrides it per host)")
	f.StringArrayVar(&o.rolesPath, "roles-path", nil, "extra role directories (repeatable; also HAPLAY_ROLES_PATH)")
	f.StringVar(&o.output, "output", "text", "output format: text or json")
	// For bench/ and profiling, not for users.
	f.IntVar(&o.sshShells, "ssh-shells", 0, "remote shells per SSH host (0 default, -1 a channel per command)")
	f.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the run to this file")
	_ = f.MarkHidden("ssh-shells")
	_ = f.MarkHidden("cpuprofile")
}

// loadedRun is a playbook and inventory ready to run.
type loadedRun struct {
	pb        *playbook.Playbook
	inv       *inventory.Inventory
	extraVars map[string]any
	registry  *modules.Registry
	templates *template.Engine
}

// load does everything that can fail before a host is contacted:
// options, inventory, extra vars, the playbook and its static checks.
func load(path string, o *playbookOptions) (*loadedRun, error) {
	if o.output != "text" && o.output != "json" {
		return nil, usageErrorf("--output %q: use text or json", o.output)
	}
	if o.forks < 1 {
		return nil, usageErrorf("--forks must be at least 1")
	}
	if _, err := connection.ParseHostKeyPolicy(o.hostKeyChecking); err != nil {
		return nil, usageErrorf("--host-key-checking: %v", err)
	}
	extra, err := parseExtraVars(o.extraVars)
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	inv, err := inventory.Load(o.inventories)
	if err != nil {
		return nil, parseError(fmt.Errorf("inventory: %w", err))
	}
	if len(o.inventories) == 0 {
		inv = inventory.New()
	}
	reg := modules.Builtin()
	eng := template.New()
	roles := append([]string{}, o.rolesPath...)
	if env := os.Getenv("HAPLAY_ROLES_PATH"); env != "" {
		roles = append(roles, filepath.SplitList(env)...)
	}
	pb, err := playbook.Load(path, playbook.Options{Modules: reg, Templates: templateChecker{eng}, RolesPath: roles,
		VendorRolesPath: vendor.RolesPath(o.inventories), CollectionsPaths: vendor.CollectionsPath(o.inventories)})
	if err != nil {
		return nil, parseError(err)
	}
	if err := promptVars(pb, extra); err != nil {
		return nil, usageErrorf("%v", err)
	}
	return &loadedRun{pb: pb, inv: inv, extraVars: extra, registry: reg, templates: eng}, nil
}

// templateChecker adapts the template engine to the loader's checks.
type templateChecker struct{ e *template.Engine }

func (c templateChecker) Check(s string) error { return c.e.CheckTemplate(s) }

// parseExtraVars reads -e values: k=v pairs, @file, or inline JSON/YAML.
func parseExtraVars(specs []string) (map[string]any, error) {
	out := map[string]any{}
	for _, s := range specs {
		s = strings.TrimSpace(s)
		switch {
		case strings.HasPrefix(s, "@"):
			docs, err := yamlnode.ParseFile(s[1:])
			if err != nil {
				return nil, fmt.Errorf("-e %s: %w", s, err)
			}
			if len(docs) > 0 {
				m, ok := docs[0].Interface().(map[string]any)
				if !ok {
					return nil, fmt.Errorf("-e %s: the file must hold a mapping", s)
				}
				for k, v := range m {
					out[k] = v
				}
			}
		case strings.HasPrefix(s, "{"):
			var m map[string]any
			if err := json.Unmarshal([]byte(s), &m); err != nil {
				docs, yerr := yamlnode.Parse("-e", []byte(s))
				if yerr != nil || len(docs) == 0 {
					return nil, fmt.Errorf("-e %s: not valid JSON or YAML: %v", s, err)
				}
				m, _ = docs[0].Interface().(map[string]any)
			}
			for k, v := range normalizeJSON(m).(map[string]any) {
				out[k] = v
			}
		default:
			words, err := modules.Shlex(s)
			if err != nil {
				return nil, fmt.Errorf("-e %q: %w", s, err)
			}
			for _, w := range words {
				k, v, ok := strings.Cut(w, "=")
				if !ok || k == "" {
					return nil, fmt.Errorf("-e %q: expected key=value, @FILE or JSON", s)
				}
				out[k] = v
			}
		}
	}
	return out, nil
}

// normalizeJSON turns JSON numbers that are whole into ints, as YAML does.
func normalizeJSON(v any) any {
	switch x := v.(type) {
	case float64:
		if x == float64(int(x)) {
			return int(x)
		}
	case map[string]any:
		for k, e := range x {
			x[k] = normalizeJSON(e)
		}
	case []any:
		for i, e := range x {
			x[i] = normalizeJSON(e)
		}
	}
	return v
}

// promptVars asks for vars_prompt values on a terminal. Under CI=true or
// without a terminal it refuses, since nobody can answer.
func promptVars(pb *playbook.Playbook, extra map[string]any) error {
	for _, p := range pb.Plays {
		for _, vp := range p.VarsPrompt {
			if _, ok := extra[vp.Name]; ok {
				continue
			}
			if os.Getenv("CI") == "true" || !term.IsTerminal(int(os.Stdin.Fd())) {
				return fmt.Errorf("%s: vars_prompt %q needs a terminal; pass it with -e %s=VALUE", p.Pos, vp.Name, vp.Name)
			}
			prompt := vp.Prompt
			if prompt == "" {
				prompt = vp.Name
			}
			fmt.Fprintf(os.Stderr, "%s: ", prompt)
			var val string
			if vp.Private {
				b, err := term.ReadPassword(int(os.Stdin.Fd()))
				fmt.Fprintln(os.Stderr)
				if err != nil {
					return fmt.Errorf("vars_prompt %q: %w", vp.Name, err)
				}
				val = string(b)
			} else if _, err := fmt.Fscanln(os.Stdin, &val); err != nil && err.Error() != "unexpected newline" {
				return fmt.Errorf("vars_prompt %q: %w", vp.Name, err)
			}
			if val == "" && vp.Default != nil {
				if p.Vars == nil {
					p.Vars = map[string]any{}
				}
				p.Vars[vp.Name] = vp.Default
				continue
			}
			if p.Vars == nil {
				p.Vars = map[string]any{}
			}
			p.Vars[vp.Name] = val
		}
	}
	return nil
}

// execute runs a loaded playbook and maps the outcome to an exit code.
func execute(ctx context.Context, lr *loadedRun, o *playbookOptions) (*runner.Recap, error) {
	policy, _ := connection.ParseHostKeyPolicy(o.hostKeyChecking)
	knownHosts := append(append([]string{}, o.knownHosts...), inventoryKnownHosts(lr.inv)...)
	hk, err := connection.NewHostKeyChecker(policy, knownHosts)
	if err != nil {
		return nil, usageErrorf("known hosts: %v", err)
	}
	pool, err := connection.NewPool(connection.PoolConfig{HostKeys: hk, ConnectTimeout: o.timeout, Shells: o.sshShells})
	if err != nil {
		return nil, err
	}
	defer pool.Close()
	pbVars, err := inventory.LoadVarsDirs(lr.pb.Dir)
	if err != nil {
		return nil, parseError(err)
	}
	var reporters report.Multi
	isTTY := false
	if f, ok := o.stdout.(*os.File); ok {
		isTTY = term.IsTerminal(int(f.Fd()))
	}
	switch o.output {
	case "json":
		reporters = append(reporters, report.NewJSON(o.stdout))
	default:
		reporters = append(reporters, report.NewText(o.stdout, report.TextOptions{
			Verbosity: o.global.verbose, Diff: o.diff, Color: isTTY, Check: o.check, Plan: o.plan}))
	}
	if o.global.logFile != "" {
		f, err := os.OpenFile(o.global.logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return nil, usageErrorf("--log-file: %v", err)
		}
		defer f.Close()
		lvl, err := zerolog.ParseLevel(o.global.logLevel)
		if err != nil {
			return nil, usageErrorf("--log-level: %v", err)
		}
		reporters = append(reporters, report.Log{L: zerolog.New(f).Level(lvl).With().Timestamp().Logger()})
	}
	limits, err := limitPatterns(o.limit)
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	// add_host and group_by change the inventory while hosts run: one
	// lock for every read and write of it during the run.
	invMu := &sync.RWMutex{}
	inv := invAdapter{inv: lr.inv, pbVars: pbVars, warn: reporters.Warn, mu: invMu}
	opts := runner.Options{
		Inventory: inv,
		Modules:   lr.registry,
		Templates: lr.templates,
		Connector: poolConnector{pool: pool, inv: lr.inv, mu: invMu},
		Reporter:  reporters,
		LoadTasks: func(path string) ([]*playbook.Task, error) {
			return playbook.LoadTasks(path, playbook.Options{Modules: lr.registry, Templates: templateChecker{lr.templates}})
		},
		Forks: o.forks, Check: o.check, Diff: o.diff, Limit: limits,
		Tags: splitAll(o.tags), SkipTags: splitAll(o.skipTags), StartAt: o.startAt,
		ExtraVars: lr.extraVars, Verbosity: o.global.verbose,
	}
	return runner.Run(ctx, lr.pb, opts)
}

func splitAll(l []string) []string {
	var out []string
	for _, s := range l {
		out = append(out, modules.SplitCommaList(s)...)
	}
	return out
}

// limitPatterns expands @FILE limits into host lists.
func limitPatterns(l []string) ([]string, error) {
	var out []string
	for _, s := range l {
		if strings.HasPrefix(s, "@") {
			data, err := os.ReadFile(s[1:])
			if err != nil {
				return nil, fmt.Errorf("--limit %s: %w", s, err)
			}
			var hosts []string
			for _, line := range strings.Split(string(data), "\n") {
				if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
					hosts = append(hosts, line)
				}
			}
			if len(hosts) == 0 {
				return nil, fmt.Errorf("--limit %s: the file lists no hosts", s)
			}
			out = append(out, strings.Join(hosts, ","))
			continue
		}
		out = append(out, s)
	}
	return out, nil
}

// exitFor maps a recap to ansible-playbook's exit codes.
func exitFor(rc *runner.Recap, err error) error {
	if rc != nil && rc.Interrupted {
		return silentExit(exitInterrupted)
	}
	if err != nil {
		return err
	}
	failed, unreachable := false, false
	for _, s := range rc.Stats {
		failed = failed || s.Failed > 0
		unreachable = unreachable || s.Unreachable > 0
	}
	switch {
	case failed:
		return silentExit(exitHostFailed)
	case unreachable:
		return silentExit(exitUnreachable)
	}
	return nil
}

// invAdapter gives the runner the inventory with the playbook's
// group_vars/host_vars merged in.
type invAdapter struct {
	inv    *inventory.Inventory
	pbVars *inventory.VarsFiles
	warn   func(string)
	mu     *sync.RWMutex
}

func (a invAdapter) Match(p string) ([]string, error) {
	a.mu.RLock()
	hosts, warnings, err := a.inv.Match(p)
	a.mu.RUnlock()
	for _, w := range warnings {
		a.warn(w)
	}
	return hosts, err
}
func (a invAdapter) HostVars(h string) map[string]any {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.inv.HostVars(h, a.pbVars)
}

func (a invAdapter) GroupNames(h string) []string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.inv.GroupNames(h)
}

func (a invAdapter) GroupHosts() map[string][]string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.inv.GroupHosts()
}

// AddHost applies add_host and group_by; nil vars keep the host's own.
func (a invAdapter) AddHost(name string, groups []string, vars map[string]any) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.inv.AddHost(name, groups, vars)
}

// poolConnector turns inventory connection vars into pooled targets.
// localhost that is not in the inventory is the controller, as in Ansible.
type poolConnector struct {
	pool *connection.Pool
	inv  *inventory.Inventory
	mu   *sync.RWMutex
}

func (c poolConnector) Target(ctx context.Context, host string, vars map[string]any) (connection.Target, error) {
	c.mu.RLock()
	known := c.inv.HasHost(host)
	c.mu.RUnlock()
	if (host == "localhost" || host == "127.0.0.1") && !known {
		return c.pool.Get(connection.HostInfo{Name: host, Connection: "local"})
	}
	ci, err := inventory.ConnectionFromVars(host, vars)
	if err != nil {
		return nil, &connection.UnreachableError{Host: host, Err: err}
	}
	pw := ""
	if v, ok := vars["ansible_password"]; ok && v != nil {
		pw = fmt.Sprint(v)
	}
	return c.pool.Get(connection.HostInfo{Name: host, Connection: ci.Connection, Address: ci.Host, Port: ci.Port,
		User: ci.User, KeyFile: ci.PrivateKeyFile, Password: pw,
		SSHArgs: ci.SSHArgs, ConnectTimeout: time.Duration(ci.Timeout) * time.Second})
}

// formatLoadError prints every load error on its own line, with a count.
func formatLoadError(err error) error {
	var me *multierror.Error
	if errors.As(err, &me) {
		me.ErrorFormat = func(es []error) string {
			var b strings.Builder
			fmt.Fprintf(&b, "%d problem(s) found before contacting any host:\n", len(es))
			for _, e := range es {
				fmt.Fprintf(&b, "  %v\n", e)
			}
			return strings.TrimRight(b.String(), "\n")
		}
	}
	return err
}
