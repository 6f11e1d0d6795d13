package runner

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/haplay/haplay/engine/connection"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/engine/playbook"
)

// factsScript collects every fact in one round trip; sections are framed
// by "@@name" lines so one parse reads them all.
const factsScript = `echo @@hostname; hostname
echo @@fqdn; hostname -f 2>/dev/null || hostname
echo @@os; cat /etc/os-release 2>/dev/null
echo @@uname; uname -r; uname -m; uname -s
echo @@nproc; nproc 2>/dev/null || grep -c ^processor /proc/cpuinfo
echo @@mem; grep -E '^(MemTotal|MemFree|SwapTotal):' /proc/meminfo
echo @@route; ip -4 route show default 2>/dev/null | head -1
echo @@addr; ip -o addr show 2>/dev/null
echo @@mounts; cat /proc/mounts
echo @@user; id -un
echo @@end`

// gatherFacts runs the setup step for every host of the batch in parallel.
func (pr *playRun) gatherFacts(ctx context.Context) error {
	t := &playbook.Task{Pos: pr.play.Pos, Name: "Gathering Facts", Module: "setup"}
	pr.opts.Reporter.TaskStart(t, false)
	e := pr.resolve(t, &frame{})
	var wg sync.WaitGroup
	sem := make(chan struct{}, pr.opts.Forks)
	for _, h := range pr.active(pr.batch) {
		wg.Add(1)
		sem <- struct{}{}
		go func(h string) {
			defer wg.Done()
			defer func() { <-sem }()
			hr := HostResult{Host: h, Task: t}
			tgt, err := pr.target(ctx, h)
			if err == nil {
				var out connection.Output
				out, err = tgt.Run(ctx, connection.Cmd{Script: factsScript})
				if err == nil && out.ExitCode != 0 {
					err = fmt.Errorf("gathering facts: exit %d: %s", out.ExitCode, strings.TrimSpace(string(out.Stderr)))
				}
				if err == nil {
					facts := parseFacts(string(out.Stdout))
					hr.Result = module.Result{Facts: factsVars(facts)}
					hr.Status = StatusOK
				}
			}
			if err != nil {
				if connection.IsUnreachable(err) {
					hr.Status, hr.Msg = StatusUnreachable, err.Error()
				} else {
					hr = pr.failResult(hr, err)
				}
			}
			pr.finish(e, hr)
		}(h)
	}
	wg.Wait()
	return ctx.Err()
}

// factsVars exposes facts as ansible_facts.* and as ansible_* names.
func factsVars(f map[string]any) map[string]any {
	out := map[string]any{"ansible_facts": f}
	for k, v := range f {
		out["ansible_"+k] = v
	}
	return out
}

func parseFacts(out string) map[string]any {
	sections := map[string][]string{}
	cur := ""
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "@@") {
			cur = line[2:]
			continue
		}
		if cur != "" && line != "" {
			sections[cur] = append(sections[cur], line)
		}
	}
	first := func(s string) string {
		if l := sections[s]; len(l) > 0 {
			return strings.TrimSpace(l[0])
		}
		return ""
	}
	f := map[string]any{}
	f["hostname"], _, _ = strings.Cut(first("hostname"), ".")
	f["nodename"] = first("hostname")
	f["fqdn"] = first("fqdn")
	f["user_id"] = first("user")
	os := map[string]string{}
	for _, l := range sections["os"] {
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
	if u := sections["uname"]; len(u) >= 3 {
		f["kernel"] = u[0]
		f["architecture"] = u[1]
		f["machine"] = u[1]
		f["system"] = u[2]
	}
	if n, err := strconv.Atoi(first("nproc")); err == nil {
		f["processor_vcpus"] = n
		f["processor_count"] = n
		f["processor_cores"] = n
	}
	for _, l := range sections["mem"] {
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
	ifaces := map[string]map[string]any{}
	var names []any
	for _, l := range sections["addr"] {
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
	def := map[string]any{}
	if r := strings.Fields(first("route")); len(r) > 0 {
		for i := 0; i+1 < len(r); i++ {
			switch r[i] {
			case "via":
				def["gateway"] = r[i+1]
			case "dev":
				def["interface"] = r[i+1]
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
	} else if len(all4) > 0 {
		// No default route (lab hosts): the first non-loopback address.
		def["address"] = all4[0]
	}
	f["default_ipv4"] = def
	var mounts []any
	for _, l := range sections["mounts"] {
		fields := strings.Fields(l)
		if len(fields) >= 4 {
			mounts = append(mounts, map[string]any{"device": fields[0], "mount": fields[1], "fstype": fields[2], "options": fields[3]})
		}
	}
	f["mounts"] = mounts
	return f
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
