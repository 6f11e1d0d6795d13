package files

// pyregex.go bridges Python's re, which Ansible's line modules use, and
// Go's regexp: compiling with a helpful message for constructs RE2 lacks,
// and translating replacement templates (\1, \g<1>, \g<name>) to Go's
// Expand syntax.

import (
	"fmt"
	"regexp"
	"strings"
)

// compilePy compiles a Python regular expression. flags are Go inline
// flags such as "m" or "s".
func compilePy(arg, expr, flags string) (*regexp.Regexp, error) {
	src := expr
	if flags != "" {
		src = "(?" + flags + ")" + expr
	}
	re, err := regexp.Compile(src)
	if err != nil {
		hint := ""
		if strings.Contains(expr, "(?=") || strings.Contains(expr, "(?!") || strings.Contains(expr, "(?<=") || strings.Contains(expr, "(?<!") {
			hint = " (lookaround assertions are not supported: haplay uses RE2 syntax)"
		}
		return nil, fmt.Errorf("%s %q is not a valid regular expression: %v%s", arg, expr, err, hint)
	}
	return re, nil
}

// pyTemplate translates a Python re replacement template into a Go Expand
// template: \N and \g<N>/\g<name> become ${N}/${name}, \n \t \r \\ are
// their characters, and a literal $ is doubled.
func pyTemplate(t string) string {
	var b strings.Builder
	for i := 0; i < len(t); i++ {
		ch := t[i]
		if ch == '$' {
			b.WriteString("$$")
			continue
		}
		if ch != '\\' || i+1 >= len(t) {
			b.WriteByte(ch)
			continue
		}
		n := t[i+1]
		switch {
		case n >= '0' && n <= '9':
			j := i + 1
			for j < len(t) && j < i+3 && t[j] >= '0' && t[j] <= '9' {
				j++
			}
			b.WriteString("${" + t[i+1:j] + "}")
			i = j - 1
		case n == 'g' && i+2 < len(t) && t[i+2] == '<':
			end := strings.IndexByte(t[i+3:], '>')
			if end < 0 {
				b.WriteString(`\g`)
				i++
				continue
			}
			b.WriteString("${" + t[i+3:i+3+end] + "}")
			i = i + 3 + end
		case n == 'n':
			b.WriteByte('\n')
			i++
		case n == 't':
			b.WriteByte('\t')
			i++
		case n == 'r':
			b.WriteByte('\r')
			i++
		case n == '\\':
			b.WriteByte('\\')
			i++
		default:
			// Python keeps unknown escapes of punctuation as written.
			b.WriteByte('\\')
		}
	}
	return b.String()
}

// pySub is re.subn: every non-overlapping match replaced by the expanded
// template, with the number of replacements.
func pySub(re *regexp.Regexp, tmpl, s string) (string, int) {
	gt := pyTemplate(tmpl)
	var b strings.Builder
	last, n := 0, 0
	for _, m := range re.FindAllStringSubmatchIndex(s, -1) {
		b.WriteString(s[last:m[0]])
		b.Write(re.ExpandString(nil, gt, s, m))
		last = m[1]
		n++
	}
	b.WriteString(s[last:])
	return b.String(), n
}
