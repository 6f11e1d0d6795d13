package files

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haplay/haplay/engine/connection"
	"github.com/haplay/haplay/engine/module"
)

// hookHost is the controller as a module's host (the real write script,
// run by /bin/sh), with a hook that plays another writer: it runs after
// each read and before the write that follows it, bypassing haplay.
type hookHost struct {
	*connection.LocalTarget
	between func(n int) // n counts the writes, from 1
	writes  int
}

func (h *hookHost) ReadFile(ctx context.Context, p string, withContent bool) (module.FileInfo, error) {
	return module.ReadFileInfo(ctx, h.LocalTarget, p, withContent, connection.Become{})
}

func (h *hookHost) WriteFile(ctx context.Context, p string, data []byte, o connection.WriteOptions) error {
	h.writes++
	if h.between != nil {
		h.between(h.writes)
	}
	return h.LocalTarget.WriteFile(ctx, p, data, o)
}

func runEdit(t *testing.T, h *hookHost, mod module.Module, args map[string]any) module.Result {
	t.Helper()
	a, errs := module.Validate(mod.Spec(), args, true)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	r, err := mod.Run(context.Background(), &module.Call{Host: h, Args: a})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestEditKeepsConcurrentChange: when another writer changes the file
// between a line-editing module's read and its write, the write does not
// rename over it; the module reads again and makes its edit on top, so
// both changes land. A file that keeps changing fails the task after
// module.EditAttempts and keeps the other writer's content.
func TestEditKeepsConcurrentChange(t *testing.T) {
	local, err := connection.NewLocal("ctl")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "conf")
	appendLine := func(s string) {
		f, err := os.OpenFile(p, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString(s + "\n")
		f.Close()
	}
	read := func() string { b, _ := os.ReadFile(p); return string(b) }
	cases := []struct {
		name string
		mod  module.Module
		args map[string]any
		want string
	}{
		{"lineinfile", LineInFile{}, map[string]any{"path": p, "line": "ours", "create": true}, "base\ntheirs 1\nours\n"},
		{"blockinfile", BlockInFile{}, map[string]any{"path": p, "block": "ours"}, "base\ntheirs 1\n# BEGIN ANSIBLE MANAGED BLOCK\nours\n# END ANSIBLE MANAGED BLOCK\n"},
		{"replace", Replace{}, map[string]any{"path": p, "regexp": "^base$", "replace": "ours"}, "ours\ntheirs 1\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			os.WriteFile(p, []byte("base\n"), 0o644)
			h := &hookHost{LocalTarget: local, between: func(n int) {
				if n == 1 {
					appendLine("theirs 1")
				}
			}}
			r := runEdit(t, h, tc.mod, tc.args)
			if r.Failed || !r.Changed {
				t.Fatalf("failed=%v changed=%v: %s", r.Failed, r.Changed, r.Msg)
			}
			if got := read(); got != tc.want {
				t.Errorf("file is %q, want %q (both changes)", got, tc.want)
			}
			if h.writes != 2 {
				t.Errorf("%d writes, want 2 (the first refused, the second on the fresh read)", h.writes)
			}
		})
	}
	t.Run("created meanwhile", func(t *testing.T) {
		os.Remove(p)
		h := &hookHost{LocalTarget: local, between: func(n int) {
			if n == 1 {
				appendLine("theirs")
			}
		}}
		r := runEdit(t, h, LineInFile{}, map[string]any{"path": p, "line": "ours", "create": true})
		if r.Failed || read() != "theirs\nours\n" {
			t.Errorf("failed=%v %s; file is %q, want both lines", r.Failed, r.Msg, read())
		}
	})
	t.Run("keeps changing", func(t *testing.T) {
		os.WriteFile(p, []byte("base\n"), 0o644)
		h := &hookHost{LocalTarget: local, between: func(n int) { appendLine("theirs") }}
		r := runEdit(t, h, LineInFile{}, map[string]any{"path": p, "line": "ours"})
		if !r.Failed || !strings.Contains(r.Msg, "kept changing on the host") || !strings.Contains(r.Msg, p) {
			t.Errorf("failed=%v msg %q, want a failure saying %s kept changing", r.Failed, r.Msg, p)
		}
		if h.writes != module.EditAttempts {
			t.Errorf("%d writes, want %d", h.writes, module.EditAttempts)
		}
		if got := read(); strings.Contains(got, "ours") || strings.Count(got, "theirs") != module.EditAttempts {
			t.Errorf("file is %q: the other writer's lines must all be there, ours not", got)
		}
	})
}
