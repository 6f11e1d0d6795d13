package system

import (
	"regexp"
	"strings"
)

// distributionGuess is Ansible's _guess_distribution: what the distro
// library (1.8, as Debian 12 and Ubuntu ship it) makes of os-release.
func distributionGuess(s factSections) map[string]any {
	osr := readOSRelease(s)
	id := distroID(osr)
	dist := "OtherLinux"
	if id != "" {
		dist = strings.ToUpper(id[:1]) + strings.ToLower(id[1:])
	}
	switch dist {
	case "Amzn":
		dist = "Amazon"
	case "Rhel":
		dist = "Redhat"
	}
	version := distroVersion(osr, id, s)
	if version == "" {
		version = "NA"
	}
	codename, ok := distroCodename(osr)
	release := "NA"
	if ok && codename != "" {
		release = codename
	}
	major, _, _ := strings.Cut(version, ".")
	if major == "" {
		major = "NA"
	}
	return map[string]any{
		"distribution": dist, "distribution_version": version,
		"distribution_release": release, "distribution_major_version": major,
	}
}

// readOSRelease reads os-release as distro does: lower-case keys, values
// unquoted as a shell would.
func readOSRelease(s factSections) map[string]string {
	lines := s["/etc/os-release"]
	if !s.has("/etc/os-release") {
		lines = s["/usr/lib/os-release"]
	}
	out := map[string]string{}
	for _, l := range lines {
		k, v, ok := strings.Cut(strings.TrimSpace(l), "=")
		if !ok || strings.HasPrefix(k, "#") {
			continue
		}
		out[strings.ToLower(k)] = shellUnquote(v)
	}
	return out
}

// shellUnquote removes one level of shell quoting from an os-release value.
func shellUnquote(v string) string {
	var b strings.Builder
	var quote rune
	esc := false
	for _, r := range v {
		switch {
		case esc:
			b.WriteRune(r)
			esc = false
		case r == '\\' && quote != '\'':
			esc = true
		case quote != 0 && r == quote:
			quote = 0
		case quote == 0 && (r == '"' || r == '\''):
			quote = r
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// distroID is distro.id(): os-release's ID, lower case, normalized.
func distroID(osr map[string]string) string {
	id := strings.ReplaceAll(strings.ToLower(osr["id"]), " ", "_")
	switch id {
	case "ol":
		return "oracle"
	case "opensuse-leap":
		return "opensuse"
	}
	return id
}

var releaseContent = regexp.MustCompile(`^(?:[^)]*\)(.*)\()? *(?:STL )?([\d.+\-a-z]*\d) *(?:esaeler *)?(.+)`)

// releaseVersion is the version distro reads in a release line
// ("CentOS Stream release 9", a PRETTY_NAME), or "".
func releaseVersion(line string) string {
	r := []rune(strings.TrimSpace(line))
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	m := releaseContent.FindStringSubmatch(string(r))
	if m == nil || m[2] == "" {
		return ""
	}
	v := []rune(m[2])
	for i, j := 0, len(v)-1; i < j; i, j = i+1, j-1 {
		v[i], v[j] = v[j], v[i]
	}
	return string(v)
}

// distroVersion is Ansible's get_distribution_version: VERSION_ID, but
// the most precise candidate for Debian (/etc/debian_version: 12.11) and
// the first two parts of it for CentOS.
func distroVersion(osr map[string]string, id string, s factSections) string {
	first := osr["version_id"]
	if id != "centos" && id != "debian" {
		if first == "" {
			first = releaseVersion(osr["pretty_name"])
		}
		return first
	}
	candidates := []string{osr["version_id"], releaseVersion(s.first("/etc/centos-release")), releaseVersion(osr["pretty_name"])}
	if id == "debian" || strings.Contains(" "+osr["id_like"]+" ", " debian ") {
		candidates = append(candidates, s.first("/etc/debian_version"))
	}
	best := ""
	for _, v := range candidates {
		if strings.Count(v, ".") > strings.Count(best, ".") || best == "" {
			best = v
		}
	}
	if id == "centos" {
		parts := strings.Split(best, ".")
		if len(parts) > 2 {
			parts = parts[:2]
		}
		best = strings.Join(parts, ".")
	}
	return best
}

var versionCodename = regexp.MustCompile(`\((\D+)\)|,\s*(\D+)`)

// distroCodename is Ansible's get_distribution_codename on os-release;
// ok is false when there is none (distribution_release "NA").
func distroCodename(osr map[string]string) (string, bool) {
	for _, k := range []string{"version_codename", "ubuntu_codename"} {
		if v, ok := osr[k]; ok {
			return strings.TrimSpace(v), true
		}
	}
	if m := versionCodename.FindStringSubmatch(osr["version"]); m != nil {
		return strings.TrimSpace(m[1] + m[2]), true
	}
	return "", false
}

// osFamilies is Ansible's OS_FAMILY_MAP (Linux part).
var osFamilies = map[string][]string{
	"RedHat": {"RedHat", "RHEL", "Fedora", "CentOS", "Scientific", "SLC", "Ascendos", "CloudLinux", "PSBM",
		"OracleLinux", "OVS", "OEL", "Amazon", "Virtuozzo", "XenServer", "Alibaba", "EulerOS", "openEuler",
		"AlmaLinux", "Rocky", "TencentOS", "EuroLinux", "Kylin Linux Advanced Server"},
	"Debian": {"Debian", "Ubuntu", "Raspbian", "Neon", "KDE neon", "Linux Mint", "SteamOS", "Devuan", "Kali",
		"Cumulus Linux", "Pop!_OS", "Parrot", "Pardus GNU/Linux", "Uos", "Deepin", "OSMC"},
	"Suse":       {"SuSE", "SLES", "SLED", "openSUSE", "openSUSE Tumbleweed", "SLES_SAP", "SUSE_LINUX", "openSUSE Leap"},
	"Archlinux":  {"Archlinux", "Antergos", "Manjaro"},
	"Mandrake":   {"Mandrake", "Mandriva"},
	"Slackware":  {"Slackware"},
	"Altlinux":   {"Altlinux"},
	"SGML":       {"SGML"},
	"Gentoo":     {"Gentoo", "Funtoo"},
	"Alpine":     {"Alpine"},
	"ClearLinux": {"Clear Linux OS", "Clear Linux Mix"},
}

// osFamily is the family of a distribution, or the distribution itself.
func osFamily(dist string) string {
	for fam, names := range osFamilies {
		for _, n := range names {
			if n == dist {
				return fam
			}
		}
	}
	return dist
}
