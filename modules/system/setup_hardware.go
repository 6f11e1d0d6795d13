package system

import (
	"strconv"
	"strings"
)

// The hardware collector (Ansible's Linux hardware facts): memory and
// processors from /proc, DMI from /sys, mounts with their sizes (one stat
// for all), devices from /sys/block, LVM from vgs/lvs/pvs where they
// exist and the shell is root, as in Ansible.

var dmiFacts = [][2]string{
	{"bios_date", "bios_date"}, {"bios_vendor", "bios_vendor"}, {"bios_version", "bios_version"},
	{"board_asset_tag", "board_asset_tag"}, {"board_name", "board_name"}, {"board_serial", "board_serial"},
	{"board_vendor", "board_vendor"}, {"board_version", "board_version"}, {"chassis_asset_tag", "chassis_asset_tag"},
	{"chassis_serial", "chassis_serial"}, {"chassis_vendor", "chassis_vendor"}, {"chassis_version", "chassis_version"},
	{"form_factor", "chassis_type"}, {"product_name", "product_name"}, {"product_serial", "product_serial"},
	{"product_uuid", "product_uuid"}, {"product_version", "product_version"}, {"system_vendor", "sys_vendor"},
}

const dmiDir = "/sys/devices/virtual/dmi/id/"

func probeHardware(gatherOpts) string {
	var dmi []string
	for _, d := range dmiFacts {
		dmi = append(dmi, dmiDir+d[1])
	}
	return `r /proc/meminfo /proc/uptime /proc/self/status /sys/hypervisor/type ` + strings.Join(dmi, " ") + `
[ -e /proc/xen ] && s xen
[ -e ` + dmiDir + `product_name ] && s dmi
` + probeMounts + "\n" + probeDevices + "\n" + probeLVM
}

func parseHardware(f map[string]any, s factSections, o gatherOpts) {
	parseMemory(f, s)
	parseCPU(f, s)
	if fields := strings.Fields(s.first("/proc/uptime")); len(fields) > 0 {
		if up, err := strconv.ParseFloat(fields[0], 64); err == nil {
			f["uptime_seconds"] = int(up)
		}
	}
	parseDMI(f, s)
	parseMounts(f, s)
	parseDevices(f, s)
	parseLVM(f, s)
}

// parseMemory is Ansible's memory facts, in MB (KB // 1024).
func parseMemory(f map[string]any, s factSections) {
	m := map[string]int{}
	for _, l := range s["/proc/meminfo"] {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		kb, err := strconv.Atoi(strings.Fields(v + " x")[0])
		if err != nil {
			continue
		}
		switch k {
		case "MemTotal", "SwapTotal", "MemFree", "SwapFree":
			f[strings.ToLower(k)+"_mb"] = kb / 1024
			m[k] = kb / 1024
		case "Buffers", "Cached", "SwapCached":
			m[k] = kb / 1024
		}
	}
	f["memory_mb"] = map[string]any{
		"real":    map[string]any{"total": m["MemTotal"], "used": m["MemTotal"] - m["MemFree"], "free": m["MemFree"]},
		"nocache": map[string]any{"free": m["Cached"] + m["MemFree"] + m["Buffers"], "used": m["MemTotal"] - (m["Cached"] + m["MemFree"] + m["Buffers"])},
		"swap":    map[string]any{"total": m["SwapTotal"], "free": m["SwapFree"], "used": m["SwapTotal"] - m["SwapFree"], "cached": m["SwapCached"]},
	}
}

var formFactors = []string{"Unknown", "Other", "Unknown", "Desktop", "Low Profile Desktop", "Pizza Box", "Mini Tower",
	"Tower", "Portable", "Laptop", "Notebook", "Hand Held", "Docking Station", "All In One", "Sub Notebook",
	"Space-saving", "Lunch Box", "Main Server Chassis", "Expansion Chassis", "Sub Chassis", "Bus Expansion Chassis",
	"Peripheral Chassis", "RAID Chassis", "Rack Mount Chassis", "Sealed-case PC", "Multi-system", "CompactPCI",
	"AdvancedTCA", "Blade", "Blade Enclosure", "Tablet", "Convertible", "Detachable", "IoT Gateway", "Embedded PC",
	"Mini PC", "Stick PC"}

// parseDMI reads /sys's DMI files; an unreadable one is "NA". Without
// them Ansible runs dmidecode; haplay reports every DMI fact "NA".
func parseDMI(f map[string]any, s factSections) {
	for _, d := range dmiFacts {
		p := dmiDir + d[1]
		switch {
		case !s.has("dmi") || !s.has(p):
			f[d[0]] = "NA"
		case d[0] == "form_factor":
			n, err := strconv.Atoi(s.text(p))
			if err == nil && n >= 0 && n < len(formFactors) {
				f[d[0]] = formFactors[n]
			} else {
				f[d[0]] = "unknown (" + s.text(p) + ")"
			}
		default:
			f[d[0]] = s.text(p)
		}
	}
}

const probeLVM = `u=; while read -r k v _; do [ "$k" = Uid: ] && u=$v; done </proc/self/status
if [ "$u" = 0 ] && PATH=$PATH:/sbin:/usr/sbin:/usr/local/sbin command -v vgs >/dev/null 2>&1; then
for c in vgs lvs pvs; do s "lvm-$c"; PATH=$PATH:/sbin:/usr/sbin:/usr/local/sbin $c --noheadings --nosuffix --units g --separator , 2>/dev/null; done
fi`

// parseLVM is Ansible's lvm fact: "N/A" unless root with vgs.
func parseLVM(f map[string]any, s factSections) {
	if !s.has("lvm-vgs") {
		f["lvm"] = "N/A"
		return
	}
	rows := func(name string) [][]string {
		var out [][]string
		for _, l := range s[name] {
			if l = strings.TrimSpace(l); l != "" {
				out = append(out, strings.Split(l, ","))
			}
		}
		return out
	}
	vgs, lvs, pvs := map[string]any{}, map[string]any{}, map[string]any{}
	for _, it := range rows("lvm-vgs") {
		if len(it) >= 4 {
			vgs[it[0]] = map[string]any{"size_g": it[len(it)-2], "free_g": it[len(it)-1], "num_lvs": it[2], "num_pvs": it[1]}
		}
	}
	for _, it := range rows("lvm-lvs") {
		if len(it) >= 4 {
			lvs[it[0]] = map[string]any{"size_g": it[3], "vg": it[1]}
		}
	}
	for _, it := range rows("lvm-pvs") {
		if len(it) >= 6 {
			pvs[it[0]] = map[string]any{"size_g": it[4], "free_g": it[5], "vg": it[1]}
		}
	}
	f["lvm"] = map[string]any{"vgs": vgs, "lvs": lvs, "pvs": pvs}
}
