package playbook

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haplay/haplay/modules"
)

// The task keyword timeout is read on tasks and blocks; a value that is
// not a number of seconds is a load-time error.
func TestTimeoutKeyword(t *testing.T) {
	dir := t.TempDir()
	write := func(text string) string {
		p := filepath.Join(dir, "pb.yml")
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pb, err := Load(write(`
- hosts: all
  tasks:
    - command: sleep 9
      timeout: 3
    - block:
        - command: "true"
      timeout: 5
    - command: "true"
`), Options{Modules: modules.Builtin()})
	if err != nil {
		t.Fatal(err)
	}
	ts := pb.Plays[0].Tasks
	if ts[0].Timeout == nil || *ts[0].Timeout != 3 {
		t.Errorf("task timeout %v, want 3", ts[0].Timeout)
	}
	if ts[1].Timeout == nil || *ts[1].Timeout != 5 || ts[1].Block[0].Timeout != nil {
		t.Errorf("block timeout %v (its task %v), want 5 on the block", ts[1].Timeout, ts[1].Block[0].Timeout)
	}
	if ts[2].Timeout != nil {
		t.Errorf("no timeout: %v", *ts[2].Timeout)
	}
	for text, want := range map[string]string{
		"      timeout: soon\n": "timeout must be a number",
		"      timeout: -1\n":   "timeout must be a number of seconds",
	} {
		_, err := Load(write("- hosts: all\n  tasks:\n    - command: \"true\"\n"+text), Options{Modules: modules.Builtin()})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", text, err, want)
		}
	}
}
