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

// loopWhenPlay was given to ansible-playbook 2.14 (hosts: localhost,
// connection: local, gather_facts: false). It printed, task by task:
//
//	false undefined loop        skipping: [localhost]
//	item when                   skipping (item=1), ok (item=2), ok (item=3)
//	is defined undefined loop   skipping: [localhost]
//	item when undefined loop    fatal: 'some_undefined' is undefined
//	true when undefined loop    fatal: 'some_undefined' is undefined
//	false when, undefined attr  skipping: [localhost]
//	false when, bad filter      fatal: Could not load "nosuchfilter"
//	undefined when and loop     fatal: 'some_undefined' is undefined
//	false when, with_items      skipping: [localhost]
//	false when, include loop    skipping: [localhost]
const loopWhenPlay = `- hosts: all
  gather_facts: false
  tasks:
    - name: false undefined loop
      debug: {msg: "{{ item }}"}
      loop: "{{ undefined_thing }}"
      when: false
    - name: item when
      debug: {msg: "{{ item }}"}
      loop: [1, 2, 3]
      when: item > 1
    - name: is defined undefined loop
      debug: {msg: "{{ item }}"}
      loop: "{{ some_undefined }}"
      when: some_undefined is defined
    - name: item when undefined loop
      debug: {msg: "{{ item }}"}
      loop: "{{ some_undefined }}"
      when: item > 1
      ignore_errors: true
    - name: true when undefined loop
      debug: {msg: "{{ item }}"}
      loop: "{{ some_undefined }}"
      when: true
      ignore_errors: true
    - name: false when, undefined attr
      debug: {msg: "{{ item }}"}
      loop: "{{ foo.bar }}"
      when: false
    - name: false when, bad filter
      debug: {msg: "{{ item }}"}
      loop: "{{ [1] | nosuchfilter }}"
      when: false
      ignore_errors: true
    - name: undefined when and loop
      debug: {msg: "{{ item }}"}
      loop: "{{ some_undefined }}"
      when: other_undefined
      ignore_errors: true
    - name: false when, with_items
      debug: {msg: "{{ item }}"}
      with_items: "{{ undefined_thing }}"
      when: false
    - name: false when, include loop
      include_tasks: inc.yml
      loop: "{{ undefined_thing }}"
      when: false
`

// A false when skips a task before its loop is rendered, when the loop
// names an undefined variable; otherwise the loop's error stands.
func TestFalseWhenSkipsUndefinedLoop(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pb.yml")
	if err := os.WriteFile(path, []byte(loopWhenPlay), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(filepath.Dir(path), "inc.yml"), []byte("- debug: {msg: inc}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pb, err := playbook.Load(path, playbook.Options{Modules: modules.Builtin()})
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
	var got []string
	for _, r := range rep.results {
		s := r.Task.Name + ": " + string(r.Status)
		if r.IsItem {
			s += " " + r.Label
		}
		got = append(got, s)
	}
	want := []string{
		"false undefined loop: skipped",
		"item when: skipped 1", "item when: ok 2", "item when: ok 3", "item when: ok",
		"is defined undefined loop: skipped",
		"item when undefined loop: failed",
		"true when undefined loop: failed",
		"false when, undefined attr: skipped",
		"false when, bad filter: failed",
		"undefined when and loop: failed",
		"false when, with_items: skipped",
		"false when, include loop: skipped",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, r := range rep.results {
		if r.Status == StatusFailed && r.Task.Name != "false when, bad filter" && !strings.Contains(r.Msg, "some_undefined") {
			t.Errorf("%s: %q, want the loop's undefined variable", r.Task.Name, r.Msg)
		}
	}
}
