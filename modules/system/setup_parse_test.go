package system

import (
	"encoding/json"
	"strings"
	"testing"
)

// sections builds probe output: "@@x NAME" lines open sections.
func sections(text string) factSections { return splitSections(text, "@@x") }

func jsonOf(v any) string { b, _ := json.Marshal(v); return string(b) }

// export -p as dash and bash (POSIX mode or not) print it.
func TestParseEnvShells(t *testing.T) {
	for shell, out := range map[string]string{
		"dash": "export HOME='/root'\nexport Q='it'\"'\"'s'\nexport ML='a\nb'\nexport NOVAL",
		"bash": "declare -x HOME=\"/root\"\ndeclare -x Q=\"it's\"\ndeclare -x ML=\"a\nb\"\ndeclare -x NOVAL",
	} {
		f := map[string]any{}
		parseEnv(f, sections("@@x @env\n"+out+"\n"), gatherOpts{})
		if got, want := jsonOf(f["env"]), `{"HOME":"/root","ML":"a\nb","Q":"it's"}`; got != want {
			t.Errorf("%s: %s, want %s", shell, got, want)
		}
	}
}

// resolv.conf as Ansible's dns collector reads it: comments out, search
// replaces, options with and without values.
func TestParseDNS(t *testing.T) {
	f := map[string]any{}
	parseDNS(f, sections("@@x /etc/resolv.conf\n# c\n; c\nnameserver 10.0.0.1\nnameserver 10.0.0.2\nsearch a.example b.example\ndomain a.example\noptions ndots:2 rotate\n"), gatherOpts{})
	want := `{"domain":"a.example","nameservers":["10.0.0.1","10.0.0.2"],"options":{"ndots":"2","rotate":true},"search":["a.example","b.example"]}`
	if got := jsonOf(f["dns"]); got != want {
		t.Errorf("dns %s, want %s", got, want)
	}
}

// pkg_mgr: the last present wins, then the family's rule (RHEL 8+ is dnf
// even with yum there, Debian is apt whatever else is installed).
func TestParsePkgMgr(t *testing.T) {
	tests := []struct{ family, dist, major, present, want string }{
		{"RedHat", "RedHat", "9", "/usr/bin/yum /usr/bin/dnf", "dnf"},
		{"RedHat", "CentOS", "7", "/usr/bin/yum", "yum"},
		{"Debian", "Ubuntu", "22", "/usr/bin/apt-get /usr/bin/zypper", "apt"},
		{"Suse", "SLES", "15", "/usr/bin/zypper", "zypper"},
		{"Alpine", "Alpine", "3", "/sbin/apk", "apk"},
		{"Gentoo", "Gentoo", "2", "", "unknown"},
	}
	for _, tt := range tests {
		f := map[string]any{"os_family": tt.family, "distribution": tt.dist, "distribution_major_version": tt.major}
		parsePkgMgr(f, sections("@@x @pkg_mgr\n"+strings.ReplaceAll(tt.present, " ", "\n")+"\n"), gatherOpts{})
		if f["pkg_mgr"] != tt.want {
			t.Errorf("%v: %v, want %s", tt, f["pkg_mgr"], tt.want)
		}
	}
}

// service_mgr: pid 1's name unless it is init or a shell, then systemd's
// marks, upstart, openrc, /sbin/init's link, sysvinit, else service.
func TestParseServiceMgr(t *testing.T) {
	tests := map[string]string{
		"@@x /proc/1/comm\nsystemd\n":    "systemd",
		"@@x /proc/1/comm\nrunit-init\n": "runit",
		"@@x /proc/1/comm\nbash\n@@x bin systemctl\n@@x exists /run/systemd/system/\n":       "systemd",
		"@@x /proc/1/comm\ninit\n@@x exists /sbin/openrc\n@@x exists /etc/init.d/\n":         "openrc",
		"@@x /proc/1/comm\ninit\n@@x bin systemctl\n@@x init-link\n../lib/systemd/systemd\n": "systemd",
		"@@x /proc/1/comm\nsh\n@@x exists /etc/init.d/\n":                                    "sysvinit",
		"@@x /proc/1/comm\nsh\n": "service",
	}
	for out, want := range tests {
		f := map[string]any{"system": "Linux"}
		parseServiceMgr(f, sections(out), gatherOpts{})
		if f["service_mgr"] != want {
			t.Errorf("%q: %v, want %s", out, f["service_mgr"], want)
		}
	}
}

// socket.getfqdn over /etc/hosts: the name's address, that address's
// first line, its first name with a dot.
func TestGetfqdn(t *testing.T) {
	hosts := []string{"127.0.0.1 localhost", "127.0.1.1 web1.example.com web1", "10.0.0.5 db db.example.com # x"}
	for name, want := range map[string]string{"web1": "web1.example.com", "db": "db.example.com", "other": "other", "localhost": "localhost"} {
		if got := getfqdn(name, hosts); got != want {
			t.Errorf("%s: %s, want %s", name, got, want)
		}
	}
}

// Processor counts from an x86 cpuinfo of 2 sockets, 2 cores, 2 threads.
func TestParseCPU(t *testing.T) {
	var b strings.Builder
	b.WriteString("@@x /proc/cpuinfo\n")
	n := 0
	for sock := 0; sock < 2; sock++ {
		for core := 0; core < 2; core++ {
			for th := 0; th < 2; th++ {
				b.WriteString("processor\t: " + string(rune('0'+n)) + "\nvendor_id\t: GenuineIntel\nmodel name\t: Xeon\nphysical id\t: " +
					string(rune('0'+sock)) + "\nsiblings\t: 4\ncore id\t\t: " + string(rune('0'+core)) + "\ncpu cores\t: 2\n\n")
				n++
			}
		}
	}
	b.WriteString("@@x /proc/self/status\nCpus_allowed_list:\t0-5,7\n")
	f := map[string]any{"architecture": "x86_64"}
	parseCPU(f, sections(b.String()))
	got := jsonOf([]any{f["processor_count"], f["processor_cores"], f["processor_threads_per_core"], f["processor_vcpus"], f["processor_nproc"], len(f["processor"].([]any))})
	if got != "[2,2,2,8,7,24]" {
		t.Errorf("count, cores, threads, vcpus, nproc, processor entries: %s", got)
	}
}

// Interfaces from /sys and ip addr: primary address, secondaries, IPv6
// in ip's order (temporary after), the default route's interface.
func TestParseNetwork(t *testing.T) {
	out := `@@x /proc/net/route
Iface	Destination	Gateway 	Flags	RefCnt	Use	Metric	Mask		MTU	Window	IRTT
eth0	00000000	0100A8C0	0003	0	0	100	00000000	0	0	0
eth0	0000A8C0	00000000	0001	0	0	100	00FFFFFF	0	0	0
@@x if eth0
@@x /sys/class/net/eth0/address
52:54:00:12:34:56
@@x /sys/class/net/eth0/mtu
1500
@@x /sys/class/net/eth0/operstate
up
@@x /sys/class/net/eth0/type
1
@@x /sys/class/net/eth0/flags
0x1003
@@x if lo
@@x /sys/class/net/lo/address
00:00:00:00:00:00
@@x /sys/class/net/lo/mtu
65536
@@x /sys/class/net/lo/operstate
unknown
@@x /sys/class/net/lo/type
772
@@x ip-addr
1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
    inet 127.0.0.1/8 scope host lo
    inet6 ::1/128 scope host
2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP group default qlen 1000
    link/ether 52:54:00:12:34:56 brd ff:ff:ff:ff:ff:ff
    inet 192.168.0.10/24 brd 192.168.0.255 scope global eth0
    inet 192.168.0.11/24 brd 192.168.0.255 scope global secondary eth0
    inet6 2001:db8::1/64 scope global temporary dynamic
    inet6 fe80::1/64 scope link
`
	f := map[string]any{}
	parseNetwork(f, sections(out), gatherOpts{})
	want := map[string]string{
		"interfaces":         `["eth0","lo"]`,
		"all_ipv4_addresses": `["192.168.0.10","192.168.0.11"]`,
		"all_ipv6_addresses": `["fe80::1","2001:db8::1"]`,
		"default_ipv4": `{"address":"192.168.0.10","alias":"eth0","broadcast":"192.168.0.255","gateway":"192.168.0.1","interface":"eth0",` +
			`"macaddress":"52:54:00:12:34:56","mtu":1500,"netmask":"255.255.255.0","network":"192.168.0.0","prefix":"24","type":"ether"}`,
		"eth0": `{"active":true,"device":"eth0","ipv4":{"address":"192.168.0.10","broadcast":"192.168.0.255","netmask":"255.255.255.0","network":"192.168.0.0","prefix":"24"},` +
			`"ipv4_secondaries":[{"address":"192.168.0.11","broadcast":"192.168.0.255","netmask":"255.255.255.0","network":"192.168.0.0","prefix":"24"}],` +
			`"ipv6":[{"address":"fe80::1","prefix":"64","scope":"link"},{"address":"2001:db8::1","prefix":"64","scope":"global"}],` +
			`"macaddress":"52:54:00:12:34:56","mtu":1500,"promisc":false,"type":"ether"}`,
		"lo": `{"active":true,"device":"lo","ipv4":{"address":"127.0.0.1","broadcast":"","netmask":"255.0.0.0","network":"127.0.0.0","prefix":"8"},` +
			`"ipv6":[{"address":"::1","prefix":"128","scope":"host"}],"mtu":65536,"type":"loopback"}`,
	}
	for k, w := range want {
		if got := jsonOf(f[k]); got != w {
			t.Errorf("%s\n got %s\nwant %s", k, got, w)
		}
	}
}

// Where lsb_release exists, ansible_lsb is what Debian's lsb_release
// prints from os-release (haplay does not run it); else /etc/lsb-release.
func TestParseLSB(t *testing.T) {
	osr := "@@x /etc/os-release\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\nID=debian\n"
	f := map[string]any{}
	parseLSB(f, sections("@@x lsb_release\n"+osr), gatherOpts{})
	if got, want := jsonOf(f["lsb"]), `{"codename":"bookworm","description":"Debian GNU/Linux 12 (bookworm)","id":"Debian","major_release":"12","release":"12"}`; got != want {
		t.Errorf("lsb_release: %s, want %s", got, want)
	}
	f = map[string]any{}
	parseLSB(f, sections("@@x /etc/lsb-release\nDISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_CODENAME=jammy\nDISTRIB_DESCRIPTION=\"Ubuntu 22.04.4 LTS\"\n"), gatherOpts{})
	if got, want := jsonOf(f["lsb"]), `{"codename":"jammy","description":"Ubuntu 22.04.4 LTS","id":"Ubuntu","major_release":"22","release":"22.04"}`; got != want {
		t.Errorf("/etc/lsb-release: %s, want %s", got, want)
	}
}

// Without /sys's DMI files every DMI fact is "NA" (Ansible would try
// dmidecode); an unreadable one is "NA" too.
func TestParseDMI(t *testing.T) {
	f := map[string]any{}
	parseDMI(f, sections(""))
	if f["product_name"] != "NA" || f["form_factor"] != "NA" {
		t.Errorf("no DMI: %v", f)
	}
	f = map[string]any{}
	parseDMI(f, sections("@@x dmi\n@@x "+dmiDir+"product_name\nKVM\n@@x "+dmiDir+"chassis_type\n1\n"))
	if f["product_name"] != "KVM" || f["form_factor"] != "Other" || f["product_serial"] != "NA" {
		t.Errorf("DMI: %v", f)
	}
}

// is_chroot: / against pid 1's root; where that cannot be read, /'s inode
// against the root inode of its file system type (256 on btrfs).
func TestParseChroot(t *testing.T) {
	for out, want := range map[string]bool{
		"":                     false,
		"@@x chroot-differs\n": true,
		"@@x chroot-stat\n2\n@@x /proc/self/mounts\n/dev/vda / ext4 rw 0 0\n":    false,
		"@@x chroot-stat\n2\n@@x /proc/self/mounts\n/dev/vda / btrfs rw 0 0\n":   true,
		"@@x chroot-stat\n256\n@@x /proc/self/mounts\n/dev/vda / btrfs rw 0 0\n": false,
	} {
		f := map[string]any{}
		parseChroot(f, sections(out), gatherOpts{})
		if f["is_chroot"] != want {
			t.Errorf("%q: %v, want %v", out, f["is_chroot"], want)
		}
	}
}

// tail's headers open the big files' sections, in the order asked only:
// a header-like line inside a file, or a header out of order, is content.
func TestSplitTail(t *testing.T) {
	s := sections("@@x @big\n==> /etc/passwd <==\nroot:x:0:0:root:/root:/bin/sh\n==> /proc/cpuinfo <==\n\n==> /proc/modules <==\nprocessor : 0\n==> /etc/passwd <==\n@@x @end\n")
	splitTail(s, []string{"/etc/passwd", "/proc/modules"})
	if got := jsonOf(s["/etc/passwd"]); got != `["root:x:0:0:root:/root:/bin/sh","==\u003e /proc/cpuinfo \u003c==",""]` {
		t.Errorf("passwd %s", got)
	}
	if got := jsonOf(s["/proc/modules"]); got != `["processor : 0","==\u003e /etc/passwd \u003c=="]` {
		t.Errorf("modules %s", got)
	}
	if s.has("/proc/cpuinfo") || s.has("@big") {
		t.Errorf("sections %v", s)
	}
}
