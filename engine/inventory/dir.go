package inventory

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/haplay/haplay/engine/vault"
	"github.com/haplay/haplay/engine/yamlnode"
)

// ignoredInDir are the names Ansible skips in an inventory directory
// (IGNORED_ALWAYS plus the default INVENTORY_IGNORE_EXTS, .ini included).
// environmentFiles are what haplay keeps in an environment's inventory
// directory besides the inventory itself (vendoring: requirements, lock
// file, vendored roles); they are never inventory sources.
var environmentFiles = map[string]bool{"requirements.yml": true, "requirements.yaml": true, "requirements.lock": true, "vendor": true}

var ignoredInDir = regexp.MustCompile(`^\.|^host_vars$|^group_vars$|^vars_plugins$|(\.pyc|\.pyo|\.swp|\.bak|~|\.rpm|\.md|\.txt|\.rst|\.orig|\.ini|\.cfg|\.retry)$`)

// Load reads and merges inventory sources in order: files (INI or YAML),
// directories of them, or comma lists of hosts ("h1,h2,").
func Load(sources []string) (*Inventory, error) { return LoadWith(sources, yamlnode.Reader{}) }

// LoadWith is Load with a reader that holds the run's vault ids: vaulted
// YAML inventories, group_vars and host_vars files, and !vault values.
func LoadWith(sources []string, r yamlnode.Reader) (*Inventory, error) {
	inv := New()
	inv.yaml = r
	for _, src := range sources {
		if err := inv.loadSource(src); err != nil {
			return nil, err
		}
	}
	inv.reconcile()
	return inv, nil
}

func (inv *Inventory) loadSource(src string) error {
	if strings.Contains(src, ",") {
		if _, err := os.Stat(src); err != nil {
			inv.sources = append(inv.sources, src)
			inv.current, inv.currentDir = src, ""
			return inv.parseHostList(src)
		}
	}
	if abs, err := filepath.Abs(src); err == nil {
		src = abs
	}
	inv.sources = append(inv.sources, src)
	st, err := os.Stat(src)
	if err != nil {
		return fmt.Errorf("inventory source: %w", err)
	}
	dir := src
	if st.IsDir() {
		if err := inv.loadDir(src); err != nil {
			return err
		}
	} else {
		dir = filepath.Dir(src)
		if err := inv.loadFile(src); err != nil {
			return err
		}
	}
	vf, err := LoadVarsDirsWith(dir, inv.yaml)
	if err != nil {
		return fmt.Errorf("inventory %s: %w", src, err)
	}
	inv.varsDirs = append(inv.varsDirs, vf)
	return nil
}

func (inv *Inventory) loadDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("inventory source: %w", err)
	}
	for _, e := range entries { // sorted by name, like Ansible's sorted(listdir)
		if ignoredInDir.MatchString(e.Name()) || environmentFiles[e.Name()] {
			continue
		}
		p := filepath.Join(dir, e.Name())
		st, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("inventory source: %w", err)
		}
		if st.IsDir() {
			err = inv.loadDir(p)
		} else {
			err = inv.loadFile(p)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// loadFile picks the format like Ansible's plugin order (yaml before
// ini): a .yml/.yaml/.json or extensionless file that parses as a YAML
// mapping is a YAML inventory, anything else is INI.
func (inv *Inventory) loadFile(path string) error {
	inv.current, inv.currentDir = path, filepath.Dir(path)
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("inventory source: %w", err)
	}
	if vault.IsEncrypted(data) {
		// A vaulted YAML inventory is decrypted by the YAML reader, which
		// records its values as secrets; an INI one would not be.
		root, err := inv.parseYAMLFile(path, data)
		if err != nil {
			return err
		}
		if !isMapping(root) {
			return &ParseError{File: path, Msg: "a vaulted inventory must be a YAML inventory (a mapping of groups); vault an INI inventory's secrets in group_vars instead"}
		}
		return inv.parseYAMLInventory(path, root)
	}
	ext := filepath.Ext(path)
	isYAMLExt := ext == ".yml" || ext == ".yaml" || ext == ".json"
	if isYAMLExt || ext == "" {
		root, yerr := inv.parseYAMLFile(path, data)
		if yerr == nil && isMapping(root) {
			return inv.parseYAMLInventory(path, root)
		}
		if isYAMLExt {
			if yerr != nil {
				return yerr
			}
			return &ParseError{File: path, Msg: "YAML inventory must be a mapping of groups"}
		}
	}
	if !isText(data) {
		return &ParseError{File: path, Msg: "not a text inventory (executable inventory scripts are not supported)"}
	}
	return inv.parseINI(path, string(data))
}

func isText(data []byte) bool { return !strings.ContainsRune(string(data), 0) }

// parseHostList reads "-i 'h1,h2:2222,'" as Ansible's host_list plugin:
// hosts in ungrouped, no ranges.
func (inv *Inventory) parseHostList(src string) error {
	for _, h := range strings.Split(src, ",") {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		name, port := splitPort(h)
		inv.addHost(name, inv.groups["ungrouped"], port)
	}
	return nil
}

var (
	portDigits   = regexp.MustCompile(`^\d+$`)
	bracketedV6  = regexp.MustCompile(`^\[([^\]]+)\](?::(\d+))?$`)
	rangePattern = regexp.MustCompile(`\[[^\]]*:[^\]]*\]`)
)

// splitPort separates "host:port" and "[v6addr]:port". A bare IPv6
// address (several colons) has no port.
func splitPort(s string) (string, int) {
	if m := bracketedV6.FindStringSubmatch(s); m != nil && strings.Contains(m[1], ":") {
		p, _ := strconv.Atoi(m[2])
		return m[1], p
	}
	if strings.Count(s, ":") > 1 && !strings.Contains(s, "[") {
		return s, 0
	}
	// A range may hold a colon: only a colon after the last ']' separates
	// a port.
	i := strings.LastIndexByte(s, ':')
	if i > 0 && i > strings.LastIndexByte(s, ']') && portDigits.MatchString(s[i+1:]) {
		p, _ := strconv.Atoi(s[i+1:])
		return s[:i], p
	}
	return s, 0
}

// expandHostPattern turns "node[01:03].example:22" into hosts and a port.
func expandHostPattern(pattern string) ([]string, int, error) {
	name, port := splitPort(pattern)
	if !rangePattern.MatchString(name) {
		return []string{name}, port, nil
	}
	hosts, err := expandRange(name)
	return hosts, port, err
}

// maxRangeHosts bounds what one host pattern expands to: node[0:9999999999]
// would otherwise end haplay by running out of memory. It is 100 times the
// 10,000 hosts the inventory is budgeted for.
const maxRangeHosts = 1_000_000

const asciiLetters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

// expandRange expands the first [beg:end(:step)] and recurses for more.
func expandRange(name string) ([]string, error) {
	open := strings.IndexByte(name, '[')
	end := strings.IndexByte(name[open:], ']') + open
	head, body, tail := name[:open], name[open+1:end], name[end+1:]
	bounds := strings.Split(body, ":")
	if len(bounds) != 2 && len(bounds) != 3 {
		return nil, errors.New("host range must be begin:end or begin:end:step")
	}
	beg, last, step := bounds[0], bounds[1], 1
	if len(bounds) == 3 {
		s, err := strconv.Atoi(bounds[2])
		if err != nil || s <= 0 {
			return nil, fmt.Errorf("host range step %q must be a positive integer", bounds[2])
		}
		step = s
	}
	if beg == "" {
		beg = "0"
	}
	if last == "" {
		return nil, errors.New("host range must specify end value")
	}
	width := 0
	if beg[0] == '0' && len(beg) > 1 {
		if len(beg) != len(last) {
			return nil, errors.New("host range must specify equal-length begin and end formats")
		}
		width = len(beg)
	}
	var seq []string
	ib, ie := strings.Index(asciiLetters, beg), strings.Index(asciiLetters, last)
	if len(beg) == 1 && len(last) == 1 && ib >= 0 && ie >= 0 {
		if ib > ie {
			return nil, errors.New("host range must have begin <= end")
		}
		for i := ib; i <= ie; i += step {
			seq = append(seq, asciiLetters[i:i+1])
		}
	} else {
		b, err1 := strconv.Atoi(beg)
		e, err2 := strconv.Atoi(last)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("host range [%s] must be numeric or single letters", body)
		}
		// Ansible makes a range from high to low empty, as Python's range(),
		// and the hosts in it silently leave the fleet: an error here.
		if b > e {
			return nil, fmt.Errorf("host range [%s] is empty: it begins at %d, above its end %d", body, b, e)
		}
		n := (uint64(e)-uint64(b))/uint64(step) + 1 // counted: i += step could overflow
		if n > maxRangeHosts {
			return nil, fmt.Errorf("host range [%s] makes %d hosts, more than the %d one pattern may make", body, n, maxRangeHosts)
		}
		for k := range int(n) {
			s := strconv.Itoa(b + k*step)
			for len(s) < width {
				s = "0" + s
			}
			seq = append(seq, s)
		}
	}
	var out []string
	for _, s := range seq {
		h := head + s + tail
		if rangePattern.MatchString(h) {
			more, err := expandRange(h)
			if err != nil {
				return nil, err
			}
			out = append(out, more...)
		} else {
			out = append(out, h)
		}
		if len(out) > maxRangeHosts {
			return nil, fmt.Errorf("host ranges in %q make more than the %d hosts one pattern may make", name, maxRangeHosts)
		}
	}
	return out, nil
}
