package ansiblecfg

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Dump lists the settings as `ansible-config dump` does, one
// "NAME(ORIGIN) = VALUE" line each, sorted, CONFIG_FILE() among them;
// with onlyChanged, only what the file or the environment set. The
// settings haplay accepts without effect follow, then every key and
// ANSIBLE_* variable haplay does not support (always listed, changed by
// definition), each saying so.
func (c *Config) Dump(onlyChanged bool) []string {
	var lines, ignored []string
	cf := "None"
	if c.File != "" {
		cf = c.File
	}
	lines = append(lines, "CONFIG_FILE() = "+cf)
	for _, s := range Settings {
		v, set := c.Value(s.Name)
		if onlyChanged && !set {
			continue
		}
		line := fmt.Sprintf("%s(%s) = %s", s.Name, v.Origin, c.format(v))
		if val, _ := c.String(s.Name); set && len(s.Values) > 0 && !slices.Contains(s.Values, val) {
			line += " (not supported by haplay: it has " + strings.Join(s.Values, ", ") + ")"
		}
		if s.Ignored {
			ignored = append(ignored, line+" (accepted, no effect: "+s.Use+")")
			continue
		}
		lines = append(lines, line)
	}
	sort.Strings(lines)
	sort.Strings(ignored)
	lines = append(lines, ignored...)
	for _, u := range c.Unsupported {
		lines = append(lines, fmt.Sprintf("%s(%s) = %s (not supported by haplay)", u.Name, u.Origin, u.Raw))
	}
	return lines
}

// format prints a value as ansible-config does (Python's str of the
// typed value).
func (c *Config) format(v Value) string {
	set := v.Origin != "default"
	if v.Raw == "" && !set && v.Setting.Kind != List {
		return "None"
	}
	switch v.Setting.Kind {
	case Bool:
		b, _, _ := c.Bool(v.Name)
		if b {
			return "True"
		}
		return "False"
	case Int:
		if n, _, err := c.Int(v.Name); err == nil {
			return strconv.Itoa(n)
		}
	case Path:
		p, _ := c.Path(v.Name)
		return p
	case PathList, PathSpec, List:
		if !set {
			return v.Raw
		}
		var q []string
		for _, p := range c.list(v) {
			q = append(q, pyRepr(p))
		}
		return "[" + strings.Join(q, ", ") + "]"
	}
	return unquote(v.Raw)
}

// pyRepr quotes s as Python's repr of a str does, for plain strings.
func pyRepr(s string) string {
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		return `"` + s + `"`
	}
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", `\'`) + "'"
}
