package system

import (
	"encoding/hex"
	"net"
	"sort"
	"strconv"
	"strings"
)

// The network collector, as Ansible's Linux network facts: interfaces
// from /sys/class/net (builtins; cd -P gives the PCI id without readlink),
// addresses from one `ip addr show`, the default routes from
// /proc/net/route and /proc/net/ipv6_route. As in Ansible, a host
// without ip has no network facts.
const probeNetworkText = `r /proc/net/route /proc/net/ipv6_route
o=$PWD
for d in /sys/class/net/*; do [ -d "$d" ] || continue; n=${d##*/}; s "if $n"
r $d/address $d/mtu $d/operstate $d/type $d/speed $d/flags $d/bridge/bridge_id $d/bridge/stp_state
[ -d $d/bridge ] && s "bridge $n"; for b in $d/brif/*; do [ -e "$b" ] && s "brif $n ${b##*/}"; done
cd -P "$d/device" 2>/dev/null && { s "pciid $n"; echo "${PWD##*/}"; }
cd -P "$d/device/driver/module" 2>/dev/null && { s "module $n"; echo "${PWD##*/}"; }
cd "$o"
done
PATH=$PATH:/sbin:/usr/sbin:/usr/local/sbin command -v ip >/dev/null 2>&1 && { s ip-addr; LC_ALL=C PATH=$PATH:/sbin:/usr/sbin ip addr show 2>/dev/null; }`

func probeNetwork(gatherOpts) string { return probeNetworkText }

var interfaceTypes = map[string]string{"1": "ether", "32": "infiniband", "512": "ppp", "772": "loopback", "65534": "tunnel"}

func parseNetwork(f map[string]any, s factSections, _ gatherOpts) {
	if !s.has("ip-addr") {
		return
	}
	var names []string
	ifaces := map[string]map[string]any{}
	for name := range s {
		if n, ok := strings.CutPrefix(name, "if "); ok {
			names = append(names, n)
			ifaces[n] = sysInterface(n, s)
		}
	}
	sort.Strings(names)
	def4, def6 := defaultRoute4(s), defaultRoute6(s)
	all4, all6 := []any{}, []any{}
	byDev := ipAddrLines(s["ip-addr"])
	for _, n := range names {
		addIPAddresses(n, ifaces, byDev[n], def4, def6, &all4, &all6)
	}
	list := []any{}
	for _, n := range names {
		list = append(list, n)
	}
	for n, ifc := range ifaces {
		f[strings.NewReplacer(":", "_", "-", "_").Replace(n)] = ifc
	}
	f["interfaces"] = list
	f["default_ipv4"], f["default_ipv6"] = def4, def6
	f["all_ipv4_addresses"], f["all_ipv6_addresses"] = all4, all6
}

// sysInterface is an interface's /sys facts.
func sysInterface(n string, s factSections) map[string]any {
	dir := "/sys/class/net/" + n + "/"
	ifc := map[string]any{"device": n}
	if mac := s.text(dir + "address"); mac != "" && mac != "00:00:00:00:00:00" {
		ifc["macaddress"] = mac
	}
	if mtu, err := strconv.Atoi(s.text(dir + "mtu")); err == nil {
		ifc["mtu"] = mtu
	}
	if s.has(dir + "operstate") {
		ifc["active"] = s.text(dir+"operstate") != "down"
	}
	if s.has(dir + "type") {
		ifc["type"] = "unknown"
		if t, ok := interfaceTypes[s.text(dir+"type")]; ok {
			ifc["type"] = t
		}
	}
	if s.has("bridge " + n) {
		ifc["type"] = "bridge"
		members := []any{}
		for name := range s {
			if b, ok := strings.CutPrefix(name, "brif "+n+" "); ok {
				members = append(members, b)
			}
		}
		sort.Slice(members, func(i, j int) bool { return members[i].(string) < members[j].(string) })
		ifc["interfaces"] = members
		if s.has(dir + "bridge/bridge_id") {
			ifc["id"] = s.text(dir + "bridge/bridge_id")
		}
		if s.has(dir + "bridge/stp_state") {
			ifc["stp"] = s.text(dir+"bridge/stp_state") == "1"
		}
	}
	if v := s.first("pciid " + n); v != "" {
		ifc["pciid"] = v
	}
	if v := s.first("module " + n); v != "" {
		ifc["module"] = v
	}
	if speed, err := strconv.Atoi(s.text(dir + "speed")); err == nil {
		ifc["speed"] = speed
	}
	if flags, err := strconv.ParseUint(strings.TrimPrefix(s.text(dir+"flags"), "0x"), 16, 64); err == nil {
		ifc["promisc"] = flags&0x100 != 0
	}
	return ifc
}

// ipAddrLines groups `ip addr show`'s inet and inet6 lines by device,
// primary addresses first and secondary (temporary) ones after, the order
// Ansible's two ip runs per device give.
func ipAddrLines(lines []string) map[string][][]string {
	primary, secondary := map[string][][]string{}, map[string][][]string{}
	dev := ""
	for _, l := range lines {
		if len(l) > 0 && l[0] != ' ' {
			if fields := strings.Fields(l); len(fields) >= 2 {
				dev, _, _ = strings.Cut(strings.TrimSuffix(fields[1], ":"), "@")
			}
			continue
		}
		words := strings.Fields(l)
		if len(words) < 2 || (words[0] != "inet" && words[0] != "inet6") {
			continue
		}
		sec := false
		for _, w := range words {
			sec = sec || w == "secondary" || w == "temporary"
		}
		if sec {
			secondary[dev] = append(secondary[dev], words)
		} else {
			primary[dev] = append(primary[dev], words)
		}
	}
	out := map[string][][]string{}
	for d, l := range primary {
		out[d] = l
	}
	for d, l := range secondary {
		out[d] = append(out[d], l...)
	}
	return out
}

// addIPAddresses is Ansible's parse_ip_output for one device.
func addIPAddresses(dev string, ifaces map[string]map[string]any, lines [][]string, def4, def6 map[string]any, all4, all6 *[]any) {
	ifc := ifaces[dev]
	mac := ifc["macaddress"]
	if mac == nil {
		mac = "unknown"
	}
	for _, w := range lines {
		secondary := false
		for _, x := range w {
			secondary = secondary || x == "secondary"
		}
		if w[0] == "inet6" {
			addr, prefix, scope := w[1], "", ""
			if len(w) > 5 && w[2] == "peer" {
				_, prefix, _ = strings.Cut(w[3], "/")
				scope = w[5]
			} else if len(w) > 3 {
				addr, prefix, _ = strings.Cut(w[1], "/")
				scope = w[3]
			}
			v6, _ := ifc["ipv6"].([]any)
			ifc["ipv6"] = append(v6, map[string]any{"address": addr, "prefix": prefix, "scope": scope})
			if def6["address"] == addr {
				def6["prefix"], def6["scope"], def6["macaddress"], def6["mtu"] = prefix, scope, mac, ifc["mtu"]
				def6["type"] = typeOr(ifc)
			}
			if addr != "::1" {
				*all6 = append(*all6, addr)
			}
			continue
		}
		v4 := ipv4Entry(w)
		label := w[len(w)-1]
		target := ifc
		if label != dev {
			target = map[string]any{}
			ifaces[label] = target
		}
		if _, has := target["ipv4"]; !secondary && !has {
			target["ipv4"] = v4
		} else {
			l, _ := target["ipv4_secondaries"].([]any)
			target["ipv4_secondaries"] = append(l, v4)
		}
		if secondary {
			l, _ := ifc["ipv4_secondaries"].([]any)
			if label != dev {
				l = append(l, v4)
			}
			ifc["ipv4_secondaries"] = l
		}
		if def4["address"] == v4["address"] {
			for _, k := range []string{"broadcast", "netmask", "network", "prefix"} {
				def4[k] = v4[k]
			}
			def4["macaddress"], def4["mtu"], def4["type"], def4["alias"] = mac, ifc["mtu"], typeOr(ifc), label
		}
		if !strings.HasPrefix(v4["address"].(string), "127.") {
			*all4 = append(*all4, v4["address"])
		}
	}
}

func typeOr(ifc map[string]any) any {
	if t, ok := ifc["type"]; ok {
		return t
	}
	return "unknown"
}

// ipv4Entry is an inet line's address, broadcast, netmask, network and
// prefix, as Ansible computes them.
func ipv4Entry(w []string) map[string]any {
	addr, plen, broadcast := w[1], "32", ""
	if a, p, ok := strings.Cut(w[1], "/"); ok {
		addr, plen = a, p
		if len(w) > 3 && w[2] == "brd" {
			broadcast = w[3]
		}
	}
	n, _ := strconv.Atoi(plen)
	mask := net.CIDRMask(n, 32)
	ip := net.ParseIP(addr).To4()
	network := ""
	if ip != nil && mask != nil {
		network = ip.Mask(mask).String()
	}
	return map[string]any{"address": addr, "broadcast": broadcast, "netmask": net.IP(mask).String(), "network": network, "prefix": plen}
}

// defaultRoute4 is the default route of least metric in /proc/net/route:
// its interface and gateway, and the interface's first primary address
// (the source the kernel picks for it).
func defaultRoute4(s factSections) map[string]any {
	def := map[string]any{}
	best := -1
	for _, l := range s["/proc/net/route"] {
		w := strings.Fields(l)
		if len(w) < 8 || w[1] != "00000000" || w[7] != "00000000" {
			continue
		}
		flags, _ := strconv.ParseUint(w[3], 16, 32)
		metric, _ := strconv.Atoi(w[6])
		if flags&1 == 0 || (best >= 0 && metric >= best) {
			continue
		}
		best = metric
		def = map[string]any{"interface": w[0]}
		if gw, err := hex.DecodeString(w[2]); err == nil && len(gw) == 4 && w[2] != "00000000" {
			def["gateway"] = net.IPv4(gw[3], gw[2], gw[1], gw[0]).String()
		}
	}
	if dev, ok := def["interface"].(string); ok {
		if src := firstAddress(s["ip-addr"], dev, "inet"); src != "" {
			def["address"] = src
		}
	}
	return def
}

// defaultRoute6 is the same from /proc/net/ipv6_route (the kernel's
// unreachable default on lo left out).
func defaultRoute6(s factSections) map[string]any {
	def := map[string]any{}
	best := uint64(1<<63 - 1)
	for _, l := range s["/proc/net/ipv6_route"] {
		w := strings.Fields(l)
		if len(w) < 10 || strings.Trim(w[0], "0") != "" || w[1] != "00" || w[9] == "lo" {
			continue
		}
		flags, _ := strconv.ParseUint(w[8], 16, 32)
		metric, _ := strconv.ParseUint(w[5], 16, 32)
		if flags&1 == 0 || flags&0x200 != 0 || metric >= best {
			continue
		}
		best = metric
		def = map[string]any{"interface": w[9]}
		if gw, err := hex.DecodeString(w[4]); err == nil && len(gw) == 16 && strings.Trim(w[4], "0") != "" {
			def["gateway"] = net.IP(gw).String()
		}
	}
	if dev, ok := def["interface"].(string); ok {
		if src := firstAddress(s["ip-addr"], dev, "inet6"); src != "" {
			def["address"] = src
		}
	}
	return def
}

// firstAddress is a device's first primary address of a family (global
// scope for IPv6).
func firstAddress(lines []string, dev, family string) string {
	for _, w := range ipAddrLines(lines)[dev] {
		if w[0] != family || len(w) < 4 {
			continue
		}
		if family == "inet6" && w[3] != "global" {
			continue
		}
		addr, _, _ := strings.Cut(w[1], "/")
		return addr
	}
	return ""
}
