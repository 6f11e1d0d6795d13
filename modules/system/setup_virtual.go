package system

import (
	"regexp"
	"sort"
	"strings"
)

// The virtual collector, as Ansible's Linux one: container marks (pid 1's
// cgroup and environment, /run/systemd/container, /.dockerenv), DMI
// names, cpuinfo and kernel modules, /dev/kvm. Ansible's last resort,
// dmidecode, is not run.
func probeVirtual(gatherOpts) string {
	return `r /proc/1/cgroup /run/systemd/container /proc/xen/capabilities ` + dmiDir + `product_name ` + dmiDir + `sys_vendor ` + dmiDir + `product_family ` + dmiDir + `bios_vendor /proc/self/status
[ -r /proc/1/environ ] && { s pid1-env; grep -az '^container=' /proc/1/environ 2>/dev/null; echo; }
for p in /proc/vz /proc/lve /proc/bc /.dockerenv /.dockerinit /proc/xen /rhev/ /dev/kvm; do [ -e "$p" ] && s "exists $p"; done`
}

// virt accumulates Ansible's found_virt walk: the first finding sets type
// and role, every finding adds its technology.
type virt struct {
	typ, role   string
	found       bool
	guest, host map[string]bool
}

func (v *virt) see(guest bool, tech, typ, role string) {
	if guest {
		v.guest[tech] = true
	} else {
		v.host[tech] = true
	}
	if !v.found {
		v.typ, v.found = typ, true
		if role != "" {
			v.role = role
		}
	}
}

var (
	dockerCgroup = regexp.MustCompile(`/docker(/|-[0-9a-f]+\.scope)`)
	kvmProducts  = map[string]bool{"KVM": true, "KVM Server": true, "Bochs": true, "AHV": true}
	kvmVendors   = map[string]bool{"QEMU": true, "Amazon EC2": true, "DigitalOcean": true, "Google": true, "Scaleway": true, "Nutanix": true}
)

func parseVirtual(f map[string]any, s factSections, _ gatherOpts) {
	v := &virt{guest: map[string]bool{}, host: map[string]bool{}}
	for _, l := range s["/proc/1/cgroup"] {
		if dockerCgroup.MatchString(l) {
			v.see(true, "docker", "docker", "guest")
		}
		if strings.Contains(l, "/lxc/") || strings.Contains(l, "/machine.slice/machine-lxc") {
			v.see(true, "lxc", "lxc", "guest")
		}
		if strings.Contains(l, "/system.slice/containerd.service") {
			v.see(true, "containerd", "containerd", "guest")
		}
	}
	for _, l := range strings.Split(strings.Join(s["pid1-env"], "\n"), "\x00") {
		for _, t := range []string{"lxc", "podman"} {
			if strings.Contains(l, "container="+t) {
				v.see(true, t, t, "guest")
			}
		}
		if strings.HasPrefix(l, "container=") && len(l) > len("container=") {
			v.see(true, "container", "container", "guest")
		}
	}
	if s.has("exists /proc/vz") && !s.has("exists /proc/lve") {
		if s.has("exists /proc/bc") {
			v.see(false, "openvz", "openvz", "host")
		} else {
			v.see(true, "openvz", "openvz", "guest")
		}
		v.typ = "openvz"
	}
	sc := s.text("/run/systemd/container")
	if sc != "" {
		v.see(true, sc, sc, "guest")
	}
	if s.has("exists /.dockerenv") || s.has("exists /.dockerinit") {
		v.see(true, "docker", "docker", "guest")
	}
	if v.guest["docker"] || v.guest["lxc"] || v.guest["podman"] || v.guest["openvz"] || v.guest["containerd"] || sc != "" {
		v.guest["container"] = true
	}
	if s.has("exists /proc/xen") {
		if strings.Contains(s.text("/proc/xen/capabilities"), "control_d") {
			v.see(false, "xen", "xen", "host")
		} else if !v.found {
			v.typ, v.role, v.found = "xen", "guest", true // Ansible adds no guest tech here
		}
		v.found = true
	}
	if !v.found {
		v.role = "guest"
	}
	virtualDMI(v, s)
	if !v.found {
		v.role = ""
	}
	virtualCPUAndModules(v, s)
	if !v.found {
		v.typ, v.role = "NA", "NA"
	}
	f["virtualization_type"] = v.typ
	if v.role != "" {
		f["virtualization_role"] = v.role
	}
	f["virtualization_tech_guest"] = sortedSet(v.guest)
	f["virtualization_tech_host"] = sortedSet(v.host)
}

// virtualDMI is the DMI part of the walk; a finding keeps the role set
// so far (guest).
func virtualDMI(v *virt, s factSections) {
	product, vendor := s.textOr(dmiDir+"product_name"), s.textOr(dmiDir+"sys_vendor")
	family, bios := s.textOr(dmiDir+"product_family"), s.textOr(dmiDir+"bios_vendor")
	str := func(x any) string { t, _ := x.(string); return t }
	p, ven, fam, b := str(product), str(vendor), str(family), str(bios)
	switch {
	case kvmProducts[p]:
		v.see(true, "kvm", "kvm", "")
	}
	if ven == "oVirt" {
		v.see(true, "oVirt", "oVirt", "")
	}
	if ven == "Red Hat" && fam == "RHV" {
		v.see(true, "RHV", "RHV", "")
	} else if ven == "Red Hat" && p == "RHEV Hypervisor" {
		v.see(true, "RHEV", "RHEV", "")
	}
	if p == "VMware Virtual Platform" || p == "VMware7,1" {
		v.see(true, "VMware", "VMware", "")
	}
	if p == "OpenStack Compute" || p == "OpenStack Nova" {
		v.see(true, "openstack", "openstack", "")
	}
	switch b {
	case "Xen":
		v.see(true, "xen", "xen", "")
	case "innotek GmbH":
		v.see(true, "virtualbox", "virtualbox", "")
	case "Amazon EC2", "DigitalOcean", "Hetzner":
		v.see(true, "kvm", "kvm", "")
	}
	if kvmVendors[ven] {
		v.see(true, "kvm", "kvm", "")
	}
	for vendorName, tech := range map[string]string{"KubeVirt": "KubeVirt", "Microsoft Corporation": "VirtualPC",
		"Parallels Software International Inc.": "parallels", "OpenStack Foundation": "openstack"} {
		if ven == vendorName {
			v.see(true, tech, tech, "")
		}
	}
}

// virtualCPUAndModules is the rest of the walk: vserver, cpuinfo marks,
// kernel modules and /dev/kvm.
func virtualCPUAndModules(v *virt, s factSections) {
	for _, l := range s["/proc/self/status"] {
		if rest, ok := strings.CutPrefix(l, "VxID:"); ok && isDigits(strings.TrimSpace(rest)) {
			if strings.TrimSpace(rest) == "0" {
				v.see(false, "linux_vserver", "linux_vserver", "host")
			} else {
				v.see(true, "linux_vserver", "linux_vserver", "guest")
			}
		}
	}
	for _, l := range s["/proc/cpuinfo"] {
		switch {
		case strings.HasPrefix(l, "model name") && strings.Contains(l, "QEMU Virtual CPU"):
			v.see(true, "kvm", "kvm", "guest")
		case strings.HasPrefix(l, "vendor_id") && strings.Contains(l, "User Mode Linux"),
			strings.HasPrefix(l, "model name") && strings.Contains(l, "UML"):
			v.see(true, "uml", "uml", "guest")
		}
	}
	modules := map[string]bool{}
	for _, l := range s["/proc/modules"] {
		name, _, _ := strings.Cut(l, " ")
		modules[name] = true
	}
	if modules["kvm"] {
		v.see(false, "kvm", "kvm", "host")
	}
	if modules["vboxdrv"] {
		v.see(false, "virtualbox", "virtualbox", "host")
	}
	if modules["virtio"] {
		v.host["kvm"] = true
		if !v.found {
			v.typ, v.role, v.found = "kvm", "guest", true
		}
	}
	if s.has("exists /dev/kvm") {
		v.see(false, "kvm", "kvm", "host")
	}
}

func sortedSet(m map[string]bool) []any {
	var names []string
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	out := []any{}
	for _, n := range names {
		out = append(out, n)
	}
	return out
}
