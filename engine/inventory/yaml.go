package inventory

import (
	"errors"
	"fmt"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// parseYAMLFile parses one YAML document, mapping syntax errors to a
// ParseError with the line.
func parseYAMLFile(path string, data []byte) (ast.Node, error) {
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		var se *yaml.SyntaxError
		if errors.As(err, &se) && se.Token != nil {
			return nil, &ParseError{File: path, Line: se.Token.Position.Line, Msg: se.Message}
		}
		return nil, &ParseError{File: path, Msg: err.Error()}
	}
	if len(f.Docs) == 0 {
		return nil, nil
	}
	if len(f.Docs) > 1 {
		return nil, &ParseError{File: path, Msg: "expected one YAML document, found several"}
	}
	return f.Docs[0].Body, nil
}

// decodeYAML parses data as YAML the way Ansible (PyYAML, YAML 1.1) sees it.
func decodeYAML(path string, data []byte) (any, error) {
	n, err := parseYAMLFile(path, data)
	if err != nil || n == nil {
		return nil, err
	}
	d := yamlDecoder{path: path, anchors: map[string]ast.Node{}}
	return d.value(n)
}

type yamlDecoder struct {
	path    string
	anchors map[string]ast.Node
}

func (d *yamlDecoder) errorf(n ast.Node, format string, a ...any) error {
	return &ParseError{File: d.path, Line: line(n), Msg: fmt.Sprintf(format, a...)}
}

func line(n ast.Node) int {
	if n == nil || n.GetToken() == nil {
		return 0
	}
	return n.GetToken().Position.Line
}

// yaml11Bools are the plain scalars PyYAML reads as booleans but YAML 1.2
// (and go-yaml) reads as strings; Ansible users rely on "yes" and "no".
var yaml11Bools = map[string]bool{
	"yes": true, "Yes": true, "YES": true, "on": true, "On": true, "ON": true,
	"no": false, "No": false, "NO": false, "off": false, "Off": false, "OFF": false,
}

// resolve follows anchors and aliases to the node that holds the value.
func (d *yamlDecoder) resolve(n ast.Node) (ast.Node, error) {
	for {
		switch x := n.(type) {
		case *ast.AnchorNode:
			d.anchors[x.Name.GetToken().Value] = x.Value
			n = x.Value
		case *ast.AliasNode:
			name := x.Value.GetToken().Value
			target, ok := d.anchors[name]
			if !ok {
				return nil, d.errorf(x, "unknown alias %q", name)
			}
			n = target
		case *ast.TagNode:
			if x.Start.Value == "!!str" {
				return x, nil
			}
			n = x.Value // !unsafe and friends: the value as written
		default:
			return n, nil
		}
	}
}

// value converts a node to plain Go values: map[string]any, []any,
// string, int, int64, uint64, float64, bool, nil.
func (d *yamlDecoder) value(n ast.Node) (any, error) {
	n, err := d.resolve(n)
	if err != nil {
		return nil, err
	}
	switch x := n.(type) {
	case nil, *ast.NullNode:
		return nil, nil
	case *ast.TagNode: // !!str
		v, err := d.value(x.Value)
		if err != nil || v == nil {
			return "", err
		}
		return fmt.Sprint(v), nil
	case *ast.IntegerNode:
		if i, ok := x.Value.(int64); ok && int64(int(i)) == i {
			return int(i), nil
		}
		return x.Value, nil
	case *ast.FloatNode:
		return x.Value, nil
	case *ast.InfinityNode:
		return x.Value, nil
	case *ast.NanNode:
		return x.GetValue(), nil
	case *ast.BoolNode:
		return x.Value, nil
	case *ast.StringNode:
		if x.Token.Type == token.StringType {
			if b, ok := yaml11Bools[x.Value]; ok {
				return b, nil
			}
		}
		return x.Value, nil
	case *ast.LiteralNode:
		return x.Value.Value, nil
	case *ast.MappingNode:
		return d.mapping(x.Values)
	case *ast.MappingValueNode:
		return d.mapping([]*ast.MappingValueNode{x})
	case *ast.SequenceNode:
		out := make([]any, 0, len(x.Values))
		for _, e := range x.Values {
			v, err := d.value(e)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	}
	return nil, d.errorf(n, "unsupported YAML node %s", n.Type())
}

func (d *yamlDecoder) mapping(kvs []*ast.MappingValueNode) (map[string]any, error) {
	out := map[string]any{}
	for _, kv := range kvs {
		if _, ok := kv.Key.(*ast.MergeKeyNode); ok {
			v, err := d.value(kv.Value)
			if err != nil {
				return nil, err
			}
			// "<<" keys are defaults: explicit keys win wherever they are.
			var srcs []any
			if l, ok := v.([]any); ok {
				srcs = l
			} else {
				srcs = []any{v}
			}
			for _, s := range srcs {
				m, ok := s.(map[string]any)
				if !ok {
					return nil, d.errorf(kv, "merge key needs a mapping")
				}
				for k, mv := range m {
					if _, set := out[k]; !set {
						out[k] = mv
					}
				}
			}
			continue
		}
		k, err := d.key(kv.Key)
		if err != nil {
			return nil, err
		}
		v, err := d.value(kv.Value)
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}

func (d *yamlDecoder) key(n ast.Node) (string, error) {
	v, err := d.value(n)
	if err != nil {
		return "", err
	}
	switch k := v.(type) {
	case string:
		return k, nil
	case nil:
		return "", d.errorf(n, "empty mapping key")
	case bool:
		if k {
			return "True", nil
		}
		return "False", nil
	}
	return fmt.Sprint(v), nil
}

// mappingPairs returns the key/value nodes of a mapping node (or nil for
// an empty value), erroring with the line when it is something else.
func (d *yamlDecoder) mappingPairs(n ast.Node, what string) ([]*ast.MappingValueNode, bool, error) {
	n, err := d.resolve(n)
	if err != nil {
		return nil, false, err
	}
	switch x := n.(type) {
	case nil, *ast.NullNode:
		return nil, false, nil
	case *ast.MappingNode:
		return x.Values, true, nil
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{x}, true, nil
	}
	return nil, false, d.errorf(n, "%s must be a mapping, got %s", what, nodeKind(n))
}

func nodeKind(n ast.Node) string {
	switch n.(type) {
	case *ast.SequenceNode:
		return "a list"
	case *ast.StringNode, *ast.LiteralNode:
		return "a string"
	case *ast.IntegerNode, *ast.FloatNode:
		return "a number"
	case *ast.BoolNode:
		return "a boolean"
	}
	return strings.ToLower(n.Type().String())
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
func (inv *Inventory) parseYAMLInventory(path string, root ast.Node) error {
	d := &yamlDecoder{path: path, anchors: map[string]ast.Node{}}
	pairs, _, err := d.mappingPairs(root, "a YAML inventory")
	if err != nil {
		return err
	}
	for _, kv := range pairs {
		name, err := d.key(kv.Key)
		if err != nil {
			return err
		}
		if _, err := d.group(inv, name, kv.Value); err != nil {
			return err
		}
	}
	return nil
}

func (d *yamlDecoder) group(inv *Inventory, name string, n ast.Node) (*group, error) {
	g := inv.addGroup(name)
	pairs, _, err := d.mappingPairs(n, fmt.Sprintf("group %q", name))
	if err != nil {
		return nil, err
	}
	for _, kv := range pairs {
		section, err := d.key(kv.Key)
		if err != nil {
			return nil, err
		}
		what := fmt.Sprintf("%q of group %q", section, name)
		switch section {
		case "vars":
			vals, err := d.value(kv.Value)
			if err != nil {
				return nil, err
			}
			if vals == nil {
				continue
			}
			m, ok := vals.(map[string]any)
			if !ok {
				return nil, d.errorf(kv.Value, "%s must be a mapping, got %s", what, typeName(vals))
			}
			for _, k := range sortedKeys(m) {
				if err := g.setVar(k, m[k]); err != nil {
					return nil, d.errorf(kv.Value, "%v", err)
				}
			}
		case "children":
			kids, err := d.namedEntries(kv.Value, what)
			if err != nil {
				return nil, err
			}
			for _, kid := range kids {
				c, err := d.group(inv, kid.name, kid.value)
				if err != nil {
					return nil, err
				}
				if err := inv.addChild(g, c); err != nil {
					return nil, d.errorf(kid.key, "%v", err)
				}
			}
		case "hosts":
			hs, err := d.namedEntries(kv.Value, what)
			if err != nil {
				return nil, err
			}
			for _, he := range hs {
				if err := d.hostEntry(inv, g, he); err != nil {
					return nil, err
				}
			}
		default:
			inv.Warnings = append(inv.Warnings, fmt.Sprintf("%s:%d: skipping unexpected key %q in group %q, only vars, children and hosts are valid", d.path, line(kv.Key), section, name))
		}
	}
	return g, nil
}

type namedEntry struct {
	name  string
	key   ast.Node
	value ast.Node
}

// namedEntries reads a hosts: or children: section. Ansible accepts a
// mapping, nothing, or a single string naming one entry.
func (d *yamlDecoder) namedEntries(n ast.Node, what string) ([]namedEntry, error) {
	r, err := d.resolve(n)
	if err != nil {
		return nil, err
	}
	if s, ok := r.(*ast.StringNode); ok {
		return []namedEntry{{name: s.Value, key: s}}, nil
	}
	pairs, _, err := d.mappingPairs(n, what)
	if err != nil {
		return nil, err
	}
	out := make([]namedEntry, 0, len(pairs))
	for _, kv := range pairs {
		k, err := d.key(kv.Key)
		if err != nil {
			return nil, err
		}
		out = append(out, namedEntry{name: k, key: kv.Key, value: kv.Value})
	}
	return out, nil
}

func (d *yamlDecoder) hostEntry(inv *Inventory, g *group, he namedEntry) error {
	hostnames, port, err := expandHostPattern(he.name)
	if err != nil {
		return d.errorf(he.key, "%v", err)
	}
	vals, err := d.value(he.value)
	if err != nil {
		return err
	}
	var m map[string]any
	if vals != nil {
		var ok bool
		if m, ok = vals.(map[string]any); !ok {
			return d.errorf(he.value, "vars of host %q must be a mapping, got %s", he.name, typeName(vals))
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
