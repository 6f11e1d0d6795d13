package system

import (
	"strconv"
	"strings"
)

// The small collectors of Ansible's min subset, each a file or two read
// with builtins.

// parseDNS is Ansible's reading of /etc/resolv.conf.
func parseDNS(f map[string]any, s factSections, _ gatherOpts) {
	dns := map[string]any{}
	for _, l := range s["/etc/resolv.conf"] {
		if strings.HasPrefix(l, "#") || strings.HasPrefix(l, ";") {
			continue
		}
		tok := strings.Fields(l)
		if len(tok) == 0 {
			continue
		}
		switch tok[0] {
		case "nameserver":
			ns, _ := dns["nameservers"].([]any)
			dns["nameservers"] = append(ns, anyList(tok[1:])...)
		case "domain":
			if len(tok) > 1 {
				dns["domain"] = tok[1]
			}
		case "search":
			dns["search"] = append([]any{}, anyList(tok[1:])...)
		case "sortlist":
			dns["sortlist"] = append([]any{}, anyList(tok[1:])...)
		case "options":
			opts := map[string]any{}
			for _, o := range tok[1:] {
				k, v, ok := strings.Cut(o, ":")
				if ok && v != "" {
					opts[k] = v
				} else {
					opts[k] = true
				}
			}
			dns["options"] = opts
		}
	}
	f["dns"] = dns
}

func anyList(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// parseCmdline gives cmdline (the last value of a key wins) and
// proc_cmdline (repeated keys make a list), as Ansible does.
func parseCmdline(f map[string]any, s factSections, _ gatherOpts) {
	if !s.has("/proc/cmdline") {
		return
	}
	last, all := map[string]any{}, map[string]any{}
	for _, piece := range strings.Fields(s.text("/proc/cmdline")) {
		k, v, ok := strings.Cut(piece, "=")
		if !ok {
			last[k], all[k] = true, true
			continue
		}
		last[k] = v
		switch prev := all[k].(type) {
		case []any:
			all[k] = append(prev, v)
		case string:
			all[k] = []any{prev, v}
		default:
			all[k] = v
		}
	}
	f["cmdline"], f["proc_cmdline"] = last, all
}

func parseFips(f map[string]any, s factSections, _ gatherOpts) {
	f["fips"] = s.text("/proc/sys/crypto/fips_enabled") == "1"
}

func probeSelinux(gatherOpts) string {
	return "r /sys/fs/selinux/enforce /sys/fs/selinux/policyvers /etc/selinux/config"
}

// parseSelinux reads selinuxfs and /etc/selinux/config as libselinux
// does for Ansible's selinux collector.
func parseSelinux(f map[string]any, s factSections, _ gatherOpts) {
	f["selinux_python_present"] = true
	if !s.has("/sys/fs/selinux/enforce") {
		f["selinux"] = map[string]any{"status": "disabled"}
		return
	}
	se := map[string]any{"status": "enabled", "mode": "permissive"}
	if s.text("/sys/fs/selinux/enforce") == "1" {
		se["mode"] = "enforcing"
	}
	if v, err := strconv.Atoi(s.text("/sys/fs/selinux/policyvers")); err == nil {
		se["policyvers"] = v
	} else {
		se["policyvers"] = "unknown"
	}
	se["config_mode"], se["type"] = "unknown", "unknown"
	for _, l := range s["/etc/selinux/config"] {
		k, v, _ := strings.Cut(strings.TrimSpace(l), "=")
		switch k {
		case "SELINUX":
			se["config_mode"] = strings.TrimSpace(v)
		case "SELINUXTYPE":
			se["type"] = strings.TrimSpace(v)
		}
	}
	f["selinux"] = se
}

func probeApparmor(gatherOpts) string {
	return "[ -e /sys/kernel/security/apparmor ] && s apparmor-on"
}

func parseApparmor(f map[string]any, s factSections, _ gatherOpts) {
	status := "disabled"
	if s.has("apparmor-on") {
		status = "enabled"
	}
	f["apparmor"] = map[string]any{"status": status}
}

var sshKeyDirs, sshKeyAlgos = []string{"/etc/ssh", "/etc/openssh", "/etc"}, []string{"dsa", "rsa", "ecdsa", "ed25519"}

func probeSSHKeys(gatherOpts) string {
	var b strings.Builder
	b.WriteString("r")
	for _, d := range sshKeyDirs {
		for _, a := range sshKeyAlgos {
			b.WriteString(" " + d + "/ssh_host_" + a + "_key.pub")
		}
	}
	return b.String()
}

// parseSSHKeys follows Ansible's walk: key dirs in order, and it stops at
// the first algorithm a previous dir already gave.
func parseSSHKeys(f map[string]any, s factSections, _ gatherOpts) {
	for _, d := range sshKeyDirs {
		for _, a := range sshKeyAlgos {
			name := "ssh_host_key_" + a + "_public"
			if _, done := f[name]; done {
				return
			}
			p := d + "/ssh_host_" + a + "_key.pub"
			if !s.has(p) {
				continue
			}
			if fields := strings.Fields(s.text(p)); len(fields) >= 2 {
				f[name], f[name+"_keytype"] = fields[1], fields[0]
			}
		}
	}
}

func probeLSB(gatherOpts) string {
	return `command -v lsb_release >/dev/null 2>&1 && s lsb_release
r /etc/lsb-release /etc/os-release
[ -e /etc/os-release ] || r /usr/lib/os-release`
}

// parseLSB is Ansible's lsb collector. Where lsb_release exists haplay
// does not run it: it reads os-release as Debian's lsb_release does.
func parseLSB(f map[string]any, s factSections, _ gatherOpts) {
	lsb := map[string]any{}
	if s.has("lsb_release") {
		osr := readOSRelease(s)
		id := osr["id"]
		if id != "" {
			id = strings.ToUpper(id[:1]) + id[1:]
		}
		if name, ok := osr["name"]; ok && strings.EqualFold(name, id) {
			id = name
		}
		na := func(v string) string {
			if v == "" {
				return "n/a"
			}
			return v
		}
		lsb = map[string]any{"id": na(id), "description": na(osr["pretty_name"]), "release": na(osr["version_id"]),
			"codename": na(osr["version_codename"])}
	} else {
		for _, l := range s["/etc/lsb-release"] {
			_, v, ok := strings.Cut(l, "=")
			if !ok {
				continue
			}
			v = strings.TrimSpace(v)
			for key, name := range map[string]string{"DISTRIB_ID": "id", "DISTRIB_RELEASE": "release", "DISTRIB_DESCRIPTION": "description", "DISTRIB_CODENAME": "codename"} {
				if strings.Contains(l, key) {
					lsb[name] = v
				}
			}
		}
	}
	if r, ok := lsb["release"].(string); ok {
		lsb["major_release"], _, _ = strings.Cut(r, ".")
	}
	for k, v := range lsb {
		lsb[k] = strings.Trim(v.(string), `'"\`)
	}
	f["lsb"] = lsb
}

// parseLoadavg is os.getloadavg(), as Ansible's loadavg collector.
func parseLoadavg(f map[string]any, s factSections, _ gatherOpts) {
	fields := strings.Fields(s.first("/proc/loadavg"))
	if len(fields) < 3 {
		return
	}
	avg := map[string]any{}
	for i, k := range []string{"1m", "5m", "15m"} {
		avg[k], _ = strconv.ParseFloat(fields[i], 64)
	}
	f["loadavg"] = avg
}

// probeChroot compares / with pid 1's root (test -ef, a builtin); where
// pid 1's root cannot be read, stat gives /'s inode for Ansible's
// fallback, and the mount table its file system type.
func probeChroot(gatherOpts) string {
	return `[ -n "$debian_chroot" ] && s chroot-env
if [ -e /proc/1/root/. ]; then [ / -ef /proc/1/root/. ] || s chroot-differs
else s chroot-stat; LC_ALL=C stat -c %i / 2>/dev/null; r /proc/self/mounts; fi`
}

func parseChroot(f map[string]any, s factSections, _ gatherOpts) {
	switch {
	case s.has("chroot-env"):
		f["is_chroot"] = true
	case s.has("chroot-stat"):
		ino, fs := s.first("chroot-stat"), ""
		for _, l := range s["/proc/self/mounts"] {
			if w := strings.Fields(l); len(w) >= 3 && w[1] == "/" {
				fs = w[2] // the last mount on / is the one seen
			}
		}
		want := "2"
		if strings.Contains(fs, "btrfs") {
			want = "256"
		} else if strings.Contains(fs, "xfs") {
			want = "128"
		}
		f["is_chroot"] = ino != want
	default:
		f["is_chroot"] = s.has("chroot-differs")
	}
}
