package control

import (
	"context"
	"fmt"
	"strings"

	"github.com/haplay/haplay/engine/module"
)

// AddHost adds a host to the run's in-memory inventory
// (ansible.builtin.add_host). The module only builds the request; the
// runner applies it to the inventory, once per play (it bypasses the host
// loop, as in Ansible).
type AddHost struct{}

var (
	_ module.RunsOnController = AddHost{}
	_ module.RunsOnce         = AddHost{}
	_ module.InventoryChanger = AddHost{}
)

// RunsOnController: it never contacts the host.
func (AddHost) RunsOnController() {}

// RunsOnce: add_host adds its host once per play, as in Ansible.
func (AddHost) RunsOnce() {}

// ChangesInventory: the result carries the host to add.
func (AddHost) ChangesInventory() {}

func (AddHost) Name() string { return "add_host" }

func (AddHost) Spec() module.Spec {
	return module.Spec{
		Short: "Add a host and its groups to the in-memory inventory for the rest of the run",
		Description: "The host joins the given groups (created when new) and every other argument becomes " +
			"one of its host variables (ansible_host, ansible_user, ...), so later plays can target it. " +
			"Runs once per play, on the controller, also in check mode. \"name: host:port\" sets ansible_port.",
		AnyArgs: true,
		Args: []module.Arg{
			{Name: "name", Type: module.TypeStr, Required: true, Aliases: []string{"host", "hostname"}, Doc: "the host's inventory name (host:port sets ansible_port)"},
			{Name: "groups", Type: module.TypeList, Elements: module.TypeStr, Aliases: []string{"group", "groupname"}, Doc: "the groups the host joins"},
		},
		Examples: `- name: The freshly created VM joins the workers for the next play
  add_host:
    name: "{{ vm_name }}"
    groups: workers
    ansible_host: "{{ vm_ip }}"
    ansible_user: root`,
	}
}

func (AddHost) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	name, vars, err := addHostRequest(c.Args)
	if err != nil {
		return module.Result{Failed: true, Msg: "add_host: " + err.Error()}, nil
	}
	groups := c.Args.List("groups")
	r := module.Result{Changed: true}
	g := make([]any, len(groups))
	for i, x := range groups {
		g[i] = x
	}
	r.Set("add_host", map[string]any{"host_name": name, "groups": g, "host_vars": vars})
	r.Inventory = &module.InventoryChange{Host: name, Groups: groups, Vars: vars}
	return r, nil
}

// addHostRequest splits the arguments into the host name and its
// variables; "name:port" becomes ansible_port as in Ansible.
func addHostRequest(a module.Args) (string, map[string]any, error) {
	name := strings.TrimSpace(a.String("name"))
	vars := map[string]any{}
	for k, v := range a {
		if k != "name" && k != "groups" {
			vars[k] = v
		}
	}
	if h, p, ok := strings.Cut(name, ":"); ok && !strings.Contains(p, ":") {
		var port int
		if _, err := fmt.Sscanf(p, "%d", &port); err != nil || port <= 0 || fmt.Sprint(port) != p {
			return "", nil, fmt.Errorf("bad port in host name %q", name)
		}
		name = h
		vars["ansible_port"] = port
	}
	if name == "" {
		return "", nil, fmt.Errorf("the host name is empty")
	}
	return name, vars, nil
}

// AddHostRequest reads what an add_host result asks of the inventory, for
// the runner.
func AddHostRequest(values map[string]any) (name string, groups []string, vars map[string]any, ok bool) {
	m, ok := values["add_host"].(map[string]any)
	if !ok {
		return "", nil, nil, false
	}
	name, _ = m["host_name"].(string)
	for _, g := range asList(m["groups"]) {
		groups = append(groups, fmt.Sprint(g))
	}
	vars, _ = m["host_vars"].(map[string]any)
	return name, groups, vars, name != ""
}

func asList(v any) []any {
	switch x := v.(type) {
	case []any:
		return x
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	}
	return nil
}
