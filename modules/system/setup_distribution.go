package system

import (
	"regexp"
	"strings"
)

// The distribution facts, as Ansible's distribution collector finds them:
// a guess from os-release as the distro library reads it, then the first
// distribution file of Ansible's list that parses, which names the
// distribution (Red Hat Enterprise Linux is "RedHat", Rocky Linux "Rocky",
// SLES "SLES").

// distFilePaths are the files Ansible's list reads; os-release falls back
// to /usr/lib/os-release for the guess, as distro does.
var distFilePaths = []string{
	"/etc/os-release", "/etc/altlinux-release", "/etc/oracle-release", "/etc/slackware-version",
	"/etc/centos-release", "/etc/redhat-release", "/etc/openwrt_release", "/etc/system-release",
	"/etc/alpine-release", "/etc/SuSE-release", "/etc/gentoo-release", "/etc/lsb-release",
	"/etc/debian_version", "/etc/sourcemage-release", "/etc/coreos/update.conf",
}

func probeDistribution(gatherOpts) string {
	return "r " + strings.Join(distFilePaths, " ") + `
[ -e /etc/os-release ] || r /usr/lib/os-release
[ -e /etc/arch-release ] && s /etc/arch-release
[ -e /etc/vmware-release ] && s /etc/vmware-release`
}

// distFile is one entry of Ansible's OSDIST_LIST.
type distFile struct {
	path, name string
	allowEmpty bool
}

var osDistList = []distFile{
	{"/etc/altlinux-release", "Altlinux", false}, {"/etc/oracle-release", "OracleLinux", false},
	{"/etc/slackware-version", "Slackware", false}, {"/etc/centos-release", "CentOS", false},
	{"/etc/redhat-release", "RedHat", false}, {"/etc/vmware-release", "VMwareESX", true},
	{"/etc/openwrt_release", "OpenWrt", false}, {"/etc/os-release", "Amazon", false},
	{"/etc/system-release", "Amazon", false}, {"/etc/alpine-release", "Alpine", false},
	{"/etc/arch-release", "Archlinux", true}, {"/etc/os-release", "Archlinux", false},
	{"/etc/os-release", "SUSE", false}, {"/etc/SuSE-release", "SUSE", false},
	{"/etc/gentoo-release", "Gentoo", false}, {"/etc/os-release", "Debian", false},
	{"/etc/lsb-release", "Debian", false}, {"/etc/lsb-release", "Mandriva", false},
	{"/etc/sourcemage-release", "SMGL", false}, {"/usr/lib/os-release", "ClearLinux", false},
	{"/etc/coreos/update.conf", "Coreos", false}, {"/etc/os-release", "Flatcar", false},
	{"/etc/os-release", "NA", false},
}

var distSearchString = map[string]string{
	"OracleLinux": "Oracle Linux", "RedHat": "Red Hat", "Altlinux": "ALT", "SMGL": "Source Mage GNU/Linux",
}

func parseDistribution(f map[string]any, s factSections, _ gatherOpts) {
	for k, v := range distributionFacts(s) {
		f[k] = v
	}
}

// distributionFacts is Ansible's process_dist_files over the sections.
func distributionFacts(s factSections) map[string]any {
	facts := distributionGuess(s)
	for _, d := range osDistList {
		if !s.has(d.path) {
			continue
		}
		if d.allowEmpty {
			facts["distribution"], facts["distribution_file_path"], facts["distribution_file_variety"] = d.name, d.path, d.name
			break
		}
		if strings.Join(s[d.path], "\n") == "" {
			continue // an empty file is no distribution file
		}
		data := strings.Trim(s.text(d.path), `'"\`)
		parsed, ok := parseDistFile(d, data, facts, s)
		if !ok {
			continue
		}
		facts["distribution"], facts["distribution_file_path"], facts["distribution_file_variety"] = d.name, d.path, d.name
		facts["distribution_file_parsed"] = true
		for k, v := range parsed {
			facts[k] = v
		}
		break
	}
	facts["os_family"] = osFamily(facts["distribution"].(string))
	return facts
}

// parseDistFile is Ansible's _parse_dist_file for one file.
func parseDistFile(d distFile, data string, facts map[string]any, s factSections) (map[string]any, bool) {
	out := map[string]any{}
	if str, ok := distSearchString[d.name]; ok {
		if strings.Contains(data, str) {
			out["distribution"] = d.name
			out["distribution_file_search_string"] = str
		} else if fields := strings.Fields(data); len(fields) > 0 {
			out["distribution"] = fields[0]
		}
		return out, true
	}
	switch d.name {
	case "Archlinux":
		if strings.Contains(data, "Arch Linux") {
			out["distribution"] = d.name
			return out, true
		}
		return out, false
	case "Amazon":
		return parseDistAmazon(d.path, data)
	case "Alpine":
		return map[string]any{"distribution": "Alpine", "distribution_version": data}, true
	case "SUSE":
		return parseDistSUSE(d.path, data, facts)
	case "Debian":
		return parseDistDebian(data, s)
	case "CentOS":
		if strings.Contains(data, "CentOS Stream") {
			return map[string]any{"distribution_release": "Stream"}, true
		}
		if strings.Contains(data, "TencentOS Server") {
			return map[string]any{"distribution": "TencentOS"}, true
		}
		return out, false
	case "NA":
		for _, l := range strings.Split(data, "\n") {
			if v, ok := strings.CutPrefix(l, "NAME="); ok {
				out["distribution"] = strings.Trim(v, `"`)
			}
			if v, ok := strings.CutPrefix(l, "VERSION="); ok && facts["distribution_version"] == "NA" {
				out["distribution_version"] = strings.Trim(v, `"`)
			}
		}
		return out, true
	}
	// Ansible's parsers for Slackware, OpenWrt, Mandriva, Coreos, Flatcar
	// and ClearLinux are not haplay's: their files are passed over.
	return out, false
}

var amazonVersion = regexp.MustCompile(`VERSION_ID="(.*)"`)

func parseDistAmazon(path, data string) (map[string]any, bool) {
	if !strings.Contains(data, "Amazon") {
		return nil, false
	}
	out := map[string]any{"distribution": "Amazon"}
	if path == "/etc/os-release" {
		if m := amazonVersion.FindStringSubmatch(data); m != nil {
			out["distribution_version"] = m[1]
			major, minor, ok := strings.Cut(m[1], ".")
			if !ok {
				minor = "NA"
			}
			out["distribution_major_version"], out["distribution_minor_version"] = major, minor
		}
		return out, true
	}
	out["distribution_version"] = "NA"
	for _, w := range strings.Fields(data) {
		if isDigits(w) {
			out["distribution_version"] = w
			break
		}
	}
	return out, true
}

var (
	suseVersion  = regexp.MustCompile(`^VERSION_ID="?([0-9]+\.?[0-9]*)"?`)
	suseRelease  = regexp.MustCompile(`^VERSION_ID="?[0-9]+\.?([0-9]*)"?`)
	suseCodename = regexp.MustCompile(`CODENAME *= *([^\n]+)`)
	susePatch    = regexp.MustCompile(`PATCHLEVEL = ([0-9]+)`)
)

func parseDistSUSE(path, data string, facts map[string]any) (map[string]any, bool) {
	lower := strings.ToLower(data)
	if !strings.Contains(lower, "suse") {
		return nil, false
	}
	out := map[string]any{}
	lines := strings.Split(data, "\n")
	switch path {
	case "/etc/os-release":
		for _, l := range lines {
			if v, ok := strings.CutPrefix(l, "NAME="); ok {
				out["distribution"] = strings.Trim(v, `"`)
			}
			if m := suseVersion.FindStringSubmatch(l); m != nil {
				out["distribution_version"] = m[1]
				out["distribution_major_version"], _, _ = strings.Cut(m[1], ".")
			}
			m := suseRelease.FindStringSubmatch(l)
			switch {
			case strings.Contains(lower, "open"):
				if m != nil {
					out["distribution_release"] = m[1]
				}
			case strings.Contains(lower, "enterprise") && strings.Contains(l, "VERSION_ID"):
				if m != nil && m[1] != "" {
					out["distribution_release"] = m[1]
				} else {
					out["distribution_release"] = "0" // no minor: the first release
				}
			}
		}
	case "/etc/SuSE-release":
		if strings.Contains(lower, "open") {
			out["distribution"] = strings.Fields(lines[0] + " x")[0]
			for _, l := range lines {
				if m := suseCodename.FindStringSubmatch(l); m != nil {
					out["distribution_release"] = strings.TrimSpace(m[1])
				}
			}
		} else if strings.Contains(lower, "enterprise") {
			if strings.Contains(data, "Server") {
				out["distribution"] = "SLES"
			} else if strings.Contains(data, "Desktop") {
				out["distribution"] = "SLED"
			}
			for _, l := range lines {
				if m := susePatch.FindStringSubmatch(l); m != nil {
					out["distribution_release"] = m[1]
					out["distribution_version"] = facts["distribution_version"].(string) + "." + m[1]
				}
			}
		}
	}
	return out, true
}

var (
	debianRelease = regexp.MustCompile(`PRETTY_NAME=[^(]+ \(?([^)]+?)\)`)
	debianMinor   = regexp.MustCompile(`(\d+)\.(\d+)`)
)

// parseDistDebian is Ansible's Debian parser for the Debian and Ubuntu
// families it meets on os-release and lsb-release; other Debian
// derivatives fall through to NAME.
func parseDistDebian(data string, s factSections) (map[string]any, bool) {
	out := map[string]any{}
	switch {
	case strings.Contains(data, "Debian") || strings.Contains(data, "Raspbian"):
		out["distribution"] = "Debian"
		if m := debianRelease.FindStringSubmatch(data); m != nil {
			out["distribution_release"] = m[1]
		}
		for _, l := range s["/etc/debian_version"] {
			if m := debianMinor.FindStringSubmatch(strings.TrimSpace(l)); m != nil {
				out["distribution_minor_version"] = m[2]
			}
		}
	case strings.Contains(data, "Ubuntu"):
		out["distribution"] = "Ubuntu"
	case strings.Contains(data, "SteamOS"):
		out["distribution"] = "SteamOS"
	case strings.Contains(data, "Mint"):
		out["distribution"] = "Linux Mint"
		if m := amazonVersion.FindStringSubmatch(data); m != nil {
			out["distribution_version"] = m[1]
			out["distribution_major_version"], _, _ = strings.Cut(m[1], ".")
		}
	default:
		return nil, false
	}
	return out, true
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
