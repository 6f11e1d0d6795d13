package template

// filters_text.go: string filters of Jinja and Ansible: indent, comment,
// regex_escape, checksum, to_uuid, strftime, human_readable and
// human_to_bytes, password_hash (filters_crypt.go).

import (
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/haplay/haplay/engine/pyfmt"
	"github.com/haplay/haplay/engine/truth"
)

func textFilters() map[string]filterFunc {
	return map[string]filterFunc{
		"indent":         fIndent,
		"comment":        fComment,
		"regex_escape":   fRegexEscape,
		"checksum":       strFilter(func(s string) string { h := sha1.Sum([]byte(s)); return hex.EncodeToString(h[:]) }),
		"to_uuid":        fToUUID,
		"strftime":       fStrftime,
		"human_readable": fHumanReadable,
		"human_to_bytes": fHumanToBytes,
		"password_hash":  fPasswordHash,
	}
}

// splitLines is Python's str.splitlines.
func splitLines(s string) []string {
	var out []string
	start := 0
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		switch rs[i] {
		case '\n', '\r', '\v', '\f', 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029:
			out = append(out, string(rs[start:i]))
			if rs[i] == '\r' && i+1 < len(rs) && rs[i+1] == '\n' {
				i++
			}
			start = i + 1
		}
	}
	if start < len(rs) {
		out = append(out, string(rs[start:]))
	}
	return out
}

// fIndent is Jinja 3.1's indent(width=4, first=False, blank=False); width
// may be a string to indent with.
func fIndent(r *run, in any, args []any, kw kwargs) (any, error) {
	s := pyfmt.Str(in)
	w := argOr(args, kw, 0, "width", 4)
	ind, isStr := w.(string)
	if !isStr {
		n, ok := toInt(w)
		if !ok {
			return nil, fmt.Errorf("indent width must be an int or a str, got %s", typeName(w))
		}
		ind = strings.Repeat(" ", max(n, 0))
	}
	first := truth.Truthy(argOr(args, kw, 1, "first", false))
	blank := truth.Truthy(argOr(args, kw, 2, "blank", false))
	lines := splitLines(s + "\n")
	var rv string
	if blank {
		rv = strings.Join(lines, "\n"+ind)
	} else if len(lines) > 0 {
		rv = lines[0]
		for _, l := range lines[1:] {
			rv += "\n"
			if l != "" {
				rv += ind + l
			}
		}
	}
	if first {
		rv = ind + rv
	}
	return rv, nil
}

var commentStyles = map[string]map[string]any{
	"plain":  {"decoration": "# "},
	"erlang": {"decoration": "% "},
	"c":      {"decoration": "// "},
	"cblock": {"beginning": "/*", "decoration": " * ", "end": " */"},
	"xml":    {"beginning": "<!--", "decoration": " - ", "end": "-->"},
}

// fComment is Ansible's comment(text, style='plain', **kw) with the
// options decoration, beginning, end, prefix, prefix_count, postfix,
// postfix_count and newline.
func fComment(r *run, in any, args []any, kw kwargs) (any, error) {
	style := pyfmt.Str(argOr(args, kw, 0, "style", "plain"))
	sp, ok := commentStyles[style]
	if !ok {
		return nil, fmt.Errorf("unknown comment style '%s'", style)
	}
	pre := sp["decoration"]
	if d, ok := kw["decoration"]; ok {
		pre = d
	}
	preS := strings.TrimRight(pyfmt.Str(pre), " \t\n\r\v\f")
	p := map[string]any{"newline": "\n", "beginning": "", "prefix": preS, "prefix_count": 1,
		"decoration": "", "postfix": preS, "postfix_count": 1, "end": ""}
	for k, v := range sp {
		p[k] = v
	}
	for k, v := range kw {
		if k != "style" {
			p[k] = v
		}
	}
	str := func(k string) string { return pyfmt.Str(p[k]) }
	count := func(k string) (int, error) {
		n, err := fInt(r, p[k], []any{nil}, nil)
		if i, ok := n.(int); err == nil && ok {
			return i, nil
		}
		return 0, fmt.Errorf("%s must be an integer", k)
	}
	nl, deco := str("newline"), str("decoration")
	var b strings.Builder
	if truth.Truthy(p["beginning"]) {
		b.WriteString(str("beginning") + nl)
	}
	if truth.Truthy(p["prefix"]) {
		n, err := count("prefix_count")
		if err != nil {
			return nil, err
		}
		unit := str("prefix") + nl
		if str("prefix") == nl {
			unit = nl
		}
		b.WriteString(strings.Repeat(unit, max(n, 0)))
	}
	text := deco + strings.ReplaceAll(pyfmt.Str(in), nl, nl+deco)
	b.WriteString(strings.ReplaceAll(text, deco+nl, strings.TrimRight(deco, " \t\n\r\v\f")+nl))
	n, err := count("postfix_count")
	if err != nil {
		return nil, err
	}
	for range max(n, 0) {
		b.WriteString(nl + str("postfix"))
	}
	if truth.Truthy(p["end"]) {
		b.WriteString(nl + str("end"))
	}
	return b.String(), nil
}

// fRegexEscape is regex_escape(re_type='python'): re.escape, or the
// POSIX basic escaping of ].[^$*\.
func fRegexEscape(r *run, in any, args []any, kw kwargs) (any, error) {
	s := pyfmt.Str(in)
	switch t := pyfmt.Str(argOr(args, kw, 0, "re_type", "python")); t {
	case "python":
		var b strings.Builder
		for _, c := range s {
			if strings.ContainsRune("()[]{}?*+-|^$\\.&~# \t\n\r\v\f", c) {
				b.WriteByte('\\')
			}
			b.WriteRune(c)
		}
		return b.String(), nil
	case "posix_basic":
		return regexp.MustCompile(`([\].\[^$*\\])`).ReplaceAllString(s, `\$1`), nil
	case "posix_extended":
		return nil, errors.New("Regex type (posix_extended) not yet implemented")
	default:
		return nil, fmt.Errorf("Invalid regex type (%s)", t)
	}
}

// fToUUID is to_uuid(namespace=Ansible's): a version 5 UUID of the text.
func fToUUID(r *run, in any, args []any, kw kwargs) (any, error) {
	ns := pyfmt.Str(argOr(args, kw, 0, "namespace", "361E6D51-FAEC-444A-9079-341386DA8E2E"))
	raw, err := hex.DecodeString(strings.NewReplacer("-", "", "{", "", "}", "", "urn:uuid:", "").Replace(ns))
	if err != nil || len(raw) != 16 {
		return nil, fmt.Errorf("Invalid value '%s' for 'namespace': badly formed hexadecimal UUID string", ns)
	}
	h := sha1.Sum(append(raw, pyfmt.Str(in)...))
	u := h[:16]
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	x := hex.EncodeToString(u)
	return x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:], nil
}

// fHumanReadable is human_readable(isbits=False, unit=None).
func fHumanReadable(r *run, in any, args []any, kw kwargs) (any, error) {
	size, ok := toFloat(in)
	if !ok {
		return nil, fmt.Errorf("human_readable() failed on bad input: '>=' not supported between instances of '%s' and 'int'", typeName(in))
	}
	base := "Bytes"
	if truth.Truthy(argOr(args, kw, 0, "isbits", false)) {
		base = "bits"
	}
	unit := argOr(args, kw, 1, "unit", nil)
	suffix, limit := "", 1.0
	for i, s := range sizeSuffixes {
		suffix, limit = s, math.Pow(2, float64(10*(len(sizeSuffixes)-1-i)))
		if unit == nil && size >= limit || unit != nil && strings.ToUpper(pyfmt.Str(unit)) == s[:1] {
			break
		}
	}
	if limit != 1 {
		suffix += base[:1]
	} else {
		suffix = base
	}
	return strconv.FormatFloat(size/limit, 'f', 2, 64) + " " + suffix, nil
}

var sizeSuffixes = []string{"Y", "Z", "E", "P", "T", "G", "M", "K", "B"}

var humanNum = regexp.MustCompile(`^\s*(\d*\.?\d*)\s*([A-Za-z]+)?`)

// fHumanToBytes is human_to_bytes(default_unit=None, isbits=False).
func fHumanToBytes(r *run, in any, args []any, kw kwargs) (any, error) {
	s := pyfmt.Str(in)
	bad := fmt.Errorf("human_to_bytes() can't interpret following string: %s", s)
	m := humanNum.FindStringSubmatch(s)
	num, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return nil, bad
	}
	unit := m[2]
	if unit == "" {
		if d := argOr(args, kw, 0, "default_unit", nil); d != nil {
			unit = pyfmt.Str(d)
		}
	}
	if unit == "" {
		return int(math.RoundToEven(num)), nil
	}
	key := strings.ToUpper(unit[:1])
	i := strings.Index("YZEPTGMKB", key)
	if i < 0 {
		return nil, bad
	}
	class, className := "B", "byte"
	if truth.Truthy(argOr(args, kw, 1, "isbits", false)) {
		class, className = "b", "bit"
	}
	if len(unit) > 1 && !strings.Contains(strings.ToLower(unit), className) && unit[1:2] != class {
		return nil, bad
	}
	return int(math.RoundToEven(num * math.Pow(2, float64(10*(8-i))))), nil
}
