package playbook

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haplay/haplay/modules"
)

func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for p, content := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// allTasks flattens blocks into the display names of plain tasks.
func allTasks(ts []*Task) []string {
	var out []string
	for _, t := range ts {
		if t.Block != nil || t.Include != nil {
			out = append(out, allTasks(t.Block)...)
			if t.Include != nil {
				out = append(out, allTasks(t.Include.Loaded)...)
			}
			continue
		}
		out = append(out, t.DisplayName())
	}
	return out
}

// Roles named NS.COLL.ROLE come from the collections (the vendored ones
// first, then collections/ beside the playbook); a short name is tried in
// the play's collections: first, as Ansible does.
func TestCollectionRoles(t *testing.T) {
	vendored := filepath.Join(t.TempDir(), "vendor", "collections")
	writeTree(t, vendored, map[string]string{
		"ansible_collections/acme/tools/roles/web/tasks/main.yml":  "- name: web from the vendored acme.tools\n  debug: {msg: vendored}\n",
		"ansible_collections/acme/tools/roles/db/tasks/main.yml":   "- name: db from acme.tools\n  debug: {msg: db}\n",
		"ansible_collections/acme/tools/roles/db/tasks/backup.yml": "- name: db backup\n  debug: {msg: backup}\n",
	})
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"collections/ansible_collections/acme/tools/roles/web/tasks/main.yml":  "- name: web beside the playbook\n  debug: {msg: adjacent}\n",
		"collections/ansible_collections/other/set/roles/cache/tasks/main.yml": "- name: cache from other.set\n  debug: {msg: cache}\n",
		"roles/web/tasks/main.yml":         "- name: web from roles/\n  debug: {msg: local}\n",
		"roles/acme.legacy/tasks/main.yml": "- name: an old Galaxy-style role name\n  debug: {msg: legacy}\n",
		"site.yml": `- hosts: all
  roles:
    - acme.tools.web
    - role: other.set.cache
    - acme.legacy
  tasks:
    - import_role: {name: acme.tools.db, tasks_from: backup}
    - include_role: {name: acme.tools.db}
- hosts: all
  collections: [ansible.builtin, acme.tools]
  roles: [web]
- hosts: all
  roles: [web]
`,
	})
	pb, err := Load(filepath.Join(dir, "site.yml"), Options{Modules: modules.Builtin(), CollectionsPaths: []string{vendored}})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"acme.tools.web : web from the vendored acme.tools", "other.set.cache : cache from other.set", "acme.legacy : an old Galaxy-style role name",
			"acme.tools.db : db backup", "acme.tools.db : db from acme.tools"},
		{"acme.tools.web : web from the vendored acme.tools"},
		{"web : web from roles/"},
	}
	for i, p := range pb.Plays {
		if got := allTasks(p.Tasks); strings.Join(got, "\n") != strings.Join(want[i], "\n") {
			t.Errorf("play %d tasks:\n  %s\nwant:\n  %s", i+1, strings.Join(got, "\n  "), strings.Join(want[i], "\n  "))
		}
	}

	// A collection role nobody vendored: the error says where it looked and what to do.
	writeTree(t, dir, map[string]string{"missing.yml": "- hosts: all\n  roles: [acme.tools.nope]\n"})
	_, err = Load(filepath.Join(dir, "missing.yml"), Options{Modules: modules.Builtin(), CollectionsPaths: []string{vendored}})
	if err == nil || !strings.Contains(err.Error(), filepath.Join("ansible_collections", "acme", "tools", "roles", "nope")) || !strings.Contains(err.Error(), "haplay vendor") {
		t.Errorf("missing collection role: %v", err)
	}
}

func TestIsFQCR(t *testing.T) {
	for name, want := range map[string]bool{
		"acme.tools.web": true, "a_1.b.c2": true, "web": false, "acme.web": false,
		"a.b.c.d": false, "acme.tools.": false, "1a.b.c": false, "acme/tools.web.x": false,
	} {
		if got := isFQCR(name); got != want {
			t.Errorf("isFQCR(%q) = %v, want %v", name, got, want)
		}
	}
}

// include_role, import_role and include_tasks take k=v arguments, as in
// Ansible: "include_role: name=r tasks_from=other".
func TestIncludeKeyValueForm(t *testing.T) {
	dir := t.TempDir()
	for p, text := range map[string]string{
		"roles/r/tasks/main.yml":  "- debug: msg=main\n",
		"roles/r/tasks/other.yml": "- debug: msg=other\n",
		"inc.yml":                 "- debug: msg=inc\n",
		"pb.yml": "- hosts: all\n  tasks:\n    - include_role: name=r tasks_from=other\n" +
			"    - include_tasks: file=inc.yml\n    - import_role: name=r\n",
	} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pb, err := Load(filepath.Join(dir, "pb.yml"), Options{Modules: modules.Builtin()})
	if err != nil {
		t.Fatal(err)
	}
	ts := pb.Plays[0].Tasks
	if inc := ts[0].Include; inc == nil || inc.Role != "r" || inc.TasksFrom != "other" {
		t.Errorf("include_role k=v: %+v", ts[0].Include)
	}
	if inc := ts[1].Include; inc == nil || filepath.Base(inc.File) != "inc.yml" {
		t.Errorf("include_tasks file=: %+v", ts[1].Include)
	}
	if len(ts[2].Block) != 1 || ts[2].Block[0].Args["msg"] != "main" {
		t.Errorf("import_role name=: %+v", ts[2])
	}
}

// vars_from, defaults_from and handlers_from read the role's vars,
// defaults and handlers from the named files instead of main.
func TestIncludeRoleFrom(t *testing.T) {
	dir := t.TempDir()
	for p, text := range map[string]string{
		"roles/r/tasks/main.yml":    "- debug: msg=main\n  notify: h\n",
		"roles/r/vars/main.yml":     "v: main\n",
		"roles/r/vars/other.yml":    "v: other\n",
		"roles/r/defaults/x.yml":    "d: x\n",
		"roles/r/handlers/main.yml": "- name: h\n  debug: msg=main-h\n",
		"roles/r/handlers/more.yml": "- name: h\n  debug: msg=more-h\n",
		"pb.yml":                    "- hosts: all\n  tasks:\n    - include_role: {name: r, vars_from: other, defaults_from: x.yml, handlers_from: more}\n",
	} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pb, err := Load(filepath.Join(dir, "pb.yml"), Options{Modules: modules.Builtin()})
	if err != nil {
		t.Fatal(err)
	}
	task := pb.Plays[0].Tasks[0].Include.Loaded[0]
	if task.Role.Vars["v"] != "other" || task.Role.Defaults["d"] != "x" {
		t.Errorf("role vars %v defaults %v", task.Role.Vars, task.Role.Defaults)
	}
	hs := pb.Plays[0].Handlers
	if len(hs) != 1 || hs[0].Args["msg"] != "more-h" {
		t.Errorf("handlers %+v", hs)
	}
	if err := os.WriteFile(filepath.Join(dir, "pb.yml"), []byte("- hosts: all\n  tasks:\n    - include_role: {name: r, vars_from: nope}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(filepath.Join(dir, "pb.yml"), Options{Modules: modules.Builtin()}); err == nil || !strings.Contains(err.Error(), "vars_from: nope not found") {
		t.Errorf("missing vars_from file: %v", err)
	}
}

// apply puts a block of keywords around what an include brings in, and
// an unnamed include_role is named "include_role : ROLE" as in Ansible.
func TestIncludeApply(t *testing.T) {
	dir := t.TempDir()
	for p, text := range map[string]string{
		"roles/r/tasks/main.yml": "- debug: msg=main\n",
		"pb.yml": "- hosts: all\n  tasks:\n    - include_role:\n        name: r\n        apply: {tags: [x], become: true}\n" +
			"    - include_tasks: {file: inc.yml, apply: {tags: [y]}}\n    - include_role: {name: r, apply: {nosuch: 1}}\n",
		"inc.yml": "- debug: msg=inc\n",
	} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, err := Load(filepath.Join(dir, "pb.yml"), Options{Modules: modules.Builtin()})
	if err == nil || !strings.Contains(err.Error(), `"nosuch"`) {
		t.Fatalf("unknown apply keyword: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "pb.yml"), []byte("- hosts: all\n  tasks:\n    - include_role:\n        name: r\n        apply: {tags: [x], become: true}\n"+
		"    - include_tasks: {file: inc.yml, apply: {tags: [y]}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pb, err := Load(filepath.Join(dir, "pb.yml"), Options{Modules: modules.Builtin()})
	if err != nil {
		t.Fatal(err)
	}
	ts := pb.Plays[0].Tasks
	if a := ts[0].Include.Apply; a == nil || len(a.Tags) != 1 || a.Tags[0] != "x" || a.Become == nil || !*a.Become {
		t.Errorf("include_role apply: %+v", a)
	}
	if a := ts[1].Include.Apply; a == nil || len(a.Tags) != 1 || a.Tags[0] != "y" {
		t.Errorf("include_tasks apply: %+v", a)
	}
	if n := ts[0].DisplayName(); n != "include_role : r" {
		t.Errorf("include_role is named %q", n)
	}
}
