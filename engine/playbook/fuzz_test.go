package playbook

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/go-multierror"

	"github.com/haplay/haplay/engine/template"
	"github.com/haplay/haplay/engine/yamlnode"
	"github.com/haplay/haplay/modules"
)

// FuzzLoad loads a playbook from bytes written to site.yml in a temp dir,
// seeded with every site.yml of testdata/playbooks and testdata/bad. A
// playbook either loads, with a position on every play and task, or
// fails with errors that each say where.
func FuzzLoad(f *testing.F) {
	seeds, err := filepath.Glob("../../testdata/*/*/site.yml")
	if err != nil || len(seeds) == 0 {
		f.Fatalf("no seeds: %v", err)
	}
	for _, p := range seeds {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	opts := Options{Modules: modules.Builtin(), Templates: template.New()}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, special := range []string{"/dev/", "/proc/", "/sys/"} {
			if bytes.Contains(data, []byte(special)) {
				t.Skip("reads a special file (/dev/zero never ends)")
			}
		}
		path := filepath.Join(t.TempDir(), "site.yml")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		pb, err := Load(path, opts)
		if err != nil {
			checkLoadErrors(t, err)
			return
		}
		for _, p := range pb.Plays {
			if p.Pos.File == "" {
				t.Fatalf("play %q has no position", p.Name)
			}
			for _, list := range [][]*Task{p.PreTasks, p.Tasks, p.PostTasks, p.Handlers} {
				checkTaskPositions(t, list)
			}
		}
	})
}

// checkLoadErrors asserts that every load error names a file, and a line
// when it is about a YAML node.
func checkLoadErrors(t *testing.T, err error) {
	t.Helper()
	var me *multierror.Error
	errs := []error{err}
	if errors.As(err, &me) {
		errs = me.Errors
	}
	if len(errs) == 0 {
		t.Fatal("an error with no errors in it")
	}
	for _, e := range errs {
		var ye *yamlnode.Error
		switch {
		case errors.As(e, &ye):
			if ye.Pos.File == "" {
				t.Fatalf("error without a file: %v", e)
			}
		case !strings.Contains(e.Error(), ".yml") && !strings.Contains(e.Error(), string(filepath.Separator)):
			t.Fatalf("error that names no file: %T %v", e, e)
		}
	}
}

func checkTaskPositions(t *testing.T, tasks []*Task) {
	t.Helper()
	for _, tk := range tasks {
		if tk.Pos.File == "" || tk.Pos.Line == 0 {
			t.Fatalf("task %q (%s) has no position: %+v", tk.Name, tk.Module, tk.Pos)
		}
		for _, l := range [][]*Task{tk.Block, tk.Rescue, tk.Always} {
			checkTaskPositions(t, l)
		}
	}
}
