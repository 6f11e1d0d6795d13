package yamlnode

import (
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// MaxDepth is how deeply collections may nest. goccy's parser slows down
// worse than linearly with depth (16,000 nested "- " took 2 s and a
// 100,000-deep one ran out of memory), and PyYAML, so Ansible, stops near
// Python's recursion limit of 1,000 anyway.
const MaxDepth = 1000

// maxExpansion bounds how many nodes a document may hold once its
// aliases are expanded, beyond ten per node written in the source: a
// "billion laughs" file of a few hundred bytes would otherwise expand
// to 10^9 nodes wherever the tree is walked (Interface, the loaders).
const maxExpansion = 1 << 20

// parseFile tokenizes data, refuses nesting deeper than MaxDepth, and
// parses the tokens.
func parseFile(file string, data []byte) (*ast.File, error) {
	tokens := lexer.Tokenize(string(data))
	if err := checkDepth(file, tokens); err != nil {
		return nil, err
	}
	f, err := parser.Parse(tokens, 0)
	if err != nil {
		return nil, syntaxError(file, err)
	}
	return f, nil
}

// checkDepth estimates the nesting of the token stream without parsing
// it: flow collections count their brackets, block collections count the
// columns of the enclosing lines and "- " entries, as indentation does.
// It may overcount a little, never undercount.
func checkDepth(file string, tokens token.Tokens) error {
	var cols []int // columns of the open block levels
	flow, line := 0, -1
	var prev token.Type
	for _, tk := range tokens {
		if tk.Type == token.CommentType || tk.Position == nil {
			continue
		}
		if tk.Type == token.DocumentHeaderType || tk.Type == token.DocumentEndType {
			cols, flow = cols[:0], 0
		}
		if flow == 0 && (tk.Position.Line != line || prev == token.SequenceEntryType || prev == token.MappingKeyType) {
			c := tk.Position.Column
			for len(cols) > 0 && cols[len(cols)-1] >= c {
				cols = cols[:len(cols)-1]
			}
			cols = append(cols, c)
		}
		switch tk.Type {
		case token.SequenceStartType, token.MappingStartType:
			flow++
		case token.SequenceEndType, token.MappingEndType:
			flow = max(flow-1, 0)
		}
		if len(cols)+flow > MaxDepth {
			return Errorf(Pos{File: file, Line: tk.Position.Line, Col: tk.Position.Column},
				"YAML nested deeper than %d levels", MaxDepth)
		}
		line, prev = tk.Position.Line, tk.Type
	}
	return nil
}
