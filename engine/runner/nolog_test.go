package runner

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/haplay/haplay/engine/connection"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/engine/playbook"
	"github.com/haplay/haplay/engine/template"
	"github.com/haplay/haplay/modules/control"
)

// leaky is a module with a no_log argument that puts it everywhere: in a
// command's argv and script, in its stdout, its message and a diff.
type leaky struct{}

func (leaky) Name() string { return "leaky" }
func (leaky) Spec() module.Spec {
	return module.Spec{Args: []module.Arg{
		{Name: "token", Type: module.TypeStr, NoLog: true},
		{Name: "fail", Type: module.TypeBool, Default: false},
	}}
}
func (leaky) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	tok := c.Args.String("token")
	out, err := c.Host.Run(ctx, connection.Cmd{Argv: []string{"echo", "token=" + tok}})
	if err != nil {
		return module.Result{}, err
	}
	if _, err := c.Host.Run(ctx, connection.Cmd{Argv: []string{"true", tok}, Script: ""}); err != nil {
		return module.Result{}, err
	}
	r := module.Result{Changed: true, Diffs: []module.Diff{{Before: "", After: tok + "\n"}}}
	r.Set("stdout", strings.TrimSpace(string(out.Stdout)))
	r.Set("token", tok)
	if c.Args.Bool("fail") {
		return r, fmt.Errorf("bad token %s", tok)
	}
	return r, nil
}

// cmdReporter keeps results and -vv commands.
type cmdReporter struct {
	resultsReporter
	mu   sync.Mutex
	cmds []connection.Cmd
}

func (r *cmdReporter) Command(_ string, c connection.Cmd) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cmds = append(r.cmds, c)
}

// A per-argument no_log value reaches no reporter: not in results,
// messages, diffs, loop items and labels, registered values, nor in the
// commands -vv shows.
func TestPerArgumentNoLog(t *testing.T) {
	const secret = "hunter2-secret"
	pbText := `- hosts: all
  gather_facts: false
  vars:
    tok: ` + secret + `
  tasks:
    - name: plain
      leaky: {token: "{{ tok }}"}
      register: reg
    - name: failing
      leaky: {token: "{{ tok }}", fail: true}
      ignore_errors: true
    - name: looped
      leaky: {token: "{{ item }}"}
      loop: ["{{ tok }}"]
    - name: registered
      debug: {var: reg}
`
	path := filepath.Join(t.TempDir(), "pb.yml")
	if err := os.WriteFile(path, []byte(pbText), 0o644); err != nil {
		t.Fatal(err)
	}
	reg := module.NewRegistry(leaky{}, control.Debug{})
	pb, err := playbook.Load(path, playbook.Options{Modules: reg})
	if err != nil {
		t.Fatal(err)
	}
	rep := &cmdReporter{}
	if _, err := Run(context.Background(), pb, Options{
		Inventory: oneHostInv{vars: map[string]any{"ansible_connection": "local"}},
		Modules:   reg, Templates: template.New(), Connector: &specConnector{}, Reporter: rep, Verbosity: 2,
	}); err != nil {
		t.Fatal(err)
	}
	if len(rep.results) < 4 || len(rep.cmds) < 4 {
		t.Fatalf("%d results and %d commands, want the tasks to run", len(rep.results), len(rep.cmds))
	}
	for _, hr := range rep.results {
		s := fmt.Sprintf("%s %s %v %#v", hr.Msg, hr.Label, hr.Item, hr.Result)
		if strings.Contains(s, secret) {
			t.Errorf("task %q: the secret is shown: %s", hr.Task.DisplayName(), s)
		}
		if hr.Task.DisplayName() == "plain" && hr.Result.Values["token"] != module.NoLogValue {
			t.Errorf("the value itself is not %s: %v", module.NoLogValue, hr.Result.Values["token"])
		}
		if hr.Task.DisplayName() == "failing" && !strings.Contains(hr.Msg, "bad token "+module.NoLogMask) {
			t.Errorf("failure message %q", hr.Msg)
		}
	}
	for _, c := range rep.cmds {
		if s := fmt.Sprintf("%q %q", c.Argv, c.Script); strings.Contains(s, secret) {
			t.Errorf("a -vv command shows the secret: %s", s)
		}
	}
}
