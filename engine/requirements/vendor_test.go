package requirements

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

func writeEnv(t *testing.T, dir, requirements string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "requirements.yml"), []byte(requirements), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func vendorRun(t *testing.T, o Options) (string, error) {
	t.Helper()
	var out bytes.Buffer
	o.Out = &out
	if o.Getenv == nil {
		o.Getenv = func(string) string { return "" }
	}
	err := Run(context.Background(), o)
	return out.String(), err
}

func mustVendor(t *testing.T, o Options) string {
	t.Helper()
	out, err := vendorRun(t, o)
	if err != nil {
		t.Fatalf("vendor %s: %v\n%s", o.EnvDir, err, out)
	}
	return out
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func lockOf(t *testing.T, env string) map[string]LockEntry {
	t.Helper()
	l, ok, err := ReadLock(env)
	if err != nil || !ok {
		t.Fatalf("lock of %s: ok=%v err=%v", env, ok, err)
	}
	m := map[string]LockEntry{}
	for _, e := range l.Entries {
		m[e.Name] = e
	}
	return m
}

func roleTask(t *testing.T, env, name string) string {
	t.Helper()
	return readFile(t, filepath.Join(env, "vendor", "roles", name, "tasks", "main.yml"))
}

// fixture: v1 (lightweight tag), v2 (annotated tag), branch dev one
// commit ahead, and a commit only reachable by hash from dev.
type fixture struct {
	r              *testRepo
	c1, c2, c3, c4 plumbing.Hash
}

func newFixture(t *testing.T) fixture {
	r := newTestRepo(t)
	f := fixture{r: r}
	f.c1 = r.commit(roleFiles("one"))
	r.tag("v1", f.c1, false)
	f.c2 = r.commit(roleFiles("two"))
	r.tag("v2", f.c2, true)
	f.c3 = r.commit(map[string]string{"tasks/main.yml": "- debug:\n    msg: three\n", "nested/sub/tasks/main.yml": "- debug:\n    msg: sub\n"})
	f.c4 = r.commit(map[string]string{"tasks/main.yml": "- debug:\n    msg: four\n"})
	r.branch("dev", f.c3)
	return f
}

func TestVendorTagBranchCommit(t *testing.T) {
	f := newFixture(t)
	env := writeEnv(t, filepath.Join(t.TempDir(), "inventories", "staging"), `
roles:
  - name: pinned_tag
    src: `+f.r.dir+`
    version: v1
  - name: annotated
    src: git+file://`+f.r.dir+`
    version: v2
  - name: on_branch
    src: file://`+f.r.dir+`
    version: dev
  - name: by_commit
    src: `+f.r.dir+`
    version: `+f.c3.String()[:10]+`
  - name: from_subdir
    src: `+f.r.dir+`
    version: dev
    subdir: nested/sub
  - name: at_head
    src: `+f.r.dir+`
`)
	out := mustVendor(t, Options{EnvDir: env})
	for _, want := range []string{"resolved  role pinned_tag v1 " + f.c1.String()[:12], "role at_head HEAD " + f.c4.String()[:12]} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	wantTask := map[string]string{"pinned_tag": "one", "annotated": "two", "on_branch": "three", "by_commit": "three", "from_subdir": "sub", "at_head": "four"}
	for name, msg := range wantTask {
		if got := roleTask(t, env, name); !strings.Contains(got, msg) {
			t.Errorf("%s: tasks/main.yml = %q, want msg %s", name, got, msg)
		}
	}
	lock := lockOf(t, env)
	wantCommit := map[string]plumbing.Hash{"pinned_tag": f.c1, "annotated": f.c2, "on_branch": f.c3, "by_commit": f.c3, "from_subdir": f.c3, "at_head": f.c4}
	for name, c := range wantCommit {
		if lock[name].Commit != c.String() {
			t.Errorf("%s: locked commit %s, want %s", name, lock[name].Commit, c)
		}
		if !strings.HasPrefix(lock[name].Tree, "sha256:") {
			t.Errorf("%s: tree %q", name, lock[name].Tree)
		}
	}
	if lock["annotated"].Object == "" || lock["annotated"].Object == f.c2.String() {
		t.Errorf("annotated tag: object %q should be the tag object", lock["annotated"].Object)
	}
	if lock["pinned_tag"].Ref != "refs/tags/v1" || lock["on_branch"].Ref != "refs/heads/dev" || lock["by_commit"].Ref != "" {
		t.Errorf("refs: %+v", lock)
	}
	if st, err := os.Stat(filepath.Join(env, "vendor", "roles", "pinned_tag", "files", "run.sh")); err != nil || st.Mode().Perm() != 0o755 {
		t.Errorf("run.sh mode: %v %v", st, err)
	}
	if _, err := os.Stat(filepath.Join(env, "vendor", "roles", "from_subdir", "nested")); err == nil {
		t.Errorf("subdir entry holds the whole repository")
	}
	if _, err := os.Stat(filepath.Join(env, "vendor", "roles", "pinned_tag", ".git")); err == nil {
		t.Errorf(".git was vendored")
	}

	// A second run installs nothing: every tree already matches.
	lockBefore := readFile(t, filepath.Join(env, LockFileName))
	out = mustVendor(t, Options{EnvDir: env})
	if strings.Contains(out, "resolved") || strings.Contains(out, "installed") {
		t.Errorf("second run changed something:\n%s", out)
	}
	if readFile(t, filepath.Join(env, LockFileName)) != lockBefore {
		t.Errorf("second run rewrote the lock differently")
	}
	if out := mustVendor(t, Options{EnvDir: env, Verify: true}); !strings.Contains(out, "verified  6 entries") {
		t.Errorf("verify: %s", out)
	}
}

func TestVendorInstallsLockedCommitsNotMoved(t *testing.T) {
	f := newFixture(t)
	env := writeEnv(t, filepath.Join(t.TempDir(), "env"), "- name: r\n  src: "+f.r.dir+"\n  version: dev\n- name: t\n  src: "+f.r.dir+"\n  version: v1\n")
	mustVendor(t, Options{EnvDir: env})
	// Upstream moves on: dev gains a commit, v1 is moved.
	f.r.branch("dev", f.c4)
	f.r.moveTag("v1", f.c2, false)
	if err := os.RemoveAll(filepath.Join(env, "vendor")); err != nil {
		t.Fatal(err)
	}
	out := mustVendor(t, Options{EnvDir: env})
	if !strings.Contains(out, "installed role r dev "+f.c3.String()[:12]+" (locked)") {
		t.Errorf("output: %s", out)
	}
	if got := roleTask(t, env, "r"); !strings.Contains(got, "three") {
		t.Errorf("branch entry moved without --update: %q", got)
	}
	if got := roleTask(t, env, "t"); !strings.Contains(got, "one") {
		t.Errorf("tag entry moved without --update: %q", got)
	}
	if lockOf(t, env)["r"].Commit != f.c3.String() {
		t.Errorf("lock moved")
	}
}

func TestVerifyCatchesEditedFile(t *testing.T) {
	f := newFixture(t)
	env := writeEnv(t, filepath.Join(t.TempDir(), "env"), "roles:\n  - name: web\n    src: "+f.r.dir+"\n    version: v1\n")
	mustVendor(t, Options{EnvDir: env})
	role := filepath.Join(env, "vendor", "roles", "web")
	if err := os.WriteFile(filepath.Join(role, "tasks", "main.yml"), []byte("- debug: msg=patched\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(role, "extra.yml"), []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(role, "defaults", "main.yml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(role, "files", "run.sh"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Offline: the upstream repository is gone.
	if err := os.RemoveAll(f.r.dir); err != nil {
		t.Fatal(err)
	}
	out, err := vendorRun(t, Options{EnvDir: env, Verify: true, Offline: true})
	var ve *VerifyError
	if !errors.As(err, &ve) {
		t.Fatalf("verify err = %v, want a VerifyError\n%s", err, out)
	}
	msg := err.Error()
	for _, want := range []string{
		"role web: " + filepath.Join(role, "tasks/main.yml") + ": content differs from the locked commit",
		"role web: " + filepath.Join(role, "extra.yml") + ": added",
		"role web: " + filepath.Join(role, "defaults/main.yml") + ": missing",
		"role web: " + filepath.Join(role, "files/run.sh") + ": mode 100644, locked 100755",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("verify message lacks %q:\n%s", want, msg)
		}
	}
	if len(ve.Problems) != 4 {
		t.Errorf("problems: %q", ve.Problems)
	}
}

func TestVerifyCatchesMovedTag(t *testing.T) {
	for _, annotated := range []bool{false, true} {
		t.Run(map[bool]string{false: "lightweight", true: "annotated"}[annotated], func(t *testing.T) {
			f := newFixture(t)
			f.r.tag("rel", f.c1, annotated)
			env := writeEnv(t, filepath.Join(t.TempDir(), "env"),
				"- name: web\n  src: file://"+f.r.dir+"\n  version: rel\n- name: dev\n  src: "+f.r.dir+"\n  version: dev\n")
			mustVendor(t, Options{EnvDir: env})
			mustVendor(t, Options{EnvDir: env, Verify: true})

			// A branch moving on is reported, not a failure.
			f.r.branch("dev", f.c4)
			out := mustVendor(t, Options{EnvDir: env, Verify: true})
			if !strings.Contains(out, "note      role dev: dev has moved on to "+f.c4.String()[:12]) {
				t.Errorf("branch note missing:\n%s", out)
			}

			f.r.moveTag("rel", f.c2, annotated)
			out, err := vendorRun(t, Options{EnvDir: env, Verify: true})
			want := "role web: tag rel moved upstream: it now names " + f.c2.String()[:12] + ", locked " + f.c1.String()[:12]
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("verify = %v, want %q\n%s", err, want, out)
			}
			// Offline, the tree check alone passes.
			mustVendor(t, Options{EnvDir: env, Verify: true, Offline: true})
			// --update accepts the move.
			mustVendor(t, Options{EnvDir: env, Update: []string{"web"}})
			if lockOf(t, env)["web"].Commit != f.c2.String() {
				t.Errorf("--update did not move web")
			}
		})
	}
}

func TestPerEnvironmentPins(t *testing.T) {
	f := newFixture(t)
	inv := filepath.Join(t.TempDir(), "inventories")
	staging := writeEnv(t, filepath.Join(inv, "staging"), "- name: web\n  src: "+f.r.dir+"\n  version: v2\n")
	prod := writeEnv(t, filepath.Join(inv, "production"), "- name: web\n  src: "+f.r.dir+"\n  version: v1\n")
	mustVendor(t, Options{EnvDir: staging})
	mustVendor(t, Options{EnvDir: prod})
	if !strings.Contains(roleTask(t, staging, "web"), "two") || !strings.Contains(roleTask(t, prod, "web"), "one") {
		t.Errorf("staging %q, production %q", roleTask(t, staging, "web"), roleTask(t, prod, "web"))
	}
	if lockOf(t, staging)["web"].Commit == lockOf(t, prod)["web"].Commit {
		t.Errorf("both environments locked the same commit")
	}
	got := RolesPath([]string{staging, filepath.Join(prod, "requirements.yml"), "host1,host2", filepath.Join(inv, "nowhere")})
	want := []string{filepath.Join(staging, "vendor", "roles"), filepath.Join(prod, "vendor", "roles")}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("RolesPath = %q, want %q", got, want)
	}
}

func TestUpdateMovesOneEntry(t *testing.T) {
	f := newFixture(t)
	env := writeEnv(t, filepath.Join(t.TempDir(), "env"),
		"- name: a\n  src: "+f.r.dir+"\n  version: dev\n- name: b\n  src: "+f.r.dir+"\n  version: dev\n")
	mustVendor(t, Options{EnvDir: env})
	f.r.branch("dev", f.c4)
	out := mustVendor(t, Options{EnvDir: env, Update: []string{"a"}})
	if !strings.Contains(out, "resolved  role a dev "+f.c4.String()[:12]+" (was "+f.c3.String()[:12]+")") {
		t.Errorf("output:\n%s", out)
	}
	lock := lockOf(t, env)
	if lock["a"].Commit != f.c4.String() || lock["b"].Commit != f.c3.String() {
		t.Errorf("a=%s b=%s; want a moved to %s and b kept at %s", lock["a"].Commit, lock["b"].Commit, f.c4, f.c3)
	}
	if !strings.Contains(roleTask(t, env, "a"), "four") || !strings.Contains(roleTask(t, env, "b"), "three") {
		t.Errorf("vendored trees do not follow the lock")
	}
	_, err := vendorRun(t, Options{EnvDir: env, Update: []string{"nope"}})
	var oe *OptionError
	if !errors.As(err, &oe) {
		t.Errorf("--update nope: %v, want an OptionError", err)
	}
}

func TestEditedRequirementIsReresolvedAndRemovedEntryDropped(t *testing.T) {
	f := newFixture(t)
	dir := filepath.Join(t.TempDir(), "env")
	env := writeEnv(t, dir, "- name: a\n  src: "+f.r.dir+"\n  version: v1\n- name: gone\n  src: "+f.r.dir+"\n  version: v1\n")
	mustVendor(t, Options{EnvDir: env})
	writeEnv(t, dir, "- name: a\n  src: "+f.r.dir+"\n  version: v2\n")
	if _, err := vendorRun(t, Options{EnvDir: env, Verify: true, Offline: true}); err == nil || !strings.Contains(err.Error(), "requirements.yml asks for") {
		t.Errorf("verify after editing requirements: %v", err)
	}
	out := mustVendor(t, Options{EnvDir: env})
	if lockOf(t, env)["a"].Commit != f.c2.String() {
		t.Errorf("edited version not re-resolved:\n%s", out)
	}
	if _, ok := lockOf(t, env)["gone"]; ok {
		t.Errorf("removed entry still locked")
	}
	if _, err := os.Stat(filepath.Join(env, "vendor", "roles", "gone")); err == nil {
		t.Errorf("removed entry still vendored")
	}
}

func TestCollectionsLayout(t *testing.T) {
	f := newFixture(t)
	env := writeEnv(t, filepath.Join(t.TempDir(), "env"), "collections:\n  - name: git+file://"+f.r.dir+"#/nested\n    type: git\n    version: dev\n")
	_, err := vendorRun(t, Options{EnvDir: env})
	if err == nil || !strings.Contains(err.Error(), "namespace.name") {
		t.Errorf("collection without namespace: %v", err)
	}
	writeEnv(t, env, "collections:\n  - name: acme.tools\n    source: "+f.r.dir+"\n    type: git\n    version: dev\n    subdir: nested\n")
	mustVendor(t, Options{EnvDir: env})
	p := filepath.Join(env, "vendor", "collections", "ansible_collections", "acme", "tools", "sub", "tasks", "main.yml")
	if !strings.Contains(readFile(t, p), "sub") {
		t.Errorf("collection not vendored at %s", p)
	}
	mustVendor(t, Options{EnvDir: env, Verify: true})
	// A directory nobody locked is reported.
	if err := os.MkdirAll(filepath.Join(env, "vendor", "roles", "stray"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := vendorRun(t, Options{EnvDir: env, Verify: true}); err == nil || !strings.Contains(err.Error(), "stray: not in requirements.lock") {
		t.Errorf("stray dir: %v", err)
	}
}

func TestRunErrors(t *testing.T) {
	dir := t.TempDir()
	var oe *OptionError
	if _, err := vendorRun(t, Options{EnvDir: dir}); !errors.As(err, &oe) {
		t.Errorf("no requirements.yml: %v", err)
	}
	if _, err := vendorRun(t, Options{EnvDir: filepath.Join(dir, "missing")}); !errors.As(err, &oe) {
		t.Errorf("missing dir: %v", err)
	}
	f := newFixture(t)
	env := writeEnv(t, filepath.Join(dir, "env"), "- name: a\n  src: "+f.r.dir+"\n  version: v9\n")
	if _, err := vendorRun(t, Options{EnvDir: env}); err == nil || !strings.Contains(err.Error(), "version v9: no tag, branch or commit") {
		t.Errorf("unknown version: %v", err)
	}
	env2 := writeEnv(t, filepath.Join(dir, "env2"), "- name: a\n  src: "+f.r.dir+"\n  version: dev\n  subdir: no/such\n")
	if _, err := vendorRun(t, Options{EnvDir: env2}); err == nil || !strings.Contains(err.Error(), "no directory no/such") {
		t.Errorf("bad subdir: %v", err)
	}
	if _, err := os.Stat(filepath.Join(env2, "vendor", "roles", "a")); err == nil {
		t.Errorf("failed entry left a directory")
	}
}
