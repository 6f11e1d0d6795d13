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

// A role reached only through tasks_from loads that file and what it
// includes, not main.yml (which here names files that do not exist); a
// templated include_tasks is resolved when reached, and one behind a
// false when never is. ansible-playbook 2.14 ran this play (hosts:
// localhost, connection: local) with ok=6 skipped=2, printing good, dyn,
// then skipping the last include, for each of the two roles tasks.
func TestTasksFromLoadsOnlyThatFile(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"roles/r/tasks/main.yml": "- include_tasks: missing.yml\n- import_tasks: also_missing.yml\n",
		"roles/r/tasks/good.yml": "- debug: {msg: good}\n- include_tasks: \"{{ which }}.yml\"\n" +
			"- include_tasks: \"{{ nothere }}.yml\"\n  when: false\n",
		"roles/r/tasks/dyn.yml": "- debug: {msg: dyn}\n",
		"pb.yml": `- hosts: all
  gather_facts: false
  vars: {which: dyn}
  tasks:
    - include_role: {name: r, tasks_from: good.yml}
    - import_role: {name: r, tasks_from: good}
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
	popts := playbook.Options{Modules: modules.Builtin()}
	pb, err := playbook.Load(filepath.Join(dir, "pb.yml"), popts)
	if err != nil {
		t.Fatal(err)
	}
	rep := &resultsReporter{}
	if _, err := Run(context.Background(), pb, Options{
		Inventory: oneHostInv{}, Modules: modules.Builtin(), Templates: template.New(),
		Connector: &specConnector{}, Reporter: rep, ExtraVars: map[string]any{},
		LoadTasks: func(path string) ([]*playbook.Task, error) { return playbook.LoadTasks(path, popts) },
	}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rep.results {
		s := string(r.Status)
		if m, ok := r.Result.Values["msg"].(string); ok {
			s += " " + m
		}
		got = append(got, s)
	}
	want := "included|ok good|included|ok dyn|skipped|ok good|included|ok dyn|skipped"
	if strings.Join(got, "|") != want {
		t.Errorf("got %s\nwant %s", strings.Join(got, "|"), want)
	}
}
