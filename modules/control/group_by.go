package control

import (
	"context"
	"fmt"
	"strings"

	"github.com/haplay/haplay/engine/module"
)

// GroupBy puts the host into a group named from its variables
// (ansible.builtin.group_by). The runner applies it to the in-memory
// inventory and sets changed when the host was not in the group yet.
type GroupBy struct{}

var (
	_ module.RunsOnController = GroupBy{}
	_ module.InventoryChanger = GroupBy{}
)

// RunsOnController: it never contacts the host.
func (GroupBy) RunsOnController() {}

// ChangesInventory: the result carries the groups to put the host in.
func (GroupBy) ChangesInventory() {}

func (GroupBy) Name() string { return "group_by" }

func (GroupBy) Spec() module.Spec {
	return module.Spec{
		Short: "Create groups from host variables for the rest of the run",
		Description: "Each host joins the group named by key (templated per host) and the parent groups; " +
			"later plays can target the group. Runs on the controller, also in check mode; the host's " +
			"variables are kept.",
		FreeForm: "key",
		Args: []module.Arg{
			{Name: "key", Type: module.TypeStr, Required: true, Doc: "the group's name; spaces become dashes"},
			{Name: "parents", Type: module.TypeList, Elements: module.TypeStr, Default: []any{"all"}, Doc: "groups the host joins too (the group's parents)"},
		},
		Examples: `- name: Group the nodes by their swarm role (seed 002)
  group_by:
    key: "swarm_{{ swarm_role }}"
# a later play then targets "hosts: swarm_manager"`,
	}
}

func (GroupBy) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	key := GroupByKey(c.Args.String("key"))
	if key == "" {
		return module.Result{Failed: true, Msg: "group_by: the key is empty"}, nil
	}
	parents := []any{}
	for _, p := range c.Args.List("parents") {
		parents = append(parents, GroupByKey(p))
	}
	r := module.Result{}
	r.Set("add_group", key)
	r.Set("parent_groups", parents)
	// changed only when the host was not in the group yet, as in Ansible.
	groups, _ := GroupByRequest(r.Values)
	r.Inventory = &module.InventoryChange{Groups: groups, ChangedIfNew: true}
	return r, nil
}

// GroupByKey turns a templated key into a group name as Ansible does:
// spaces become dashes.
func GroupByKey(k string) string {
	return strings.ReplaceAll(strings.TrimSpace(k), " ", "-")
}

// GroupByRequest reads the groups a group_by result asks for, for the
// runner; "all" is dropped as every host is in it already.
func GroupByRequest(values map[string]any) (groups []string, ok bool) {
	key, ok := values["add_group"].(string)
	if !ok || key == "" {
		return nil, false
	}
	groups = []string{key}
	for _, p := range asList(values["parent_groups"]) {
		if s := fmt.Sprint(p); s != "all" && s != key {
			groups = append(groups, s)
		}
	}
	return groups, true
}
