package system

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
)

// probeDevices reads /sys/block with builtins; ls runs once for each of
// /dev/disk/by-id, by-uuid and by-label that exists (the device links).
const probeDevices = `for d in /sys/block/*; do [ -e "$d" ] || continue; n=${d##*/}; s "dev $n"
r $d/size $d/removable $d/queue/rotational $d/queue/logical_block_size $d/queue/hw_sector_size $d/queue/scheduler $d/queue/discard_granularity $d/device/vendor $d/device/model $d/device/sas_address $d/device/sas_device_handle $d/device/serial
for h in $d/holders/*; do [ -e "$h" ] && { s "holder $n ${h##*/}"; r $h/dm/name; }; done
for p in $d/$n*; do [ -e "$p/start" ] || continue; pn=${p##*/}; s "part $n $pn"; r $p/size $p/start
for h in $p/holders/*; do [ -e "$h" ] && { s "holder $pn ${h##*/}"; r $h/dm/name; }; done; done
done
for x in /sys/block/*/slaves/*; do [ -e "$x" ] && s "slave $x"; done
for x in /dev/disk/by-id /dev/disk/by-uuid /dev/disk/by-label; do [ -d $x ] && { s "links $x"; LC_ALL=C ls -l $x 2>/dev/null; }; done`

// parseDevices is Ansible's devices and device_links facts. host (the
// disk's PCI controller, which Ansible reads from lspci) is empty.
func parseDevices(f map[string]any, s factSections) {
	links := map[string]map[string][]any{
		"ids": deviceLinks(s, "/dev/disk/by-id"), "uuids": deviceLinks(s, "/dev/disk/by-uuid"),
		"labels": deviceLinks(s, "/dev/disk/by-label"), "masters": {},
	}
	var names []string
	for name := range s {
		if rest, ok := strings.CutPrefix(name, "slave /sys/block/"); ok {
			if p := strings.Split(rest, "/"); len(p) == 3 {
				links["masters"][p[2]] = append(links["masters"][p[2]], p[0])
			}
		}
		if rest, ok := strings.CutPrefix(name, "dev "); ok {
			names = append(names, rest)
		}
	}
	for _, v := range links["masters"] {
		sort.Slice(v, func(i, j int) bool { return v[i].(string) < v[j].(string) })
	}
	devlinks := map[string]any{}
	for k, v := range links {
		m := map[string]any{}
		for t, l := range v {
			m[t] = l
		}
		devlinks[k] = m
	}
	f["device_links"] = devlinks
	devices := map[string]any{}
	for _, n := range names {
		devices[n] = blockDevice(n, s, links)
	}
	f["devices"] = devices
}

func blockDevice(n string, s factSections, links map[string]map[string][]any) map[string]any {
	dir := "/sys/block/" + n + "/"
	content := func(p string) any {
		if !s.has(dir + p) {
			return nil
		}
		return s.text(dir + p)
	}
	d := map[string]any{"virtual": 1, "links": linksOf(n, links), "host": ""}
	for _, k := range []string{"vendor", "model", "sas_address", "sas_device_handle"} {
		d[k] = content("device/" + k)
	}
	if v, ok := content("device/serial").(string); ok && v != "" {
		d["serial"] = v
	}
	d["removable"], d["support_discard"], d["rotational"] = content("removable"), content("queue/discard_granularity"), content("queue/rotational")
	d["scheduler_mode"] = ""
	if m := schedulerRe.FindStringSubmatch(s.text(dir + "queue/scheduler")); m != nil {
		d["scheduler_mode"] = m[2]
	}
	d["sectors"] = sectors(content("size"))
	d["sectorsize"] = content("queue/logical_block_size")
	if v, _ := d["sectorsize"].(string); v == "" {
		d["sectorsize"] = content("queue/hw_sector_size")
		if v, _ := d["sectorsize"].(string); v == "" {
			d["sectorsize"] = 512
		}
	}
	d["size"] = bytesToHuman(toFloat(d["sectors"]) * 512)
	d["holders"] = holders(s, n)
	parts := map[string]any{}
	partRe := regexp.MustCompile("(" + regexp.QuoteMeta(n) + `[p]?\d+)`)
	for name := range s {
		rest, ok := strings.CutPrefix(name, "part "+n+" ")
		if !ok || partRe.FindString(rest) == "" {
			continue
		}
		pn := partRe.FindString(rest)
		pdir := dir + rest + "/"
		p := map[string]any{"links": linksOf(pn, links), "sectorsize": 512, "holders": holders(s, pn), "uuid": nil}
		p["start"], p["sectors"] = sectors(s.textOr(pdir+"start")), sectors(s.textOr(pdir+"size"))
		p["size"] = bytesToHuman(toFloat(p["sectors"]) * 512)
		if u := links["uuids"][pn]; len(u) > 0 {
			p["uuid"] = u[0]
		}
		parts[pn] = p
	}
	d["partitions"] = parts
	return d
}

var schedulerRe = regexp.MustCompile(`.*?(\[(.*)\])`)

// textOr is a file's content, or nil when it does not exist.
func (s factSections) textOr(name string) any {
	if !s.has(name) {
		return nil
	}
	return s.text(name)
}

// sectors is a size file's text, or 0 when it is missing or empty.
func sectors(v any) any {
	if str, ok := v.(string); ok && str != "" {
		return str
	}
	return 0
}

func toFloat(v any) float64 {
	var x float64
	if str, ok := v.(string); ok {
		_, _ = fmt.Sscan(str, &x)
	}
	return x
}

func linksOf(name string, links map[string]map[string][]any) map[string]any {
	out := map[string]any{}
	for k, v := range links {
		l := v[name]
		if l == nil {
			l = []any{}
		}
		out[k] = l
	}
	return out
}

// holders are the dm devices holding a disk or partition, by their dm name.
func holders(s factSections, dev string) []any {
	var hs []string
	for name := range s {
		if rest, ok := strings.CutPrefix(name, "holder "+dev+" "); ok && strings.HasPrefix(rest, "dm-") {
			hs = append(hs, rest)
		}
	}
	sort.Strings(hs)
	out := []any{}
	for _, h := range hs {
		dm := ""
		for name, lines := range s {
			if strings.HasSuffix(name, "/holders/"+h+"/dm/name") && len(lines) > 0 {
				dm = strings.TrimSpace(lines[0])
			}
		}
		if dm == "" {
			dm = h
		}
		out = append(out, dm)
	}
	return out
}

// deviceLinks reads ls -l of a /dev/disk directory: target → link names.
func deviceLinks(s factSections, dir string) map[string][]any {
	out := map[string][]any{}
	for _, l := range s["links "+dir] {
		left, target, ok := strings.Cut(l, " -> ")
		fields := strings.Fields(left)
		if !ok || len(fields) == 0 {
			continue
		}
		t := target[strings.LastIndex(target, "/")+1:]
		out[t] = append(out[t], fields[len(fields)-1])
	}
	for _, v := range out {
		sort.Slice(v, func(i, j int) bool { return v[i].(string) < v[j].(string) })
	}
	return out
}

// bytesToHuman is Ansible's bytes_to_human: "%.2f" of the largest unit
// the size reaches.
func bytesToHuman(size float64) string {
	units := []string{"Y", "Z", "E", "P", "T", "G", "M", "K"}
	for i, u := range units {
		if limit := math.Ldexp(1, 10*(8-i)); size >= limit {
			return fmt.Sprintf("%.2f %sB", size/limit, u)
		}
	}
	return fmt.Sprintf("%.2f Bytes", size)
}
