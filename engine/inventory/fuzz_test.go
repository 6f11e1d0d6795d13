package inventory

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// addCorpusSeeds seeds a fuzz target with every inventory file of the
// corpus in testdata/inventory whose name passes keep.
func addCorpusSeeds(f *testing.F, keep func(name string) bool) {
	files, err := filepath.Glob(filepath.Join(corpus, "*", "*"))
	if err != nil {
		f.Fatal(err)
	}
	n := 0
	for _, p := range files {
		base := filepath.Base(p)
		if base == "args" || base == "expected.json" || !keep(base) {
			continue
		}
		if st, err := os.Stat(p); err != nil || st.IsDir() {
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		n++
	}
	if n == 0 {
		f.Fatal("no seed files in the corpus")
	}
}

// checkParseError asserts an inventory error names the file it is about.
func checkParseError(t *testing.T, path string, err error) {
	t.Helper()
	var pe *ParseError
	if !errors.As(err, &pe) || pe.File != path || !strings.HasPrefix(err.Error(), path+":") {
		t.Fatalf("error without its file: %T %v", err, err)
	}
}

// checkInventory asserts what every loaded inventory holds: all reaches
// every group and every host, each host is in some group besides all,
// and the --list JSON names only those hosts.
func checkInventory(t *testing.T, inv *Inventory) {
	t.Helper()
	hosts := inv.Hosts()
	if len(hosts) != len(inv.hosts) {
		t.Fatalf("all has %d hosts, the inventory %d", len(hosts), len(inv.hosts))
	}
	for _, h := range hosts {
		if !inv.HasHost(h) {
			t.Fatalf("all lists %q, which is not a host", h)
		}
		if len(inv.GroupNames(h)) == 0 {
			t.Fatalf("host %q is in no group but all", h)
		}
	}
	below := inv.groups["all"].descendants()
	for _, g := range inv.groupOrder {
		if !slices.Contains(below, g) {
			t.Fatalf("group %q is not under all", g.name)
		}
	}
	// A host named all shadows the group in patterns, as in Ansible.
	if got, _, err := inv.Match("all"); !inv.HasHost("all") && (err != nil || !slices.Equal(got, hosts)) {
		t.Fatalf("Match(all) = %v, %v; want %v", got, err, hosts)
	}
	b, err := MarshalAnsibleJSON(inv.ToAnsibleJSON())
	if err != nil {
		return // a value JSON cannot hold (+Inf): an error, not a crash
	}
	var out struct {
		Meta struct {
			Hostvars map[string]any `json:"hostvars"`
		} `json:"_meta"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("--list is not JSON: %v\n%s", err, b)
	}
	valid := map[string]bool{} // JSON holds names as UTF-8: invalid bytes become U+FFFD
	for _, h := range hosts {
		var s string
		b, _ := json.Marshal(h)
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatal(err)
		}
		valid[s] = true
	}
	for h := range out.Meta.Hostvars {
		if !valid[h] {
			t.Fatalf("hostvars of %q, which is not a host", h)
		}
	}
}

func FuzzINI(f *testing.F) {
	addCorpusSeeds(f, func(name string) bool { return !strings.HasSuffix(name, ".yml") && !strings.HasSuffix(name, ".yaml") })
	f.Fuzz(func(t *testing.T, data []byte) {
		const path = "fuzz.ini"
		inv := New()
		if err := inv.parseINI(path, string(data)); err != nil {
			checkParseError(t, path, err)
			return
		}
		inv.reconcile()
		if len(inv.hostOrder) > maxCheckedHosts {
			return // parsed; the whole-inventory checks below are quadratic
		}
		checkInventory(t, inv)
	})
}

// maxCheckedHosts bounds the inventories checkInventory walks: a range
// such as n[9:999999] parses in a second, but the checks, which match
// every host against every group, would take the fuzzer's whole budget.
const maxCheckedHosts = 10000

func FuzzYAML(f *testing.F) {
	addCorpusSeeds(f, func(name string) bool {
		return strings.HasSuffix(name, ".yml") || strings.HasSuffix(name, ".yaml") || name == "inventory"
	})
	f.Fuzz(func(t *testing.T, data []byte) {
		const path = "fuzz.yml"
		root, err := parseYAMLFile(path, data)
		if err != nil {
			checkParseError(t, path, err)
			return
		}
		if _, err := decodeYAML(path, data); err != nil { // the vars-file path
			t.Fatalf("parsed once, failed the second time: %v", err)
		}
		if !isMapping(root) {
			return
		}
		inv := New()
		if err := inv.parseYAMLInventory(path, root); err != nil {
			checkParseError(t, path, err)
			return
		}
		inv.reconcile()
		checkInventory(t, inv)
	})
}

func FuzzPattern(f *testing.F) {
	for _, p := range []string{"all", "*", "web", "db1", "web*", "db:web", "db,lone", "web:&db", "prod:!db",
		"~web[12]", "web[0]", "web[-1]", "web[0:1]", "web[1:]", "ungrouped", "nothere", "!", "&", "!&", "web[",
		"~(", "[!a]", "fe80::1", "[::1]:22", "web[1-2]", "web:!web[0]", "&all:!lone"} {
		f.Add(p)
	}
	inv, err := Load([]string{writeInv(f, "hosts", patternInv)})
	if err != nil {
		f.Fatal(err)
	}
	all := inv.Hosts()
	f.Fuzz(func(t *testing.T, pattern string) {
		if strings.Contains(pattern, "@") {
			t.Skip("@file reads files: not for a fuzzer (@/dev/zero)")
		}
		got, _, err := inv.Match(pattern)
		if err != nil {
			if strings.TrimSpace(pattern) != "" && !strings.Contains(err.Error(), "pattern") {
				t.Fatalf("error does not say it is about the pattern: %v", err)
			}
			return
		}
		seen := map[string]bool{}
		for _, h := range got {
			if !slices.Contains(all, h) || seen[h] {
				t.Fatalf("Match(%q) = %v: unknown or repeated host %q", pattern, got, h)
			}
			seen[h] = true
		}
	})
}
