package network

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/jinja"
	"github.com/haplay/haplay/engine/module"
)

// EtcHosts keeps a managed set of "ip names..." entries in /etc/hosts
// (haplay's own module: Ansible has none, and lineinfile with a regexp per
// node is what people write instead). It edits only the lines it manages.
type EtcHosts struct{}

var _ module.Module = EtcHosts{}

func (EtcHosts) Name() string { return "etc_hosts" }

func (EtcHosts) Spec() module.Spec {
	return module.Spec{
		Short: "Manage ip/name entries in /etc/hosts",
		Description: "Keeps entries (an IP address and its names) in a hosts file. Line style (default): for " +
			"each entry the first line with that IP gets exactly those names, or a line is appended; other " +
			"lines are left alone. With exclusive, lines for the same IP further down are removed and the " +
			"entries' names are taken off lines of other IPs (a line left without names goes; loopback lines such as 127.0.1.1 are left alone). Block style " +
			"(marker): the entries live between two marker lines and the block is rewritten as a whole, so " +
			"a node removed from the inventory disappears on the next run. state=absent removes the entries' " +
			"names from lines of their IP (the whole line when no names are given), or the block. " +
			"entries is a list of {ip, names} (names a list or a string of space-separated names), or a " +
			"string in hosts-file format, which suits a Jinja {% for %} loop over the inventory.",
		Args: []module.Arg{
			{Name: "entries", Type: module.TypeRaw, Required: true, Doc: "list of {ip, names}, or hosts-file text (\"ip name...\" per line)"},
			{Name: "path", Type: module.TypePath, Default: "/etc/hosts", Aliases: []string{"dest"}, Doc: "the hosts file"},
			{Name: "state", Type: module.TypeStr, Default: "present", Choices: []string{"present", "absent"}, Doc: "whether the entries should be there"},
			{Name: "exclusive", Type: module.TypeBool, Default: false, Doc: "remove other lines for the same IPs, and the entries' names from lines of other IPs"},
			{Name: "marker", Type: module.TypeStr, Doc: "block style: marker line template with {mark} standing for BEGIN/END, e.g. \"# {mark} haplay cluster nodes\""},
		},
		Check: func(a module.Args, _ bool) []module.ArgError {
			if jinja.IsTemplated(a["entries"]) {
				return nil
			}
			if _, err := parseHostsEntries(a["entries"]); err != nil {
				return []module.ArgError{{Arg: "entries", Msg: "entries: " + err.Error()}}
			}
			if m := a.String("marker"); m != "" && !strings.Contains(m, "{mark}") {
				return []module.ArgError{{Arg: "marker", Msg: "marker must contain {mark}"}}
			}
			return nil
		},
		Examples: `# Seed 001: every node knows the others by name.
- name: Cluster nodes in /etc/hosts
  etc_hosts:
    entries:
      - {ip: 192.168.1.106, names: k8s-vm-1}
      - {ip: 192.168.1.174, names: k8s-vm-2}
      - {ip: 192.168.1.192, names: k8s-vm-3}

# The same from the inventory, as a block that follows it (nodes removed
# from the inventory leave /etc/hosts on the next run).
- name: Every inventory host in /etc/hosts
  etc_hosts:
    marker: "# {mark} cluster nodes"
    exclusive: true
    entries: |
      {% for h in groups['all'] %}
      {{ hostvars[h].ansible_host }} {{ h }}
      {% endfor %}

- name: Forget an old node
  etc_hosts:
    state: absent
    entries: [{ip: 192.168.1.192}]`,
	}
}

// hostsEntry is one "ip names..." entry.
type hostsEntry struct {
	IP    string
	Names []string
}

// parseHostsEntries reads the entries argument: a list of {ip, names} or
// hosts-file text.
func parseHostsEntries(v any) ([]hostsEntry, error) {
	var out []hostsEntry
	switch x := v.(type) {
	case nil:
		return nil, fmt.Errorf("no entries given")
	case string:
		for i, line := range strings.Split(x, "\n") {
			if j := strings.IndexByte(line, '#'); j >= 0 {
				line = line[:j]
			}
			f := strings.Fields(line)
			if len(f) == 0 {
				continue
			}
			if _, err := netip.ParseAddr(f[0]); err != nil {
				return nil, fmt.Errorf("line %d: %q is not an IP address", i+1, f[0])
			}
			out = append(out, hostsEntry{IP: f[0], Names: f[1:]})
		}
	case []any:
		for i, e := range x {
			m, ok := e.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("item %d: expected a mapping with ip and names, got %s", i+1, module.KindOf(e))
			}
			for k := range m {
				if k != "ip" && k != "names" && k != "name" {
					return nil, fmt.Errorf("item %d: unknown key %q (use ip and names)", i+1, k)
				}
			}
			ip := fmt.Sprint(m["ip"])
			if m["ip"] == nil || ip == "" {
				return nil, fmt.Errorf("item %d: ip is required", i+1)
			}
			if jinja.IsTemplated(ip) {
				out = append(out, hostsEntry{IP: ip})
				continue
			}
			if _, err := netip.ParseAddr(ip); err != nil {
				return nil, fmt.Errorf("item %d: %q is not an IP address", i+1, ip)
			}
			names := m["names"]
			if names == nil {
				names = m["name"]
			}
			var ns []string
			switch n := names.(type) {
			case nil:
			case string:
				ns = strings.Fields(n)
			case []any:
				for _, s := range n {
					ns = append(ns, strings.Fields(fmt.Sprint(s))...)
				}
			default:
				ns = []string{fmt.Sprint(n)}
			}
			out = append(out, hostsEntry{IP: ip, Names: ns})
		}
	default:
		return nil, fmt.Errorf("expected a list of {ip, names} or hosts-file text, got %s", module.KindOf(v))
	}
	return out, nil
}

// hostsLine is one line of a hosts file, split into its parts so an edit
// keeps the separator and any trailing comment.
type hostsLine struct {
	text    string // the original line, used when the line is unchanged
	ip      string // "" for blank and comment lines
	sep     string // whitespace after the IP
	names   []string
	comment string // "# ..." with the whitespace before it
}

func parseHostsLine(s string) hostsLine {
	l := hostsLine{text: s}
	body := s
	if i := strings.IndexByte(s, '#'); i >= 0 {
		body = s[:i]
		l.comment = s[len(strings.TrimRight(s[:i], " \t")):]
	}
	f := strings.Fields(body)
	if len(f) == 0 {
		return l
	}
	l.ip = f[0]
	l.names = f[1:]
	rest := strings.TrimLeft(body, " \t")[len(f[0]):]
	l.sep = rest[:len(rest)-len(strings.TrimLeft(rest, " \t"))]
	if l.sep == "" {
		l.sep = " "
	}
	return l
}

func (l hostsLine) render() string {
	if l.ip == "" {
		return l.text
	}
	s := l.ip
	if len(l.names) > 0 {
		s += l.sep + strings.Join(l.names, " ")
	}
	return s + l.comment
}

func newHostsLine(e hostsEntry) hostsLine {
	return hostsLine{ip: e.IP, sep: " ", names: append([]string(nil), e.Names...)}
}

func splitLines(content string) []string {
	if content == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(content, "\n"), "\n")
}

func joinLines(lines []hostsLine) string {
	if len(lines) == 0 {
		return ""
	}
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l.render())
		b.WriteByte('\n')
	}
	return b.String()
}

// editHosts returns content with the entries applied. It is pure so the
// planning can be table-tested; the module only reads and writes.
func editHosts(content string, entries []hostsEntry, present, exclusive bool, marker string) string {
	var lines []hostsLine
	for _, s := range splitLines(content) {
		lines = append(lines, parseHostsLine(s))
	}
	if marker != "" {
		return editHostsBlock(lines, entries, present, exclusive, marker)
	}
	if !present {
		return joinLines(removeEntries(lines, entries))
	}
	for _, e := range entries {
		first := -1
		for i, l := range lines {
			if l.ip == e.IP {
				first = i
				break
			}
		}
		if first < 0 {
			lines = append(lines, newHostsLine(e))
			first = len(lines) - 1
		} else if !slices.Equal(lines[first].names, e.Names) {
			lines[first].names = append([]string(nil), e.Names...)
		}
		if exclusive {
			lines = exclusiveCleanup(lines, e, first, first)
		}
	}
	return joinLines(lines)
}

// exclusiveCleanup removes, outside lines [keepFrom, keepTo], other lines
// for e's IP and e's names from lines of other IPs.
func exclusiveCleanup(lines []hostsLine, e hostsEntry, keepFrom, keepTo int) []hostsLine {
	var out []hostsLine
	for i, l := range lines {
		if l.ip == "" || (i >= keepFrom && i <= keepTo) {
			out = append(out, l)
			continue
		}
		if l.ip == e.IP {
			continue
		}
		if a, err := netip.ParseAddr(l.ip); err == nil && a.IsLoopback() {
			// 127.0.1.1 names the host itself beside its real address
			// (Debian, seed 001): not a conflicting entry.
			out = append(out, l)
			continue
		}
		kept := slices.DeleteFunc(slices.Clone(l.names), func(n string) bool { return slices.Contains(e.Names, n) })
		if len(kept) == 0 && len(l.names) > 0 {
			continue
		}
		if len(kept) != len(l.names) {
			l.names = kept
		}
		out = append(out, l)
	}
	return out
}

// removeEntries takes the entries' names off lines of their IP (the whole
// line when an entry has no names).
func removeEntries(lines []hostsLine, entries []hostsEntry) []hostsLine {
	var out []hostsLine
	for _, l := range lines {
		if l.ip == "" {
			out = append(out, l)
			continue
		}
		drop := false
		for _, e := range entries {
			if l.ip != e.IP {
				continue
			}
			if len(e.Names) == 0 {
				drop = true
				break
			}
			kept := slices.DeleteFunc(slices.Clone(l.names), func(n string) bool { return slices.Contains(e.Names, n) })
			if len(kept) == 0 {
				drop = true
				break
			}
			l.names = kept
		}
		if !drop {
			out = append(out, l)
		}
	}
	return out
}

func editHostsBlock(lines []hostsLine, entries []hostsEntry, present, exclusive bool, marker string) string {
	begin := strings.ReplaceAll(marker, "{mark}", "BEGIN")
	end := strings.ReplaceAll(marker, "{mark}", "END")
	bi, ei := -1, -1
	for i, l := range lines {
		if l.text == begin && bi < 0 {
			bi = i
		} else if l.text == end && bi >= 0 && ei < 0 {
			ei = i
		}
	}
	if bi >= 0 && ei < 0 {
		ei = len(lines) - 1 // an unterminated block runs to the end, as in blockinfile
	}
	var before, after []hostsLine
	if bi >= 0 {
		before, after = lines[:bi], lines[ei+1:]
	} else {
		before = lines
	}
	if !present {
		return joinLines(append(slices.Clone(before), after...))
	}
	if exclusive {
		// Only lines outside the block are the user's to clean up.
		for _, e := range entries {
			before = exclusiveCleanup(before, e, -1, -1)
			after = exclusiveCleanup(after, e, -1, -1)
		}
	}
	all := slices.Clone(before)
	all = append(all, hostsLine{text: begin})
	for _, e := range entries {
		all = append(all, newHostsLine(e))
	}
	all = append(all, hostsLine{text: end})
	return joinLines(append(all, after...))
}

// Run reads the file, plans the edit, and writes it when it differs.
func (EtcHosts) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	entries, err := parseHostsEntries(c.Args["entries"])
	if err != nil {
		return module.Result{Failed: true, Msg: "entries: " + err.Error()}, nil
	}
	path := c.Args.String("path")
	var r module.Result
	err = module.ReadModifyWrite(ctx, path, func() error {
		fi, err := c.Host.ReadFile(ctx, path, true)
		if err != nil {
			return err
		}
		if fi.Exists && fi.Type != "file" {
			r = module.Result{Failed: true, Msg: fmt.Sprintf("%s is a %s, not a file", path, fi.Type)}
			return nil
		}
		before := string(fi.Content)
		after := editHosts(before, entries, c.Args.String("state") == "present", c.Args.Bool("exclusive"), c.Args.String("marker"))
		r, err = writeIfChanged(ctx, c, path, fi, before, after)
		return err
	})
	if err != nil {
		return module.Result{}, fmt.Errorf("etc_hosts: %w", err)
	}
	return r, nil
}

// writeIfChanged writes after over path (through the check-mode overlay)
// when it differs from before, and builds the result and the diff. The
// write renames only over the file as fi read it: the error is then
// hostcmd.ErrChangedSinceRead, for module.ReadModifyWrite to start over.
func writeIfChanged(ctx context.Context, c *module.Call, path string, fi module.FileInfo, before, after string) (module.Result, error) {
	r := module.Result{}
	r.Set("path", path)
	if before == after && fi.Exists {
		return r, nil
	}
	if !fi.Exists && after == "" {
		return r, nil
	}
	if err := c.Host.WriteFile(ctx, path, []byte(after), hostcmd.WriteOptions{Become: c.Become, Unchanged: fi.ReadState()}); err != nil {
		if errors.Is(err, hostcmd.ErrChangedSinceRead) {
			return r, err
		}
		return module.Result{Failed: true, Msg: err.Error()}, nil
	}
	r.Changed = true
	if c.Diff {
		r.Diffs = append(r.Diffs, module.Diff{BeforeHeader: path + " (before)", AfterHeader: path + " (after)", Before: before, After: after})
	}
	return r, nil
}
