package inventory

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/haplay/haplay/engine/pyfmt"
)

// pyLiteral types an INI value the way Ansible does with Python's
// ast.literal_eval: numbers, True/False/None, quoted strings, lists,
// tuples and dicts. Anything else stays the string as written.
func pyLiteral(s string) any {
	p := &litParser{s: s}
	v, err := p.expr()
	if err != nil {
		return s
	}
	p.skipSpace()
	if p.i != len(p.s) {
		return s
	}
	return v
}

type litParser struct {
	s string
	i int
}

var errLit = fmt.Errorf("not a literal")

func (p *litParser) skipSpace() {
	for p.i < len(p.s) && strings.IndexByte(" \t", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *litParser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *litParser) expr() (any, error) {
	// A leading space is an indentation error in Python: not a literal.
	if p.i == 0 && (p.peek() == ' ' || p.peek() == '\t') {
		return nil, errLit
	}
	p.skipSpace()
	c := p.peek()
	switch {
	case c == '-' || c == '+':
		p.i++
		p.skipSpace()
		v, err := p.expr()
		if err != nil {
			return nil, err
		}
		switch n := v.(type) {
		case int:
			if c == '-' {
				return -n, nil
			}
			return n, nil
		case float64:
			if c == '-' {
				return -n, nil
			}
			return n, nil
		}
		return nil, errLit
	case c == '[':
		p.i++
		return p.list(']')
	case c == '(':
		p.i++
		return p.list(')')
	case c == '{':
		p.i++
		return p.dict()
	case c == '\'' || c == '"':
		return p.strings()
	case (c == 'r' || c == 'u' || c == 'b' || c == 'R' || c == 'U' || c == 'B') && p.i+1 < len(p.s) && (p.s[p.i+1] == '\'' || p.s[p.i+1] == '"'):
		return p.strings()
	case c >= '0' && c <= '9' || c == '.':
		return p.number()
	}
	start := p.i
	for p.i < len(p.s) && (isIdent(p.s[p.i])) {
		p.i++
	}
	switch p.s[start:p.i] {
	case "True":
		return true, nil
	case "False":
		return false, nil
	case "None":
		return nil, nil
	}
	return nil, errLit
}

func isIdent(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func (p *litParser) list(end byte) (any, error) {
	out := []any{}
	for {
		p.skipSpace()
		if p.peek() == end {
			p.i++
			return out, nil
		}
		v, err := p.expr()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		p.skipSpace()
		switch p.peek() {
		case ',':
			p.i++
		case end:
		default:
			return nil, errLit
		}
	}
}

func (p *litParser) dict() (any, error) {
	out := map[string]any{}
	for {
		p.skipSpace()
		if p.peek() == '}' {
			p.i++
			return out, nil
		}
		k, err := p.expr()
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.peek() != ':' {
			return nil, errLit // sets are not supported: keep the string
		}
		p.i++
		v, err := p.expr()
		if err != nil {
			return nil, err
		}
		out[pyfmt.Str(k)] = v
		p.skipSpace()
		switch p.peek() {
		case ',':
			p.i++
		case '}':
		default:
			return nil, errLit
		}
	}
}

// strings reads one or more adjacent string literals ('a' 'b' is 'ab').
func (p *litParser) strings() (any, error) {
	var b strings.Builder
	for n := 0; ; n++ {
		p.skipSpace()
		raw := false
		for p.i < len(p.s) && strings.IndexByte("rRuUbB", p.s[p.i]) >= 0 {
			raw = raw || p.s[p.i] == 'r' || p.s[p.i] == 'R'
			p.i++
		}
		q := p.peek()
		if q != '\'' && q != '"' {
			if n == 0 {
				return nil, errLit
			}
			return b.String(), nil
		}
		triple := strings.HasPrefix(p.s[p.i:], strings.Repeat(string(q), 3))
		delim := string(q)
		if triple {
			delim = strings.Repeat(delim, 3)
		}
		p.i += len(delim)
		for {
			if p.i >= len(p.s) {
				return nil, errLit
			}
			if strings.HasPrefix(p.s[p.i:], delim) {
				p.i += len(delim)
				break
			}
			c := p.s[p.i]
			if c == '\\' && p.i+1 < len(p.s) {
				if raw {
					b.WriteString(p.s[p.i : p.i+2])
					p.i += 2
					continue
				}
				if err := p.escape(&b); err != nil {
					return nil, err
				}
				continue
			}
			b.WriteByte(c)
			p.i++
		}
		save := p.i
		p.skipSpace()
		if c := p.peek(); c != '\'' && c != '"' && !(strings.IndexByte("rRuUbB", c) >= 0 && p.i+1 < len(p.s) && (p.s[p.i+1] == '\'' || p.s[p.i+1] == '"')) {
			p.i = save
			return b.String(), nil
		}
	}
}

func (p *litParser) escape(b *strings.Builder) error {
	c := p.s[p.i+1]
	p.i += 2
	simple := map[byte]string{'n': "\n", 't': "\t", 'r': "\r", '\\': "\\", '\'': "'", '"': "\"", 'a': "\a", 'b': "\b", 'f': "\f", 'v': "\v", '0': "\x00", '\n': ""}
	if s, ok := simple[c]; ok {
		b.WriteString(s)
		return nil
	}
	width := map[byte]int{'x': 2, 'u': 4, 'U': 8}[c]
	if width == 0 || p.i+width > len(p.s) {
		b.WriteByte('\\')
		b.WriteByte(c)
		return nil
	}
	r, err := strconv.ParseUint(p.s[p.i:p.i+width], 16, 32)
	if err != nil || !utf8.ValidRune(rune(r)) {
		return errLit
	}
	p.i += width
	b.WriteRune(rune(r))
	return nil
}

func (p *litParser) number() (any, error) {
	start := p.i
	for p.i < len(p.s) && (isIdent(p.s[p.i]) || p.s[p.i] == '.' ||
		((p.s[p.i] == '-' || p.s[p.i] == '+') && (p.s[p.i-1] == 'e' || p.s[p.i-1] == 'E') && !strings.ContainsAny(strings.ToLower(p.s[start:p.i]), "xob"))) {
		p.i++
	}
	lit := p.s[start:p.i]
	if strings.Contains(lit, "__") || strings.HasSuffix(lit, "_") {
		return nil, errLit
	}
	clean := strings.ReplaceAll(lit, "_", "")
	lower := strings.ToLower(clean)
	if len(lower) > 1 && lower[0] == '0' && strings.IndexByte("xob", lower[1]) >= 0 {
		n, err := strconv.ParseInt(clean, 0, 64)
		if err != nil {
			return nil, errLit
		}
		return int(n), nil
	}
	if strings.ContainsAny(lower, ".e") {
		if strings.ContainsAny(lower, "abcdfghijklmnopqrstuvwxyz") {
			return nil, errLit
		}
		f, err := strconv.ParseFloat(clean, 64)
		if err != nil || math.IsInf(f, 0) {
			return nil, errLit
		}
		return f, nil
	}
	// Python refuses leading zeros in decimal integers ("08" stays a string).
	if len(clean) > 1 && clean[0] == '0' && strings.Trim(clean, "0") != "" {
		return nil, errLit
	}
	n, err := strconv.ParseInt(clean, 10, 64)
	if err != nil {
		return nil, errLit
	}
	return int(n), nil
}
