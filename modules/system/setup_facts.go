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
		{"platform", probePlatform, parsePlatform, nil},
		{"distribution", probeDistribution, parseDistribution, nil},
		{"lsb", probeLSB, parseLSB, nil},
		{"user", probeUser, parseUser, nil},
		{"env", probeEnv, parseEnv, nil},
		{"date_time", probeDateTime, parseDateTime, nil},
		{"dns", func(gatherOpts) string { return "r /etc/resolv.conf" }, parseDNS, nil},
		{"cmdline", func(gatherOpts) string { return "r /proc/cmdline" }, parseCmdline, nil},
		{"fips", func(gatherOpts) string { return "r /proc/sys/crypto/fips_enabled" }, parseFips, nil},
		{"selinux", probeSelinux, parseSelinux, nil},
		{"apparmor", probeApparmor, parseApparmor, nil},
		{"caps", probeCaps, parseCaps, nil},
		{"ssh_pub_keys", probeSSHKeys, parseSSHKeys, nil},
		{"pkg_mgr", probePkgMgr, parsePkgMgr, []string{"distribution"}},
		{"service_mgr", probeServiceMgr, parseServiceMgr, []string{"platform", "distribution"}},
		{"local", probeLocal, parseLocal, nil},
		{"hardware", probeHardware, parseHardware, []string{"platform"}},
		{"network", probeNetwork, parseNetwork, []string{"distribution", "platform"}},
		{"virtual", probeVirtual, parseVirtual, nil},
		{"loadavg", func(gatherOpts) string { return "r /proc/loadavg" }, parseLoadavg, nil},
		{"chroot", probeChroot, parseChroot, nil},
		{"fibre_channel_wwn", probeFCWWN, parseFCWWN, nil},
		{"iscsi", func(gatherOpts) string { return "r /etc/iscsi/initiatorname.iscsi" }, parseISCSI, nil},
		{"nvme", func(gatherOpts) string { return "r /etc/nvme/hostnqn" }, parseNVMe, nil},
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
	b.WriteString("s @end\n")
	return b.String()
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
