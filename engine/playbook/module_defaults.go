package playbook

import (
	"maps"
	"slices"
	"strings"

	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/engine/yamlnode"
)

// ModuleDefault is one entry of a module_defaults keyword (play, block or
// task): the arguments a task of one of Modules gets when it does not set
// them itself.
type ModuleDefault struct {
	Name    string   // as written: a module, or group/NAME
	Modules []string // haplay's names of the modules it applies to
	Args    map[string]any
}

// GroupCatalog resolves module_defaults' group/NAME (engine/catalog).
type GroupCatalog interface {
	Group(name string, collections []string) ([]string, bool)
}

// moduleDefaults reads module_defaults: a mapping of module names (or
// group/NAME) to argument mappings, or a list of such mappings. A module
// haplay lacks is accepted, as a task naming it would be; an argument
// haplay's module does not have is an error here, with its position.
func (l *loader) moduleDefaults(n *yamlnode.Node) []ModuleDefault {
	v := n.Get("module_defaults")
	if v == nil || (v.Kind == yamlnode.Scalar && v.Value == nil) {
		return nil
	}
	maps := []*yamlnode.Node{v}
	if v.Kind == yamlnode.List {
		maps = v.Items
	}
	var out []ModuleDefault
	for _, m := range maps {
		if m.Kind != yamlnode.Map {
			l.errorf(m.Pos, "module_defaults must map module names to their arguments, got %s", m.KindName())
			continue
		}
		for _, kv := range m.Pairs {
			if d, ok := l.moduleDefault(kv); ok {
				out = append(out, d)
			}
		}
	}
	return out
}

func (l *loader) moduleDefault(kv yamlnode.Pair) (ModuleDefault, bool) {
	if kv.Value.Kind != yamlnode.Map {
		l.errorf(kv.Value.Pos, "module_defaults: %s: the arguments must be a mapping, got %s", kv.Key, kv.Value.KindName())
		return ModuleDefault{}, false
	}
	d := ModuleDefault{Name: kv.Key, Args: map[string]any{}}
	for _, a := range kv.Value.Pairs {
		d.Args[a.Key] = a.Value.Interface()
	}
	if group, ok := strings.CutPrefix(kv.Key, "group/"); ok {
		members, known := l.group(group)
		if !known {
			l.errorf(kv.KeyPos, "module_defaults: unknown action group %q", group)
			return ModuleDefault{}, false
		}
		for _, fq := range members {
			if m, ok := l.opts.Modules.Lookup(fq); ok && !slices.Contains(d.Modules, m.Name()) {
				d.Modules = append(d.Modules, m.Name())
			}
		}
		return d, true
	}
	m, ok := l.opts.Modules.Lookup(kv.Key)
	if !ok {
		if _, known := l.ansibleModule(kv.Key); known {
			return d, true // applies to no module haplay runs
		}
		l.errorf(kv.KeyPos, "module_defaults: unknown module %q", kv.Key)
		return ModuleDefault{}, false
	}
	d.Modules = []string{m.Name()}
	spec := m.Spec()
	for _, a := range kv.Value.Pairs {
		if _, known := spec.Lookup(a.Key); !known && !spec.AnyArgs {
			l.errorf(a.KeyPos, "module_defaults: %s has no argument %q", kv.Key, a.Key)
		}
	}
	return d, true
}

func (l *loader) group(name string) ([]string, bool) {
	gc, ok := l.opts.Catalog.(GroupCatalog)
	if !ok {
		return nil, false
	}
	return gc.Group(name, l.playCollections)
}

// withDefaults is a task's arguments over the module_defaults in scope
// (outermost first, the nearest winning), for the load-time check: an
// argument a default supplies is not missing.
func withDefaults(args map[string]any, m module.Module, scopes ...[]ModuleDefault) map[string]any {
	merged := DefaultArgs(m.Name(), scopes...)
	if len(merged) == 0 {
		return args
	}
	maps.Copy(merged, args)
	return merged
}

// DefaultArgs merges the defaults for module name from scopes, outermost
// first: a nearer scope's value wins.
func DefaultArgs(name string, scopes ...[]ModuleDefault) map[string]any {
	var out map[string]any
	for _, s := range scopes {
		for _, d := range s {
			if slices.Contains(d.Modules, name) {
				if out == nil {
					out = map[string]any{}
				}
				maps.Copy(out, d.Args)
			}
		}
	}
	return out
}
