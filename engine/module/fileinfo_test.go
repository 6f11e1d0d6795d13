package module

import (
	"context"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haplay/haplay/engine/connection/hostcmd"
)

// runWithPath runs commands through /bin/sh with dir first in PATH, so a
// test can put a failing tar there.
type runWithPath struct{ dir string }

func (r runWithPath) Run(ctx context.Context, c hostcmd.Cmd) (hostcmd.Output, error) {
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", c.Script)
	cmd.Env = append(os.Environ(), "PATH="+r.dir+":"+os.Getenv("PATH"))
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	o := hostcmd.Output{Stdout: []byte(out.String()), Stderr: []byte(errb.String())}
	if ee, ok := err.(*exec.ExitError); ok {
		o.ExitCode = ee.ExitCode()
		err = nil
	}
	return o, err
}

// TestReadFileInfo reads every kind of path with content, through tar (a
// regular file) and stat (the rest), and again with a tar that fails,
// where the stat probe alone must give the same answers.
func TestReadFileInfo(t *testing.T) {
	requireTool(t, "tar")
	dir := t.TempDir()
	file := filepath.Join(dir, "it's a file")
	if err := os.WriteFile(file, []byte("a\x00b\nno newline"), 0o600); err != nil {
		t.Fatal(err)
	}
	// Paths belong to the test's user; as root the file also gets an
	// owner and group without names (chown first: it clears the set-id
	// bits).
	me, grp := currentNames(t)
	fileOwner, fileGroup := me, grp
	if os.Geteuid() == 0 {
		if err := os.Chown(file, 4242, 4243); err != nil {
			t.Fatal(err)
		}
		fileOwner, fileGroup = "4242", "4243"
	}
	if err := os.Chmod(file, 0o750|os.ModeSetuid); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink("it's a file", link); err != nil {
		t.Fatal(err)
	}
	long := filepath.Join(dir, strings.Repeat("d", 120), strings.Repeat("f", 120))
	if err := os.MkdirAll(filepath.Dir(long), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(long, []byte("long name\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	failing := t.TempDir()
	if err := os.WriteFile(filepath.Join(failing, "tar"), []byte("#!/bin/sh\necho 'tar: not this one' >&2\nexit 2\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	render := func(f FileInfo) string {
		return strings.Join([]string{f.Type, FormatMode(f.Mode), f.Owner, f.Group, f.LinkTarget, string(f.Content)}, "|")
	}
	want := map[string]string{
		file:                       "file|4750|" + fileOwner + "|" + fileGroup + "||a\x00b\nno newline",
		empty:                      "file|0644|" + me + "|" + grp + "||",
		link:                       "link|0777|" + me + "|" + grp + "|it's a file|",
		dir:                        "directory|0750|" + me + "|" + grp + "||",
		long:                       "file|0644|" + me + "|" + grp + "||long name\n",
		filepath.Join(dir, "none"): "",
	}
	for _, h := range []struct {
		name string
		run  runWithPath
	}{{"tar", runWithPath{}}, {"stat (tar fails)", runWithPath{dir: failing}}} {
		for p, w := range want {
			f, err := ReadFileInfo(context.Background(), h.run, p, true, hostcmd.Become{})
			if err != nil {
				t.Fatalf("%s: %s: %v", h.name, p, err)
			}
			got := render(f)
			if !f.Exists {
				got = ""
			}
			if got != w {
				t.Errorf("%s: %s: got %q, want %q", h.name, filepath.Base(p), got, w)
			}
			if f.Exists && f.Type == "file" && (!f.HasData || f.Size != int64(len(f.Content))) {
				t.Errorf("%s: %s: content not read (%v, size %d)", h.name, filepath.Base(p), f.HasData, f.Size)
			}
		}
	}
}

// requireTool skips the test without the tool, except under CI=true.
func requireTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s missing under CI=true (scripts/deps.sh installs it)", name)
		}
		t.Skipf("%s not installed", name)
	}
}

// currentNames returns the test user's name and primary group name.
func currentNames(t *testing.T) (string, string) {
	t.Helper()
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	g, err := user.LookupGroupId(u.Gid)
	if err != nil {
		t.Fatal(err)
	}
	return u.Username, g.Name
}
