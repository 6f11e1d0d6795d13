// Package shlex splits a command line into words as Python's shlex.split
// does in POSIX mode. Ansible reads the command module's free form, the
// script module's arguments and INI inventory host lines this way.
package shlex

import (
	"errors"
	"strings"
)

// The errors Python's shlex raises, in its words.
var (
	ErrNoClosingQuote = errors.New("no closing quotation")
	ErrNoEscaped      = errors.New("no escaped character")
)

// Split is shlex.split(s): POSIX quoting and backslash escapes; '#' is an
// ordinary character.
func Split(s string) ([]string, error) { return split(s, false) }

// SplitComments is shlex.split(s, comments=True): as Split, and an
// unquoted '#' starts a comment that runs to the end of the line (it also
// ends the word it touches, as in Python).
func SplitComments(s string) ([]string, error) { return split(s, true) }

// split walks s once. Inside single quotes nothing is special; inside
// double quotes a backslash escapes only '"' and '\' (Python's
// escapedquotes), and stays literal before anything else; outside quotes
// a backslash takes the next character as it is.
func split(s string, comments bool) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	emit := func() {
		if inWord {
			words = append(words, cur.String())
			cur.Reset()
			inWord = false
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			emit()
		case c == '#' && comments:
			emit()
			nl := strings.IndexByte(s[i:], '\n')
			if nl < 0 {
				return words, nil
			}
			i += nl
		case c == '\\':
			if i+1 >= len(s) {
				return nil, ErrNoEscaped
			}
			i++
			cur.WriteByte(s[i])
			inWord = true
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, ErrNoClosingQuote
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			end, err := doubleQuoted(s, i+1, &cur)
			if err != nil {
				return nil, err
			}
			i = end
			inWord = true
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	emit()
	return words, nil
}

// doubleQuoted copies the text of a double-quoted span starting at i into
// cur and returns the index of the closing quote.
func doubleQuoted(s string, i int, cur *strings.Builder) (int, error) {
	for ; i < len(s); i++ {
		switch {
		case s[i] == '"':
			return i, nil
		case s[i] == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\'):
			i++
		}
		cur.WriteByte(s[i])
	}
	return 0, ErrNoClosingQuote
}
