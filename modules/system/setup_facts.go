package system

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
)

// The facts setup gathers, by collector. Each collector prints what it
// needs in the one command's output, in sections framed by marker lines,
// and turns them into Ansible's fact names. Files are read with shell
// builtins (the r function), so reading /proc, /sys and /etc starts no
// program; a collector starts one only where a fact needs it (ip, date,
// stat, lsblk, vgs).

// collector gathers one subset of facts, as Ansible's fact collectors do,
// and is named as Ansible names it (gather_subset).
type collector struct {
	name  string
	probe func(o gatherOpts) string
	parse func(f map[string]any, s factSections, o gatherOpts)
	// requires names the collectors this one needs, gathered with it
	// even when gather_subset leaves them out, as Ansible's
	// required_facts are (Linux network needs distribution and platform).
	requires []string
	// big are the files that may be long (cpuinfo on a big machine,
	// passwd): one tail prints them all, since the builtin read takes a
	// system call per byte.
	big []string
}

// gatherOpts are the arguments the probes and parsers need.
type gatherOpts struct {
	factPath string // fact_path, for the local collector
}

// minimalSubset is Ansible's min subset, restricted to the collectors
// haplay has: gathered unless !min.
var minimalSubset = map[string]bool{
	"apparmor": true, "caps": true, "cmdline": true, "date_time": true, "distribution": true, "dns": true, "env": true,
	"fips": true, "local": true, "lsb": true, "pkg_mgr": true, "platform": true, "selinux": true,
	"service_mgr": true, "ssh_pub_keys": true, "user": true,
}

// collectors are haplay's, in the order their facts are built: the ones
// others read (platform, distribution) first. hardware, network and
// virtual are the subsets "all" adds to min.
func collectors() []collector {
	return []collector{
		{"platform", probePlatform, parsePlatform, nil, nil},
		{"distribution", probeDistribution, parseDistribution, nil, nil},
		{"lsb", probeLSB, parseLSB, nil, nil},
		{"user", probeUser, parseUser, nil, []string{"/etc/passwd"}},
		{"env", probeEnv, parseEnv, nil, nil},
		{"date_time", probeDateTime, parseDateTime, nil, nil},
		{"dns", func(gatherOpts) string { return "r /etc/resolv.conf" }, parseDNS, nil, nil},
		{"cmdline", func(gatherOpts) string { return "r /proc/cmdline" }, parseCmdline, nil, nil},
		{"fips", func(gatherOpts) string { return "r /proc/sys/crypto/fips_enabled" }, parseFips, nil, nil},
		{"selinux", probeSelinux, parseSelinux, nil, nil},
		{"apparmor", probeApparmor, parseApparmor, nil, nil},
		{"caps", probeCaps, parseCaps, nil, nil},
		{"ssh_pub_keys", probeSSHKeys, parseSSHKeys, nil, nil},
		{"pkg_mgr", probePkgMgr, parsePkgMgr, []string{"distribution"}, nil},
		{"service_mgr", probeServiceMgr, parseServiceMgr, []string{"platform", "distribution"}, nil},
		{"local", probeLocal, parseLocal, nil, nil},
		{"hardware", probeHardware, parseHardware, []string{"platform"}, []string{"/proc/cpuinfo", "/proc/self/mountinfo"}},
		{"network", probeNetwork, parseNetwork, []string{"distribution", "platform"}, nil},
		{"virtual", probeVirtual, parseVirtual, nil, []string{"/proc/cpuinfo", "/proc/modules"}},
		{"loadavg", func(gatherOpts) string { return "r /proc/loadavg" }, parseLoadavg, nil, nil},
		{"chroot", probeChroot, parseChroot, nil, nil},
		{"fibre_channel_wwn", probeFCWWN, parseFCWWN, nil, nil},
		{"iscsi", func(gatherOpts) string { return "r /etc/iscsi/initiatorname.iscsi" }, parseISCSI, nil, nil},
		{"nvme", func(gatherOpts) string { return "r /etc/nvme/hostnqn" }, parseNVMe, nil, nil},
	}
}

// scriptHead defines the marker and r, which prints each readable
// regular file as a section named by its path, with builtins only.
const scriptHead = `M=MARKER
s() { echo "$M $1"; }
r() { for f; do [ -f "$f" ] && [ -r "$f" ] || continue; echo "$M $f"; while IFS= read -r l || [ -n "$l" ]; do printf '%s\n' "$l"; done <"$f" 2>/dev/null; done; }
`

// factsScript collects the chosen collectors' facts in one round trip.
// The marker carries a random tag, so that no file content can open a
// section of its own.
func factsScript(chosen []collector, o gatherOpts, marker string) string {
	var b strings.Builder
	b.WriteString(strings.Replace(scriptHead, "MARKER", marker, 1))
	for _, c := range chosen {
		b.WriteString("s @" + c.name + "\n" + c.probe(o) + "\n")
	}
	if big := bigFiles(chosen); len(big) > 0 {
		b.WriteString("s @big; tail -v -n +1 -- " + strings.Join(big, " ") + " 2>/dev/null; echo\n")
	}
	b.WriteString("s @end\n")
	return b.String()
}

// bigFiles are the chosen collectors' long files, each once.
func bigFiles(chosen []collector) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range chosen {
		for _, f := range c.big {
			if !seen[f] {
				seen[f] = true
				out = append(out, f)
			}
		}
	}
	return out
}

// splitTail cuts the @big section at tail's "==> FILE <==" headers into
// one section per file. Only the headers of the files asked for, in the
// order asked, count, so no file's content can open a section.
func splitTail(s factSections, files []string) {
	cur, next := "", 0
	for _, l := range s["@big"] {
		matched := false
		for i := next; i < len(files); i++ {
			if l == "==> "+files[i]+" <==" {
				cur, next, matched = files[i], i+1, true
				s[cur] = []string{}
				break
			}
		}
		if !matched && cur != "" {
			s[cur] = append(s[cur], l)
		}
	}
	delete(s, "@big")
}

// newMarker is the section marker of one gathering.
func newMarker() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "@@" + hex.EncodeToString(b[:])
}

// factSections are the output's sections, by name (a file's path, or a
// name a probe gave), line by line.
type factSections map[string][]string

// splitSections cuts the output at its marker lines.
func splitSections(out, marker string) factSections {
	s := factSections{}
	cur := ""
	for _, line := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(line, marker+" "); ok {
			cur = rest
			s[cur] = []string{} // a file read twice is read once
			continue
		}
		if cur != "" {
			s[cur] = append(s[cur], line)
		}
	}
	return s
}

// has tells whether a section was printed (a file that exists).
func (s factSections) has(name string) bool {
	_, ok := s[name]
	return ok
}

// first is a section's first non-empty line, trimmed.
func (s factSections) first(name string) string {
	for _, l := range s[name] {
		if t := strings.TrimSpace(l); t != "" {
			return t
		}
	}
	return ""
}

// text is a section's content with surrounding white space removed, as
// Ansible's get_file_content returns a file.
func (s factSections) text(name string) string {
	return strings.TrimSpace(strings.Join(s[name], "\n"))
}

// parseFacts builds the facts of the chosen collectors.
func parseFacts(chosen []collector, s factSections, o gatherOpts) map[string]any {
	f := map[string]any{}
	for _, c := range chosen {
		c.parse(f, s, o)
	}
	return f
}
