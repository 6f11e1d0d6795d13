package runner

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haplay/haplay/engine/jinja"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/engine/playbook"
	"github.com/haplay/haplay/engine/template"
	"github.com/haplay/haplay/modules"
	"github.com/haplay/haplay/modules/control"
)

// unsafePlay reads host output that looks like templates and uses it
// every way a role does. ansible-playbook 2.14 (hosts: localhost,
// connection: local) prints every value literally, and fails the braced
// condition with "Conditional is marked as unsafe, and cannot be
// evaluated." (ignored here).
const unsafePlay = `- hosts: all
  gather_facts: false
  connection: local
  vars:
    tagged: !unsafe "{{ 7*7 }}"
  tasks:
    - name: read
      command: cat {{ dir }}/out.txt
      register: r
    - name: changed_when
      command: cat {{ dir }}/out.txt
      register: r2
      changed_when: "r2.stdout_lines[0] == '49'"
      failed_when: "'x' == r2.stdout_lines[1]"
    - name: until
      command: cat {{ dir }}/out.txt
      register: r3
      until: "r3.stdout_lines[0] != '49'"
      retries: 1
      delay: 0
    - name: msg
      debug: {msg: "{{ r.stdout }}"}
    - name: loop
      debug: {msg: "{{ item }}"}
      loop: "{{ r.stdout_lines }}"
    - name: facts
      set_fact:
        x: "{{ r.stdout }}"
        y: "got {{ r.stdout_lines[0] }}"
        lines: "{{ r.stdout_lines | map('upper') | list }}"
    - name: after set_fact
      debug: {msg: "{{ x }} / {{ y }}"}
    - name: fact loop
      debug: {msg: "{{ item }}"}
      loop: "{{ lines }}"
    - name: when
      debug: {msg: "{{ y }}"}
      when: x == r.stdout and y is search('7')
    - name: braced when
      debug: {msg: ran}
      when: "{{ r.stdout_lines[0] }}"
      ignore_errors: true
    - name: template
      template: {src: "{{ dir }}/t.j2", dest: "{{ dir }}/out.conf"}
    - name: tagged
      debug: {msg: "{{ tagged }}"}
    - include_vars: "{{ dir }}/vars.yml"
    - name: include_vars stays lazy
      debug: {msg: "{{ lazy }}"}
`

// Data from the host is never rendered again: in register, loops,
// set_fact, when and templates, and !unsafe values neither.
func TestHostDataIsNeverTemplated(t *testing.T) {
	dir := t.TempDir()
	pwned := filepath.Join(dir, "pwned")
	lines := []string{"{{ 7*7 }}", "{% if true %}x{% endif %}", "{{ lookup('pipe','touch " + pwned + "') }}"}
	out := strings.Join(lines, "\n")
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("out.txt", out+"\n")
	write("t.j2", "{{ x }}|{{ y }}\n")
	write("vars.yml", "lazy: \"v{{ 6*7 }}\"\n")
	write("pb.yml", unsafePlay)
	pb, err := playbook.Load(filepath.Join(dir, "pb.yml"), playbook.Options{Modules: modules.Builtin()})
	if err != nil {
		t.Fatal(err)
	}
	rep := &resultsReporter{}
	if _, err := Run(context.Background(), pb, Options{
		Inventory: oneHostInv{vars: map[string]any{"dir": dir}}, Modules: modules.Builtin(), Templates: template.New(),
		Connector: &specConnector{}, Reporter: rep, ExtraVars: map[string]any{},
	}); err != nil {
		t.Fatal(err)
	}
	var msgs []string
	byTask := map[string]HostResult{}
	for _, r := range rep.results {
		byTask[r.Task.Name] = r
		if r.Task.LoopKeyword != "" && !r.IsItem {
			continue // the loop's summary
		}
		if m, ok := r.Result.Values["msg"].(string); ok && r.Status == StatusOK {
			msgs = append(msgs, r.Task.Name+": "+m)
		}
	}
	want := []string{
		"msg: " + out,
		"loop: " + lines[0], "loop: " + lines[1], "loop: " + lines[2],
		"after set_fact: " + out + " / got {{ 7*7 }}",
		"fact loop: {{ 7*7 }}", "fact loop: {% IF TRUE %}X{% ENDIF %}", "fact loop: " + strings.ToUpper(lines[2]),
		"when: got {{ 7*7 }}",
		"tagged: {{ 7*7 }}",
		"include_vars stays lazy: v42",
	}
	if strings.Join(msgs, "\n") != strings.Join(want, "\n") {
		t.Errorf("messages:\n%s\nwant:\n%s", strings.Join(msgs, "\n"), strings.Join(want, "\n"))
	}
	if b := byTask["braced when"]; b.Status != StatusFailed || !strings.Contains(b.Msg, "marked as unsafe") {
		t.Errorf("braced when: %s %q, want failed as unsafe", b.Status, b.Msg)
	}
	var labels []string
	for _, r := range rep.results {
		if r.IsItem && r.Task.Name == "loop" {
			labels = append(labels, r.Label)
		}
	}
	if strings.Join(labels, "\n") != out {
		t.Errorf("loop labels %q, want the lines", labels)
	}
	for _, name := range []string{"changed_when", "until"} {
		if st := byTask[name].Status; st != StatusOK && !(name == "until" && st == StatusChanged) {
			t.Errorf("%s: %s: the conditions saw the host's output rendered", name, st)
		}
	}
	got, err := os.ReadFile(filepath.Join(dir, "out.conf"))
	if err != nil || string(got) != out+"|got {{ 7*7 }}\n" {
		t.Errorf("template wrote %q (%v)", got, err)
	}
	if _, err := os.Stat(pwned); err == nil {
		t.Error("a lookup printed by the host ran on the controller")
	}
}

// Facts a module running on the host returns come from the host: all are
// marked. include_vars's are not; set_fact's only where rendered from
// unsafe data.
func TestMarkFacts(t *testing.T) {
	mods := modules.Builtin()
	setup, _ := mods.Lookup("setup")
	setFact, _ := mods.Lookup("set_fact")
	facts := map[string]any{"ansible_hostname": "{{ 7*7 }}", "n": 3}
	got := markFacts(setup, facts, nil)
	if _, ok := got["ansible_hostname"].(jinja.Unsafe); !ok {
		t.Errorf("gathered fact not marked: %#v", got["ansible_hostname"])
	}
	if got["n"] != 3 {
		t.Errorf("number changed: %#v", got["n"])
	}
	includeVars, _ := mods.Lookup("include_vars")
	got = markFacts(includeVars, map[string]any{"a": "{{ b }}"}, nil)
	if _, ok := got["a"].(jinja.Unsafe); ok {
		t.Error("include_vars value (controller data) marked")
	}
	got = markFacts(setFact, map[string]any{"a": "{{ b }}", "c": "x"}, map[string]bool{"c": true})
	if _, ok := got["a"].(jinja.Unsafe); ok {
		t.Error("set_fact value from a safe template marked")
	}
	if _, ok := got["c"].(jinja.Unsafe); !ok {
		t.Error("set_fact value from unsafe data not marked")
	}
}

// braceFacts gathers facts whose values look like templates, as a host
// whose hostname or mount points hold braces would give. It claims to run
// on the controller, which needs no host here, and shows that gathered
// facts are marked even so.
type braceFacts struct{}

func (braceFacts) Name() string      { return "brace_facts" }
func (braceFacts) Spec() module.Spec { return module.Spec{AnyArgs: true} }
func (braceFacts) GathersFacts()     {}
func (braceFacts) RunsOnController() {}
func (braceFacts) Run(context.Context, *module.Call) (module.Result, error) {
	facts := map[string]any{"hostname": "{{ 7*7 }}", "mounts": []any{map[string]any{"mount": "{% if true %}x{% endif %}"}}}
	return module.Result{Facts: map[string]any{"ansible_facts": facts, "ansible_hostname": "{{ 7*7 }}"}}, nil
}

const factsPlay = `- hosts: all
  tasks:
    - debug: {msg: "{{ ansible_hostname }}|{{ ansible_facts.hostname }}|{{ ansible_facts.mounts[0].mount }}"}
    - debug: {msg: "{{ hostvars[inventory_hostname].ansible_hostname }}|{{ hostvars[inventory_hostname].ansible_facts.mounts | map(attribute='mount') | join }}"}
    - brace_facts:
    - set_fact: {h: "{{ ansible_facts.hostname }}"}
    - debug: {msg: "{{ h }}|{{ ansible_facts.hostname }}"}
`

// Gathered facts come from the host: a value with braces stays literal,
// read directly, through ansible_facts, hostvars, filters, a second
// gathering that merges into ansible_facts, and set_fact.
func TestGatheredFactsAreNeverTemplated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pb.yml")
	if err := os.WriteFile(path, []byte(factsPlay), 0o644); err != nil {
		t.Fatal(err)
	}
	reg := module.NewRegistry(braceFacts{}, control.Debug{}, control.SetFact{})
	pb, err := playbook.Load(path, playbook.Options{Modules: reg})
	if err != nil {
		t.Fatal(err)
	}
	rep := &resultsReporter{}
	if _, err := Run(context.Background(), pb, Options{
		Inventory: oneHostInv{}, Modules: reg, Templates: template.New(),
		Connector: &specConnector{}, Reporter: rep, ExtraVars: map[string]any{},
	}); err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, r := range rep.results {
		if r.Status != StatusOK {
			t.Errorf("%s: %s %q", r.Task.DisplayName(), r.Status, r.Msg)
		}
		if m, ok := r.Result.Values["msg"].(string); ok {
			msgs = append(msgs, m)
		}
	}
	want := []string{
		"{{ 7*7 }}|{{ 7*7 }}|{% if true %}x{% endif %}",
		"{{ 7*7 }}|{% if true %}x{% endif %}",
		"{{ 7*7 }}|{{ 7*7 }}",
	}
	if strings.Join(msgs, "\n") != strings.Join(want, "\n") {
		t.Errorf("messages:\n%s\nwant:\n%s", strings.Join(msgs, "\n"), strings.Join(want, "\n"))
	}
}
