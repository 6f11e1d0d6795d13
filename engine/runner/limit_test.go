package runner

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/haplay/haplay/engine/playbook"
	"github.com/haplay/haplay/engine/template"
	"github.com/haplay/haplay/modules"
)

// hostsInv is an inventory of the given hosts, all in group "all".
type hostsInv []string

func (i hostsInv) Match(string) ([]string, error)           { return i, nil }
func (i hostsInv) HostVars(string) map[string]any           { return nil }
func (i hostsInv) GroupNames(string) []string               { return []string{"ungrouped"} }
func (i hostsInv) GroupHosts() map[string][]string          { return map[string][]string{"all": i} }
func (i hostsInv) AddHost(string, []string, map[string]any) {}

// The forks and throttle limits hold: a task that takes a lock directory
// fails on any host that finds it taken, so with a limit of 1 every host
// succeeds, and without one (the control) some host fails.
func TestForksAndThrottleLimitHosts(t *testing.T) {
	lock := filepath.Join(t.TempDir(), "lock")
	task := fmt.Sprintf(`shell: "mkdir %s || exit 1; sleep 0.3; rmdir %s"`, lock, lock)
	run := func(forks int, play string) map[Status]int {
		t.Helper()
		path := filepath.Join(t.TempDir(), "pb.yml")
		if err := os.WriteFile(path, []byte(play), 0o644); err != nil {
			t.Fatal(err)
		}
		pb, err := playbook.Load(path, playbook.Options{Modules: modules.Builtin()})
		if err != nil {
			t.Fatal(err)
		}
		rep := &resultsReporter{}
		_, err = Run(context.Background(), pb, Options{
			Inventory: hostsInv{"h1", "h2", "h3"}, Modules: modules.Builtin(), Templates: template.New(),
			Connector: &specConnector{}, Reporter: rep, Forks: forks,
		})
		if err != nil {
			t.Fatal(err)
		}
		counts := map[Status]int{}
		for _, r := range rep.results {
			counts[r.Status]++
		}
		return counts
	}
	head := "- hosts: all\n  gather_facts: false\n"
	cases := []struct {
		name    string
		forks   int
		play    string
		wantAll bool // every host changed, none failed
	}{
		{"linear, no limit", 10, head + "  tasks:\n    - " + task + "\n", false},
		{"linear, forks 1", 1, head + "  tasks:\n    - " + task + "\n", true},
		{"linear, throttle 1", 10, head + "  tasks:\n    - " + task + "\n      throttle: 1\n", true},
		{"free, no limit", 10, head + "  strategy: free\n  tasks:\n    - " + task + "\n", false},
		{"free, forks 1", 1, head + "  strategy: free\n  tasks:\n    - " + task + "\n", true},
	}
	for _, c := range cases {
		got := run(c.forks, c.play)
		all := got[StatusChanged] == 3 && got[StatusFailed] == 0
		if all != c.wantAll {
			t.Errorf("%s: statuses %v, want every host changed = %v", c.name, got, c.wantAll)
		}
	}
}
