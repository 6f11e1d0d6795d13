package report

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/engine/playbook"
	"github.com/haplay/haplay/engine/runner"
	"github.com/haplay/haplay/internal/golden"
)

// Stand-ins for the modules whose capabilities decide the ad-hoc shape.
type fakeModule struct{ name string }

func (f fakeModule) Name() string    { return f.name }
func (fakeModule) Spec() module.Spec { return module.Spec{} }
func (fakeModule) Run(context.Context, *module.Call) (module.Result, error) {
	return module.Result{}, nil
}

type fakeCommand struct {
	fakeModule
	plain bool
}

func (f fakeCommand) PlainOutput() bool { return f.plain }

type fakeSetup struct{ fakeModule }

func (fakeSetup) GathersFacts() {}

type fakeDebug struct{ fakeModule }

func (fakeDebug) PrintsLikeDebug() {}

func adHocRegistry() *module.Registry {
	return module.NewRegistry(fakeCommand{fakeModule{"shell"}, true}, fakeCommand{fakeModule{"script"}, false},
		fakeSetup{fakeModule{"setup"}}, fakeDebug{fakeModule{"debug"}}, fakeModule{"copy"}, fakeModule{"ping"})
}

// adHocResults are one result of each shape Ansible's ad-hoc output has.
func adHocResults() []runner.HostResult {
	task := func(action string) *playbook.Task { return &playbook.Task{Module: action, Action: action} }
	cmd := func(rc int, stdout, stderr string) map[string]any {
		return map[string]any{"rc": rc, "stdout": stdout, "stderr": stderr, "cmd": "x", "stdout_lines": []any{stdout}}
	}
	return []runner.HostResult{
		{Host: "node1", Task: task("shell"), Status: runner.StatusChanged, Result: module.Result{Changed: true, Values: cmd(0, " 10:00:00 up 1 day\nline 2", "")}},
		{Host: "node2", Task: task("shell"), Status: runner.StatusFailed, Msg: "non-zero return code",
			Result: module.Result{Failed: true, Changed: true, Values: cmd(3, "out", "err\n")}},
		{Host: "node3", Task: task("shell"), Status: runner.StatusSkipped, CheckSkip: true},
		{Host: "node4", Task: task("shell"), Status: runner.StatusUnreachable, Msg: "node4: unreachable: connection refused"},
		{Host: "node5", Task: task("copy"), Status: runner.StatusChanged, Result: module.Result{Changed: true,
			Values: map[string]any{"dest": "/tmp/x", "mode": "0644", "size": 2, "empty": []any{}, "nested": map[string]any{"a": 1}}}},
		{Host: "node6", Task: task("copy"), Status: runner.StatusFailed, Msg: "Destination directory /nope does not exist",
			Result: module.Result{Failed: true}},
		{Host: "node7", Task: task("ping"), Status: runner.StatusOK, Result: module.Result{Values: map[string]any{"ping": "pong"}}},
		{Host: "node8", Task: task("setup"), Status: runner.StatusOK, Result: module.Result{Values: map[string]any{
			"ansible_facts": map[string]any{"hostname": "node8", "os_family": "Debian", "ansible_local": map[string]any{}}}}},
		{Host: "node9", Task: task("debug"), Status: runner.StatusOK, Result: module.Result{Values: map[string]any{"msg": "hello"}}},
		{Host: "node10", Task: task("script"), Status: runner.StatusChanged, Result: module.Result{Changed: true, Values: cmd(0, "ran", "")}},
		{Host: "node11", Task: task("shell"), Status: runner.StatusOK, NoLog: true, Result: module.Result{Values: cmd(0, "secret", "")}},
	}
}

// The ad-hoc reporter prints each shape as ansible 2.14's minimal (and,
// with -o, oneline) callback: testdata/adhoc/*.txt, checked against the
// real ansible by TestExecAgainstAnsibleLab for the shapes it can make.
func TestAdHocShapes(t *testing.T) {
	for _, c := range []struct {
		name string
		o    AdHocOptions
	}{{"minimal", AdHocOptions{}}, {"oneline", AdHocOptions{OneLine: true}}} {
		t.Run(c.name, func(t *testing.T) {
			var out, errs bytes.Buffer
			c.o.Modules = adHocRegistry()
			r := NewAdHoc(&out, &errs, c.o)
			r.PlayStart(&playbook.Play{Name: "Ansible Ad-Hoc"}, nil)
			r.TaskStart(&playbook.Task{Action: "shell"}, false)
			for _, hr := range adHocResults() {
				r.HostResult(hr)
			}
			r.Warn("a warning")
			r.Recap(&runner.Recap{})
			golden.Check(t, filepath.Join("testdata", "adhoc", c.name+".txt"), out.String())
			if errs.String() != "[WARNING]: a warning\n" {
				t.Errorf("stderr %q, want the warning alone", errs.String())
			}
		})
	}
}

// -D prints a file's diff before the host's entry, with a blank line
// after it, as Ansible does.
func TestAdHocDiff(t *testing.T) {
	var out bytes.Buffer
	r := NewAdHoc(&out, &out, AdHocOptions{Diff: true, Modules: adHocRegistry()})
	r.HostResult(runner.HostResult{Host: "h", Task: &playbook.Task{Action: "copy"}, Status: runner.StatusChanged,
		Result: module.Result{Changed: true, Diffs: []module.Diff{{BeforeHeader: "f (before)", AfterHeader: "f (after)", Before: "a\n", After: "b\n"}}}})
	want := "--- f (before)\n+++ f (after)\n@@ -1 +1 @@\n-a\n+b\n\nh | CHANGED => {\n    \"changed\": true\n}\n"
	if out.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", out.String(), want)
	}
}
