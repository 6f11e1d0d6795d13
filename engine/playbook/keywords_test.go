package playbook

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haplay/haplay/engine/template"
	"github.com/haplay/haplay/modules"
)

// A keyword Ansible templates loads as a template for the runner to
// render per host; a literal of the wrong type is still a load error, and
// so is a template that does not parse.
func TestTemplatedKeywords(t *testing.T) {
	p := filepath.Join(t.TempDir(), "pb.yml")
	write := func(s string) {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(`- hosts: all
  tasks:
    - command: "true"
      ignore_errors: "{{ lenient }}"
      run_once: "{{ once }}"
      retries: "{{ n }}"
      delay: "{{ d }}"
      timeout: "{{ to }}"
      throttle: "{{ w }}"
      become: "{{ b }}"
      any_errors_fatal: "{{ f }}"
      until: r is success
`)
	pb, err := Load(p, Options{Modules: modules.Builtin()})
	if err != nil {
		t.Fatal(err)
	}
	task := pb.Plays[0].Tasks[0]
	want := map[string]string{"ignore_errors": "{{ lenient }}", "run_once": "{{ once }}", "retries": "{{ n }}", "delay": "{{ d }}",
		"timeout": "{{ to }}", "throttle": "{{ w }}", "become": "{{ b }}", "any_errors_fatal": "{{ f }}"}
	for k, v := range want {
		if task.KeywordTemplates[k] != v {
			t.Errorf("%s: template %q, want %q", k, task.KeywordTemplates[k], v)
		}
	}
	if task.IgnoreErrors != nil || task.Retries != nil || task.Timeout != nil || task.Become != nil {
		t.Errorf("typed fields set from templates: %+v", task)
	}
	for text, msg := range map[string]string{
		"      ignore_errors: maybe\n":    "pb.yml:4:22: ignore_errors must be true or false",
		"      retries: \"{{ n \"\n":      "pb.yml:4:16: ",
		"      throttle: \"{{ w ) }}\"\n": "pb.yml:4:17: ",
	} {
		write("- hosts: all\n  tasks:\n    - command: \"true\"\n" + text)
		_, err := Load(p, Options{Modules: modules.Builtin(), Templates: template.New()})
		if err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%q: %v, want %q", text, err, msg)
		}
	}
}
