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

// condPlay is the playbook given to ansible-playbook 2.14.18 as
//
//	ansible-playbook -i localhost, p.yml -e some_var=false
//
// (with hosts: localhost and connection: local), which printed, task by
// task:
//
//	bare string var    ok: [localhost] => {"msg": "when some_var ran"}
//	bool filter        skipping: [localhost]
//	if in template     ok: [localhost] => {"msg": "T"}
//	failed_when        fatal: [localhost]: FAILED! ... "failed_when_result": true ... ...ignoring
//	changed_when       changed: [localhost]
//	until              changed: [localhost]
//	braced             [WARNING]: conditional statements should not include jinja2
//	                   templating delimiters ... skipping: [localhost]
//	braced empty list  skipping: [localhost]
//	assert bare        ok: [localhost] => {"changed": false, "msg": "All assertions passed"}
//
// "false" from -e is a non-empty string, so Python's truthiness holds it
// true; only `| bool` reads it as Ansible's boolean, and a "{{ }}"
// condition is rendered first and its text evaluated again.
const condPlay = `
- hosts: all
  gather_facts: false
  vars:
    empty_list: []
  tasks:
    - name: bare string var
      debug: msg="when some_var ran"
      when: some_var
    - name: bool filter
      debug: msg="when some_var|bool ran"
      when: some_var | bool
    - name: if in template
      debug:
        msg: "{% if some_var %}T{% else %}F{% endif %}"
    - name: failed_when
      command: "true"
      failed_when: some_var
      ignore_errors: true
    - name: changed_when
      command: "true"
      changed_when: some_var
    - name: until
      command: "true"
      register: r
      until: some_var
      retries: 1
      delay: 0
    - name: braced
      debug: msg=ran
      when: "{{ some_var }}"
    - name: braced empty list
      debug: msg=ran
      when: "{{ empty_list }}"
    - name: assert bare
      assert:
        that: some_var
`

func TestConditionsUsePythonTruthiness(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pb.yml")
	if err := os.WriteFile(path, []byte(condPlay), 0o644); err != nil {
		t.Fatal(err)
	}
	pb, err := playbook.Load(path, playbook.Options{Modules: modules.Builtin()})
	if err != nil {
		t.Fatal(err)
	}
	rep := &resultsReporter{}
	_, err = Run(context.Background(), pb, Options{
		Inventory: oneHostInv{}, Modules: modules.Builtin(), Templates: template.New(),
		Connector: &specConnector{}, Reporter: rep,
		ExtraVars: map[string]any{"some_var": "false"}, // -e some_var=false
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		task    string
		status  Status
		msg     string
		ignored bool
	}{
		{"bare string var", StatusOK, "when some_var ran", false},
		{"bool filter", StatusSkipped, "", false},
		{"if in template", StatusOK, "T", false},
		{"failed_when", StatusFailed, "", true},
		{"changed_when", StatusChanged, "", false},
		{"until", StatusChanged, "", false},
		{"braced", StatusSkipped, "", false},
		{"braced empty list", StatusSkipped, "", false},
		{"assert bare", StatusOK, "All assertions passed", false},
	}
	if len(rep.results) != len(want) {
		for _, r := range rep.results {
			t.Logf("%s: %s %q", r.Task.Name, r.Status, r.Msg)
		}
		t.Fatalf("%d results, want %d", len(rep.results), len(want))
	}
	for i, w := range want {
		r := rep.results[i]
		msg := r.Msg
		if m, ok := r.Result.Values["msg"].(string); ok && msg == "" {
			msg = m
		}
		if r.Task.Name != w.task || r.Status != w.status || (w.msg != "" && msg != w.msg) || r.Ignored != w.ignored {
			t.Errorf("task %d: got %s %s msg=%q ignored=%v; want %s %s msg=%q ignored=%v",
				i, r.Task.Name, r.Status, msg, r.Ignored, w.task, w.status, w.msg, w.ignored)
		}
	}
}
