package requirements

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// testRepo is a git repository made with go-git in a temp directory.
type testRepo struct {
	t    *testing.T
	dir  string
	repo *git.Repository
	n    int
}

func newTestRepo(t *testing.T) *testRepo {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "upstream-role")
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	return &testRepo{t: t, dir: dir, repo: repo}
}

var testSig = object.Signature{Name: "Test", Email: "test@example.invalid", When: time.Unix(1700000000, 0)}

// commit writes files (path -> content; "" deletes) and commits them.
func (r *testRepo) commit(files map[string]string) plumbing.Hash {
	r.t.Helper()
	wt, err := r.repo.Worktree()
	if err != nil {
		r.t.Fatal(err)
	}
	for p, content := range files {
		full := filepath.Join(r.dir, filepath.FromSlash(p))
		if content == "" {
			if _, err := wt.Remove(p); err != nil {
				r.t.Fatal(err)
			}
			continue
		}
		mode := os.FileMode(0o644)
		if filepath.Ext(p) == ".sh" {
			mode = 0o755
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			r.t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), mode); err != nil {
			r.t.Fatal(err)
		}
		if _, err := wt.Add(p); err != nil {
			r.t.Fatal(err)
		}
	}
	r.n++
	sig := testSig
	sig.When = sig.When.Add(time.Duration(r.n) * time.Minute)
	h, err := wt.Commit("commit", &git.CommitOptions{Author: &sig, Committer: &sig, AllowEmptyCommits: true})
	if err != nil {
		r.t.Fatal(err)
	}
	return h
}

// tag makes a lightweight tag, or an annotated one.
func (r *testRepo) tag(name string, h plumbing.Hash, annotated bool) {
	r.t.Helper()
	var opts *git.CreateTagOptions
	if annotated {
		opts = &git.CreateTagOptions{Tagger: &testSig, Message: "release " + name}
	}
	if _, err := r.repo.CreateTag(name, h, opts); err != nil {
		r.t.Fatal(err)
	}
}

// moveTag points an existing tag at another commit, as a force-push of a
// tag upstream would.
func (r *testRepo) moveTag(name string, h plumbing.Hash, annotated bool) {
	r.t.Helper()
	if err := r.repo.DeleteTag(name); err != nil {
		r.t.Fatal(err)
	}
	r.tag(name, h, annotated)
}

func (r *testRepo) branch(name string, h plumbing.Hash) {
	r.t.Helper()
	if err := r.repo.Storer.SetReference(plumbing.NewHashReference(plumbing.NewBranchReferenceName(name), h)); err != nil {
		r.t.Fatal(err)
	}
}

// roleFiles is a role that only uses debug, set_fact and assert.
func roleFiles(msg string) map[string]string {
	return map[string]string{
		"tasks/main.yml": "- name: say\n  debug:\n    msg: \"" + msg + "\"\n" +
			"- set_fact:\n    vendored_role_ran: true\n" +
			"- assert:\n    that:\n      - vendored_role_ran\n",
		"defaults/main.yml": "greeting: hello\n",
		"files/run.sh":      "#!/bin/sh\necho " + msg + "\n",
	}
}
