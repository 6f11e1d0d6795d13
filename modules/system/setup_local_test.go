package system

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/haplay/haplay/engine/module"
)

// fact_path's files become ansible_local as Ansible makes them: JSON,
// INI (keys lower-cased, DEFAULT's keys in every section), an executable
// run for its output, and Ansible's texts for a file that is neither and
// a script that fails. The wanted value is what ansible 2.14's setup
// returned for the same files.
func TestLocalFacts(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"j.fact":    `{"a": 1, "b": [true, "x"]}`,
		"i.fact":    "[sec]\nKey = v1\nother: v2\n[DEFAULT]\nd = dv\n",
		"e.fact":    "#!/bin/sh\necho '{\"run\": \"yes\"}'\n",
		"fail.fact": "#!/bin/sh\nexit 3\n",
		"bad.fact":  "not json or ini\n",
		"skip.txt":  "{}",
	}
	for name, text := range files {
		mode := os.FileMode(0o644)
		if name == "e.fact" || name == "fail.fact" {
			mode = 0o755
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), mode); err != nil {
			t.Fatal(err)
		}
	}
	r, err := Setup{}.Run(t.Context(), &module.Call{Host: newLocalHost(t),
		Args: module.Args{"gather_subset": []any{"!all", "!min", "local"}, "fact_path": dir}})
	if err != nil || r.Failed {
		t.Fatal(err, r.Msg)
	}
	got, _ := json.Marshal(r.Facts["ansible_local"])
	want := `{"bad":"error loading facts as JSON or ini - please check content: ` + dir + `/bad.fact","e":{"run":"yes"},` +
		`"fail":"Failure executing fact script (` + dir + `/fail.fact), rc: 3, err: ","i":{"sec":{"d":"dv","key":"v1","other":"v2"}},` +
		`"j":{"a":1,"b":[true,"x"]}}`
	if string(got) != want {
		t.Errorf("ansible_local\n got %s\nwant %s", got, want)
	}
	if _, ok := r.Facts["ansible_facts"].(map[string]any)["ansible_local"]; !ok {
		t.Error("ansible_facts lacks ansible_local (Ansible keeps the prefix there)")
	}
}

// gather_timeout bounds the whole gathering: a fact script that outlives
// it fails the task with a message naming gather_timeout.
func TestGatherTimeout(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "slow.fact"), []byte("#!/bin/sh\nsleep 5\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	r, err := Setup{}.Run(t.Context(), &module.Call{Host: newLocalHost(t),
		Args: module.Args{"gather_subset": []any{"!all", "!min", "local"}, "fact_path": dir, "gather_timeout": 1}})
	if err != nil || !r.Failed || r.Msg != "setup: gathering facts took longer than gather_timeout (1 s)" {
		t.Errorf("err %v, result %+v", err, r)
	}
}
