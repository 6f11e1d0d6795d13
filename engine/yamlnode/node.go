// Package yamlnode parses YAML into a tree that keeps file:line:col on every
// node, with the typing Ansible users expect (YAML 1.1 booleans such as yes
// and off), so every later error can say where it comes from.
package yamlnode

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// Pos is a place in a source file.
type Pos struct {
	File string
	Line int
	Col  int
}

func (p Pos) String() string {
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Kind says what a node holds.
type Kind int

const (
	Scalar Kind = iota
	Map
	List
)

// Node is one YAML value with its position.
type Node struct {
	Pos   Pos
	Kind  Kind
	Value any    // for Scalar: string, int, float64, bool or nil
	Pairs []Pair // for Map, in source order
	Items []*Node
	Tag   string // explicit tag such as "!unsafe" or "!vault"
}

// Pair is one key of a mapping.
type Pair struct {
	Key    string
	KeyPos Pos
	Value  *Node
}

// Error is a YAML error with its position.
type Error struct {
	Pos Pos
	Msg string
}

func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// Errorf makes an *Error at pos.
func Errorf(pos Pos, format string, a ...any) error {
	return &Error{Pos: pos, Msg: fmt.Sprintf(format, a...)}
}

// ParseFile reads and parses every document of a YAML file.
func ParseFile(path string) ([]*Node, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse parses every document in data; file names the source in positions.
func Parse(file string, data []byte) ([]*Node, error) {
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, syntaxError(file, err)
	}
	c := converter{file: file, anchors: map[string]*Node{}}
	var docs []*Node
	for _, d := range f.Docs {
		if d.Body == nil {
			continue
		}
		n, err := c.convert(d.Body)
		if err != nil {
			return nil, err
		}
		docs = append(docs, n)
	}
	return docs, nil
}

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
	return fmt.Errorf("%s: invalid YAML: %v", file, err)
}

type converter struct {
	file    string
	anchors map[string]*Node
}

func (c *converter) pos(n ast.Node) Pos {
	t := n.GetToken()
	if t == nil || t.Position == nil {
		return Pos{File: c.file}
	}
	return Pos{File: c.file, Line: t.Position.Line, Col: t.Position.Column}
}

func (c *converter) convert(n ast.Node) (*Node, error) {
	switch v := n.(type) {
	case *ast.DocumentNode:
		return c.convert(v.Body)
	case *ast.MappingNode:
		out := &Node{Pos: c.pos(v), Kind: Map}
		for _, mv := range v.Values {
			if err := c.addPair(out, mv); err != nil {
				return nil, err
			}
		}
		return out, nil
	case *ast.MappingValueNode:
		out := &Node{Pos: c.pos(v.Key), Kind: Map}
		if err := c.addPair(out, v); err != nil {
			return nil, err
		}
		return out, nil
	case *ast.SequenceNode:
		out := &Node{Pos: c.pos(v), Kind: List}
		for _, it := range v.Values {
			in, err := c.convert(it)
			if err != nil {
				return nil, err
			}
			out.Items = append(out.Items, in)
		}
		return out, nil
	case *ast.AnchorNode:
		in, err := c.convert(v.Value)
		if err != nil {
			return nil, err
		}
		c.anchors[v.Name.GetToken().Value] = in
		return in, nil
	case *ast.AliasNode:
		name := v.Value.GetToken().Value
		a, ok := c.anchors[name]
		if !ok {
			return nil, Errorf(c.pos(v), "unknown alias *%s", name)
		}
		return a, nil
	case *ast.TagNode:
		in, err := c.convert(v.Value)
		if err != nil {
			return nil, err
		}
		cp := *in
		cp.Tag = v.Start.Value
		return &cp, nil
	case *ast.NullNode:
		return &Node{Pos: c.pos(v), Kind: Scalar}, nil
	case *ast.StringNode:
		return &Node{Pos: c.pos(v), Kind: Scalar, Value: plainString(v)}, nil
	case *ast.LiteralNode:
		return &Node{Pos: c.pos(v), Kind: Scalar, Value: v.Value.Value}, nil
	case *ast.BoolNode:
		return &Node{Pos: c.pos(v), Kind: Scalar, Value: v.Value}, nil
	case *ast.IntegerNode:
		return &Node{Pos: c.pos(v), Kind: Scalar, Value: toInt(v.Value)}, nil
	case *ast.FloatNode:
		return &Node{Pos: c.pos(v), Kind: Scalar, Value: v.Value}, nil
	case *ast.InfinityNode:
		return &Node{Pos: c.pos(v), Kind: Scalar, Value: v.Value}, nil
	case *ast.NanNode:
		return &Node{Pos: c.pos(v), Kind: Scalar, Value: v.GetToken().Value}, nil
	case *ast.CommentGroupNode:
		return &Node{Pos: c.pos(v), Kind: Scalar}, nil
	}
	return nil, Errorf(c.pos(n), "unsupported YAML construct %s", n.Type())
}

func (c *converter) addPair(out *Node, mv *ast.MappingValueNode) error {
	if _, ok := mv.Key.(*ast.MergeKeyNode); ok {
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
				if out.Get(p.Key) == nil {
					out.Pairs = append(out.Pairs, p)
				}
			}
		}
		return nil
	}
	key, err := c.convert(mv.Key)
	if err != nil {
		return err
	}
	val, err := c.convert(mv.Value)
	if err != nil {
		return err
	}
	k := ""
	if key.Value != nil {
		k = fmt.Sprint(scalarString(key.Value))
	}
	for i, p := range out.Pairs {
		if p.Key == k { // later keys win, as in PyYAML
			out.Pairs[i] = Pair{Key: k, KeyPos: key.Pos, Value: val}
			return nil
		}
	}
	out.Pairs = append(out.Pairs, Pair{Key: k, KeyPos: key.Pos, Value: val})
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

// Get returns the value of key in a mapping node, or nil.
func (n *Node) Get(key string) *Node {
	if n == nil || n.Kind != Map {
		return nil
	}
	for _, p := range n.Pairs {
		if p.Key == key {
			return p.Value
		}
	}
	return nil
}

// Interface converts the node to plain Go values: map[string]any, []any,
// and scalars.
func (n *Node) Interface() any {
	if n == nil {
		return nil
	}
	switch n.Kind {
	case Map:
		m := make(map[string]any, len(n.Pairs))
		for _, p := range n.Pairs {
			m[p.Key] = p.Value.Interface()
		}
		return m
	case List:
		l := make([]any, len(n.Items))
		for i, it := range n.Items {
			l[i] = it.Interface()
		}
		return l
	}
	return n.Value
}

// KindName names the node's kind for error messages.
func (n *Node) KindName() string {
	switch n.Kind {
	case Map:
		return "a mapping"
	case List:
		return "a list"
	}
	switch n.Value.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case int:
		return "an integer"
	}
	return strings.TrimPrefix(fmt.Sprintf("%T", n.Value), "*")
}
