package inventory

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/haplay/haplay/engine/shlex"
)

var (
	iniSection   = regexp.MustCompile(`^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$`)
	iniGroupName = regexp.MustCompile(`^([^:\]\s]+)\s*(?:#.*)?$`)
)

// pendingDecl remembers a group used before it was defined; Ansible lets
// [a:children] name b and define b further down.
type pendingDecl struct {
	line    int
	state   string
	parents []string
}

// parseINI reads an Ansible INI inventory.
func (inv *Inventory) parseINI(path string, data string) error {
	errAt := func(n int, format string, a ...any) error {
		return &ParseError{File: path, Line: n, Msg: fmt.Sprintf(format, a...)}
	}
	pending := map[string]*pendingDecl{}
	var pendingOrder []string
	groupname, state := "ungrouped", "hosts"
	for i, raw := range strings.Split(strings.ReplaceAll(data, "\r\n", "\n"), "\n") {
		n := i + 1
		line := strings.TrimSpace(raw)
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if m := iniSection.FindStringSubmatch(line); m != nil {
			groupname, state = m[1], m[2]
			if state == "" {
				state = "hosts"
			}
			if state != "hosts" && state != "children" && state != "vars" {
				return errAt(n, "section [%s:%s] has unknown type: %s", m[1], m[2], state)
			}
			if _, ok := inv.groups[groupname]; !ok {
				if _, ok := pending[groupname]; state == "vars" && !ok {
					pending[groupname] = &pendingDecl{line: n, state: state}
					pendingOrder = append(pendingOrder, groupname)
				}
				inv.addGroup(groupname)
			}
			if p, ok := pending[groupname]; ok && state != "vars" {
				if p.state == "children" {
					if err := inv.addPendingChildren(groupname, pending); err != nil {
						return errAt(n, "%v", err)
					}
				} else {
					delete(pending, groupname)
				}
			}
			continue
		}
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			return errAt(n, "invalid section entry: %q; make sure there are no spaces or other invalid characters in the section entry", line)
		}
		g := inv.groups[groupname]
		switch state {
		case "hosts":
			if err := inv.iniHostLine(g, line); err != nil {
				return errAt(n, "%v", err)
			}
		case "vars":
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				return errAt(n, "expected key=value, got: %s", line)
			}
			if err := g.setVar(strings.TrimSpace(k), pyLiteral(strings.TrimSpace(v))); err != nil {
				return errAt(n, "%v", err)
			}
		case "children":
			m := iniGroupName.FindStringSubmatch(line)
			if m == nil {
				return errAt(n, "expected group name, got: %s", line)
			}
			child := m[1]
			if c, ok := inv.groups[child]; ok {
				if err := inv.addChild(g, c); err != nil {
					return errAt(n, "%v", err)
				}
				continue
			}
			if p, ok := pending[child]; ok {
				p.parents = append(p.parents, groupname)
			} else {
				pending[child] = &pendingDecl{line: n, state: state, parents: []string{groupname}}
				pendingOrder = append(pendingOrder, child)
			}
		}
	}
	for _, name := range pendingOrder {
		p, ok := pending[name]
		if !ok {
			continue
		}
		if p.state == "vars" {
			return errAt(p.line, "section [%s:vars] not valid for undefined group: %s", name, name)
		}
		return errAt(p.line, "section [%s:children] includes undefined group: %s", p.parents[len(p.parents)-1], name)
	}
	return nil
}

func (inv *Inventory) addPendingChildren(name string, pending map[string]*pendingDecl) error {
	p := pending[name]
	delete(pending, name)
	for _, parent := range p.parents {
		if err := inv.addChild(inv.addGroup(parent), inv.groups[name]); err != nil {
			return err
		}
		if pp, ok := pending[parent]; ok && pp.state == "children" {
			if err := inv.addPendingChildren(parent, pending); err != nil {
				return err
			}
		}
	}
	return nil
}

// iniHostLine reads "host[range][:port] k=v ...". Values go through
// Python literal typing, after shell-like unquoting, as in Ansible.
func (inv *Inventory) iniHostLine(g *group, line string) error {
	tokens, err := shlex.SplitComments(line)
	if err != nil {
		return fmt.Errorf("error parsing host definition %q: %w", line, err)
	}
	if len(tokens) == 0 {
		return nil
	}
	hostnames, port, err := expandHostPattern(tokens[0])
	if err != nil {
		return err
	}
	if strings.HasSuffix(strings.TrimSpace(tokens[0]), ":") && port == 0 {
		return fmt.Errorf("invalid host pattern %q: ending in ':' is not allowed, this character is reserved to provide a port", tokens[0])
	}
	for _, h := range hostnames {
		if strings.TrimSpace(h) == "---" {
			return fmt.Errorf("invalid host pattern %q: '---' is normally a sign this is a YAML file", tokens[0])
		}
	}
	type kv struct {
		k string
		v any
	}
	var vars []kv
	for _, t := range tokens[1:] {
		k, v, ok := strings.Cut(t, "=")
		if !ok {
			return fmt.Errorf("expected key=value host variable assignment, got: %s", t)
		}
		vars = append(vars, kv{k, pyLiteral(v)})
	}
	for _, hn := range hostnames {
		h := inv.addHost(hn, g, port)
		for _, p := range vars {
			h.vars[p.k] = p.v
		}
	}
	return nil
}

// setVar sets a group variable; ansible_group_priority is not a variable
// but the group's merge priority.
func (g *group) setVar(k string, v any) error {
	if k == "ansible_group_priority" {
		p, err := strconv.Atoi(strings.TrimSpace(fmt.Sprint(v)))
		if err != nil {
			return fmt.Errorf("ansible_group_priority of group %q must be an integer, got %v", g.name, v)
		}
		g.priority = p
		return nil
	}
	g.vars[k] = v
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
