package run

import (
	"context"
	"sync"

	"github.com/haplay/haplay/engine/connection"
	"github.com/haplay/haplay/engine/inventory"
)

// runInventory gives the runner the inventory with the playbook's
// group_vars/host_vars merged in. add_host and group_by change the
// inventory while hosts run: one lock guards every read and write of it
// during the run.
type runInventory struct {
	inv    *inventory.Inventory
	pbVars *inventory.VarsFiles
	warn   func(string)
	mu     *sync.RWMutex
}

func newInventory(inv *inventory.Inventory, pbVars *inventory.VarsFiles, warn func(string)) runInventory {
	return runInventory{inv: inv, pbVars: pbVars, warn: warn, mu: &sync.RWMutex{}}
}

func (a runInventory) Match(p string) ([]string, error) {
	a.mu.RLock()
	hosts, warnings, err := a.inv.Match(p)
	a.mu.RUnlock()
	for _, w := range warnings {
		a.warn(w)
	}
	return hosts, err
}

func (a runInventory) HostVars(h string) map[string]any {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.inv.HostVars(h, a.pbVars)
}

func (a runInventory) GroupNames(h string) []string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.inv.GroupNames(h)
}

func (a runInventory) GroupHosts() map[string][]string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.inv.GroupHosts()
}

// AddHost applies add_host and group_by; nil vars keep the host's own.
func (a runInventory) AddHost(name string, groups []string, vars map[string]any) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.inv.AddHost(name, groups, vars)
}

func (a runInventory) hasHost(name string) bool {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.inv.HasHost(name)
}

// poolConnector hands out pooled targets for connection descriptions.
// localhost that is not in the inventory is the controller, as in
// Ansible, unless something chose its connection.
type poolConnector struct {
	pool *connection.Pool
	inv  runInventory
}

func (c poolConnector) Target(ctx context.Context, spec connection.Spec) (connection.Target, error) {
	if (spec.Host == "localhost" || spec.Host == "127.0.0.1") && spec.Connection == "" && !c.inv.hasHost(spec.Host) {
		spec.Connection = "local"
	}
	return c.pool.Get(ctx, spec)
}
