package runner

import (
	"reflect"
	"slices"
	"testing"

	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/engine/playbook"
	"github.com/haplay/haplay/modules"
	"github.com/haplay/haplay/modules/control"
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

func TestRunsOnceIsDeclared(t *testing.T) {
	pr := &playRun{run: &run{opts: Options{Modules: modules.Builtin()}}}
	for name, want := range map[string]bool{"add_host": true, "ansible.builtin.add_host": true, "pause": true, "group_by": false, "debug": false, "nosuch": false} {
		_, got := pr.module(&playbook.Task{Module: name}).(module.RunsOnce)
		if got != want {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
	}
}

func TestApplyInventory(t *testing.T) {
	inv := &fakeInv{groups: map[string][]string{"n1": {"web"}}}
	pr := &playRun{run: &run{opts: Options{Inventory: inv}}}
	run := func(m module.Module, args module.Args) module.Result {
		t.Helper()
		res, err := m.Run(t.Context(), &module.Call{Args: args})
		if err != nil || res.Failed {
			t.Fatalf("%s: %v %s", m.Name(), err, res.Msg)
		}
		pr.applyInventory(m, "n1", &res)
		return res
	}

	// group_by: changed only when the host was not in the group yet.
	if res := run(control.GroupBy{}, module.Args{"key": "web"}); res.Changed {
		t.Error("group_by into a group the host is in must not change")
	}
	if res := run(control.GroupBy{}, module.Args{"key": "db"}); !res.Changed || !reflect.DeepEqual(inv.groups["n1"], []string{"web", "db"}) {
		t.Errorf("group_by db: changed=%v groups=%v", res.Changed, inv.groups["n1"])
	}
	run(control.AddHost{}, module.Args{"name": "new", "groups": []any{"g"}})
	if !reflect.DeepEqual(inv.groups["new"], []string{"g"}) {
		t.Errorf("add_host: %v", inv.groups)
	}

	// A module that does not declare InventoryChanger cannot change it.
	res := module.Result{Inventory: &module.InventoryChange{Host: "sneaky", Groups: []string{"x"}}}
	pr.applyInventory(control.Debug{}, "n1", &res)
	if _, ok := inv.groups["sneaky"]; ok {
		t.Error("an undeclared inventory change was applied")
	}
}
