package runner

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/haplay/haplay/engine/connection"
	"github.com/haplay/haplay/engine/connspec"
	"github.com/haplay/haplay/engine/playbook"
	"github.com/haplay/haplay/engine/template"
	"github.com/haplay/haplay/modules"
)

// runOne runs the playbook text on oneHostInv with opts' flags and
// returns the connections asked for and the results.
func runOne(t *testing.T, text string, opts Options) ([]connection.Spec, []HostResult) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pb.yml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	pb, err := playbook.Load(path, playbook.Options{Modules: modules.Builtin()})
	if err != nil {
		t.Fatal(err)
	}
	conn, rep := &specConnector{}, &resultsReporter{}
	opts.Inventory, opts.Modules, opts.Templates, opts.Connector, opts.Reporter = oneHostInv{}, modules.Builtin(), template.New(), conn, rep
	if _, err := Run(context.Background(), pb, opts); err != nil {
		t.Fatal(err)
	}
	return conn.specs, rep.results
}

// ran lists the names of the tasks that got a result other than skipped.
func ran(results []HostResult) []string {
	var out []string
	for _, r := range results {
		if r.Status != StatusSkipped {
			out = append(out, r.Task.Name)
		}
	}
	return out
}

// -u, -b, --become-user and the rest reach every task's connection, and
// a task's keyword beats them.
func TestConnectionDefaults(t *testing.T) {
	specs, _ := runOne(t, `- hosts: all
  gather_facts: false
  tasks:
    - {name: plain, command: "true", ignore_errors: true}
    - {name: keyword, command: "true", remote_user: kw, become: false}
`, Options{Connection: connspec.Defaults{RemoteUser: "cli", Become: true, BecomeUser: "app", BecomePassword: "pw", KeyFile: "/k"}})
	cli := connection.Spec{Host: "h1", User: "cli", KeyFile: "/k", Become: connection.Become{Enabled: true, User: "app", Password: "pw", Method: "sudo"}}
	kw := cli
	kw.User, kw.Become.Enabled = "kw", false
	if len(specs) != 2 || specs[0] != cli || specs[1] != kw {
		t.Errorf("specs %+v\nwant %+v and %+v", specs, cli, kw)
	}
}

const handlersPlay = `- hosts: all
  gather_facts: false
  %s
  tasks:
    - {name: notify, command: "true", notify: h, changed_when: true}
    - {name: boom, fail: {msg: boom}}
  handlers:
    - {name: h, command: "true"}
`

// --force-handlers is the default of the play keyword force_handlers.
func TestForceHandlersFlag(t *testing.T) {
	for _, c := range []struct {
		keyword string
		flag    bool
		want    bool
	}{
		{"", false, false}, {"", true, true}, {"force_handlers: false", true, false}, {"force_handlers: true", false, true},
	} {
		_, results := runOne(t, strings.Replace(handlersPlay, "%s", c.keyword, 1), Options{ForceHandlers: c.flag})
		if got := slices.Contains(ran(results), "h"); got != c.want {
			t.Errorf("keyword %q, --force-handlers=%v: handler ran %v, want %v", c.keyword, c.flag, got, c.want)
		}
	}
}

// answers is a Prompter that gives the answers in turn and keeps the
// questions.
type answers struct {
	mu        sync.Mutex
	replies   []string
	questions []string
}

func (a *answers) Notify(string) {}
func (a *answers) Prompt(_ context.Context, text string, _ bool) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.questions = append(a.questions, text)
	r := a.replies[0]
	a.replies = a.replies[1:]
	return r, nil
}

// --step asks before each task as ansible-playbook does: no (or anything
// else) skips the task, yes runs it, continue runs it and the rest
// without asking.
func TestStep(t *testing.T) {
	a := &answers{replies: []string{"n", "y", "", "c"}}
	_, results := runOne(t, `- hosts: all
  gather_facts: true
  tasks:
    - {name: one, command: "true"}
    - {name: two, command: "true"}
    - {name: three, command: "true"}
    - {name: four, command: "true"}
`, Options{Step: true, Prompter: a})
	if got, want := ran(results), []string{"one", "three", "four"}; !slices.Equal(got, want) {
		t.Errorf("tasks run %v, want %v", got, want)
	}
	want := []string{"Perform task: TASK: Gathering Facts (N)o/(y)es/(c)ontinue", "Perform task: TASK: one (N)o/(y)es/(c)ontinue",
		"Perform task: TASK: two (N)o/(y)es/(c)ontinue", "Perform task: TASK: three (N)o/(y)es/(c)ontinue"}
	if !slices.Equal(a.questions, want) {
		t.Errorf("questions %q\nwant %q", a.questions, want)
	}
}
