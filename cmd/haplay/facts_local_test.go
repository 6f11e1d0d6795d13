package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/haplay/haplay/internal/e2e"
)

// setup on the controller itself (connection local) against ansible's
// setup there: the lab hosts have no default route, no mounts of their
// own and no disks, this machine has. Interfaces are left out: other
// tests' lab hosts come and go between the two gatherings.
func TestSetupFactsOnControllerAgainstAnsible(t *testing.T) {
	ansible := ansiblePlaybook(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "facts-haplay.json")
	writeFile(t, filepath.Join(dir, "hosts"), "localhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n")
	writeFile(t, filepath.Join(dir, "pb.yml"), "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - setup:\n"+
		"    - copy: {content: \"{{ ansible_facts | to_json }}\", dest: "+out+"}\n")
	cmd := exec.Command(filepath.Join(filepath.Dir(ansible), "ansible"), "localhost", "-i", "hosts", "-m", "setup")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "ANSIBLE_LOCAL_TEMP="+filepath.Join(dir, "tmp"), "ANSIBLE_REMOTE_TEMP="+filepath.Join(dir, "rtmp"), "ANSIBLE_NOCOLOR=1")
	var b bytes.Buffer
	cmd.Stdout = &b
	if err := cmd.Run(); err != nil {
		t.Fatalf("ansible: %v\n%s", err, b.String())
	}
	text := b.Bytes()
	var res struct {
		Facts map[string]any `json:"ansible_facts"`
	}
	if err := json.Unmarshal(text[bytes.IndexByte(text, '{'):], &res); err != nil {
		t.Fatalf("ansible's output: %v\n%s", err, text)
	}
	want := map[string]any{}
	for k, v := range res.Facts {
		if len(k) > 8 && k[:8] == "ansible_" && k != "ansible_local" {
			k = k[8:]
		}
		want[k] = v
	}
	if r := e2e.Run(t, dir, "run", "-i", "hosts", "pb.yml"); r.ExitCode != 0 {
		t.Fatalf("haplay: exit %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	var got map[string]any
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	compareFacts(t, got, want)
	for _, k := range []string{"default_ipv4", "default_ipv6"} {
		if len(want[k].(map[string]any)) == 0 {
			t.Logf("ansible found no %s here: the comparison of it is empty", k)
		}
		if !reflect.DeepEqual(got[k], want[k]) {
			t.Errorf("%s: haplay %s, ansible %s", k, js(got[k]), js(want[k]))
		}
	}
}
