package module

import (
	"sort"
	"strings"
)

// Registry maps module names (short and FQCN) to modules.
type Registry struct {
	byName map[string]Module
}

// fqcnPrefixes are the collections whose names map to our modules, so that
// ansible.builtin.copy and community.general.lvol work unchanged.
var fqcnPrefixes = []string{"ansible.builtin.", "ansible.legacy.", "ansible.posix.", "community.general.", "community.docker.", "haplay.builtin."}

// NewRegistry returns a registry holding ms.
func NewRegistry(ms ...Module) *Registry {
	r := &Registry{byName: map[string]Module{}}
	for _, m := range ms {
		r.byName[m.Name()] = m
	}
	return r
}

// Lookup finds a module by short name or FQCN.
func (r *Registry) Lookup(name string) (Module, bool) {
	if m, ok := r.byName[name]; ok {
		return m, true
	}
	for _, p := range fqcnPrefixes {
		if strings.HasPrefix(name, p) {
			m, ok := r.byName[strings.TrimPrefix(name, p)]
			return m, ok
		}
	}
	return nil, false
}

// Names lists the short names, sorted.
func (r *Registry) Names() []string {
	out := make([]string, 0, len(r.byName))
	for n := range r.byName {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
