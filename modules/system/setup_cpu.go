package system

import (
	"strconv"
	"strings"
)

// parseCPU is Ansible's get_cpu_facts over /proc/cpuinfo, quirks
// included (a core id is counted when it is no socket id), and
// processor_nproc from the shell's CPU affinity (Cpus_allowed_list), as
// Python's sched_getaffinity gives it.
func parseCPU(f map[string]any, s factSections) {
	if !s.has("/proc/cpuinfo") {
		return
	}
	xen := s.has("xen") || s.first("/sys/hypervisor/type") == "xen"
	xenParavirt := false
	var procs []any
	i, vendors, models, processors := 0, 0, 0, 0
	var sockets, cores []kv
	physid, coreid := "0", "0"
	for _, l := range s["/proc/cpuinfo"] {
		k, v, _ := strings.Cut(l, ":")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if xen && k == "flags" && !strings.Contains(v, "vme") {
			xenParavirt = true
		}
		switch k {
		case "model name", "Processor", "vendor_id", "cpu", "Vendor", "processor":
			procs = append(procs, v)
			switch k {
			case "vendor_id":
				vendors++
			case "model name":
				models++
			case "processor":
				processors++
			}
			i++
		case "physical id":
			physid = v
			if _, ok := get(sockets, physid); !ok {
				sockets = set(sockets, physid, 1)
			}
		case "core id":
			coreid = v
			if _, ok := get(sockets, coreid); !ok {
				cores = set(cores, coreid, 1)
			}
		case "cpu cores":
			n, _ := strconv.Atoi(v)
			sockets = set(sockets, physid, n)
		case "siblings":
			n, _ := strconv.Atoi(v)
			cores = set(cores, coreid, n)
		case "# processors":
			f["processor_cores"], _ = strconv.Atoi(v)
		case "ncpus active":
			i, _ = strconv.Atoi(v)
		}
	}
	if procs == nil {
		procs = []any{}
	}
	f["processor"] = procs
	if vendors > 0 && vendors == models {
		i = vendors
	}
	arch, _ := f["architecture"].(string)
	if strings.HasPrefix(arch, "armv") || strings.HasPrefix(arch, "aarch") || strings.HasPrefix(arch, "ppc") {
		i = processors
	}
	if arch == "s390x" {
		return
	}
	if xenParavirt {
		f["processor_count"], f["processor_cores"], f["processor_threads_per_core"], f["processor_vcpus"] = i, i, 1, i
		return
	}
	count, perSocket, threads := i, 1, 0
	if len(sockets) > 0 {
		count = len(sockets)
		if sockets[0].v != 0 {
			perSocket = sockets[0].v
		}
	}
	if len(cores) > 0 {
		threads = cores[0].v / perSocket
	} else {
		threads = 1 / perSocket
	}
	f["processor_count"], f["processor_cores"], f["processor_threads_per_core"] = count, perSocket, threads
	f["processor_vcpus"] = threads * count * perSocket
	f["processor_nproc"] = processors
	for _, l := range s["/proc/self/status"] {
		if v, ok := strings.CutPrefix(l, "Cpus_allowed_list:"); ok {
			f["processor_nproc"] = countCPUList(strings.TrimSpace(v))
		}
	}
}

// kv is an insertion-ordered map entry: Ansible takes the first
// socket's and the first core's values, in the order Python's dicts keep.
type kv struct {
	k string
	v int
}

func get(l []kv, k string) (int, bool) {
	for _, e := range l {
		if e.k == k {
			return e.v, true
		}
	}
	return 0, false
}

func set(l []kv, k string, v int) []kv {
	for i := range l {
		if l[i].k == k {
			l[i].v = v
			return l
		}
	}
	return append(l, kv{k, v})
}

// countCPUList counts the CPUs of a list such as 0-3,8,10-11.
func countCPUList(list string) int {
	n := 0
	for _, part := range strings.Split(list, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			continue
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil {
				continue
			}
		}
		n += b - a + 1
	}
	return n
}
