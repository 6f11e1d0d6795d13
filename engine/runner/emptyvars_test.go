package runner

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/haplay/haplay/engine/playbook"
	"github.com/haplay/haplay/engine/template"
	"github.com/haplay/haplay/modules"
)

// Empty vars files are empty mappings, as in Ansible: a role's defaults
// and vars that are a bare "---" or only comments, an empty vars_files
// entry and an empty include_vars file.
func TestEmptyVarsFiles(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"roles/r/defaults/main.yml": "---\n",
		"roles/r/vars/main.yml":     "# no vars yet\n",
		"roles/r/tasks/main.yml":    "- name: role task\n  debug: {msg: role}\n",
		"empty.yml":                 "",
		"comments.yml":              "--- # nothing\n# at all\n",
		"pb.yml": `- hosts: all
  gather_facts: false
  vars_files: [empty.yml]
  roles: [r]
  tasks:
    - include_vars: comments.yml
    - name: after
      debug: {msg: done}
`,
	}
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pb, err := playbook.Load(filepath.Join(dir, "pb.yml"), playbook.Options{Modules: modules.Builtin()})
	if err != nil {
		t.Fatal(err)
	}
	rep := &resultsReporter{}
	if _, err := Run(context.Background(), pb, Options{
		Inventory: oneHostInv{}, Modules: modules.Builtin(), Templates: template.New(),
		Connector: &specConnector{}, Reporter: rep, ExtraVars: map[string]any{},
	}); err != nil {
		t.Fatal(err)
	}
	if len(rep.results) != 3 {
		t.Fatalf("%d results, want 3", len(rep.results))
	}
	for _, r := range rep.results {
		if r.Status != StatusOK {
			t.Errorf("%s: %s %q", r.Task.DisplayName(), r.Status, r.Msg)
		}
	}
}
