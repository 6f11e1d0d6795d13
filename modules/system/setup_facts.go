package system

import (
	"strconv"
	"strings"
)

// The facts setup gathers, by collector. Each collector names the probe
// sections it needs (framed by "@@name" lines in the one command's output)
// and turns them into Ansible's fact names.

// collector gathers one subset of facts, as Ansible's fact collectors do.
type collector struct {
	name     string
	sections []string
	parse    func(f map[string]any, s factSections)
	// requires names the collectors this one needs, gathered with it
	// even when gather_subset leaves them out, as Ansible's
	// required_facts are (Linux network needs distribution and platform).
	requires []string
}

// collectors are haplay's, in the order their facts are built. platform,
// distribution and user make Ansible's min subset; hardware, network and
// virtual are the others "all" adds.
func collectors() []collector {
	return []collector{
		{"platform", []string{"hostname", "fqdn", "uname"}, parsePlatform, nil},
		{"distribution", []string{"os"}, parseDistribution, nil},
		{"user", []string{"user"}, func(f map[string]any, s factSections) { f["user_id"] = s.first("user") }, nil},
		{"hardware", []string{"nproc", "mem", "mounts"}, parseHardware, []string{"platform"}},
		{"network", []string{"route", "addr"}, parseNetwork, []string{"distribution", "platform"}},
		{"virtual", []string{"virt"}, parseVirtual, nil},
	}
}

// probe is the shell text that prints a section. virt uses only shell
// builtins (read, [): it costs no process start.
func probe(section string) string {
	switch section {
	case "hostname":
		return "hostname"
	case "fqdn":
		return "hostname -f 2>/dev/null || hostname"
	case "uname":
		return "uname -r; uname -m; uname -s"
	case "os":
		return "cat /etc/os-release 2>/dev/null"
	case "user":
		return "id -un"
	case "nproc":
		return "nproc 2>/dev/null || grep -c ^processor /proc/cpuinfo"
	case "mem":
		return "grep -E '^(MemTotal|MemFree|SwapTotal):' /proc/meminfo"
	case "mounts":
		return "cat /proc/mounts"
	case "route":
		return "ip -4 route show default 2>/dev/null | head -1"
	case "addr":
		return "ip -o addr show 2>/dev/null"
	case "virt":
		return `read -r v 2>/dev/null </sys/class/dmi/id/sys_vendor && echo "vendor=$v"
read -r v 2>/dev/null </sys/class/dmi/id/product_name && echo "product=$v"
read -r v 2>/dev/null </run/systemd/container && echo "container=$v"
[ -e /.dockerenv ] && echo container=docker
[ -e /run/.containerenv ] && echo container=podman`
	}
	return ""
}

// factsScript collects the chosen collectors' facts in one round trip.
func factsScript(chosen []collector) string {
	var b strings.Builder
	for _, c := range chosen {
		for _, s := range c.sections {
			b.WriteString("echo @@" + s + "\n" + probe(s) + "\n")
		}
	}
	b.WriteString("echo @@end")
	return b.String()
}

// factSections are the probe outputs, by name, without empty lines.
type factSections map[string][]string

// splitSections cuts the output at its "@@name" lines.
func splitSections(out string) factSections {
	s := factSections{}
	cur := ""
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "@@") {
			cur = line[2:]
			continue
		}
		if cur != "" && line != "" {
			s[cur] = append(s[cur], line)
		}
	}
	return s
}

func (s factSections) first(name string) string {
	if l := s[name]; len(l) > 0 {
		return strings.TrimSpace(l[0])
	}
	return ""
}

// parseFacts builds the facts of the chosen collectors.
func parseFacts(chosen []collector, s factSections) map[string]any {
	f := map[string]any{}
	for _, c := range chosen {
		c.parse(f, s)
	}
	return f
}

func parsePlatform(f map[string]any, s factSections) {
	f["hostname"], _, _ = strings.Cut(s.first("hostname"), ".")
	f["nodename"] = s.first("hostname")
	f["fqdn"] = s.first("fqdn")
	if u := s["uname"]; len(u) >= 3 {
		f["kernel"] = u[0]
		f["architecture"] = u[1]
		f["machine"] = u[1]
		f["system"] = u[2]
	}
}

func parseDistribution(f map[string]any, s factSections) {
	os := map[string]string{}
	for _, l := range s["os"] {
		k, v, ok := strings.Cut(l, "=")
		if ok {
			os[k] = strings.Trim(v, `"`)
		}
	}
	dist := os["NAME"]
	if i := strings.IndexByte(dist, ' '); i > 0 {
		dist = dist[:i]
	}
	f["distribution"] = dist
	f["distribution_version"] = os["VERSION_ID"]
	f["distribution_major_version"], _, _ = strings.Cut(os["VERSION_ID"], ".")
	f["distribution_release"] = os["VERSION_CODENAME"]
	f["os_family"] = osFamily(os["ID"], os["ID_LIKE"])
}

func parseHardware(f map[string]any, s factSections) {
	if n, err := strconv.Atoi(s.first("nproc")); err == nil {
		f["processor_vcpus"] = n
		f["processor_count"] = n
		f["processor_cores"] = n
	}
	for _, l := range s["mem"] {
		fields := strings.Fields(l)
		if len(fields) >= 2 {
			kb, _ := strconv.Atoi(fields[1])
			switch fields[0] {
			case "MemTotal:":
				f["memtotal_mb"] = kb / 1024
			case "MemFree:":
				f["memfree_mb"] = kb / 1024
			case "SwapTotal:":
				f["swaptotal_mb"] = kb / 1024
			}
		}
	}
	var mounts []any
	for _, l := range s["mounts"] {
		fields := strings.Fields(l)
		if len(fields) >= 4 {
			mounts = append(mounts, map[string]any{"device": fields[0], "mount": fields[1], "fstype": fields[2], "options": fields[3]})
		}
	}
	f["mounts"] = mounts
}

func parseNetwork(f map[string]any, s factSections) {
	ifaces := map[string]map[string]any{}
	var names []any
	for _, l := range s["addr"] {
		fields := strings.Fields(l)
		if len(fields) < 4 {
			continue
		}
		name, _, _ := strings.Cut(fields[1], "@")
		ifc, ok := ifaces[name]
		if !ok {
			ifc = map[string]any{"device": name, "ipv6": []any{}}
			ifaces[name] = ifc
			names = append(names, name)
		}
		addr, prefix, _ := strings.Cut(fields[3], "/")
		switch fields[2] {
		case "inet":
			if _, set := ifc["ipv4"]; !set {
				ifc["ipv4"] = map[string]any{"address": addr, "prefix": prefix}
			}
		case "inet6":
			ifc["ipv6"] = append(ifc["ipv6"].([]any), map[string]any{"address": addr, "prefix": prefix})
		}
	}
	f["interfaces"] = names
	var all4 []any
	for _, n := range names {
		ifc := ifaces[n.(string)]
		f[strings.ReplaceAll(n.(string), "-", "_")] = ifc
		if v4, ok := ifc["ipv4"].(map[string]any); ok && n != "lo" {
			all4 = append(all4, v4["address"])
		}
	}
	f["all_ipv4_addresses"] = all4
	f["default_ipv4"] = defaultIPv4(strings.Fields(s.first("route")), ifaces, all4)
}

// defaultIPv4 is the default route's interface and its address.
func defaultIPv4(route []string, ifaces map[string]map[string]any, all4 []any) map[string]any {
	def := map[string]any{}
	if len(route) == 0 {
		if len(all4) > 0 {
			// No default route (lab hosts): the first non-loopback address.
			def["address"] = all4[0]
		}
		return def
	}
	for i := 0; i+1 < len(route); i++ {
		switch route[i] {
		case "via":
			def["gateway"] = route[i+1]
		case "dev":
			def["interface"] = route[i+1]
		}
	}
	if dev, ok := def["interface"].(string); ok {
		if ifc, ok := ifaces[dev]; ok {
			if v4, ok := ifc["ipv4"].(map[string]any); ok {
				def["address"] = v4["address"]
				def["prefix"] = v4["prefix"]
			}
		}
	}
	return def
}

// parseVirtual tells a container or a known hypervisor from its marks, a
// subset of what Ansible's linux virtual collector reads.
func parseVirtual(f map[string]any, s factSections) {
	kv := map[string]string{}
	for _, l := range s["virt"] {
		if k, v, ok := strings.Cut(l, "="); ok {
			kv[k] = strings.TrimSpace(v)
		}
	}
	vendor, product := kv["vendor"], kv["product"]
	typ := kv["container"]
	switch {
	case typ != "":
	case strings.Contains(product, "KVM") || vendor == "QEMU" || strings.HasPrefix(product, "Google Compute Engine"):
		typ = "kvm"
	case strings.Contains(product, "VMware") || strings.Contains(vendor, "VMware"):
		typ = "VMware"
	case strings.Contains(product, "VirtualBox") || vendor == "innotek GmbH":
		typ = "virtualbox"
	case strings.Contains(vendor, "Xen") || strings.Contains(product, "HVM domU"):
		typ = "xen"
	case vendor == "Microsoft Corporation" && product == "Virtual Machine":
		typ = "VirtualPC"
	}
	role, guest := "NA", []any{}
	if typ != "" {
		role, guest = "guest", []any{typ}
	} else {
		typ = "NA"
	}
	f["virtualization_type"] = typ
	f["virtualization_role"] = role
	f["virtualization_tech_guest"] = guest
	f["virtualization_tech_host"] = []any{}
}

func osFamily(id, like string) string {
	for _, s := range append([]string{id}, strings.Fields(like)...) {
		switch s {
		case "debian", "ubuntu":
			return "Debian"
		case "rhel", "centos", "fedora":
			return "RedHat"
		case "suse", "opensuse":
			return "Suse"
		case "arch":
			return "Archlinux"
		case "alpine":
			return "Alpine"
		}
	}
	return id
}
