package system

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/jinja"
	"github.com/haplay/haplay/engine/module"
)

// Setup gathers facts about the host (ansible.builtin.setup). The runner
// runs it for gather_facts (module.FactGatherer); `- setup:` runs it as a
// task. Every chosen subset comes from one command.
type Setup struct{}

var _ module.FactGatherer = Setup{}

func (Setup) Name() string { return "setup" }

// GathersFacts: the runner gathers facts with this module, and its facts
// rank as gathered facts (below play vars).
func (Setup) GathersFacts() {}

func (Setup) Spec() module.Spec {
	return module.Spec{
		Short: "Gather facts about the host",
		Description: "Reads the host in one command and returns ansible_facts, named and shaped as Ansible's " +
			"Linux facts: the min subset (platform, distribution, lsb, user, env, date_time, dns, cmdline, fips, " +
			"selinux, apparmor, ssh_pub_keys, pkg_mgr, service_mgr, local from fact_path), and hardware, " +
			"network, virtual, loadavg and chroot. Files are read with shell builtins; programs run only where " +
			"a fact needs one (ip, date, stat, lsblk, vgs). gather_subset and filter work as in Ansible; a " +
			"subset haplay does not gather (facter, ohai, python) is an error. Never changes anything.",
		Args: []module.Arg{
			{Name: "gather_subset", Type: module.TypeList, Default: []any{"all"},
				Doc: "subsets to gather: all, min, hardware, network, virtual, loadavg, chroot, or one of min's (platform, distribution, env, date_time, ...); !name excludes one (!all leaves min, !all,!min leaves nothing); network brings distribution and platform, hardware platform, as in Ansible"},
			{Name: "filter", Type: module.TypeList, Default: []any{},
				Doc: "shell-style patterns on fact names (ansible_eth*, *_mb); only matching facts are returned"},
			{Name: "gather_timeout", Type: module.TypeInt, Default: 10, Doc: "seconds the gathering may take"},
			{Name: "fact_path", Type: module.TypePath, Default: "/etc/ansible/facts.d",
				Doc: "directory of *.fact files for ansible_local: JSON or INI; an executable one is run and its output read"},
		},
		Check: func(a module.Args, final bool) []module.ArgError {
			if jinja.HasTemplate(a["gather_subset"]) {
				return nil // checked when it runs
			}
			if _, err := chooseCollectors(a.List("gather_subset")); err != nil {
				return []module.ArgError{{Arg: "gather_subset", Msg: err.Error()}}
			}
			return nil
		},
		Examples: `- name: Gather only the network facts
  setup:
    gather_subset: ['!all', network]

- name: Memory facts only
  setup:
    filter: ['ansible_*_mb']`,
	}
}

func (Setup) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	chosen, err := chooseCollectors(c.Args.List("gather_subset"))
	if err != nil {
		return module.Result{Failed: true, Msg: "setup: " + err.Error()}, nil
	}
	facts := map[string]any{}
	if len(chosen) > 0 {
		parent := ctx
		timeout := c.Args.Int("gather_timeout")
		if timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, time.Duration(timeout)*time.Second)
			defer cancel()
		}
		o := gatherOpts{factPath: c.Args.String("fact_path")}
		marker := newMarker()
		out, err := c.Host.Run(ctx, hostcmd.Cmd{Script: factsScript(chosen, o, marker), Become: c.Become})
		if err != nil && ctx.Err() != nil && parent.Err() == nil {
			// The one command covers every collector: gather_timeout is
			// the whole gathering's.
			return module.Result{Failed: true, Msg: fmt.Sprintf("setup: gathering facts took longer than gather_timeout (%d s)", timeout)}, nil
		}
		if err != nil {
			return module.Result{}, fmt.Errorf("gathering facts: %w", err)
		}
		if out.ExitCode != 0 {
			return module.Result{}, fmt.Errorf("gathering facts: exit %d: %s", out.ExitCode, strings.TrimSpace(string(out.Stderr)))
		}
		sections := splitSections(string(out.Stdout), marker)
		splitTail(sections, bigFiles(chosen))
		facts = parseFacts(chosen, sections, o)
	}
	if len(chosen) > 0 {
		// As Ansible's setup: the subsets asked for, and the mark that
		// setup ran (gathering = smart looks for it).
		facts["gather_subset"] = anyList(c.Args.List("gather_subset"))
		facts["module_setup"] = true
	}
	facts = filterFacts(facts, c.Args.List("filter"))
	r := module.Result{Facts: factsVars(facts)}
	r.Set("ansible_facts", facts)
	return r, nil
}

// chooseCollectors applies gather_subset as Ansible does: min is always
// there first; all adds every subset, !all removes all but min, !min
// removes min; a named subset is added (an unknown one is an error) and
// !name removes it unless it is also named. Exclusions of subsets haplay
// does not know are ignored, as in Ansible. A chosen collector brings
// the ones it requires.
func chooseCollectors(spec []string) ([]collector, error) {
	all := collectors()
	min := minimalSubset
	known := map[string]bool{}
	var names []string
	for _, c := range all {
		known[c.name] = true
		names = append(names, c.name)
	}
	add, exclude, explicit := map[string]bool{}, map[string]bool{}, map[string]bool{}
	mark := func(set map[string]bool, pick func(string) bool) {
		for _, n := range names {
			if pick(n) {
				set[n] = true
			}
		}
	}
	for _, s := range append([]string{"min"}, splitSubsets(spec)...) {
		neg := strings.HasPrefix(s, "!")
		name := strings.TrimPrefix(s, "!")
		switch {
		case name == "min" && !neg:
			mark(add, func(n string) bool { return min[n] })
		case name == "all" && !neg:
			mark(add, func(string) bool { return true })
		case name == "min":
			mark(exclude, func(n string) bool { return min[n] })
		case name == "all":
			mark(exclude, func(n string) bool { return !min[n] })
		case neg:
			exclude[name] = true
		case !known[name]:
			sort.Strings(names)
			return nil, fmt.Errorf("gather_subset %q is not a subset haplay gathers; use all, min, %s", name, strings.Join(names, ", "))
		default:
			add[name], explicit[name] = true, true
		}
	}
	chosen := map[string]bool{}
	for _, c := range all {
		if add[c.name] && (!exclude[c.name] || explicit[c.name]) {
			chosen[c.name] = true
			for _, r := range c.requires {
				chosen[r] = true
			}
		}
	}
	var out []collector
	for _, c := range all {
		if chosen[c.name] {
			out = append(out, c)
		}
	}
	return out, nil
}

// splitSubsets accepts "!all,network" inside a list as well.
func splitSubsets(spec []string) []string {
	var out []string
	for _, s := range spec {
		out = append(out, module.SplitCommaList(s)...)
	}
	return out
}

// filterFacts keeps the facts whose ansible_ name matches a pattern, as
// Ansible's filter does; a pattern without the ansible_ prefix is tried
// with it too. No patterns keep everything.
func filterFacts(facts map[string]any, patterns []string) map[string]any {
	if len(patterns) == 0 {
		return facts
	}
	out := map[string]any{}
	for name, v := range facts {
		full := varName(name)
		for _, p := range patterns {
			if globMatch(p, full) || globMatch("ansible_"+p, full) {
				out[name] = v
				break
			}
		}
	}
	return out
}

// globMatch is fnmatch: path.Match with [!...] for negated classes.
func globMatch(pattern, name string) bool {
	ok, err := path.Match(strings.ReplaceAll(pattern, "[!", "[^"), name)
	return err == nil && ok
}

// factsVars exposes facts as ansible_facts.* and as ansible_* names;
// setup's own marks (gather_subset, module_setup) keep their names, as in
// Ansible.
func factsVars(f map[string]any) map[string]any {
	out := map[string]any{"ansible_facts": f}
	for k, v := range f {
		out[varName(k)] = v
	}
	return out
}

// varName is a fact's variable: ansible_ and its name, but for the facts
// Ansible names otherwise (ansible_local, gather_subset, module_setup).
func varName(fact string) string {
	if strings.HasPrefix(fact, "ansible_") || fact == "gather_subset" || fact == "module_setup" {
		return fact
	}
	return "ansible_" + fact
}
