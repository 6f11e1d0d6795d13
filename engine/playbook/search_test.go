package playbook

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestTemplateDirs: the role's, the task file's and the playbook's
// directories, then the template's own, each as DIR/templates then DIR,
// as Ansible's template action sets Jinja's search path.
func TestTemplateDirs(t *testing.T) {
	task := &Task{Role: &Role{Path: "/p/roles/web"}, FileDir: "/p/roles/web/tasks"}
	got := TemplateDirs(task, "/p", "/p/roles/web/templates/sub/x.j2")
	want := []string{"/p/roles/web/templates", "/p/roles/web", "/p/roles/web/tasks/templates", "/p/roles/web/tasks",
		"/p/templates", "/p", "/p/roles/web/templates/sub/templates", "/p/roles/web/templates/sub"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("TemplateDirs =\n%q\nwant\n%q", got, want)
	}
	// A template in the playbook's templates/ adds only what is new.
	got = TemplateDirs(&Task{FileDir: "/p"}, "/p", "/p/templates/x.j2")
	want = []string{"/p/templates", "/p", "/p/templates/templates"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("TemplateDirs =\n%q\nwant\n%q", got, want)
	}
}

// TestFindTemplate: names are relative slash paths, as Jinja's
// FileSystemLoader reads them; the first directory holding one wins.
func TestFindTemplate(t *testing.T) {
	root := t.TempDir()
	a, b := filepath.Join(root, "a"), filepath.Join(root, "b")
	for _, f := range []string{"a/x.j2", "b/x.j2", "b/sub/y.j2", "root.j2"} {
		p := filepath.Join(root, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(a, "sub"), 0o755); err != nil { // a directory is not a template
		t.Fatal(err)
	}
	dirs := []string{a, b}
	for name, want := range map[string]string{
		"x.j2":        filepath.Join(a, "x.j2"),
		"sub/y.j2":    filepath.Join(b, "sub", "y.j2"),
		"/sub/y.j2":   filepath.Join(b, "sub", "y.j2"),
		"./sub//y.j2": filepath.Join(b, "sub", "y.j2"),
	} {
		got, err := FindTemplate(dirs, name)
		if err != nil || got != want {
			t.Errorf("FindTemplate(%q) = %q, %v; want %q", name, got, err, want)
		}
	}
	for _, name := range []string{"../root.j2", "sub", "nope.j2"} {
		_, err := FindTemplate(dirs, name)
		if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), name) {
			t.Errorf("FindTemplate(%q) = %v, want a not-found error naming it", name, err)
		}
	}
}
