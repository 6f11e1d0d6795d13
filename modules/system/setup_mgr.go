package system

import (
	"path"
	"strconv"
	"strings"
)

// pkg_mgr and service_mgr, as Ansible decides them: from which programs
// and directories exist (test, command -v: builtins).

// pkgMgrs is Ansible's PKG_MGRS: the last one present wins.
var pkgMgrs = [][2]string{
	{"/usr/bin/rpm-ostree", "atomic_container"}, {"/usr/bin/yum", "yum"}, {"/usr/bin/dnf", "dnf"},
	{"/usr/bin/apt-get", "apt"}, {"/usr/bin/zypper", "zypper"}, {"/usr/sbin/urpmi", "urpmi"},
	{"/usr/bin/pacman", "pacman"}, {"/bin/opkg", "opkg"}, {"/usr/pkg/bin/pkgin", "pkgin"},
	{"/opt/local/bin/pkgin", "pkgin"}, {"/opt/tools/bin/pkgin", "pkgin"}, {"/opt/local/bin/port", "macports"},
	{"/usr/local/bin/brew", "homebrew"}, {"/opt/homebrew/bin/brew", "homebrew"}, {"/sbin/apk", "apk"},
	{"/usr/sbin/pkg", "pkgng"}, {"/usr/sbin/swlist", "swdepot"}, {"/usr/bin/emerge", "portage"},
	{"/usr/sbin/pkgadd", "svr4pkg"}, {"/usr/bin/pkg", "pkg5"}, {"/usr/bin/xbps-install", "xbps"},
	{"/usr/local/sbin/pkg", "pkgng"}, {"/usr/bin/swupd", "swupd"}, {"/usr/sbin/sorcery", "sorcery"},
	{"/usr/bin/installp", "installp"}, {"/QOpenSys/pkgs/bin/yum", "yum"},
}

func probePkgMgr(gatherOpts) string {
	var b strings.Builder
	b.WriteString("for p in /run/ostree-booted")
	for _, p := range pkgMgrs {
		b.WriteString(" " + p[0])
	}
	b.WriteString(`; do [ -e "$p" ] && echo "$p"; done
[ -e /usr/bin/apt-get ] && [ -e /usr/bin/rpm ] && /usr/bin/rpm -q --whatprovides /usr/bin/apt-get >/dev/null 2>&1 && s apt-rpm`)
	return b.String()
}

func parsePkgMgr(f map[string]any, s factSections, _ gatherOpts) {
	present := map[string]bool{}
	for _, l := range s["@pkg_mgr"] {
		present[l] = true
	}
	name := "unknown"
	fam, _ := f["os_family"].(string)
	for _, p := range pkgMgrs {
		if present[p[0]] && !(fam == "Altlinux" && p[0] == "/usr/bin/pkg") {
			name = p[1]
		}
	}
	dist, _ := f["distribution"].(string)
	major, _ := f["distribution_major_version"].(string)
	switch {
	case fam == "RedHat":
		name = rhPkgMgr(name, dist, major, present)
	case fam == "Debian":
		name = "apt"
	case fam == "Altlinux" && name == "apt":
		name = "apt_rpm"
	}
	if name == "apt" && s.has("apt-rpm") {
		name = "apt_rpm"
	}
	f["pkg_mgr"] = name
}

// rhPkgMgr is Ansible's _check_rh_versions.
func rhPkgMgr(name, dist, major string, present map[string]bool) string {
	if present["/run/ostree-booted"] {
		return "atomic_container"
	}
	v, err := strconv.Atoi(major)
	switch {
	case (dist == "Fedora" || dist == "Amazon") && err != nil:
		return "dnf"
	case dist == "Fedora" || dist == "Amazon":
		limit := map[string]int{"Fedora": 23, "Amazon": 2022}[dist]
		if v < limit && present["/usr/bin/yum"] {
			return "yum"
		}
		if v >= limit && present["/usr/bin/dnf"] {
			return "dnf"
		}
		return name
	case err == nil && v < 8:
		return "yum"
	}
	return "dnf"
}

// probeServiceMgr prints pid 1's name, the programs and directories
// Ansible looks for, and /sbin/init's link (readlink runs only when pid 1
// is init or a shell, the one case where Ansible reads it).
func probeServiceMgr(gatherOpts) string {
	return `r /proc/1/comm
for p in /run/systemd/system/ /dev/.run/systemd/ /dev/.systemd/ /etc/init/ /sbin/openrc /etc/init.d/; do [ -e "$p" ] && s "exists $p"; done
for p in systemctl initctl; do PATH=$PATH:/sbin:/usr/sbin:/usr/local/sbin command -v $p >/dev/null 2>&1 && s "bin $p"; done
read -r c </proc/1/comm 2>/dev/null; case $c in init|*sh) [ -L /sbin/init ] && { s init-link; readlink /sbin/init; };; esac`
}

func parseServiceMgr(f map[string]any, s factSections, _ gatherOpts) {
	proc1 := path.Base(s.text("/proc/1/comm"))
	if !s.has("/proc/1/comm") || proc1 == "init" || strings.HasSuffix(proc1, "sh") || proc1 == "." {
		proc1 = ""
	}
	has := func(k string) bool { return s.has(k) }
	name := ""
	switch {
	case proc1 != "":
		name = map[string]string{"procd": "openwrt_init", "runit-init": "runit", "svscan": "svc", "openrc-init": "openrc"}[proc1]
		if name == "" {
			name = proc1
		}
	case f["distribution"] == "OpenWrt":
		name = "openwrt_init"
	case f["system"] == "Linux":
		systemctl := has("bin systemctl")
		switch {
		case systemctl && (has("exists /run/systemd/system/") || has("exists /dev/.run/systemd/") || has("exists /dev/.systemd/")):
			name = "systemd"
		case has("bin initctl") && has("exists /etc/init/"):
			name = "upstart"
		case has("exists /sbin/openrc"):
			name = "openrc"
		case systemctl && path.Base(s.first("init-link")) == "systemd":
			name = "systemd"
		case has("exists /etc/init.d/"):
			name = "sysvinit"
		}
	}
	if name == "" {
		name = "service"
	}
	f["service_mgr"] = name
}
