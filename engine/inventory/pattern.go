package inventory

import (
	"fmt"
	"os"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Match returns the hosts a pattern selects (hosts: or --limit), in
// inventory order, with Ansible's semantics: a,b or a:b unions, &b
// intersections, !b exclusions, globs, ~regexes, group[0] / group[1:3]
// subscripts and @file (one pattern per line). Parts that match nothing
// are reported in warnings, not as errors, as Ansible does.
func (inv *Inventory) Match(pattern string) (hosts []string, warnings []string, err error) {
	parts, err := splitPatterns(pattern)
	if err != nil {
		return nil, nil, err
	}
	return inv.evaluate(parts)
}

// splitPatterns splits on commas, or on colons outside brackets when there
// is no comma (Ansible's legacy form), and expands @file entries.
func splitPatterns(pattern string) ([]string, error) {
	var raw []string
	if strings.Contains(pattern, ",") {
		raw = strings.Split(pattern, ",")
	} else if isSingleAddress(pattern) {
		raw = []string{pattern}
	} else {
		raw = colonSplit.FindAllString(pattern, -1)
	}
	var out []string
	for _, p := range raw {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if strings.HasPrefix(p, "@") {
			data, err := os.ReadFile(p[1:])
			if err != nil {
				return nil, fmt.Errorf("limit file: %w", err)
			}
			for _, l := range strings.Split(string(data), "\n") {
				if l = strings.TrimSpace(l); l != "" {
					out = append(out, l)
				}
			}
			continue
		}
		out = append(out, p)
	}
	return out, nil
}

var colonSplit = regexp.MustCompile(`(?:[^\s:\[\]]|\[[^\]]*\])+`)

// isSingleAddress is true for an IPv6 address, which must not be split
// on its colons.
func isSingleAddress(p string) bool {
	h, _ := splitPort(p)
	return strings.Count(h, ":") > 1 && !strings.ContainsAny(h, "&!~*")
}

func (inv *Inventory) evaluate(parts []string) ([]string, []string, error) {
	var regular, inter, excl []string
	for _, p := range parts {
		if p == "!" || p == "&" {
			return nil, nil, fmt.Errorf("invalid host pattern %q: %s must be followed by a group or host pattern", p, p)
		}
		switch p[0] {
		case '!':
			excl = append(excl, p)
		case '&':
			inter = append(inter, p)
		default:
			regular = append(regular, p)
		}
	}
	if len(regular) == 0 {
		regular = []string{"all"}
	}
	var warnings []string
	var result []*host
	for _, p := range slices.Concat(regular, inter, excl) {
		if h, ok := inv.hosts[p]; ok {
			if !slices.Contains(result, h) {
				result = append(result, h)
			}
			continue
		}
		if name := strings.TrimPrefix(p, "&"); p[0] != '!' && implicitLocalhost(name) {
			// Ansible's implicit localhost: a pattern that names it, and that
			// nothing in the inventory matches, is the controller; it is in
			// no group, and all does not match it.
			if that, _, _ := inv.matchOne(name); len(that) == 0 {
				if p[0] == '&' {
					result = slices.DeleteFunc(result, func(h *host) bool { return h.name != name })
				} else if !slices.ContainsFunc(result, func(h *host) bool { return h.name == name }) {
					result = append(result, &host{name: name})
				}
				continue
			}
		}
		that, warn, err := inv.matchOne(strings.TrimLeft(p[:1], "!&") + p[1:])
		if err != nil {
			return nil, warnings, err
		}
		if warn != "" {
			warnings = append(warnings, warn)
		}
		switch p[0] {
		case '!':
			result = slices.DeleteFunc(result, func(h *host) bool { return slices.Contains(that, h) })
		case '&':
			result = slices.DeleteFunc(result, func(h *host) bool { return !slices.Contains(that, h) })
		default:
			for _, h := range that {
				if !slices.Contains(result, h) {
					result = append(result, h)
				}
			}
		}
	}
	return names(result, hostName), warnings, nil
}

var subscript = regexp.MustCompile(`^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$`)

func (inv *Inventory) matchOne(p string) ([]*host, string, error) {
	expr := p
	var idx, start, end *int
	if p[0] != '~' {
		if m := subscript.FindStringSubmatch(p); m != nil {
			expr = m[1]
			atoi := func(s string) *int { n, _ := strconv.Atoi(s); return &n }
			if m[2] != "" {
				idx = atoi(m[2])
			} else {
				start = atoi(m[3])
				end = atoi(m[5])
				if m[5] == "" {
					end = nil
				}
			}
		}
	}
	hosts, err := inv.enumerate(expr)
	if err != nil {
		return nil, "", err
	}
	if len(hosts) == 0 {
		if expr != "all" && !inv.matchesGroup(expr) {
			return nil, "Could not match supplied host pattern, ignoring: " + expr, nil
		}
		return nil, "", nil
	}
	switch {
	case idx != nil:
		i := *idx
		if i < 0 {
			i += len(hosts)
		}
		if i < 0 || i >= len(hosts) {
			return nil, "", fmt.Errorf("no hosts matched the subscripted pattern %q", p)
		}
		return hosts[i : i+1], "", nil
	case start != nil:
		e := len(hosts) - 1
		if end != nil && *end != 0 {
			e = min(*end, len(hosts)-1)
		}
		if end != nil && *end == 0 {
			// Ansible treats [x:0] like [x] (end 0 is falsy).
			if *start >= len(hosts) {
				return nil, "", fmt.Errorf("no hosts matched the subscripted pattern %q", p)
			}
			return hosts[*start : *start+1], "", nil
		}
		if *start > e {
			return nil, "", nil
		}
		return hosts[*start : e+1], "", nil
	}
	return hosts, "", nil
}

func (inv *Inventory) matchesGroup(expr string) bool {
	re, err := patternRegexp(expr)
	if err != nil {
		return false
	}
	for _, g := range inv.groupOrder {
		if re.MatchString(g.name) {
			return true
		}
	}
	return false
}

// patternRegexp compiles a glob (anchored, like fnmatch) or a ~regex
// (matched at the start, like Python's re.match).
func patternRegexp(expr string) (*regexp.Regexp, error) {
	if strings.HasPrefix(expr, "~") {
		re, err := regexp.Compile(`^(?:` + expr[1:] + `)`)
		if err != nil {
			return nil, fmt.Errorf("invalid host list pattern %s: %w", expr, err)
		}
		return re, nil
	}
	if _, err := path.Match(expr, ""); err != nil {
		return nil, fmt.Errorf("invalid host list pattern %s: %w", expr, err)
	}
	re, err := globRegexp(expr)
	if err != nil {
		return nil, fmt.Errorf("invalid host list pattern %s: %w", expr, err)
	}
	return re, nil
}

// globRegexp translates fnmatch syntax (*, ?, [abc], [!abc]); unlike
// path.Match, * also crosses "/" and ".", as in Python's fnmatch.
func globRegexp(glob string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("^(?s:")
	for i := 0; i < len(glob); i++ {
		switch c := glob[i]; c {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		case '[':
			j := strings.IndexByte(glob[i+1:], ']')
			if j < 0 {
				b.WriteString(`\[`)
				continue
			}
			class := glob[i+1 : i+1+j]
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			b.WriteString("[" + strings.ReplaceAll(class, `\`, `\\`) + "]")
			i += j + 1
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString(")$")
	return regexp.Compile(b.String())
}

// enumerate returns hosts of matching groups, then matching hosts when the
// pattern names no group or is a glob/regex.
func (inv *Inventory) enumerate(expr string) ([]*host, error) {
	re, err := patternRegexp(expr)
	if err != nil {
		return nil, err
	}
	var out []*host
	add := func(h *host) {
		if !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	matchedGroup := false
	for _, g := range inv.groupOrder {
		if re.MatchString(g.name) {
			matchedGroup = true
			for _, h := range g.allHosts() {
				add(h)
			}
		}
	}
	if !matchedGroup || expr[0] == '~' || strings.ContainsAny(expr, ".?*[") {
		for _, h := range inv.hostOrder {
			if re.MatchString(h.name) {
				add(h)
			}
		}
	}
	return out, nil
}

// implicitLocalhost reports whether a pattern is one of Ansible's names
// for the controller (C.LOCALHOST).
func implicitLocalhost(p string) bool { return p == "localhost" || p == "127.0.0.1" || p == "::1" }
