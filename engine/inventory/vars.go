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
	"strconv"
	"strings"
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
func LoadVarsDirs(dir string) (*VarsFiles, error) {
	vf := &VarsFiles{Dir: dir}
	var err error
	if vf.Groups, err = loadVarsDir(filepath.Join(dir, "group_vars")); err != nil {
		return nil, err
	}
	if vf.Hosts, err = loadVarsDir(filepath.Join(dir, "host_vars")); err != nil {
		return nil, err
	}
	return vf, nil
}

func loadVarsDir(dir string) (map[string]map[string]any, error) {
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
			vars, err := loadVarsFile(f)
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

func loadVarsFile(path string) (map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading vars: %w", err)
	}
	v, err := decodeYAML(path, data)
	if err != nil {
		return nil, err
	}
	switch m := v.(type) {
	case nil:
		return nil, nil // empty files are ignored
	case map[string]any:
		return m, nil
	default:
		return nil, &ParseError{File: path, Msg: fmt.Sprintf("vars file must be a mapping, got %s", typeName(v))}
	}
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

// ConnInfo is the typed view of a host's connection variables.
type ConnInfo struct {
	Host           string // ansible_host, else the inventory name
	Port           int    // ansible_port, 0 if unset
	User           string
	PrivateKeyFile string
	Connection     string // "ssh" (default) or "local"
	Become         bool
	BecomeUser     string
	BecomePassword string
	// SSHArgs joins ansible_ssh_args, ansible_ssh_common_args and
	// ansible_ssh_extra_args in the order Ansible hands them to ssh.
	SSHArgs string
	// Timeout is ansible_ssh_timeout (else ansible_timeout) in seconds,
	// 0 if unset: the connection's handshake timeout.
	Timeout int
}

// Connection returns the connection settings of a host from its merged
// inventory vars. Values are not templated here.
func (inv *Inventory) Connection(hostname string) (ConnInfo, error) {
	return ConnectionFromVars(hostname, inv.HostVars(hostname))
}

// ConnectionFromVars reads connection settings from resolved vars, so the
// runner can apply it after play and task vars too.
func ConnectionFromVars(hostname string, vars map[string]any) (ConnInfo, error) {
	c := ConnInfo{Host: hostname, Connection: "ssh"}
	str := func(k string) string {
		if v, ok := vars[k]; ok && v != nil {
			return fmt.Sprint(v)
		}
		return ""
	}
	if s := str("ansible_host"); s != "" {
		c.Host = s
	}
	if s := str("ansible_port"); s != "" {
		p, err := strconv.Atoi(s)
		if err != nil || p <= 0 || p > 65535 {
			return c, fmt.Errorf("host %s: ansible_port %q is not a port number", hostname, s)
		}
		c.Port = p
	}
	c.User = str("ansible_user")
	c.PrivateKeyFile = str("ansible_ssh_private_key_file")
	if s := str("ansible_connection"); s != "" {
		switch s {
		case "ssh", "paramiko", "smart":
			c.Connection = "ssh"
		case "local":
			c.Connection = "local"
		default:
			return c, fmt.Errorf("host %s: ansible_connection %q is not supported (ssh or local)", hostname, s)
		}
	}
	if v, ok := vars["ansible_become"]; ok {
		b, err := toBool(v)
		if err != nil {
			return c, fmt.Errorf("host %s: ansible_become: %w", hostname, err)
		}
		c.Become = b
	}
	var args []string
	for _, k := range []string{"ansible_ssh_args", "ansible_ssh_common_args", "ansible_ssh_extra_args"} {
		if s := str(k); s != "" {
			args = append(args, s)
		}
	}
	c.SSHArgs = strings.Join(args, " ")
	for _, k := range []string{"ansible_ssh_timeout", "ansible_timeout"} {
		if s := str(k); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n <= 0 {
				return c, fmt.Errorf("host %s: %s %q is not a number of seconds", hostname, k, s)
			}
			c.Timeout = n
			break
		}
	}
	c.BecomeUser = str("ansible_become_user")
	c.BecomePassword = str("ansible_become_password")
	if c.BecomePassword == "" {
		c.BecomePassword = str("ansible_become_pass")
	}
	return c, nil
}

// toBool follows Ansible's boolean() filter.
func toBool(v any) (bool, error) {
	switch b := v.(type) {
	case bool:
		return b, nil
	case nil:
		return false, nil
	}
	switch strings.ToLower(fmt.Sprint(v)) {
	case "yes", "on", "1", "true", "t", "y", "1.0":
		return true, nil
	case "no", "off", "0", "false", "f", "n", "0.0", "":
		return false, nil
	}
	return false, fmt.Errorf("%v is not a boolean", v)
}
