package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// makeRoleRepo makes a git repository (with go-git) holding a role whose
// message names the release, tagged v1 and v2.
func makeRoleRepo(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "role-web")
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	for i, tag := range []string{"v1", "v2"} {
		task := "- name: greet\n  debug:\n    msg: \"web role " + tag + "\"\n" +
			"- set_fact:\n    web_release: " + tag + "\n" +
			"- assert:\n    that:\n      - web_release == \"" + tag + "\"\n"
		if err := os.MkdirAll(filepath.Join(dir, "tasks"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "tasks", "main.yml"), []byte(task), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := wt.Add("tasks/main.yml"); err != nil {
			t.Fatal(err)
		}
		sig := &object.Signature{Name: "t", Email: "t@example.invalid", When: time.Unix(1700000000+int64(i)*60, 0)}
		h, err := wt.Commit("release "+tag, &git.CommitOptions{Author: sig})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := repo.CreateTag(tag, h, nil); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func writeFile(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestVendorThenRunOffline vendors a role per environment, removes the
// upstream repository, and runs a playbook against the local connection:
// each environment's pinned role runs, ahead of roles/ beside the
// playbook.
func TestVendorThenRunOffline(t *testing.T) {
	upstream := makeRoleRepo(t)
	root := t.TempDir()
	envs := map[string]string{"staging": "v2", "production": "v1"}
	for env, tag := range envs {
		dir := filepath.Join(root, "inventories", env)
		writeFile(t, filepath.Join(dir, "hosts"), "localhost ansible_connection=local\n")
		writeFile(t, filepath.Join(dir, "requirements.yml"), "roles:\n  - name: web\n    src: file://"+upstream+"\n    version: "+tag+"\n")
		out, err := runHaplay(t, "vendor", "-i", dir)
		if err != nil || !strings.Contains(out, "resolved  role web "+tag) {
			t.Fatalf("vendor %s: %v\n%s", env, err, out)
		}
	}
	writeFile(t, filepath.Join(root, "roles", "web", "tasks", "main.yml"), "- debug:\n    msg: local copy\n")
	writeFile(t, filepath.Join(root, "site.yml"), "- hosts: all\n  gather_facts: false\n  roles:\n    - web\n")
	if err := os.RemoveAll(upstream); err != nil { // offline from here on
		t.Fatal(err)
	}
	for env, tag := range envs {
		out, err := runHaplay(t, "run", filepath.Join(root, "site.yml"), "-i", filepath.Join(root, "inventories", env, "hosts"))
		if err != nil {
			t.Fatalf("run %s: %v\n%s", env, err, out)
		}
		if !strings.Contains(out, `"msg": "web role `+tag+`"`) || strings.Contains(out, "local copy") {
			t.Errorf("run %s did not use its vendored role %s:\n%s", env, tag, out)
		}
		if !strings.Contains(out, "ok=3") || !strings.Contains(out, "failed=0") {
			t.Errorf("run %s recap:\n%s", env, out)
		}
		// Verify works offline for the trees.
		if out, err := runHaplay(t, "vendor", "-i", filepath.Join(root, "inventories", env), "--verify", "--offline"); err != nil {
			t.Errorf("verify --offline %s: %v\n%s", env, err, out)
		}
	}
}

func TestVendorCommandExitCodes(t *testing.T) {
	upstream := makeRoleRepo(t)
	env := filepath.Join(t.TempDir(), "staging")
	writeFile(t, filepath.Join(env, "requirements.yml"), "- name: web\n  src: "+upstream+"\n  version: v1\n")
	if out, err := runHaplay(t, "vendor", "-i", env); err != nil {
		t.Fatalf("vendor: %v\n%s", err, out)
	}
	tests := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"vendor"}, exitBadOptions, "needs -i"},
		{[]string{"vendor", "-i", env, "--update", "nope"}, exitBadOptions, "--update nope"},
		{[]string{"vendor", "-i", env, "--offline"}, exitBadOptions, "--offline"},
		{[]string{"vendor", "-i", env, "--verify", "--update", "web"}, exitBadOptions, "cannot be combined"},
		{[]string{"vendor", "-i", filepath.Join(env, "nowhere")}, exitBadOptions, "nowhere"},
		{[]string{"vendor", "-i", env, "--verify"}, exitOK, ""},
	}
	for _, tt := range tests {
		out, err := runHaplay(t, tt.args...)
		if got := exitCode(err); got != tt.code || (tt.msg != "" && !strings.Contains(err.Error(), tt.msg)) {
			t.Errorf("%v: exit %d (%v), want %d with %q\n%s", tt.args, got, err, tt.code, tt.msg, out)
		}
	}
	edited := filepath.Join(env, "vendor", "roles", "web", "tasks", "main.yml")
	writeFile(t, edited, "- debug: msg=patched\n")
	_, err := runHaplay(t, "vendor", "-i", env, "--verify")
	if exitCode(err) != exitError || !strings.Contains(err.Error(), "role web: "+edited+": content differs from the locked commit") {
		t.Errorf("verify after edit: exit %d, %v", exitCode(err), err)
	}
	// Plain vendor repairs the edit from the lock.
	if out, err := runHaplay(t, "vendor", "-i", env); err != nil || !strings.Contains(out, "installed role web v1") {
		t.Errorf("repair: %v\n%s", err, out)
	}
}

// makeCollectionRepo makes a git repository (with go-git) holding the
// collection acme.tools with one role, web, tagged 1.0.0.
func makeCollectionRepo(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "acme-tools")
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "galaxy.yml"), "namespace: acme\nname: tools\nversion: 1.0.0\n")
	writeFile(t, filepath.Join(dir, "roles", "web", "tasks", "main.yml"), "- name: greet\n  debug:\n    msg: \"web role from acme.tools\"\n")
	for _, f := range []string{"galaxy.yml", "roles/web/tasks/main.yml"} {
		if _, err := wt.Add(f); err != nil {
			t.Fatal(err)
		}
	}
	sig := &object.Signature{Name: "t", Email: "t@example.invalid", When: time.Unix(1700000000, 0)}
	h, err := wt.Commit("acme.tools 1.0.0", &git.CommitOptions{Author: sig})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := repo.CreateTag("1.0.0", h, nil); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestVendoredCollectionRoles vendors a collection, removes the upstream,
// and runs its role by its full name (roles:, include_role, import_role)
// and by its short name under the play's collections: keyword.
func TestVendoredCollectionRoles(t *testing.T) {
	upstream := makeCollectionRepo(t)
	root := t.TempDir()
	env := filepath.Join(root, "inventories", "staging")
	writeFile(t, filepath.Join(env, "hosts"), "localhost ansible_connection=local\n")
	writeFile(t, filepath.Join(env, "requirements.yml"), "collections:\n  - name: acme.tools\n    source: file://"+upstream+"\n    type: git\n    version: 1.0.0\n")
	if out, err := runHaplay(t, "vendor", "-i", env); err != nil {
		t.Fatalf("vendor: %v\n%s", err, out)
	}
	if err := os.RemoveAll(upstream); err != nil { // offline from here on
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(root, "roles", "web", "tasks", "main.yml"), "- debug:\n    msg: local copy\n")
	writeFile(t, filepath.Join(root, "site.yml"), `- hosts: all
  gather_facts: false
  roles:
    - acme.tools.web
  tasks:
    - include_role: {name: acme.tools.web}
    - import_role: {name: acme.tools.web}
- hosts: all
  gather_facts: false
  collections: [acme.tools]
  roles: [web]
`)
	out, err := runHaplay(t, "run", filepath.Join(root, "site.yml"), "-i", env)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	if n := strings.Count(out, `"msg": "web role from acme.tools"`); n != 4 || strings.Contains(out, "local copy") {
		t.Errorf("want the vendored collection's role 4 times (got %d), never roles/web:\n%s", n, out)
	}
	if !strings.Contains(out, "TASK [acme.tools.web : greet]") || !strings.Contains(out, "ok=4") {
		t.Errorf("banner or recap:\n%s", out)
	}
	// Without the environment's vendor directory the name is unknown.
	other := filepath.Join(root, "inventories", "bare")
	writeFile(t, filepath.Join(other, "hosts"), "localhost ansible_connection=local\n")
	out, err = runHaplay(t, "run", filepath.Join(root, "site.yml"), "-i", other)
	if err == nil || !strings.Contains(err.Error(), `role "acme.tools.web" not found`) {
		t.Errorf("run without the vendored collection: %v\n%s", err, out)
	}
}
