package inventory

import (
	"errors"
	"fmt"

	"github.com/haplay/haplay/engine/yamlnode"
)

// parseYAMLFile parses one YAML document through yamlnode (Ansible's
// YAML 1.1 typing), mapping its errors to a ParseError with the line.
// It returns nil for an empty document.
func (inv *Inventory) parseYAMLFile(path string, data []byte) (*yamlnode.Node, error) {
	return parseYAMLWith(inv.yaml, path, data)
}

func parseYAMLFile(path string, data []byte) (*yamlnode.Node, error) {
	return parseYAMLWith(yamlnode.Reader{}, path, data)
}

func parseYAMLWith(r yamlnode.Reader, path string, data []byte) (*yamlnode.Node, error) {
	n, err := r.ParseOne(path, data)
	if err != nil {
		return nil, yamlError(path, err)
	}
	return n, nil
}

func yamlError(path string, err error) error {
	var ye *yamlnode.Error
	if errors.As(err, &ye) {
		return &ParseError{File: path, Line: ye.Pos.Line, Msg: ye.Msg}
	}
	return &ParseError{File: path, Msg: err.Error()}
}

// decodeYAML parses data as YAML the way Ansible (PyYAML, YAML 1.1) sees it.
func decodeYAML(path string, data []byte) (any, error) {
	n, err := parseYAMLFile(path, data)
	if err != nil || n == nil {
		return nil, err
	}
	return n.Interface(), nil
}

func errorAt(path string, pos yamlnode.Pos, format string, a ...any) error {
	return &ParseError{File: path, Line: pos.Line, Msg: fmt.Sprintf(format, a...)}
}

func isMapping(n *yamlnode.Node) bool { return n != nil && n.Kind == yamlnode.Map }

func isNull(n *yamlnode.Node) bool {
	return n == nil || n.Kind == yamlnode.Scalar && n.Value == nil
}

// mappingPairs returns the pairs of a mapping node (nil for an empty
// value), erroring with the line when it is something else.
func mappingPairs(path string, n *yamlnode.Node, what string) ([]yamlnode.Pair, error) {
	switch {
	case isNull(n):
		return nil, nil
	case n.Kind == yamlnode.Map:
		return n.Pairs, nil
	}
	return nil, errorAt(path, n.Pos, "%s must be a mapping, got %s", what, nodeKind(n))
}

func nodeKind(n *yamlnode.Node) string {
	if n.Kind == yamlnode.List {
		return "a list"
	}
	switch n.Value.(type) {
	case string:
		return "a string"
	case int, int64, uint64, float64:
		return "a number"
	case bool:
		return "a boolean"
	}
	return n.KindName()
}

func typeName(v any) string {
	switch v.(type) {
	case []any:
		return "a list"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case nil:
		return "nothing"
	}
	return fmt.Sprintf("%T", v)
}

// parseYAMLInventory reads the all: {hosts:, children:, vars:} form.
func (inv *Inventory) parseYAMLInventory(path string, root *yamlnode.Node) error {
	pairs, err := mappingPairs(path, root, "a YAML inventory")
	if err != nil {
		return err
	}
	for _, kv := range pairs {
		if _, err := inv.yamlGroup(path, kv.Key, kv.Value); err != nil {
			return err
		}
	}
	return nil
}

func (inv *Inventory) yamlGroup(path, name string, n *yamlnode.Node) (*group, error) {
	g := inv.addGroup(name)
	pairs, err := mappingPairs(path, n, fmt.Sprintf("group %q", name))
	if err != nil {
		return nil, err
	}
	for _, kv := range pairs {
		what := fmt.Sprintf("%q of group %q", kv.Key, name)
		switch kv.Key {
		case "vars":
			if err := yamlGroupVars(path, g, kv.Value, what); err != nil {
				return nil, err
			}
		case "children":
			kids, err := namedEntries(path, kv.Value, what)
			if err != nil {
				return nil, err
			}
			for _, kid := range kids {
				c, err := inv.yamlGroup(path, kid.name, kid.value)
				if err != nil {
					return nil, err
				}
				if err := inv.addChild(g, c); err != nil {
					return nil, errorAt(path, kid.pos, "%v", err)
				}
			}
		case "hosts":
			hs, err := namedEntries(path, kv.Value, what)
			if err != nil {
				return nil, err
			}
			for _, he := range hs {
				if err := inv.yamlHost(path, g, he); err != nil {
					return nil, err
				}
			}
		default:
			inv.Warnings = append(inv.Warnings, fmt.Sprintf("%s:%d: skipping unexpected key %q in group %q, only vars, children and hosts are valid", path, kv.KeyPos.Line, kv.Key, name))
		}
	}
	return g, nil
}

func yamlGroupVars(path string, g *group, n *yamlnode.Node, what string) error {
	vals := n.Interface()
	if vals == nil {
		return nil
	}
	m, ok := vals.(map[string]any)
	if !ok {
		return errorAt(path, n.Pos, "%s must be a mapping, got %s", what, typeName(vals))
	}
	for _, k := range sortedKeys(m) {
		if err := g.setVar(k, m[k]); err != nil {
			return errorAt(path, n.Pos, "%v", err)
		}
	}
	return nil
}

type namedEntry struct {
	name  string
	pos   yamlnode.Pos
	value *yamlnode.Node
}

// namedEntries reads a hosts: or children: section. Ansible accepts a
// mapping, nothing, or a single string naming one entry.
func namedEntries(path string, n *yamlnode.Node, what string) ([]namedEntry, error) {
	if n != nil && n.Kind == yamlnode.Scalar {
		if s, ok := n.Value.(string); ok {
			return []namedEntry{{name: s, pos: n.Pos}}, nil
		}
	}
	pairs, err := mappingPairs(path, n, what)
	if err != nil {
		return nil, err
	}
	out := make([]namedEntry, 0, len(pairs))
	for _, kv := range pairs {
		out = append(out, namedEntry{name: kv.Key, pos: kv.KeyPos, value: kv.Value})
	}
	return out, nil
}

func (inv *Inventory) yamlHost(path string, g *group, he namedEntry) error {
	hostnames, port, err := expandHostPattern(he.name)
	if err != nil {
		return errorAt(path, he.pos, "%v", err)
	}
	vals := he.value.Interface()
	var m map[string]any
	if vals != nil {
		var ok bool
		if m, ok = vals.(map[string]any); !ok {
			return errorAt(path, he.value.Pos, "vars of host %q must be a mapping, got %s", he.name, typeName(vals))
		}
	}
	for _, hn := range hostnames {
		h := inv.addHost(hn, g, port)
		for k, v := range m {
			h.vars[k] = v
		}
	}
	return nil
}
