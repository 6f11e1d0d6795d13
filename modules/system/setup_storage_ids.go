package system

import "strings"

// The small collectors of "all" that name a host to storage networks
// (fibre_channel_wwn, iscsi, nvme), and caps, as Ansible reads them.

func probeFCWWN(gatherOpts) string {
	return `for x in /sys/class/fc_host/*/port_name; do r "$x"; s "fc-port $x"; done`
}

func parseFCWWN(f map[string]any, s factSections, _ gatherOpts) {
	wwns := []any{}
	for name := range s {
		if p, ok := strings.CutPrefix(name, "fc-port "); ok {
			for _, l := range s[p] {
				if l = strings.TrimRight(l, " \t\r"); len(l) > 2 {
					wwns = append(wwns, l[2:])
				}
			}
		}
	}
	f["fibre_channel_wwn"] = wwns
}

func parseISCSI(f map[string]any, s factSections, _ gatherOpts) {
	f["iscsi_iqn"] = ""
	for _, l := range s["/etc/iscsi/initiatorname.iscsi"] {
		if strings.HasPrefix(l, "InitiatorName=") {
			_, v, _ := strings.Cut(l, "=")
			f["iscsi_iqn"] = strings.TrimRight(v, " \t\r")
		}
	}
}

func parseNVMe(f map[string]any, s factSections, _ gatherOpts) {
	f["hostnqn"] = s.text("/etc/nvme/hostnqn")
}

// probeCaps runs capsh --print where it exists, as Ansible does.
func probeCaps(gatherOpts) string {
	return `PATH=$PATH:/sbin:/usr/sbin:/usr/local/sbin command -v capsh >/dev/null 2>&1 && { s capsh; PATH=$PATH:/sbin:/usr/sbin:/usr/local/sbin capsh --print 2>/dev/null; }`
}

func parseCaps(f map[string]any, s factSections, _ gatherOpts) {
	if !s.has("capsh") {
		return
	}
	enforced, caps := "NA", []any{}
	for _, l := range s["capsh"] {
		if !strings.HasPrefix(l, "Current:") {
			continue
		}
		_, v, _ := strings.Cut(l, ":")
		if strings.TrimSpace(v) == "=ep" {
			enforced = "False"
			continue
		}
		enforced = "True"
		_, after, _ := strings.Cut(l, "=")
		caps = []any{}
		for _, c := range strings.Split(after, ",") {
			caps = append(caps, strings.TrimSpace(c))
		}
	}
	f["system_capabilities_enforced"], f["system_capabilities"] = enforced, caps
}
