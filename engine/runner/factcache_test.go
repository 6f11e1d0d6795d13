package runner

import (
	"fmt"
	"slices"
	"testing"
)

// mapCache is a FactCache in memory.
type mapCache struct{ m map[string]map[string]any }

func (c *mapCache) Get(h string) (map[string]any, bool, error) { e, ok := c.m[h]; return e, ok, nil }
func (c *mapCache) Set(h string, f map[string]any) error       { c.m[h] = f; return nil }
func (c *mapCache) Delete(h string) error                      { delete(c.m, h); return nil }

const twoPlays = `- hosts: all
  tasks:
    - {name: one, debug: {msg: "{{ ansible_hostname | default('none') }}"}}
- hosts: all
  gather_facts: true
  tasks:
    - {name: two, debug: {msg: "{{ ansible_facts.hostname | default('none') }}"}}
- hosts: all
  gather_facts: false
  tasks:
    - {name: three, command: "true"}
`

// gathering decides which plays gather, as Ansible's play iterator: smart
// gathers once per host and run (and not at all for a cached host),
// explicit only where gather_facts is true, implicit unless it is false.
func TestGatheringModes(t *testing.T) {
	for mode, want := range map[string][]string{
		GatherImplicit: {"Gathering Facts", "one", "Gathering Facts", "two", "three"},
		GatherExplicit: {"one", "Gathering Facts", "two", "three"},
		GatherSmart:    {"Gathering Facts", "one", "two", "three"},
	} {
		_, results := runOne(t, twoPlays, Options{Gathering: mode})
		if got := ran(results); !slices.Equal(got, want) {
			t.Errorf("%s: ran %v, want %v", mode, got, want)
		}
	}
}

// A cached host is not gathered with smart, and its cached facts are its
// facts; a gathering writes the cache in Ansible's shape.
func TestSmartGatheringUsesTheCache(t *testing.T) {
	cache := &mapCache{m: map[string]map[string]any{"h1": {
		"_ansible_facts_gathered": true, "ansible_hostname": "cached-name", "module_setup": true}}}
	_, results := runOne(t, twoPlays, Options{Gathering: GatherSmart, FactCache: cache})
	if got, want := ran(results), []string{"one", "two", "three"}; !slices.Equal(got, want) {
		t.Errorf("ran %v, want %v", got, want)
	}
	for _, r := range results {
		if msg := r.Result.Values["msg"]; (r.Task.Name == "one" || r.Task.Name == "two") && fmt.Sprint(msg) != "cached-name" {
			t.Errorf("%s: %v, want the cached hostname", r.Task.Name, msg)
		}
	}
	empty := &mapCache{m: map[string]map[string]any{}}
	runOne(t, twoPlays, Options{Gathering: GatherSmart, FactCache: empty})
	e := empty.m["h1"]
	if e["_ansible_facts_gathered"] != true || e["module_setup"] != true || e["ansible_facts"] != nil {
		t.Errorf("cache entry %v", e)
	}
	if _, ok := e["ansible_hostname"]; !ok {
		t.Errorf("cache entry without ansible_hostname: %v", e)
	}
}

// meta: clear_facts removes the host's cache entry too.
func TestClearFactsClearsTheCache(t *testing.T) {
	cache := &mapCache{m: map[string]map[string]any{"h1": {"_ansible_facts_gathered": true, "ansible_hostname": "x"}}}
	runOne(t, "- hosts: all\n  gather_facts: false\n  tasks:\n    - meta: clear_facts\n", Options{FactCache: cache})
	if _, ok := cache.m["h1"]; ok {
		t.Error("clear_facts left the cache entry")
	}
}

// set_fact cacheable: true puts its facts in the cache under their own
// names; without it, nothing is cached.
func TestSetFactCacheable(t *testing.T) {
	cache := &mapCache{m: map[string]map[string]any{}}
	runOne(t, "- hosts: all\n  gather_facts: false\n  tasks:\n    - set_fact: {kept: 1, cacheable: true}\n    - set_fact: {dropped: 2}\n", Options{FactCache: cache})
	e := cache.m["h1"]
	if e["kept"] != 1 || e["dropped"] != nil || e["cacheable"] != nil || e["_ansible_facts_gathered"] != nil {
		t.Errorf("cache entry %v", e)
	}
}
