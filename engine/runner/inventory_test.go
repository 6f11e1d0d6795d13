package runner

import (
	"reflect"
	"slices"
	"testing"

	"github.com/haplay/haplay/modules"
)

// fakeInv records AddHost calls; membership is what GroupNames reports.
type fakeInv struct {
	groups map[string][]string
	added  []string
}

func (f *fakeInv) Match(string) ([]string, error)  { return nil, nil }
func (f *fakeInv) HostVars(string) map[string]any  { return nil }
func (f *fakeInv) GroupNames(h string) []string    { return f.groups[h] }
func (f *fakeInv) GroupHosts() map[string][]string { return nil }
func (f *fakeInv) AddHost(name string, groups []string, vars map[string]any) {
	for _, g := range groups {
		if !slices.Contains(f.groups[name], g) {
			f.groups[name] = append(f.groups[name], g)
		}
	}
	f.added = append(f.added, name)
}

func TestImplicitRunOnce(t *testing.T) {
	reg := modules.Builtin()
	for name, want := range map[string]bool{"add_host": true, "ansible.builtin.add_host": true, "pause": true, "group_by": false, "debug": false, "nosuch": false} {
		if got := implicitRunOnce(reg, name); got != want {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
	}
}

func TestApplyInventory(t *testing.T) {
	inv := &fakeInv{groups: map[string][]string{"n1": {"web"}}}
	pr := &playRun{run: &run{opts: Options{Inventory: inv}}}

	// group_by: changed only when the host was not in the group yet.
	res := modules.Result{Values: map[string]any{"add_group": "web", "parent_groups": []any{"all"}}}
	pr.applyInventory("group_by", "n1", &res)
	if res.Changed {
		t.Error("group_by into a group the host is in must not change")
	}
	res = modules.Result{Values: map[string]any{"add_group": "db", "parent_groups": []any{"all"}}}
	pr.applyInventory("group_by", "n1", &res)
	if !res.Changed || !reflect.DeepEqual(inv.groups["n1"], []string{"web", "db"}) {
		t.Errorf("group_by db: changed=%v groups=%v", res.Changed, inv.groups["n1"])
	}

	res = modules.Result{Changed: true, Values: map[string]any{"add_host": map[string]any{"host_name": "new", "groups": []any{"g"}, "host_vars": map[string]any{}}}}
	pr.applyInventory("add_host", "n1", &res)
	if !reflect.DeepEqual(inv.groups["new"], []string{"g"}) {
		t.Errorf("add_host: %v", inv.groups)
	}
}
