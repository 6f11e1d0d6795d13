package run

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/haplay/haplay/engine/inventory"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/engine/playbook"
	"github.com/haplay/haplay/engine/runner"
	"github.com/haplay/haplay/engine/yamlnode"
)

// AdHoc is haplay exec's one task, Ansible's ad-hoc command: MODULE with
// ARGS on the hosts of PATTERN. Load makes it a play of one task and
// loads it as a playbook, so -a goes through the same validation as a
// task's arguments before any host is contacted.
type AdHoc struct {
	Pattern string // the hosts
	Module  string // -m
	Args    string // -a: a free form, k=v pairs, or a JSON object
	OneLine bool   // -o: Ansible's oneline output
	// TaskTimeout (--task-timeout, seconds, 0 for none) is the task's
	// timeout keyword.
	TaskTimeout int
	// Dir (--playbook-dir) stands for the playbook's directory; "" is the
	// current one.
	Dir string
	// HostsOnly (--list-hosts) leaves the task out of the play: Ansible
	// lists the hosts before it reads -m and -a.
	HostsOnly bool
}

// AdHocPlaybook is the name the ad-hoc play's playbook has, as Ansible
// names it.
const AdHocPlaybook = "__adhoc_playbook__"

// ErrNoHostsLeft is Ansible's error when --limit leaves no host, in its
// words (a sentence, as it prints it).
var ErrNoHostsLeft = errors.New("Specified inventory, host pattern and/or --limit leaves us with no hosts to target.")

// loadAdHoc loads the ad-hoc play. Its directory is --playbook-dir or
// the current one, as for Ansible's ad-hoc command: the group_vars and
// host_vars there are read, and relative files found there.
func loadAdHoc(a *AdHoc, reg *module.Registry, opts playbook.Options) (*playbook.Playbook, error) {
	if m, ok := reg.Lookup(a.Module); ok && !a.HostsOnly {
		if _, cmd := m.(module.AdHocCommand); cmd && a.Args == "" {
			err := fmt.Sprintf("No argument passed to %s module", a.Module)
			if strings.HasSuffix(a.Pattern, ".yml") {
				err += " (did you mean to run ansible-playbook?)"
			}
			return nil, usageErrorf("%s", err)
		}
	}
	dir := a.Dir
	if dir == "" {
		var err error
		if dir, err = os.Getwd(); err != nil {
			return nil, fmt.Errorf("ad-hoc play: %w", err)
		}
	} else if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return nil, usageErrorf("--playbook-dir %s: not a directory", dir)
	}
	root, err := adHocTree(a, opts.YAML)
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	pb, err := playbook.LoadTree(root, dir, AdHocPlaybook, opts)
	if err != nil {
		return nil, &Error{Kind: AdHocTaskError, Err: err}
	}
	return pb, nil
}

// adHocTree builds the play Ansible's ad-hoc command builds: hosts
// PATTERN, no facts gathered, one task MODULE: ARGS. The positions name
// the flags, so an error says -a or -m.
func adHocTree(a *AdHoc, yr yamlnode.Reader) (*yamlnode.Node, error) {
	at := func(file string) yamlnode.Pos { return yamlnode.Pos{File: file} }
	scalar := func(file string, v any) *yamlnode.Node {
		return &yamlnode.Node{Pos: at(file), Kind: yamlnode.Scalar, Value: v}
	}
	args := scalar("-a", nil)
	if a.Args != "" {
		args = scalar("-a", a.Args)
	}
	// As Ansible: -a '{...}' that is a JSON object is the arguments as a
	// mapping; anything else is a free form or k=v pairs.
	if s := strings.TrimSpace(a.Args); strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") && json.Valid([]byte(s)) {
		n, err := yr.ParseOne("-a", []byte(s))
		if err != nil {
			return nil, fmt.Errorf("-a: %w", err)
		}
		if n.Kind == yamlnode.Map {
			args = n
		}
	}
	pair := func(k string, v *yamlnode.Node) yamlnode.Pair { return yamlnode.Pair{Key: k, KeyPos: v.Pos, Value: v} }
	task := &yamlnode.Node{Pos: at("-a"), Kind: yamlnode.Map,
		Pairs: []yamlnode.Pair{{Key: a.Module, KeyPos: at("-m"), Value: args}}}
	if a.TaskTimeout > 0 {
		task.Pairs = append(task.Pairs, pair("timeout", scalar("--task-timeout", a.TaskTimeout)))
	}
	tasks := &yamlnode.Node{Pos: at("-m"), Kind: yamlnode.List, Items: []*yamlnode.Node{task}}
	if a.HostsOnly {
		tasks.Items = nil
	}
	play := &yamlnode.Node{Pos: at("haplay exec"), Kind: yamlnode.Map, Pairs: []yamlnode.Pair{
		pair("name", scalar("haplay exec", "Ansible Ad-Hoc")),
		pair("hosts", scalar("PATTERN", a.Pattern)),
		pair("gather_facts", scalar("haplay exec", false)),
		pair("tasks", tasks),
	}}
	return &yamlnode.Node{Pos: at("haplay exec"), Kind: yamlnode.List, Items: []*yamlnode.Node{play}}, nil
}

// AdHocHosts chooses the ad-hoc play's hosts as Ansible's ad-hoc command
// does, with the warnings it gives on the way: none matched is not an
// error (it warns "No hosts matched, nothing to do"), unless --limit
// was given (ErrNoHostsLeft) or the inventory has no hosts at all.
func (l *Loaded) AdHocHosts() (hosts, warnings []string, err error) {
	if len(l.Playbook.Plays) != 1 {
		return nil, nil, fmt.Errorf("ad-hoc: expected one play, got %d", len(l.Playbook.Plays))
	}
	empty := len(l.Inventory.Hosts()) == 0
	if empty && !isLocalhost(l.Playbook.Plays[0].Hosts) {
		warnings = append(warnings, "provided hosts list is empty, only localhost is available. Note that the implicit localhost does not match 'all'")
	}
	limits, err := l.Limits()
	if err != nil {
		return nil, nil, err
	}
	inv := warningInventory{inv: l.Inventory, warnings: &warnings}
	hosts, err = runner.PlayHosts(inv, l.Playbook.Plays[0], limits)
	switch {
	case err != nil:
		return nil, warnings, usageErrorf("%v", err)
	case len(hosts) > 0 || empty:
		return hosts, warnings, nil
	case len(limits) > 0:
		return nil, warnings, ErrNoHostsLeft
	}
	return nil, append(warnings, "No hosts matched, nothing to do"), nil
}

// isLocalhost is Ansible's C.LOCALHOST: the names of the implicit
// localhost.
func isLocalhost(pattern string) bool {
	return pattern == "localhost" || pattern == "127.0.0.1" || pattern == "::1"
}

// warningInventory matches patterns and keeps the warnings.
type warningInventory struct {
	inv      *inventory.Inventory
	warnings *[]string
}

func (w warningInventory) Match(p string) ([]string, error) {
	hosts, warnings, err := w.inv.Match(p)
	*w.warnings = append(*w.warnings, warnings...)
	return hosts, err
}
