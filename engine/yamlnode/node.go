// Package yamlnode parses YAML into a tree that keeps file:line:col on every
// node, with the typing Ansible users expect (YAML 1.1 booleans such as yes
// and off), so every later error can say where it comes from.
package yamlnode

import (
	"fmt"
	"os"
	"strings"

	"github.com/haplay/haplay/engine/jinja"
	"github.com/haplay/haplay/engine/vault"
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
	// size counts the nodes this one stands for with every alias under
	// it expanded; it bounds what walking the tree may cost.
	size int
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

// Reader parses YAML with the run's vault ids: a file that is vault text
// as a whole is decrypted before it is parsed, and a `!vault` scalar is
// replaced by its plaintext. Both kinds of decrypted values are recorded
// on the keyring (vault.Keyring.Reveal), so that no printer shows them.
// The zero Reader has no vault ids: vaulted data is an error that names
// its file and line and says which option gives the password.
type Reader struct {
	Vault *vault.Keyring
}

// ParseFile reads and parses every document of a YAML file.
func ParseFile(path string) ([]*Node, error) { return Reader{}.ParseFile(path) }

// Parse parses every document in data; file names the source in positions.
func Parse(file string, data []byte) ([]*Node, error) { return Reader{}.Parse(file, data) }

// ParseOne parses data that must hold at most one document, as PyYAML's
// single-document load (Ansible's inventories and vars files) requires.
// It returns nil for an empty document.
func ParseOne(file string, data []byte) (*Node, error) { return Reader{}.ParseOne(file, data) }

// ParseFile reads and parses every document of a YAML file.
func (r Reader) ParseFile(path string) ([]*Node, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return r.Parse(path, data)
}

// Parse parses every document in data; file names the source in positions.
func (r Reader) Parse(file string, data []byte) ([]*Node, error) {
	data, whole, err := r.open(file, data)
	if err != nil {
		return nil, err
	}
	f, err := parseFile(file, data)
	if err != nil {
		return nil, err
	}
	c := r.newConverter(file) // one for all documents: aliases may cross them, as they always could here
	var docs []*Node
	for _, d := range f.Docs {
		if d.Body == nil {
			continue
		}
		n, err := c.convert(d.Body)
		if err != nil {
			return nil, err
		}
		if whole {
			r.revealStrings(n)
		}
		docs = append(docs, n)
	}
	return docs, nil
}

// ParseOne parses data that must hold at most one document.
func (r Reader) ParseOne(file string, data []byte) (*Node, error) {
	data, whole, err := r.open(file, data)
	if err != nil {
		return nil, err
	}
	f, err := parseFile(file, data)
	if err != nil {
		return nil, err
	}
	if len(f.Docs) > 1 {
		return nil, Errorf(Pos{File: file}, "expected one YAML document, found several")
	}
	if len(f.Docs) == 0 || f.Docs[0].Body == nil {
		return nil, nil
	}
	n, err := r.newConverter(file).convert(f.Docs[0].Body)
	if err == nil && whole {
		r.revealStrings(n)
	}
	return n, err
}

// open decrypts data when it is vault text as a whole, and says so.
func (r Reader) open(file string, data []byte) ([]byte, bool, error) {
	if !vault.IsEncrypted(data) {
		return data, false, nil
	}
	pt, _, err := r.Vault.Decrypt(data)
	if err != nil {
		return nil, false, Errorf(Pos{File: file, Line: 1, Col: 1}, "decrypting vault file: %v", err)
	}
	return pt, true, nil
}

// revealStrings records the strings of a vaulted file as secrets: its
// values, not its keys (variable names are shown, as in Ansible), and
// not its numbers and booleans, which would hide every "1" or "True"
// of the output.
func (r Reader) revealStrings(n *Node) {
	switch n.Kind {
	case Map:
		for _, p := range n.Pairs {
			r.revealStrings(p.Value)
		}
	case List:
		for _, it := range n.Items {
			r.revealStrings(it)
		}
	default:
		if s, ok := n.Value.(string); ok {
			r.Vault.Reveal(s)
		}
	}
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
	if n.Tag == "!unsafe" {
		// Ansible's !unsafe: the value is never rendered as a template.
		return jinja.MarkUnsafe(n.plain())
	}
	return n.plain()
}

func (n *Node) plain() any {
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
