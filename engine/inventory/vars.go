package inventory

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/haplay/haplay/engine/yamlnode"
)

// VarsFiles are the group_vars/ and host_vars/ found beside an inventory
// source or a playbook: name -> merged variables.
type VarsFiles struct {
	Dir    string
	Groups map[string]map[string]any
	Hosts  map[string]map[string]any
}

// varsExts are tried in this order; the first that exists wins, as in
// Ansible's find_vars_files.
var varsExts = []string{"", ".yml", ".yaml", ".json"}

// LoadVarsDirs reads dir/group_vars and dir/host_vars. Missing directories
// are not an error. The playbook loader calls it for the playbook's dir.
func LoadVarsDirs(dir string) (*VarsFiles, error) { return LoadVarsDirsWith(dir, yamlnode.Reader{}) }

// LoadVarsDirsWith is LoadVarsDirs with a reader that holds the run's
// vault ids, for vaulted vars files and !vault values.
func LoadVarsDirsWith(dir string, r yamlnode.Reader) (*VarsFiles, error) {
	vf := &VarsFiles{Dir: dir}
	var err error
	if vf.Groups, err = loadVarsDir(filepath.Join(dir, "group_vars"), r); err != nil {
		return nil, err
	}
	if vf.Hosts, err = loadVarsDir(filepath.Join(dir, "host_vars"), r); err != nil {
		return nil, err
	}
	return vf, nil
}

func loadVarsDir(dir string, r yamlnode.Reader) (map[string]map[string]any, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]map[string]any{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading vars dir: %w", err)
	}
	// Group the entries by the name they define, remembering the rank of
	// their extension so that "web" beats "web.yml" like in Ansible.
	best := map[string]int{}
	for _, e := range entries {
		name, rank := e.Name(), 0
		for i, ext := range varsExts[1:] {
			if strings.HasSuffix(name, ext) {
				name, rank = strings.TrimSuffix(name, ext), i+1
				break
			}
		}
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if r, ok := best[name]; !ok || rank < r {
			best[name] = rank
		}
	}
	out := map[string]map[string]any{}
	for name, rank := range best {
		files, err := varsFiles(filepath.Join(dir, name+varsExts[rank]))
		if err != nil {
			return nil, err
		}
		merged := map[string]any{}
		for _, f := range files {
			vars, err := loadVarsFile(f, r)
			if err != nil {
				return nil, err
			}
			maps.Copy(merged, vars)
		}
		out[name] = merged
	}
	return out, nil
}

// varsFiles lists path itself, or for a directory every file below it in
// name order, skipping hidden files, backups and unknown extensions.
func varsFiles(path string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("reading vars: %w", err)
	}
	if !st.IsDir() {
		return []string{path}, nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, fmt.Errorf("reading vars dir: %w", err)
	}
	var out []string
	for _, e := range entries { // ReadDir sorts by name
		n := e.Name()
		if strings.HasPrefix(n, ".") || strings.HasSuffix(n, "~") {
			continue
		}
		full, ext := filepath.Join(path, n), filepath.Ext(n)
		info, err := os.Stat(full)
		if err != nil {
			return nil, fmt.Errorf("reading vars: %w", err)
		}
		switch {
		case info.IsDir() && ext == "":
			sub, err := varsFiles(full)
			if err != nil {
				return nil, err
			}
			out = append(out, sub...)
		case !info.IsDir() && (ext == "" || slices.Contains(varsExts, ext)):
			out = append(out, full)
		}
	}
	return out, nil
}

// loadVarsFile reads a group_vars or host_vars file, with YAML errors as
// a ParseError (file and line) like the inventory's own.
func loadVarsFile(path string, r yamlnode.Reader) (map[string]any, error) {
	vars, err := r.LoadVarsFile(path)
	var ye *yamlnode.Error
	if errors.As(err, &ye) {
		return nil, &ParseError{File: path, Line: ye.Pos.Line, Msg: ye.Msg}
	}
	return vars, err
}

// sortGroups orders groups the way Ansible merges their vars: parents
// before children (depth), then ansible_group_priority, then name.
func sortGroups(gs []*group) {
	sort.Slice(gs, func(i, j int) bool {
		a, b := gs[i], gs[j]
		if a.depth != b.depth {
			return a.depth < b.depth
		}
		if a.priority != b.priority {
			return a.priority < b.priority
		}
		return a.name < b.name
	})
}

// HostVars returns a host's inventory variables merged with Ansible's
// precedence. Extra VarsFiles (beside the playbook) come after the
// inventory's own at each level, as Ansible's "play" vars plugins do.
func (inv *Inventory) HostVars(hostname string, playbookVars ...*VarsFiles) map[string]any {
	h, ok := inv.hosts[hostname]
	if !ok {
		return nil
	}
	all := inv.groups["all"]
	var gs []*group
	for g := range h.allGroups() {
		if g != all {
			gs = append(gs, g)
		}
	}
	sortGroups(gs)
	out := map[string]any{}
	if h.source != "" {
		out["inventory_file"] = h.source
		out["inventory_dir"] = nil // None, as Ansible has for a host list
		if h.dir != "" {
			out["inventory_dir"] = h.dir
		}
	}
	// Ansible's default VARIABLE_PRECEDENCE: all_inventory, groups_inventory,
	// all_plugins_inventory, all_plugins_play, groups_plugins_inventory,
	// groups_plugins_play; then the host's own, then host_vars files.
	maps.Copy(out, all.vars)
	for _, g := range gs {
		maps.Copy(out, g.vars)
	}
	for _, vf := range inv.varsDirs {
		maps.Copy(out, vf.Groups["all"])
	}
	for _, vf := range playbookVars {
		maps.Copy(out, vf.Groups["all"])
	}
	for _, vf := range inv.varsDirs {
		for _, g := range gs {
			maps.Copy(out, vf.Groups[g.name])
		}
	}
	for _, vf := range playbookVars {
		for _, g := range gs {
			maps.Copy(out, vf.Groups[g.name])
		}
	}
	maps.Copy(out, h.vars)
	for _, vf := range inv.varsDirs {
		maps.Copy(out, vf.Hosts[hostname])
	}
	for _, vf := range playbookVars {
		maps.Copy(out, vf.Hosts[hostname])
	}
	return out
}

// GroupVars returns a group's own variables, from the inventory and the
// group_vars files beside it (what ansible-inventory --graph --vars shows).
func (inv *Inventory) GroupVars(name string) map[string]any {
	g, ok := inv.groups[name]
	if !ok {
		return nil
	}
	out := maps.Clone(g.vars)
	for _, vf := range inv.varsDirs {
		maps.Copy(out, vf.Groups[name])
	}
	return out
}

// publicVars drops the variables Ansible sets on every host for its own
// use (inventory_file, inventory_dir), which ansible-inventory never shows.
func publicVars(vars map[string]any) map[string]any {
	delete(vars, "inventory_file")
	delete(vars, "inventory_dir")
	return vars
}

// ShownHostVars is HostVars as ansible-inventory shows them: without the
// variables Ansible keeps for itself.
func (inv *Inventory) ShownHostVars(hostname string) map[string]any {
	return publicVars(inv.HostVars(hostname))
}

// Sources lists the inventory sources as ansible_inventory_sources does:
// paths made absolute, host lists as given.
func (inv *Inventory) Sources() []string { return slices.Clone(inv.sources) }
