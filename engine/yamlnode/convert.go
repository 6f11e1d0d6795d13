package yamlnode

import (
	"fmt"
	"strconv"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"

	"github.com/haplay/haplay/engine/vault"
)

// syntaxError turns goccy's error into "file:line:col: message".
func syntaxError(file string, err error) error {
	var se yaml.Error
	if e, ok := err.(yaml.Error); ok {
		se = e
	}
	if se != nil && se.GetToken() != nil {
		p := se.GetToken().Position
		msg := se.GetMessage()
		return &Error{Pos: Pos{File: file, Line: p.Line, Col: p.Column}, Msg: "invalid YAML: " + msg}
	}
	return &Error{Pos: Pos{File: file}, Msg: "invalid YAML: " + err.Error()}
}

type converter struct {
	file    string
	anchors map[string]*Node
	// building holds the anchors whose node is being converted: an alias
	// to one of them is a cycle, which would make the tree infinite.
	building map[string]bool
	// written counts the nodes the source spells out; expanded sizes are
	// measured against it (see maxExpansion).
	written int
	// keys indexes the keys of large mappings, so that a 10,000-host
	// group does not cost a scan of its pairs per key.
	keys map[*Node]map[string]int
	// vault opens `!vault` scalars; nil has no vault ids.
	vault *vault.Keyring
}

func (r Reader) newConverter(file string) *converter {
	return &converter{file: file, anchors: map[string]*Node{}, building: map[string]bool{}, keys: map[*Node]map[string]int{}, vault: r.Vault}
}

func (c *converter) pos(n ast.Node) Pos {
	t := n.GetToken()
	if t == nil || t.Position == nil {
		return Pos{File: c.file}
	}
	return Pos{File: c.file, Line: t.Position.Line, Col: t.Position.Column}
}

// grow adds a child's expanded size to a collection, refusing a document
// whose aliases make it far larger than what is written.
func (c *converter) grow(n *Node, child *Node, at Pos) error {
	n.size += child.size
	if n.size > maxExpansion+10*c.written {
		return Errorf(at, "YAML aliases expand to more than %d nodes; refusing the document (recursive or exponential aliases)", n.size)
	}
	return nil
}

func (c *converter) convert(n ast.Node) (*Node, error) {
	switch v := n.(type) {
	case *ast.DocumentNode:
		return c.convert(v.Body)
	case *ast.MappingNode:
		out := c.node(v, Map, nil)
		for _, mv := range v.Values {
			if err := c.addPair(out, mv); err != nil {
				return nil, err
			}
		}
		return out, nil
	case *ast.MappingValueNode:
		out := c.node(v.Key, Map, nil)
		return out, c.addPair(out, v)
	case *ast.SequenceNode:
		out := c.node(v, List, nil)
		for _, it := range v.Values {
			in, err := c.convert(it)
			if err != nil {
				return nil, err
			}
			if err := c.grow(out, in, in.Pos); err != nil {
				return nil, err
			}
			out.Items = append(out.Items, in)
		}
		return out, nil
	case *ast.AnchorNode:
		return c.anchor(v)
	case *ast.AliasNode:
		return c.alias(v)
	case *ast.TagNode:
		return c.tagged(v)
	}
	return c.scalar(n)
}

// node makes a node written in the source.
func (c *converter) node(n ast.Node, k Kind, v any) *Node {
	c.written++
	return &Node{Pos: c.pos(n), Kind: k, Value: v, size: 1}
}

func (c *converter) anchor(v *ast.AnchorNode) (*Node, error) {
	name := v.Name.GetToken().Value
	c.building[name] = true
	in, err := c.convert(v.Value)
	delete(c.building, name)
	if err != nil {
		return nil, err
	}
	c.anchors[name] = in
	return in, nil
}

func (c *converter) alias(v *ast.AliasNode) (*Node, error) {
	name := v.Value.GetToken().Value
	if c.building[name] {
		return nil, Errorf(c.pos(v), "alias *%s refers to the node its anchor &%s is on: the YAML is recursive", name, name)
	}
	a, ok := c.anchors[name]
	if !ok {
		return nil, Errorf(c.pos(v), "unknown alias *%s", name)
	}
	return a, nil
}

// tagged keeps an explicit tag on a copy of the node. !!str makes a
// scalar the string it is written as (`!!str 0644` is "0644", not 420).
func (c *converter) tagged(v *ast.TagNode) (*Node, error) {
	in, err := c.convert(v.Value)
	if err != nil {
		return nil, err
	}
	cp := *in
	cp.Tag = v.Start.Value
	if cp.Tag == "!vault" {
		return c.decrypt(v, &cp)
	}
	if cp.Tag == "!!str" && cp.Kind == Scalar {
		switch x := v.Value.(type) {
		case *ast.LiteralNode:
			cp.Value = x.Value.Value
		case *ast.StringNode:
			cp.Value = x.Value
		default:
			if t := v.Value.GetToken(); t != nil {
				cp.Value = t.Value
			}
		}
	}
	return &cp, nil
}

// decrypt replaces a `!vault |` scalar by its plaintext, a string, and
// records it as a secret. The node keeps its !vault tag, so that what
// reads the tree can tell.
func (c *converter) decrypt(v *ast.TagNode, n *Node) (*Node, error) {
	text, ok := n.Value.(string)
	if n.Kind != Scalar || !ok {
		return nil, Errorf(n.Pos, "!vault needs a string of vault text, got %s", n.KindName())
	}
	pt, _, err := c.vault.Decrypt([]byte(text))
	if err != nil {
		return nil, Errorf(c.pos(v), "decrypting !vault value: %v", err)
	}
	n.Value = string(pt)
	c.vault.Reveal(string(pt))
	return n, nil
}

func (c *converter) scalar(n ast.Node) (*Node, error) {
	switch v := n.(type) {
	case *ast.NullNode, *ast.CommentGroupNode:
		return c.node(v, Scalar, nil), nil
	case *ast.StringNode:
		return c.node(v, Scalar, plainString(v)), nil
	case *ast.LiteralNode:
		return c.node(v, Scalar, v.Value.Value), nil
	case *ast.BoolNode:
		return c.node(v, Scalar, v.Value), nil
	case *ast.IntegerNode:
		return c.node(v, Scalar, toInt(v.Value)), nil
	case *ast.FloatNode:
		return c.node(v, Scalar, v.Value), nil
	case *ast.InfinityNode:
		return c.node(v, Scalar, v.Value), nil
	case *ast.NanNode:
		return c.node(v, Scalar, v.GetToken().Value), nil
	}
	return nil, Errorf(c.pos(n), "unsupported YAML construct %s", n.Type())
}

func (c *converter) addPair(out *Node, mv *ast.MappingValueNode) error {
	if _, ok := mv.Key.(*ast.MergeKeyNode); ok {
		return c.merge(out, mv)
	}
	key, err := c.convert(mv.Key)
	if err != nil {
		return err
	}
	val, err := c.convert(mv.Value)
	if err != nil {
		return err
	}
	if err := c.grow(out, val, key.Pos); err != nil {
		return err
	}
	k := ""
	if key.Value != nil {
		k = fmt.Sprint(scalarString(key.Value))
	}
	if i := c.find(out, k); i >= 0 { // later keys win, as in PyYAML
		out.Pairs[i] = Pair{Key: k, KeyPos: key.Pos, Value: val}
		return nil
	}
	c.appendPair(out, Pair{Key: k, KeyPos: key.Pos, Value: val})
	return nil
}

// smallMap is the size up to which scanning a mapping's pairs is cheaper
// than indexing them.
const smallMap = 16

// find returns the index of key in the mapping out, or -1.
func (c *converter) find(out *Node, key string) int {
	if idx, ok := c.keys[out]; ok {
		if i, ok := idx[key]; ok {
			return i
		}
		return -1
	}
	for i, p := range out.Pairs {
		if p.Key == key {
			return i
		}
	}
	return -1
}

func (c *converter) appendPair(out *Node, p Pair) {
	out.Pairs = append(out.Pairs, p)
	idx, ok := c.keys[out]
	switch {
	case ok:
		idx[p.Key] = len(out.Pairs) - 1
	case len(out.Pairs) > smallMap:
		idx = make(map[string]int, 2*len(out.Pairs))
		for i, q := range out.Pairs {
			idx[q.Key] = i
		}
		c.keys[out] = idx
	}
}

// merge applies a "<<" key: the keys of the merged mappings are defaults
// for the ones written in the mapping.
func (c *converter) merge(out *Node, mv *ast.MappingValueNode) error {
	src, err := c.convert(mv.Value)
	if err != nil {
		return err
	}
	merge := []*Node{src}
	if src.Kind == List {
		merge = src.Items
	}
	for _, m := range merge {
		if m.Kind != Map {
			return Errorf(m.Pos, "merge key << needs a mapping")
		}
		for _, p := range m.Pairs {
			if c.find(out, p.Key) >= 0 {
				continue
			}
			if err := c.grow(out, p.Value, c.pos(mv.Key)); err != nil {
				return err
			}
			c.appendPair(out, p)
		}
	}
	return nil
}

// plainString applies YAML 1.1 typing to unquoted scalars that YAML 1.2
// leaves as strings: Ansible (PyYAML) reads `yes`, `on`, `off` as booleans.
func plainString(v *ast.StringNode) any {
	if v.Token != nil && v.Token.Type != token.StringType {
		return v.Value // quoted: always a string
	}
	switch v.Value {
	case "yes", "Yes", "YES", "on", "On", "ON":
		return true
	case "no", "No", "NO", "off", "Off", "OFF":
		return false
	}
	return v.Value
}

func toInt(v any) any {
	switch x := v.(type) {
	case int64:
		return int(x)
	case uint64:
		if x <= uint64(^uint(0)>>1) {
			return int(x)
		}
	}
	return v
}

func scalarString(v any) string {
	switch x := v.(type) {
	case bool:
		if x {
			return "True"
		}
		return "False"
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	return fmt.Sprint(v)
}
