package playbook

import (
	"fmt"
	"slices"
	"strings"

	"github.com/haplay/haplay/engine/module"
)

// splitKV parses Ansible's "k=v k2='v 2' free text" argument strings. For
// free-form modules (command, shell) only keys the module knows are taken
// as arguments, and the rest, raw quotes kept, is the free-form text, as
// Ansible's parse_kv(check_raw=True) does.
func splitKV(s string, spec module.Spec) (map[string]any, string, error) {
	tokens, err := rawTokens(s)
	if err != nil {
		return nil, "", err
	}
	kv := map[string]any{}
	free := s
	for _, tok := range tokens {
		k, v, ok := strings.Cut(tok, "=")
		if !ok || !isIdent(k) {
			continue
		}
		if _, known := spec.Lookup(k); known || spec.FreeForm == "" || slices.Contains(spec.Removed, k) {
			kv[k] = unquote(v)
			// Cut the word out of the text; everything else, newlines of a
			// multi-line script included, stays as written.
			free = strings.Replace(free, tok, "", 1)
		}
	}
	return kv, strings.TrimSpace(free), nil
}

// rawTokens splits on unquoted whitespace, keeping quotes in the tokens.
func rawTokens(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	var quote rune
	inToken := false
	esc := false
	depth := 0 // inside {{ }}, {% %} or {# #}: spaces do not split, as in Ansible's parse_kv
	rs := []rune(s)
	for i, r := range rs {
		next := rune(0)
		if i+1 < len(rs) {
			next = rs[i+1]
		}
		switch {
		case quote == 0 && r == '{' && (next == '{' || next == '%' || next == '#'):
			depth++
			cur.WriteRune(r)
			inToken = true
			continue
		case quote == 0 && depth > 0 && (r == '}' || r == '%' || r == '#') && next == '}':
			depth--
			cur.WriteRune(r)
			continue
		case depth > 0 && quote == 0 && (r == ' ' || r == '\t' || r == '\n'):
			cur.WriteRune(r)
			continue
		}
		switch {
		case esc:
			cur.WriteRune(r)
			esc = false
		case r == '\\' && quote != '\'':
			cur.WriteRune(r)
			esc = true
			inToken = true
		case quote != 0:
			cur.WriteRune(r)
			if r == quote {
				quote = 0
			}
		case r == '"' || r == '\'':
			quote = r
			cur.WriteRune(r)
			inToken = true
		case r == ' ' || r == '\t' || r == '\n':
			if inToken {
				out = append(out, cur.String())
				cur.Reset()
				inToken = false
			}
		default:
			cur.WriteRune(r)
			inToken = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated %c quote in %q", quote, s)
	}
	if inToken {
		out = append(out, cur.String())
	}
	return out, nil
}

func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		inner := v[1 : len(v)-1]
		if v[0] == '"' {
			inner = strings.ReplaceAll(inner, `\"`, `"`)
		}
		return inner
	}
	return v
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
