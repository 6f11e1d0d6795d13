package runner

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/haplay/haplay/engine/connection"
	"github.com/haplay/haplay/engine/connspec"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/engine/playbook"
	"github.com/haplay/haplay/engine/template"
	"github.com/haplay/haplay/engine/yamlnode"
)

// Inventory is what the runner needs of an inventory.
type Inventory interface {
	Match(pattern string) ([]string, error)
	HostVars(host string) map[string]any
	GroupNames(host string) []string
	GroupHosts() map[string][]string
	// AddHost adds name (new or not) to groups and sets vars on it, for
	// add_host and group_by; nil vars keep the host's variables. It must
	// be safe to call while the other methods run.
	AddHost(name string, groups []string, vars map[string]any)
}

// Templater renders {{ }} strings and evaluates bare expressions.
type Templater interface {
	Render(s string, vars map[string]any) (any, error)
	Eval(expr string, vars map[string]any) (any, error)
	// RenderMarked and EvalMarked mark a result computed from unsafe data
	// (jinja.Unsafe: registered results, facts, !unsafe) Unsafe in turn.
	RenderMarked(s string, vars map[string]any) (any, error)
	EvalMarked(expr string, vars map[string]any) (any, error)
	// RenderFile renders a template file's text (the template module).
	RenderFile(text string, vars map[string]any, opts template.FileOptions) (string, error)
	// LoopLookup runs a with_<lookup> loop's lookup on its rendered terms.
	LoopLookup(name, action string, terms any, vars map[string]any) ([]any, error)
}

// Connector hands out the Target for a connection description: the same
// description gets the same Target for the whole run.
type Connector interface {
	Target(ctx context.Context, spec connection.Spec) (connection.Target, error)
}

// TaskLoader loads a task file at run time (include_tasks with a templated
// file name).
type TaskLoader func(path string) ([]*playbook.Task, error)

// Options configure a run.
type Options struct {
	Inventory Inventory
	Modules   *module.Registry
	Templates Templater
	Connector Connector
	Reporter  Reporter
	LoadTasks TaskLoader
	// Prompter is the operator's terminal (pause); nil when there is none.
	Prompter Prompter
	// YAML reads vars files at run time (vars_files, include_vars) and
	// controller files (copy and template src) with the run's vault ids.
	YAML yamlnode.Reader

	Forks     int
	Check     bool
	Diff      bool
	Limit     []string // host patterns ANDed with each play's hosts
	Tags      []string
	SkipTags  []string
	StartAt   string
	ExtraVars map[string]any
	Verbosity int
	// ResumeDir is where a stopped rollout writes its resume file; ""
	// means .haplay/ beside the playbook, where Ansible puts its retry
	// files, not the directory haplay happens to run from.
	ResumeDir string
	// InventorySources and ConfigFile are ansible_inventory_sources and
	// ansible_config_file ("" when no config file was read).
	InventorySources []string
	ConfigFile       string
	// Connection holds the connection settings of the command line and
	// ansible.cfg, below every keyword and variable (connspec.Defaults).
	Connection connspec.Defaults
	// ForceHandlers is --force-handlers: the default of the play keyword
	// force_handlers.
	ForceHandlers bool
	// Step is --step: before each task the Prompter asks whether to run
	// it. The caller makes sure there is a Prompter.
	Step bool
	// Gathering is ansible.cfg's gathering (GatherImplicit when "");
	// GatherSubset, GatherTimeout and FactPath are gathering's arguments
	// when the play sets none (ansible.cfg's gather_subset...).
	Gathering     string
	GatherSubset  []string
	GatherTimeout *int
	FactPath      string
	// FactCache keeps gathered facts between runs; nil keeps them for
	// this run only (Ansible's memory cache).
	FactCache FactCache
}

// AnsibleVersion is the ansible-core release whose behaviour haplay
// follows; ansible_version reports it, so that roles that test it with
// `version('2.9', '>=')` take the branch they take under that release.
const AnsibleVersion = "2.14.18"

// Run runs every play of pb. The returned recap is complete even when err
// is non-nil (an interrupted run).
func Run(ctx context.Context, pb *playbook.Playbook, opts Options) (*Recap, error) {
	if opts.Forks <= 0 {
		opts.Forks = 50
	}
	r := &run{
		opts:  opts,
		pb:    pb,
		recap: &Recap{Stats: map[string]*Stats{}},
		hosts: map[string]*hostState{},
		omit:  "__omit_place_holder__" + randomToken(),
	}
	r.stepping.Store(opts.Step)
	defer r.opts.Reporter.Recap(r.recap)
	defer r.jobs.wait() // background jobs (poll: 0) finish before the run ends
	for _, p := range pb.Plays {
		if interrupted(ctx) {
			r.recap.Interrupted = true
			return r.recap, ErrInterrupted
		}
		stop, err := r.runPlay(ctx, p)
		if err != nil {
			if errors.Is(err, context.Canceled) || errors.Is(err, ErrInterrupted) {
				r.recap.Interrupted = true
			}
			return r.recap, err
		}
		if stop {
			break
		}
	}
	if interrupted(ctx) {
		r.recap.Interrupted = true
		return r.recap, ErrInterrupted
	}
	return r.recap, nil
}

type run struct {
	opts  Options
	pb    *playbook.Playbook
	mu    sync.Mutex
	recap *Recap
	hosts map[string]*hostState
	omit  string
	// stepping is --step until the operator answers "continue";
	// stepMu keeps the questions of free-strategy hosts apart.
	stepping atomic.Bool
	stepMu   sync.Mutex
	jobs     asyncJobs // async tasks, for async_status
}

// hostState is what the run knows about a host across plays.
type hostState struct {
	name     string
	facts    map[string]any // set_fact (and facts modules return)
	gathered map[string]any // gather_facts
	// cacheEntry is the host's fact cache entry as last read or written,
	// and factsGathered whether gathering ran for it (this run or
	// cached), which gathering = smart asks.
	cacheEntry    map[string]any
	factsGathered bool
	registered    map[string]any
	// Flags read across hosts (free strategy, ansible_play_hosts).
	failed      atomic.Bool
	unreachable atomic.Bool
	ended       atomic.Bool // meta: end_host (for the current play)
	notified    map[string]bool
	// maybeNotified are handlers notified by tasks that could not predict
	// in check mode: the plan shows them as "cannot predict" too.
	maybeNotified map[string]bool
	// unknown are registered names whose task could not predict in check
	// mode: a task that uses one cannot predict either.
	unknown map[string]bool
	overlay overlay
}

func (r *run) host(name string) *hostState {
	r.mu.Lock()
	defer r.mu.Unlock()
	h, ok := r.hosts[name]
	if !ok {
		h = &hostState{name: name, facts: map[string]any{}, gathered: map[string]any{}, registered: map[string]any{}, notified: map[string]bool{},
			maybeNotified: map[string]bool{}, unknown: map[string]bool{}}
		r.loadCached(h)
		r.hosts[name] = h
	}
	return h
}

// stats updates a host's recap counters. A host enters the recap with its
// first result, as in ansible-playbook: hosts only delegated to, or never
// started in a stopped rollout, do not appear.
func (r *run) stats(host string, f func(s *Stats)) {
	r.host(host)
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.recap.Stats[host]
	if !ok {
		s = &Stats{}
		r.recap.Stats[host] = s
		r.recap.Hosts = append(r.recap.Hosts, host)
	}
	f(s)
}

// playHosts resolves a play's hosts: its pattern, intersected with
// --limit, in the play's order.
func (r *run) playHosts(p *playbook.Play) ([]string, error) {
	return PlayHosts(r.opts.Inventory, p, r.opts.Limit)
}

// HostMatcher resolves a host pattern to host names, in inventory order.
type HostMatcher interface {
	Match(pattern string) ([]string, error)
}

// PlayHosts chooses a play's hosts as ansible-playbook does: the hosts
// its pattern matches, kept only where every --limit pattern matches
// too, in the play's order: (inventory, reverse_inventory, sorted,
// reverse_sorted, shuffle). A run and --list-hosts both use it.
func PlayHosts(inv HostMatcher, p *playbook.Play, limits []string) ([]string, error) {
	hosts, err := inv.Match(p.Hosts)
	if err != nil {
		return nil, fmt.Errorf("play %q hosts %q: %w", p.Name, p.Hosts, err)
	}
	for _, lim := range limits {
		allowed, err := inv.Match(lim)
		if err != nil {
			return nil, fmt.Errorf("--limit %q: %w", lim, err)
		}
		set := map[string]bool{}
		for _, h := range allowed {
			set[h] = true
		}
		var kept []string
		for _, h := range hosts {
			if set[h] {
				kept = append(kept, h)
			}
		}
		hosts = kept
	}
	switch p.Order {
	case "reverse_inventory":
		for i, j := 0, len(hosts)-1; i < j; i, j = i+1, j-1 {
			hosts[i], hosts[j] = hosts[j], hosts[i]
		}
	case "sorted":
		sort.Strings(hosts)
	case "reverse_sorted":
		sort.Sort(sort.Reverse(sort.StringSlice(hosts)))
	case "shuffle":
		shuffle(hosts)
	}
	return hosts, nil
}

// batches cuts hosts by serial with Ansible's semantics: numbers or
// percentages of the play's hosts (at least 1), the last entry repeating.
func batches(hosts []string, serial []any) ([][]string, error) {
	if len(serial) == 0 {
		return [][]string{hosts}, nil
	}
	var out [][]string
	i := 0
	for rest := hosts; len(rest) > 0; i++ {
		spec := serial[min(i, len(serial)-1)]
		n, err := serialSize(spec, len(hosts))
		if err != nil {
			return nil, err
		}
		if n <= 0 || n > len(rest) {
			n = len(rest)
		}
		out = append(out, rest[:n])
		rest = rest[n:]
	}
	return out, nil
}

func serialSize(spec any, total int) (int, error) {
	switch v := spec.(type) {
	case int:
		return v, nil
	case string:
		if strings.HasSuffix(v, "%") {
			var pct float64
			if _, err := fmt.Sscanf(strings.TrimSuffix(v, "%"), "%g", &pct); err != nil {
				return 0, fmt.Errorf("serial %q is not a percentage", v)
			}
			n := int(math.Floor(float64(total) * pct / 100))
			return max(n, 1), nil
		}
		var n int
		if _, err := fmt.Sscanf(v, "%d", &n); err != nil {
			return 0, fmt.Errorf("serial %q is not a number", v)
		}
		return n, nil
	}
	return 0, fmt.Errorf("serial %v is not a number or percentage", spec)
}

// writeResume writes the hosts never started to a file usable as
// --limit @FILE, and returns its path ("" when it could not, with a
// warning: the stop itself is still reported).
func (r *run) writeResume(play *playbook.Play, hosts []string) string {
	dir := r.opts.ResumeDir
	if dir == "" {
		dir = filepath.Join(r.pb.Dir, ".haplay")
	}
	name := strings.TrimSuffix(filepath.Base(r.pb.Path), filepath.Ext(r.pb.Path)) + ".resume"
	p := filepath.Join(dir, name)
	err := os.MkdirAll(dir, 0o755)
	if err == nil {
		err = os.WriteFile(p, []byte(strings.Join(hosts, "\n")+"\n"), 0o644)
	}
	if err != nil {
		r.opts.Reporter.Warn(fmt.Sprintf("could not write the resume file (--resume-dir chooses where): %v", err))
		return ""
	}
	return p
}
