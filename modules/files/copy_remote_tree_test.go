package files

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haplay/haplay/engine/connection/hostcmd"
)

func TestParseSurvey(t *testing.T) {
	out := "S\td\t755\troot\troot\t0\t0\t.\x00S\tf\t644\troot\tadm\t0\t4\t./a b\x00H\tabc  ./a b\x00" +
		"D\td\t700\troot\troot\t0\t0\t.\x00D\tl\t777\troot\troot\t0\t0\t./a b\x00"
	s, err := parseSurvey([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	if e := s.Src["./a b"]; e.Type != "f" || e.Mode != 0o644 || e.Group != "adm" || e.GID != 4 || e.Sum != "abc" {
		t.Errorf("src entry %+v", e)
	}
	if e := s.Dest["."]; e.Mode != 0o700 || e.Type != "d" {
		t.Errorf("dest root %+v", e)
	}
	if _, err := parseSurvey([]byte("X\tjunk\x00")); err == nil {
		t.Error("junk accepted")
	}
}

func TestPlanTree(t *testing.T) {
	src := map[string]treeEntry{
		".":       {Rel: ".", Type: "d", Mode: 0o755, Owner: "root", Group: "root"},
		"./a":     {Rel: "./a", Type: "f", Mode: 0o640, Owner: "root", Group: "adm", GID: 4, Sum: "s1"},
		"./sub":   {Rel: "./sub", Type: "d", Mode: 0o750, Owner: "root", Group: "root"},
		"./sub/b": {Rel: "./sub/b", Type: "f", Mode: 0o600, Owner: "root", Group: "root", Sum: "s2"},
		"./p":     {Rel: "./p", Type: "p", Mode: 0o644}, // a fifo: not copied
	}
	kinds := func(ops []treeOp) string {
		var b []string
		for _, op := range ops {
			b = append(b, op.Rel+":"+op.Kind)
		}
		return strings.Join(b, " ")
	}
	t.Run("fresh", func(t *testing.T) {
		ops, err := planTree(treeSurvey{Src: src, Dest: map[string]treeEntry{}}, attrs{}, "")
		if err != nil {
			t.Fatal(err)
		}
		if got := kinds(ops); got != ".:mkdir ./sub:mkdir ./a:copy ./sub/b:copy" {
			t.Errorf("ops %s", got)
		}
	})
	t.Run("in sync", func(t *testing.T) {
		ops, _ := planTree(treeSurvey{Src: src, Dest: src}, attrs{}, "0700")
		if len(ops) != 0 {
			t.Errorf("ops %s", kinds(ops))
		}
	})
	t.Run("content and attrs differ", func(t *testing.T) {
		dest := map[string]treeEntry{}
		for k, v := range src {
			dest[k] = v
		}
		a := dest["./a"]
		a.Sum = "old"
		dest["./a"] = a
		sub := dest["./sub"]
		sub.Mode = 0o755
		dest["./sub"] = sub
		ops, _ := planTree(treeSurvey{Src: src, Dest: dest}, attrs{}, "")
		if got := kinds(ops); got != "./a:copy ./sub:attrs" {
			t.Errorf("ops %s", got)
		}
		d := treeDiff("/dst", ops)
		if d.Before != "/dst/a: file, mode 0640, root:adm, sha1 old\n/dst/sub: directory, mode 0755, root:root\n" ||
			d.After != "/dst/a: file, mode 0640, root:adm, sha1 s1\n/dst/sub: directory, mode 0750, root:root\n" {
			t.Errorf("diff\n%s---\n%s", d.Before, d.After)
		}
	})
	t.Run("mode owner group given", func(t *testing.T) {
		ops, _ := planTree(treeSurvey{Src: src, Dest: src}, attrs{Mode: "0600", Owner: "0", Group: "root"}, "")
		if got := kinds(ops); got != "./a:attrs" || ops[0].Mode != 0o600 || !ops[0].SetGroup || ops[0].SetOwner {
			t.Errorf("ops %s %+v", got, ops)
		}
	})
	t.Run("type conflict", func(t *testing.T) {
		dest := map[string]treeEntry{"./a": {Rel: "./a", Type: "d"}}
		if _, err := planTree(treeSurvey{Src: src, Dest: dest}, attrs{}, ""); err == nil || !strings.Contains(err.Error(), "./a is a directory on the host but a file in the source") {
			t.Errorf("err %v", err)
		}
	})
}

// The survey and apply scripts run here on temp dirs as they would on a
// host: a copy, then nothing left to do.
func TestTreeScriptsLocal(t *testing.T) {
	dir := t.TempDir()
	src, dest := filepath.Join(dir, "src"), filepath.Join(dir, "dst")
	for p, c := range map[string]string{"a.txt": "A\n", "sub/b.txt": "B\n", "sub/deep/c": "C"} {
		f := filepath.Join(src, p)
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, []byte(c), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("a.txt", filepath.Join(src, "link")); err != nil {
		t.Fatal(err)
	}
	survey := func(root string) treeSurvey {
		out, err := exec.Command("/bin/sh", "-c", surveyScript(src, root)).Output()
		if err != nil {
			t.Fatalf("survey: %v", err)
		}
		s, err := parseSurvey(out)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	root := filepath.Join(dest, "src")
	ops, err := planTree(survey(root), attrs{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("/bin/sh", "-c", "set -e\n"+treeScript(src, root, "T", ops)).CombinedOutput(); err != nil {
		t.Fatalf("apply: %v: %s", err, out)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "link")); string(b) != "A\n" {
		t.Errorf("link not followed: %q", b)
	}
	if st, err := os.Stat(filepath.Join(root, "sub/deep/c")); err != nil || st.Mode().Perm() != 0o640 {
		t.Errorf("deep file: %v %v", st, err)
	}
	if ops, _ := planTree(survey(root), attrs{}, ""); len(ops) != 0 {
		t.Errorf("second plan not empty: %+v", ops)
	}
	for _, d := range []string{root, filepath.Join(root, "sub"), filepath.Join(root, "sub/deep")} {
		if m, _ := filepath.Glob(filepath.Join(d, ".*"+hostcmd.TempMarker+"*")); len(m) > 0 {
			t.Errorf("temps left: %v", m)
		}
	}
	// A copy that fails half-way (a source vanished) removes its temps
	// and renames none of them.
	other := filepath.Join(dest, "other")
	ops, err = planTree(survey(other), attrs{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(src, "sub/deep/c")); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("/bin/sh", "-c", "set -e\n"+treeScript(src, other, "T", ops)).CombinedOutput(); err == nil {
		t.Fatalf("apply with a missing source succeeded: %s", out)
	}
	if _, err := os.Stat(filepath.Join(other, "a.txt")); !os.IsNotExist(err) {
		t.Errorf("a file was renamed into place by a failed copy: %v", err)
	}
	for _, d := range []string{other, filepath.Join(other, "sub"), filepath.Join(other, "sub/deep")} {
		if m, _ := filepath.Glob(filepath.Join(d, ".*"+hostcmd.TempMarker+"*")); len(m) > 0 {
			t.Errorf("temps left by a failed copy: %v", m)
		}
	}
}
