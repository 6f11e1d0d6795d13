package system

import (
	"encoding/json"
	"path"
	"sort"
	"strings"

	"github.com/haplay/haplay/engine/connection/hostcmd"
)

// The local collector: ansible_local from fact_path's *.fact files, as
// Ansible reads them. An executable file is run and its output read; any
// other is read. Each is JSON, else INI.

func probeLocal(o gatherOpts) string {
	if o.factPath == "" {
		return ""
	}
	return `for f in ` + hostcmd.Quote(strings.TrimRight(o.factPath, "/")) + `/*.fact; do [ -e "$f" ] || continue
if [ -x "$f" ]; then s "exec $f"; "$f" </dev/null 2>/dev/null; rc=$?; echo; s "rc $rc $f"; else s "fact $f"; r "$f"; fi
done`
}

func parseLocal(f map[string]any, s factSections, o gatherOpts) {
	local := map[string]any{}
	var names []string
	for name := range s {
		if strings.HasPrefix(name, "exec ") || strings.HasPrefix(name, "fact ") {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		file := name[5:]
		base := strings.Replace(path.Base(file), ".fact", "", 1)
		out := strings.Join(s[name], "\n")
		if strings.HasPrefix(name, "fact ") {
			out = strings.Join(s[file], "\n")
		} else if rc := execRC(s, file); rc != "0" {
			local[base] = "Failure executing fact script (" + file + "), rc: " + rc + ", err: "
			continue
		}
		local[base] = readFact(file, out)
	}
	// Ansible keeps this fact's prefix inside ansible_facts too.
	f["ansible_local"] = local
}

// execRC finds the exit status printed after an executable fact ran.
func execRC(s factSections, file string) string {
	for name := range s {
		if rest, ok := strings.CutPrefix(name, "rc "); ok {
			if rc, f, _ := strings.Cut(rest, " "); f == file {
				return rc
			}
		}
	}
	return "?"
}

// readFact is JSON, else INI (sections of lower-cased keys), else
// Ansible's error text.
func readFact(file, out string) any {
	var v any
	if err := json.Unmarshal([]byte(out), &v); err == nil {
		return v
	}
	if ini, ok := parseFactINI(out); ok {
		return ini
	}
	return "error loading facts as JSON or ini - please check content: " + file
}

// parseFactINI reads what Python's ConfigParser accepts of an INI file:
// [section] headers, key = value or key: value, # and ; comments,
// indented continuation lines; DEFAULT's keys appear in every section.
func parseFactINI(text string) (map[string]any, bool) {
	out := map[string]any{}
	defaults := map[string]any{}
	var cur map[string]any
	lastKey := ""
	for _, l := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(l)
		switch {
		case trimmed == "" || strings.HasPrefix(trimmed, "#") || strings.HasPrefix(trimmed, ";"):
			continue
		case cur != nil && lastKey != "" && (l[0] == ' ' || l[0] == '\t'):
			cur[lastKey] = cur[lastKey].(string) + "\n" + trimmed
		case strings.HasPrefix(trimmed, "[") && strings.HasSuffix(trimmed, "]"):
			name := trimmed[1 : len(trimmed)-1]
			if name == "DEFAULT" {
				cur = defaults
			} else if sec, ok := out[name].(map[string]any); ok {
				cur = sec
			} else {
				cur = map[string]any{}
				out[name] = cur
			}
			lastKey = ""
		case cur == nil:
			return nil, false // no section header
		default:
			i := strings.IndexAny(trimmed, "=:")
			if i <= 0 {
				return nil, false
			}
			lastKey = strings.ToLower(strings.TrimSpace(trimmed[:i]))
			cur[lastKey] = strings.TrimSpace(trimmed[i+1:])
		}
	}
	for _, sec := range out {
		for k, v := range defaults {
			if _, ok := sec.(map[string]any)[k]; !ok {
				sec.(map[string]any)[k] = v
			}
		}
	}
	return out, true
}
