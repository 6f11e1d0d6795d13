package control

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/engine/yamlnode"
)

func TestAddHostRequest(t *testing.T) {
	tests := []struct {
		args     module.Args
		name     string
		vars     map[string]any
		wantFail bool
	}{
		{module.Args{"name": "web1", "groups": []any{"web"}}, "web1", map[string]any{}, false},
		{module.Args{"name": "web1:2222", "ansible_user": "root"}, "web1", map[string]any{"ansible_port": 2222, "ansible_user": "root"}, false},
		{module.Args{"name": "fe80::1"}, "fe80::1", map[string]any{}, false},
		{module.Args{"name": "web1:x"}, "", nil, true},
		{module.Args{"name": " "}, "", nil, true},
	}
	for _, tt := range tests {
		name, vars, err := addHostRequest(tt.args)
		if (err != nil) != tt.wantFail {
			t.Errorf("%v: err %v", tt.args, err)
			continue
		}
		if err == nil && (name != tt.name || !reflect.DeepEqual(vars, tt.vars)) {
			t.Errorf("%v: got %q %v, want %q %v", tt.args, name, vars, tt.name, tt.vars)
		}
	}
}

func TestAddHostRoundTrip(t *testing.T) {
	r, err := AddHost{}.Run(t.Context(), &module.Call{Args: module.Args{"name": "n1", "groups": []any{"a", "b"}, "x": 1}})
	if err != nil || !r.Changed {
		t.Fatalf("%v %v", r, err)
	}
	name, groups, vars, ok := AddHostRequest(r.Values)
	if !ok || name != "n1" || !reflect.DeepEqual(groups, []string{"a", "b"}) || !reflect.DeepEqual(vars, map[string]any{"x": 1}) {
		t.Errorf("got %q %v %v %v", name, groups, vars, ok)
	}
}

func TestGroupByRequest(t *testing.T) {
	tests := []struct {
		args module.Args
		want []string
	}{
		{module.Args{"key": "role_web", "parents": []any{"all"}}, []string{"role_web"}},
		{module.Args{"key": "os Debian 12", "parents": []any{"linux", "all"}}, []string{"os-Debian-12", "linux"}},
	}
	for _, tt := range tests {
		r, err := GroupBy{}.Run(t.Context(), &module.Call{Args: tt.args})
		if err != nil || r.Changed {
			t.Fatalf("%v %v", r, err)
		}
		got, ok := GroupByRequest(r.Values)
		if !ok || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%v: %v, want %v", tt.args, got, tt.want)
		}
	}
	if r, _ := (GroupBy{}).Run(t.Context(), &module.Call{Args: module.Args{"key": "  "}}); !r.Failed {
		t.Error("an empty key must fail")
	}
}

func TestPauseDuration(t *testing.T) {
	tests := []struct {
		args  module.Args
		d     time.Duration
		timed bool
	}{
		{module.Args{"seconds": 3}, 3 * time.Second, true},
		{module.Args{"minutes": "2"}, 2 * time.Minute, true},
		{module.Args{"seconds": 0}, 0, true},
		{module.Args{"prompt": "go?"}, 0, false},
	}
	for _, tt := range tests {
		d, timed := pauseDuration(tt.args)
		if d != tt.d || timed != tt.timed {
			t.Errorf("%v: %v %v", tt.args, d, timed)
		}
	}
}

func TestPauseCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := (Pause{}).Run(ctx, &module.Call{Args: module.Args{"seconds": 60}}); err == nil {
		t.Error("a cancelled pause must return an error")
	}
}

func TestVarsFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("b.yml", "on_off: on\nname: b\n")
	write("a.json", `{"name": "a", "n": 1}`)
	write("c.txt", "not: vars\n")
	write("sub/d.yaml", "d: 1\n")
	write("empty.yml", "")
	write("list.yml", "- 1\n")

	if _, err := varsDirFiles(dir, varsDirFilter{}); err == nil || !strings.Contains(err.Error(), "c.txt does not have a valid extension: json, yaml, yml") {
		t.Errorf("unknown extension without ignore_unknown_extensions: %v", err)
	}
	files, err := varsDirFiles(dir, varsDirFilter{ignoreUnknown: true})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		r, _ := filepath.Rel(dir, f)
		names = append(names, r)
	}
	if want := []string{"a.json", "b.yml", "empty.yml", "list.yml", "sub/d.yaml"}; !reflect.DeepEqual(names, want) {
		t.Errorf("files %v, want %v", names, want)
	}
	if files, _ := varsDirFiles(dir, varsDirFilter{matching: `^[ab]\.`, ignore: []string{"a.json"}, depth: 1}); len(files) != 1 || filepath.Base(files[0]) != "b.yml" {
		t.Errorf("filtered files %v", files)
	}
	if _, err := varsDirFiles(dir, varsDirFilter{matching: "("}); err == nil {
		t.Error("a bad files_matching must fail")
	}

	v, err := yamlnode.LoadVarsFile(filepath.Join(dir, "b.yml"))
	if err != nil || v["on_off"] != true || v["name"] != "b" {
		t.Errorf("b.yml: %v %v (YAML 1.1 on is true)", v, err)
	}
	if v, err := yamlnode.LoadVarsFile(filepath.Join(dir, "empty.yml")); err != nil || len(v) != 0 {
		t.Errorf("empty.yml: %v %v", v, err)
	}
	if _, err := yamlnode.LoadVarsFile(filepath.Join(dir, "list.yml")); err == nil {
		t.Error("a list at the top level must fail")
	}
}

// promptController is the operator's side of a test: it records what a
// module shows and answers its question.
type promptController struct {
	module.Controller // nil: only Notify and Prompt are used
	notices           []string
	asked             string
	answer            string
	err               error
}

func (p *promptController) Notify(text string) { p.notices = append(p.notices, text) }
func (p *promptController) Prompt(_ context.Context, text string, echo bool) (string, error) {
	p.asked = fmt.Sprintf("%s echo=%v", text, echo)
	return p.answer, p.err
}

// TestPauseTalksThroughTheController: the prompt and the answer go through
// Controller, never the process's own stdin and stderr.
func TestPauseTalksThroughTheController(t *testing.T) {
	pc := &promptController{answer: "yes"}
	r, err := (Pause{}).Run(t.Context(), &module.Call{Args: module.Args{"prompt": "go on?", "echo": false}, Controller: pc})
	if err != nil || r.Failed {
		t.Fatalf("%v %s", err, r.Msg)
	}
	if pc.asked != "[pause]\ngo on? echo=false" || r.Values["user_input"] != "yes" {
		t.Errorf("asked %q, user_input %v", pc.asked, r.Values["user_input"])
	}
	pc = &promptController{err: errors.New("cannot prompt for input under CI=true")}
	r, err = (Pause{}).Run(t.Context(), &module.Call{Args: module.Args{"prompt": "go on?", "echo": true}, Controller: pc})
	if err != nil || !r.Failed || r.Msg != "pause: cannot prompt for input under CI=true" {
		t.Errorf("refused prompt: %v %+v", err, r)
	}
	pc = &promptController{}
	r, err = (Pause{}).Run(t.Context(), &module.Call{Args: module.Args{"seconds": 0, "prompt": "settle"}, Controller: pc})
	if err != nil || len(pc.notices) != 1 || pc.notices[0] != "[pause] settle (0s)" || pc.asked != "" {
		t.Errorf("timed pause: %v notices %q asked %q", err, pc.notices, pc.asked)
	}
}

func TestMergeHash(t *testing.T) {
	old := map[string]any{"a": 1, "d": map[string]any{"x": 1, "n": map[string]any{"p": 1}}, "l": []any{1}}
	got := mergeHash(old, map[string]any{"d": map[string]any{"y": 2, "n": map[string]any{"q": 2}}, "l": []any{2}})
	want := map[string]any{"a": 1, "d": map[string]any{"x": 1, "y": 2, "n": map[string]any{"p": 1, "q": 2}}, "l": []any{2}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("merge: %v", got)
	}
	if got := mergeHash("s", map[string]any{"k": 1}); !reflect.DeepEqual(got, map[string]any{"k": 1}) {
		t.Errorf("a dict replaces a string: %v", got)
	}
	if !reflect.DeepEqual(old["d"], map[string]any{"x": 1, "n": map[string]any{"p": 1}}) {
		t.Errorf("the old value was changed: %v", old)
	}
}
