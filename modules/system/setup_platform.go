package system

import (
	"strings"
)

// The platform collector: names, kernel and architecture, from /proc with
// builtins; uname -m runs only on kernels without /proc/sys/kernel/arch.
func probePlatform(gatherOpts) string {
	return `r /proc/sys/kernel/hostname /proc/sys/kernel/osrelease /proc/sys/kernel/version /proc/sys/kernel/ostype /proc/sys/kernel/arch /etc/hosts /var/lib/dbus/machine-id /etc/machine-id
[ -r /proc/sys/kernel/arch ] || { s uname-m; uname -m; }`
}

func parsePlatform(f map[string]any, s factSections, _ gatherOpts) {
	node := s.first("/proc/sys/kernel/hostname")
	f["nodename"] = node
	f["hostname"], _, _ = strings.Cut(node, ".")
	fqdn := getfqdn(node, s["/etc/hosts"])
	f["fqdn"] = fqdn
	_, f["domain"], _ = strings.Cut(fqdn, ".")
	f["kernel"] = s.first("/proc/sys/kernel/osrelease")
	f["kernel_version"] = s.first("/proc/sys/kernel/version")
	f["system"] = s.first("/proc/sys/kernel/ostype")
	machine := s.first("/proc/sys/kernel/arch")
	if machine == "" {
		machine = s.first("uname-m")
	}
	f["machine"] = machine
	bits := userspaceBits(machine)
	f["userspace_bits"] = bits
	f["architecture"] = machine
	switch {
	case machine == "x86_64":
		f["userspace_architecture"] = map[string]string{"64": "x86_64", "32": "i386"}[bits]
	case len(machine) == 4 && machine[0] == 'i' && strings.HasSuffix(machine, "86"):
		f["architecture"] = "i386"
		f["userspace_architecture"] = "i386"
	}
	id := s.first("/var/lib/dbus/machine-id")
	if id == "" {
		id = s.first("/etc/machine-id")
	}
	if id != "" {
		f["machine_id"] = id
	}
}

// userspaceBits is Ansible's from the interpreter's word size; haplay has
// no interpreter and tells it from the machine.
func userspaceBits(machine string) string {
	switch {
	case strings.HasSuffix(machine, "64"), machine == "s390x", strings.HasPrefix(machine, "ppc64"):
		return "64"
	case machine == "":
		return ""
	}
	return "32"
}

// getfqdn is Python's socket.getfqdn() over /etc/hosts: the name's first
// address there, that address's first line, and of its names the first
// with a dot (else the canonical one). A name /etc/hosts does not hold
// is its own fqdn (haplay asks no DNS server).
func getfqdn(name string, hosts []string) string {
	type entry struct {
		addr  string
		names []string
	}
	var entries []entry
	for _, l := range hosts {
		l, _, _ = strings.Cut(l, "#")
		fields := strings.Fields(l)
		if len(fields) >= 2 {
			entries = append(entries, entry{fields[0], fields[1:]})
		}
	}
	addr := ""
	for _, e := range entries {
		for _, n := range e.names {
			if strings.EqualFold(n, name) && addr == "" {
				addr = e.addr
			}
		}
	}
	if addr == "" {
		return name
	}
	for _, e := range entries {
		if e.addr != addr {
			continue
		}
		for _, n := range e.names {
			if strings.Contains(n, ".") {
				return n
			}
		}
		return e.names[0]
	}
	return name
}
