package inventory

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/haplay/haplay/engine/pyfmt"
)

// ToAnsibleJSON returns what ansible-inventory --list prints: every group
// reachable from all with its direct hosts and children (empty ones left
// out), and _meta.hostvars for hosts with variables.
func (inv *Inventory) ToAnsibleJSON() map[string]any {
	out := map[string]any{}
	seen := map[*group]bool{}
	var format func(g *group)
	format = func(g *group) {
		entry := map[string]any{}
		if g.name != "all" && len(g.hosts) > 0 {
			entry["hosts"] = names(g.hosts, hostName)
		}
		if len(g.children) > 0 {
			entry["children"] = names(g.children, groupName)
		}
		for _, c := range g.children {
			if !seen[c] {
				seen[c] = true
				format(c)
			}
		}
		if len(entry) > 0 {
			out[g.name] = entry
		}
	}
	format(inv.groups["all"])
	hostvars := map[string]any{}
	for _, h := range inv.Hosts() {
		if vars := inv.ShownHostVars(h); len(vars) > 0 {
			hostvars[h] = vars
		}
	}
	out["_meta"] = map[string]any{"hostvars": hostvars}
	return out
}

// MarshalAnsibleJSON encodes v like ansible-inventory: sorted keys, four
// spaces, no HTML escaping.
func MarshalAnsibleJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "    ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encoding inventory: %w", err)
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// Graph returns what ansible-inventory --graph [GROUP] [--vars] prints.
func (inv *Inventory) Graph(groupName string, withVars bool) (string, error) {
	g, ok := inv.groups[groupName]
	if !ok {
		return "", fmt.Errorf("pattern must be a valid group name when using --graph: %q", groupName)
	}
	var lines []string
	name := func(s string, depth int) string {
		return strings.Repeat("  |", depth) + map[bool]string{true: "--", false: ""}[depth > 0] + s
	}
	showVars := func(vars map[string]any, depth int) {
		for _, k := range sortedKeys(vars) {
			lines = append(lines, name(fmt.Sprintf("{%s = %s}", k, pyfmt.Str(vars[k])), depth))
		}
	}
	var walk func(g *group, depth int)
	walk = func(g *group, depth int) {
		lines = append(lines, name("@"+g.name+":", depth))
		depth++
		for _, c := range g.children {
			walk(c, depth)
		}
		if g.name != "all" {
			for _, h := range g.hosts {
				lines = append(lines, name(h.name, depth))
				if withVars {
					showVars(inv.ShownHostVars(h.name), depth+1)
				}
			}
		}
		if withVars {
			vars := inv.GroupVars(g.name)
			if g.priority != 1 {
				vars["ansible_group_priority"] = g.priority
			}
			showVars(vars, depth)
		}
	}
	walk(g, 0)
	return strings.Join(lines, "\n"), nil
}
