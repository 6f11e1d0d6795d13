package template

import "strings"

// escapeBackslashes doubles every backslash inside the string literals of
// an expression, as Ansible's _escape_backslashes does before Jinja reads
// a playbook string: YAML has already unescaped the text once, so a
// literal keeps its backslashes ('\d', '\1', '\n' stay two characters).
// A literal ends where Jinja's lexer ends it (a backslash skips the next
// character).
func escapeBackslashes(src string) string {
	if !strings.Contains(src, `\`) {
		return src
	}
	var b strings.Builder
	for i := 0; i < len(src); i++ {
		c := src[i]
		if c != '\'' && c != '"' {
			b.WriteByte(c)
			continue
		}
		j := i + 1
		for j < len(src) && src[j] != c {
			if src[j] == '\\' {
				j++
			}
			j++
		}
		if j >= len(src) {
			b.WriteString(src[i:]) // unterminated: the lexer reports it
			break
		}
		b.WriteString(strings.ReplaceAll(src[i:j+1], `\`, `\\`))
		i = j
	}
	return b.String()
}

// isBareName reports whether an expression is one name, as Ansible's
// SINGLE_VAR pattern ({{ name }}) matches it.
func isBareName(src string) bool {
	for _, c := range src {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return src != ""
}
