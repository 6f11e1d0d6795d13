package runner

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/haplay/haplay/engine/connection"
	"github.com/haplay/haplay/engine/playbook"
	"github.com/haplay/haplay/engine/template"
	"github.com/haplay/haplay/modules"
)

// oneHostInv is an inventory of one host, h1, with the given vars.
type oneHostInv struct{ vars map[string]any }

func (i oneHostInv) Match(string) ([]string, error) { return []string{"h1"}, nil }
func (i oneHostInv) HostVars(string) map[string]any { return i.vars }
func (i oneHostInv) GroupNames(string) []string     { return []string{"ungrouped"} }
func (i oneHostInv) GroupHosts() map[string][]string {
	return map[string][]string{"all": {"h1"}, "ungrouped": {"h1"}}
}
func (i oneHostInv) AddHost(string, []string, map[string]any) {}

// specConnector records every description it is asked for and runs the
// commands on the controller.
type specConnector struct {
	mu    sync.Mutex
	specs []connection.Spec
}

func (c *specConnector) Target(_ context.Context, s connection.Spec) (connection.Target, error) {
	c.mu.Lock()
	c.specs = append(c.specs, s)
	c.mu.Unlock()
	return connection.NewLocal(s.Host)
}

// resultsReporter keeps the host results.
type resultsReporter struct {
	mu      sync.Mutex
	results []HostResult
}

func (r *resultsReporter) PlayStart(*playbook.Play, []string) {}
func (r *resultsReporter) TaskStart(*playbook.Task, bool)     {}
func (r *resultsReporter) HostResult(hr HostResult) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.results = append(r.results, hr)
}
func (r *resultsReporter) Warn(string)                {}
func (r *resultsReporter) RolloutStopped(RolloutStop) {}
func (r *resultsReporter) Recap(*Recap)               {}

const connPlay = `- hosts: all
  gather_facts: false
  remote_user: playuser
  vars:
    mgmt_ip: 10.9.9.9
  tasks:
    - name: inventory and play
      command: "true"
    - name: task vars
      command: "true"
      vars: {ansible_port: 2200}
    - set_fact: {ansible_user: fromfact}
    - name: after set_fact
      command: "true"
    - name: local
      command: "true"
      connection: local
    - name: bad become
      command: "true"
      become: true
      become_method: "{{ 'doas' }}"
`

// The runner resolves the connection per task from the task's vars:
// templated inventory vars, task vars, set_fact and -e all count, and so
// does the task's connection keyword.
func TestConnectionPerTask(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pb.yml")
	if err := os.WriteFile(path, []byte(connPlay), 0o644); err != nil {
		t.Fatal(err)
	}
	pb, err := playbook.Load(path, playbook.Options{Modules: modules.Builtin()})
	if err != nil {
		t.Fatal(err)
	}
	run := func(extra map[string]any) ([]connection.Spec, []HostResult) {
		conn, rep := &specConnector{}, &resultsReporter{}
		_, err := Run(context.Background(), pb, Options{
			Inventory: oneHostInv{vars: map[string]any{"ansible_host": "{{ mgmt_ip }}", "ansible_port": 22}},
			Modules:   modules.Builtin(), Templates: template.New(), Connector: conn, Reporter: rep, ExtraVars: extra,
		})
		if err != nil {
			t.Fatal(err)
		}
		return conn.specs, rep.results
	}
	specs, results := run(nil)
	ssh := func(port int, user string) connection.Spec {
		return connection.Spec{Host: "h1", Address: "10.9.9.9", Port: port, User: user, Become: connection.Become{Method: "sudo"}}
	}
	local := ssh(22, "fromfact")
	local.Connection = "local"
	want := []connection.Spec{ssh(22, "playuser"), ssh(2200, "playuser"), ssh(22, "fromfact"), local}
	if len(specs) != len(want) {
		t.Fatalf("%d connections asked for, want %d: %+v", len(specs), len(want), specs)
	}
	for i := range want {
		if specs[i] != want[i] {
			t.Errorf("task %d:\n got %+v\nwant %+v", i, specs[i], want[i])
		}
	}
	last := results[len(results)-1]
	if last.Task.Name != "bad become" || last.Status != StatusFailed || !strings.Contains(last.Msg, `become_method "doas" is not supported`) {
		t.Errorf("templated bad become_method: %s %s %q", last.Task.Name, last.Status, last.Msg)
	}
	// -e beats the inventory, the task's vars and set_fact.
	specs, _ = run(map[string]any{"ansible_port": "2999", "ansible_user": "cli"})
	for i, s := range specs {
		if s.Port != 2999 || s.User != "cli" {
			t.Errorf("with -e, task %d: %+v", i, s)
		}
	}
}
