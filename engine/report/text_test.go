package report

import (
	"bytes"
	"testing"

	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/engine/playbook"
	"github.com/haplay/haplay/engine/runner"
)

// jsonLine must print what Python's json.dumps(sort_keys=True) prints, as
// ansible-playbook does.
func TestJSONLineIsPythonStyle(t *testing.T) {
	got := jsonLine(map[string]any{"rc": 1, "cmd": "a > b && c", "changed": true, "lines": []any{"x", "y"}, "n": nil, "m": map[string]any{}})
	want := `{"changed": true, "cmd": "a > b && c", "lines": ["x", "y"], "m": {}, "n": null, "rc": 1}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestLoopShowsItemsOnly(t *testing.T) {
	var b bytes.Buffer
	r := NewText(&b, TextOptions{})
	task := &playbook.Task{Name: "loop", Module: "command", Action: "command", LoopKeyword: "loop"}
	r.HostResult(runner.HostResult{Host: "h", Task: task, Status: runner.StatusChanged, IsItem: true, Label: "a"})
	r.HostResult(runner.HostResult{Host: "h", Task: task, Status: runner.StatusSkipped, IsItem: true, Label: "b"})
	r.HostResult(runner.HostResult{Host: "h", Task: task, Status: runner.StatusFailed, IsItem: true, Label: "c",
		Result: module.Result{Failed: true, Msg: "boom"}, Msg: "boom"})
	r.HostResult(runner.HostResult{Host: "h", Task: task, Status: runner.StatusFailed, Ignored: true,
		Result: module.Result{Values: map[string]any{"results": []any{}}}})
	want := "changed: [h] => (item=a)\n" +
		"skipping: [h] => (item=b) \n" +
		`failed: [h] (item=c) => {"changed": false, "msg": "boom"}` + "\n" +
		"...ignoring\n"
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}
