package runner

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haplay/haplay/engine/playbook"
	"github.com/haplay/haplay/engine/template"
	"github.com/haplay/haplay/modules"
)

// A vars_files name with a template in it is rendered for the host with
// its inventory variables, the play's vars and the extra vars, as Ansible
// does; later files win over earlier ones.
func TestTemplatedVarsFiles(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"vars/common.yml": "greeting: common\nsize: small\n",
		"vars/lab.yml":    "greeting: from lab\n",
		"vars/big.yml":    "size: big\n",
		"pb.yml": `- hosts: all
  gather_facts: false
  vars: {tier: big}
  vars_files:
    - vars/common.yml
    - "vars/{{ env }}.yml"
    - "vars/{{ tier }}.yml"
  tasks:
    - assert:
        that: [greeting == 'from lab', size == 'big']
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
	run := func(vars map[string]any) (*resultsReporter, error) {
		rep := &resultsReporter{}
		_, err := Run(context.Background(), pb, Options{
			Inventory: oneHostInv{vars: vars}, Modules: modules.Builtin(), Templates: template.New(),
			Connector: &specConnector{}, Reporter: rep, ExtraVars: map[string]any{},
		})
		return rep, err
	}
	rep, err := run(map[string]any{"env": "lab"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.results) != 1 || rep.results[0].Status != StatusOK {
		t.Fatalf("results = %+v, want one ok", rep.results)
	}
	if _, err := run(map[string]any{"env": "prod"}); err == nil || !strings.Contains(err.Error(), "vars/prod.yml not found") {
		t.Fatalf("err = %v, want the missing vars/prod.yml named", err)
	}
}
