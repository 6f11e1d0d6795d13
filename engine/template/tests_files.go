package template

// tests_files.go: Ansible's file, path and set tests (plugins/test/files.py
// and mathstuff.py). The file tests look at the controller's file system,
// where templates are rendered, as in Ansible.

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"syscall"

	"github.com/haplay/haplay/engine/pyfmt"
)

func fileTests() map[string]testFunc {
	t := map[string]testFunc{
		"directory":   statTest(os.Stat, func(fi os.FileInfo) bool { return fi.IsDir() }),
		"file":        statTest(os.Stat, func(fi os.FileInfo) bool { return fi.Mode().IsRegular() }),
		"link":        statTest(os.Lstat, func(fi os.FileInfo) bool { return fi.Mode()&os.ModeSymlink != 0 }),
		"exists":      statTest(os.Stat, func(os.FileInfo) bool { return true }),
		"link_exists": statTest(os.Lstat, func(os.FileInfo) bool { return true }),
		"abs":         func(r *run, v any, args []any) (bool, error) { return filepath.IsAbs(pyfmt.Str(v)), nil },
		"same_file":   testSameFile,
		"mount":       testMount,
		"subset":      setTest(true),
		"superset":    setTest(false),
		"nan":         testNaN,
	}
	for _, n := range []string{"directory", "file", "link", "abs", "same_file", "mount"} {
		t["is_"+n] = t[n]
	}
	t["is_dir"] = t["directory"]
	t["issubset"], t["issuperset"], t["isnan"] = t["subset"], t["superset"], t["nan"]
	return t
}

// statTest is os.path.isdir and its kin: false, not an error, when the
// path cannot be read.
func statTest(stat func(string) (os.FileInfo, error), ok func(os.FileInfo) bool) testFunc {
	return func(r *run, v any, args []any) (bool, error) {
		if _, err := strict(v); err != nil {
			return false, err
		}
		fi, err := stat(pyfmt.Str(v))
		return err == nil && ok(fi), nil
	}
}

func testSameFile(r *run, v any, args []any) (bool, error) {
	if err := needArg(args, 1); err != nil {
		return false, err
	}
	a, err := os.Stat(pyfmt.Str(v))
	if err != nil {
		return false, err
	}
	b, err := os.Stat(pyfmt.Str(args[0]))
	if err != nil {
		return false, err
	}
	return os.SameFile(a, b), nil
}

// testMount is os.path.ismount: the path's device differs from its
// parent's, or it is the same inode as its parent (the root).
func testMount(r *run, v any, args []any) (bool, error) {
	p := pyfmt.Str(v)
	fi, err := os.Lstat(p)
	if err != nil || fi.Mode()&os.ModeSymlink != 0 {
		return false, nil
	}
	parent, err := os.Lstat(filepath.Join(p, ".."))
	if err != nil {
		return false, nil
	}
	a, ok1 := fi.Sys().(*syscall.Stat_t)
	b, ok2 := parent.Sys().(*syscall.Stat_t)
	if !ok1 || !ok2 {
		return false, nil
	}
	return a.Dev != b.Dev || a.Ino == b.Ino, nil
}

// setTest is set(a) <= set(b) (subset) or set(a) >= set(b) (superset).
func setTest(subset bool) testFunc {
	return func(r *run, v any, args []any) (bool, error) {
		if err := needArg(args, 1); err != nil {
			return false, err
		}
		a, err := needList(v)
		if err != nil {
			return false, err
		}
		b, err := needList(args[0])
		if err != nil {
			return false, err
		}
		for _, x := range append(slices.Clone(a), b...) {
			if _, isList := asList(x); isList {
				return false, errors.New("unhashable type: 'list'")
			}
			if _, isMap := asMap(x); isMap {
				return false, errors.New("unhashable type: 'dict'")
			}
		}
		if !subset {
			a, b = b, a
		}
		for _, x := range a {
			found := false
			for _, y := range b {
				if equal(x, y) {
					found = true
					break
				}
			}
			if !found {
				return false, nil
			}
		}
		return true, nil
	}
}

func testNaN(r *run, v any, args []any) (bool, error) {
	f, ok := v.(float64)
	return ok && math.IsNaN(f), nil
}
