// Package inventory loads Ansible inventories (INI, YAML, directories,
// comma lists) with their group_vars/ and host_vars/, and matches host
// patterns. It follows ansible-core 2.14 closely, because users bring
// inventories that must behave exactly as they do under Ansible.
package inventory

import (
	"fmt"
	"maps"
	"slices"
	"sort"

	"github.com/haplay/haplay/engine/yamlnode"
)

// ParseError is an inventory error at a place in a file.
type ParseError struct {
	File string
	Line int // 0 when the error is about the whole file
	Msg  string
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

type group struct {
	name     string
	vars     map[string]any
	children []*group
	parents  []*group
	hosts    []*host
	priority int
	depth    int
}

type host struct {
	name   string
	vars   map[string]any
	groups []*group // groups the host is directly in, in the order it joined them
	// source is the inventory source that first named the host (Ansible's
	// inventory_file), "" for hosts added at run time; dir is its directory
	// (inventory_dir), "" for a comma list of hosts, where Ansible has None.
	source, dir string
}

// Inventory is a loaded, reconciled inventory. Its methods are not safe
// for concurrent mutation (AddHost) alongside reads.
type Inventory struct {
	hosts      map[string]*host
	hostOrder  []*host
	groups     map[string]*group
	groupOrder []*group
	// varsDirs holds group_vars/ and host_vars/ beside each source, in
	// source order; later ones win, as in Ansible.
	varsDirs []*VarsFiles
	// sources are the inventory sources as Ansible lists them in
	// ansible_inventory_sources; current is the file (or host list) being
	// parsed, and currentDir its directory.
	sources             []string
	current, currentDir string
	// yaml reads the YAML files, with the run's vault ids.
	yaml yamlnode.Reader
	// Warnings collects what Ansible would print as warnings.
	Warnings []string
}

// New returns an empty inventory with the implicit all and ungrouped groups.
func New() *Inventory {
	inv := &Inventory{hosts: map[string]*host{}, groups: map[string]*group{}}
	inv.addGroup("all")
	inv.addGroup("ungrouped")
	_ = inv.addChild(inv.groups["all"], inv.groups["ungrouped"])
	return inv
}

func (inv *Inventory) addGroup(name string) *group {
	if g, ok := inv.groups[name]; ok {
		return g
	}
	g := &group{name: name, vars: map[string]any{}, priority: 1}
	inv.groups[name] = g
	inv.groupOrder = append(inv.groupOrder, g)
	return g
}

// addHost adds a host (if new) and puts it in g (if not nil). A port from
// "host:port" becomes ansible_port only when the host is new, as in Ansible.
func (inv *Inventory) addHost(name string, g *group, port int) *host {
	h, ok := inv.hosts[name]
	if !ok {
		h = &host{name: name, vars: map[string]any{}, source: inv.current, dir: inv.currentDir}
		if port > 0 {
			h.vars["ansible_port"] = port
		}
		inv.hosts[name] = h
		inv.hostOrder = append(inv.hostOrder, h)
	}
	// h.groups mirrors g.hosts and is short: scanning g.hosts instead made
	// a group of n hosts cost n²/2 (a 1,000,000-host range took minutes).
	if g != nil && !slices.Contains(h.groups, g) {
		g.hosts = append(g.hosts, h)
		h.groups = append(h.groups, g)
	}
	return h
}

func (inv *Inventory) removeFromGroup(h *host, g *group) {
	g.hosts = slices.DeleteFunc(g.hosts, func(x *host) bool { return x == h })
	h.groups = slices.DeleteFunc(h.groups, func(x *group) bool { return x == g })
}

// ancestors returns every group above g (not g itself).
func (g *group) ancestors() map[*group]bool {
	seen := map[*group]bool{}
	var walk func(*group)
	walk = func(x *group) {
		for _, p := range x.parents {
			if !seen[p] {
				seen[p] = true
				walk(p)
			}
		}
	}
	walk(g)
	return seen
}

// addChild makes child a subgroup of parent. A cycle is an error: Ansible
// refuses it too, and a cycle would make every walk below loop.
func (inv *Inventory) addChild(parent, child *group) error {
	if parent == child {
		return fmt.Errorf("group %q cannot be a child of itself", child.name)
	}
	if slices.Contains(parent.children, child) {
		return nil
	}
	if child == inv.groups["all"] {
		// Every group ends up below all, so all below a group is a loop;
		// Ansible says so when it adds the group to all.
		return fmt.Errorf("adding group %q as child to %q creates a recursive dependency loop", parent.name, child.name)
	}
	if parent.ancestors()[child] {
		return fmt.Errorf("adding group %q as child to %q creates a recursive dependency loop", child.name, parent.name)
	}
	parent.children = append(parent.children, child)
	if !slices.Contains(child.parents, parent) {
		child.parents = append(child.parents, parent)
	}
	setDepth(child, parent.depth+1)
	return nil
}

func setDepth(g *group, d int) {
	if g.depth >= d {
		return
	}
	g.depth = d
	for _, c := range g.children {
		setDepth(c, d+1)
	}
}

// reconcile applies Ansible's rules after loading: top-level groups are
// children of all; hosts in no group are in ungrouped, and hosts that
// gained a real group leave it.
func (inv *Inventory) reconcile() {
	all, ungrouped := inv.groups["all"], inv.groups["ungrouped"]
	for _, g := range inv.groupOrder {
		if g != all && len(g.parents) == 0 {
			_ = inv.addChild(all, g)
		}
	}
	for _, h := range inv.hostOrder {
		gs := h.allGroups()
		if gs[ungrouped] {
			delete(gs, all)
			delete(gs, ungrouped)
			if len(gs) > 0 {
				inv.removeFromGroup(h, ungrouped)
			}
		} else if len(gs) == 0 || (len(gs) == 1 && gs[all]) {
			inv.addHost(h.name, ungrouped, 0)
		}
	}
}

// allGroups returns the groups h is in, directly or through parents.
func (h *host) allGroups() map[*group]bool {
	out := map[*group]bool{}
	for _, g := range h.groups {
		out[g] = true
		maps.Copy(out, g.ancestors())
	}
	return out
}

// descendants returns g and the groups below it, breadth first, the order
// Ansible uses to list a group's hosts.
func (g *group) descendants() []*group {
	out := []*group{g}
	seen := map[*group]bool{g: true}
	level := []*group{g}
	for len(level) > 0 {
		var next []*group
		for _, x := range level {
			for _, c := range x.children {
				if !seen[c] {
					seen[c] = true
					out = append(out, c)
					next = append(next, c)
				}
			}
		}
		level = next
	}
	return out
}

// allHosts returns the hosts of g and its descendants, without duplicates.
func (g *group) allHosts() []*host {
	var out []*host
	seen := map[*host]bool{}
	for _, d := range g.descendants() {
		for _, h := range d.hosts {
			if !seen[h] {
				seen[h] = true
				out = append(out, h)
			}
		}
	}
	return out
}

func names[T any](xs []T, name func(T) string) []string {
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		out = append(out, name(x))
	}
	return out
}

func hostName(h *host) string   { return h.name }
func groupName(g *group) string { return g.name }

// Hosts returns every host in inventory order (the order of pattern "all").
func (inv *Inventory) Hosts() []string {
	return names(inv.groups["all"].allHosts(), hostName)
}

// HasHost reports whether name is a host of the inventory.
func (inv *Inventory) HasHost(name string) bool { _, ok := inv.hosts[name]; return ok }

// Groups returns every group name in the order groups were defined,
// all and ungrouped first.
func (inv *Inventory) Groups() []string { return names(inv.groupOrder, groupName) }

// GroupNames returns Ansible's group_names for a host: every group it is in,
// directly or through a parent, except all; sorted.
func (inv *Inventory) GroupNames(hostname string) []string {
	h, ok := inv.hosts[hostname]
	if !ok {
		return nil
	}
	var out []string
	for g := range h.allGroups() {
		if g.name != "all" {
			out = append(out, g.name)
		}
	}
	sort.Strings(out)
	return out
}

// GroupHosts returns Ansible's groups magic variable: every group, all and
// ungrouped included, with the hosts in it or below it.
func (inv *Inventory) GroupHosts() map[string][]string {
	out := make(map[string][]string, len(inv.groups))
	for _, g := range inv.groupOrder {
		out[g.name] = names(g.allHosts(), hostName)
	}
	return out
}

// GroupChildren returns the direct subgroups of a group, in order.
func (inv *Inventory) GroupChildren(name string) []string {
	g, ok := inv.groups[name]
	if !ok {
		return nil
	}
	return names(g.children, groupName)
}

// AddHost adds a host at run time (the add_host module): new groups are
// created under all, vars are set over the host's inventory vars.
func (inv *Inventory) AddHost(name string, groups []string, vars map[string]any) {
	h := inv.addHost(name, inv.groups["all"], 0)
	for _, gn := range groups {
		g, ok := inv.groups[gn]
		if !ok {
			g = inv.addGroup(gn)
		}
		inv.addHost(name, g, 0)
	}
	maps.Copy(h.vars, vars)
	inv.reconcile()
}
