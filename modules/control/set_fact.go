package control

import (
	"context"

	"github.com/haplay/haplay/engine/module"
)

// SetFact sets host variables (ansible.builtin.set_fact).
type SetFact struct{}

var (
	_ module.RunsOnController = SetFact{}
	_ module.FactSetter       = SetFact{}
)

// RunsOnController: it never contacts the host.
func (SetFact) RunsOnController() {}

// FactNames are the task's arguments but cacheable: each names a fact.
func (SetFact) FactNames(args map[string]any) []string {
	var names []string
	for k := range args {
		if k != "cacheable" {
			names = append(names, k)
		}
	}
	return names
}

func (SetFact) Name() string { return "set_fact" }

func (SetFact) Spec() module.Spec {
	return module.Spec{
		Short:       "Set variables on the host for the rest of the run",
		Description: "Every argument becomes a host variable with set_fact precedence. Runs on the controller.",
		AnyArgs:     true,
		Args:        []module.Arg{{Name: "cacheable", Type: module.TypeBool, Default: false, Doc: "also keep the facts in the fact cache (fact_caching), for later runs"}},
		Examples: `- set_fact:
    manager_ip: "{{ hostvars[groups.managers[0]].ansible_host }}"`,
	}
}

func (SetFact) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	facts := map[string]any{}
	for k, v := range c.Args {
		if k != "cacheable" {
			facts[k] = v
		}
	}
	r := module.Result{Facts: facts, CacheFacts: c.Args.Bool("cacheable")}
	r.Set("ansible_facts", facts)
	return r, nil
}
