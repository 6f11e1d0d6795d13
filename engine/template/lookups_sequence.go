package template

// lookups_sequence.go is the sequence lookup (with_sequence), and the
// key=value term syntax several lookups share.

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/haplay/haplay/engine/pyfmt"
)

// splitTerm splits a lookup term into words as Ansible's parse_kv does:
// blanks separate words, quotes group them and are removed.
func splitTerm(s string) []string {
	var out []string
	var b strings.Builder
	var quote rune
	inWord := false
	for _, c := range s {
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				b.WriteRune(c)
			}
		case c == '"' || c == '\'':
			quote, inWord = c, true
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				out = append(out, b.String())
				b.Reset()
				inWord = false
			}
		default:
			b.WriteRune(c)
			inWord = true
		}
	}
	if inWord {
		out = append(out, b.String())
	}
	return out
}

// parseKV reads "word k=v k2=v2": the words without "=" come back in
// free, joined by a blank (Ansible's _raw_params).
func parseKV(s string) (free string, kv map[string]string) {
	kv = map[string]string{}
	var words []string
	for _, w := range splitTerm(s) {
		if k, v, ok := strings.Cut(w, "="); ok && k != "" && !strings.ContainsAny(k, " /") {
			kv[k] = v
		} else {
			words = append(words, w)
		}
	}
	return strings.Join(words, " "), kv
}

// pyInt parses an integer as Python's int(s, 0): 0x, 0o and 0b prefixes.
func pyInt(s string) (int, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 0, 64); err == nil {
		return int(n), nil
	}
	return 0, fmt.Errorf("can't parse %q as an integer", s)
}

type sequence struct {
	start, end, stride int
	count              *int
	hasEnd             bool
	format             string
}

// seqShort is the short form [start-]end[/stride][:format], as
// Ansible's SHORTCUT pattern.
var seqShort = regexp.MustCompile(`(?i)^(?:(0?x?[0-9a-f]+)-)?(0?x?[0-9a-f]+)(?:/(0?x?[0-9a-f]+))?(?::(.+))?$`)

func (q *sequence) parse(term string) error {
	if m := seqShort.FindStringSubmatch(strings.TrimSpace(term)); m != nil {
		var err error
		if m[1] != "" {
			if q.start, err = shortInt(m[1]); err != nil {
				return err
			}
		}
		if q.end, err = shortInt(m[2]); err != nil {
			return err
		}
		q.hasEnd = true
		if m[3] != "" {
			if q.stride, err = shortInt(m[3]); err != nil {
				return err
			}
		}
		if m[4] != "" {
			q.format = m[4]
		}
		return nil
	}
	free, kv := parseKV(term)
	if free != "" {
		return fmt.Errorf("can't parse arg %s as a sequence", free)
	}
	return q.parseKV(kv)
}

// shortInt reads the short form's numbers as Ansible does: decimal,
// else hexadecimal.
func shortInt(s string) (int, error) {
	if n, err := strconv.Atoi(s); err == nil {
		return n, nil
	}
	n, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X"), 16, 64)
	if err != nil {
		return 0, fmt.Errorf("can't parse %s as integer", s)
	}
	return int(n), nil
}

func (q *sequence) parseKV(kv map[string]string) error {
	for k := range kv {
		if !slices.Contains([]string{"start", "end", "stride", "count", "format"}, k) {
			return fmt.Errorf("unrecognized arguments to with_sequence: %s", k)
		}
	}
	for k, v := range kv {
		var n int
		var err error
		if k != "format" {
			if n, err = pyInt(v); err != nil {
				return fmt.Errorf("can't parse %s=%s as integer", k, v)
			}
		}
		switch k {
		case "start":
			q.start = n
		case "end":
			q.end, q.hasEnd = n, true
		case "stride":
			q.stride = n
		case "count":
			q.count = &n
		case "format":
			q.format = v
		}
	}
	return nil
}

func (q *sequence) check() error {
	switch {
	case q.count == nil && !q.hasEnd:
		return errors.New("must specify count or end in with_sequence")
	case q.count != nil && q.hasEnd:
		return errors.New("can't specify both count and end in with_sequence")
	case q.count != nil:
		if *q.count != 0 {
			q.end = q.start + *q.count*q.stride - 1
		} else {
			q.start, q.end, q.stride = 0, 0, 0
		}
	}
	if q.stride > 0 && q.end < q.start {
		return errors.New("to count backwards make stride negative")
	}
	if q.stride < 0 && q.end > q.start {
		return errors.New("to count forward don't make stride negative")
	}
	if strings.Count(q.format, "%") != 1 {
		return fmt.Errorf("bad formatting string: %s", q.format)
	}
	return nil
}

func (q *sequence) items() ([]any, error) {
	if q.stride == 0 {
		return nil, nil
	}
	adjust := 1
	if q.stride < 0 {
		adjust = -1
	}
	if n := rangeLen(q.start, q.end+adjust, q.stride); n > maxItems {
		return nil, fmt.Errorf("with_sequence of %d items is more than the %d a loop may have", n, maxItems)
	}
	var out []any
	for i := q.start; (q.stride > 0 && i < q.end+adjust) || (q.stride < 0 && i > q.end+adjust); i += q.stride {
		s, err := pyPercent(q.format, i)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func lookupSequence(r *run, terms []any, kw kwargs) ([]any, error) {
	var out []any
	for _, t := range terms {
		q := sequence{start: 1, stride: 1, format: "%d"}
		if err := q.parse(pyfmt.Str(t)); err != nil {
			return nil, fmt.Errorf("unknown error parsing with_sequence arguments: %q: %w", pyfmt.Str(t), err)
		}
		if err := q.check(); err != nil {
			return nil, err
		}
		items, err := q.items()
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
	}
	return out, nil
}

// percentSpec is one Python %-conversion.
var percentSpec = regexp.MustCompile(`%([-+ 0#]*)(\d*)(\.\d+)?([diouxXeEfFgGcrs])`)

// pyPercent formats one integer as Python's "format % i".
func pyPercent(format string, i int) (string, error) {
	loc := percentSpec.FindStringSubmatchIndex(format)
	if loc == nil {
		return "", fmt.Errorf("problem formatting %d with %q", i, format)
	}
	m := percentSpec.FindStringSubmatch(format)
	flags, width, prec, verb := m[1], m[2], m[3], m[4]
	var s string
	switch verb {
	case "d", "i", "u":
		s = fmt.Sprintf("%"+flags+width+"d", i)
	case "o", "x", "X":
		s = fmt.Sprintf("%"+flags+width+verb, i)
	case "e", "E", "f", "F", "g", "G":
		if prec == "" && (verb == "f" || verb == "F" || verb == "e" || verb == "E") {
			prec = ".6"
		}
		s = fmt.Sprintf("%"+flags+width+prec+strings.ToLower(verb), float64(i))
		if verb == "E" || verb == "G" {
			s = strings.ToUpper(s)
		}
	case "c":
		s = string(rune(i))
	default: // s, r
		s = fmt.Sprintf("%"+strings.ReplaceAll(flags, "0", "")+width+"s", strconv.Itoa(i))
	}
	return format[:loc[0]] + s + format[loc[1]:], nil
}
