package files

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	goldenfile "github.com/haplay/haplay/internal/golden"

	udiff "github.com/aymanbagabas/go-udiff"

	"github.com/haplay/haplay/engine/connection"
	"github.com/haplay/haplay/engine/module"
)

// memHost is a host whose files live in memory; in check mode it keeps
// WriteFile and RecordPredicted as predictions, as the runner's does.
type memHost struct {
	files   map[string]module.FileInfo
	scripts []string
	writes  int
	// out answers scripts; nil answers nothing.
	out func(script string) string
}

func (h *memHost) Name() string { return "node1" }

func (h *memHost) Run(_ context.Context, c connection.Cmd) (connection.Output, error) {
	h.scripts = append(h.scripts, c.Script)
	if h.out != nil {
		return connection.Output{Stdout: []byte(h.out(c.Script))}, nil
	}
	return connection.Output{}, nil
}

func (h *memHost) WriteFile(_ context.Context, p string, data []byte, o connection.WriteOptions) error {
	h.writes++
	f := h.files[p]
	f.Path, f.Exists, f.Type, f.Content, f.HasData, f.Size = p, true, "file", data, true, int64(len(data))
	if f.Mode == 0 {
		f.Mode = 0o644
	}
	if o.Mode != 0 {
		f.Mode = o.Mode
	}
	h.files[p] = f
	return nil
}

func (h *memHost) ReadFile(_ context.Context, p string, _ bool) (module.FileInfo, error) {
	if f, ok := h.files[p]; ok {
		return f, nil
	}
	return module.FileInfo{Path: p}, nil
}

func (h *memHost) RecordPredicted(f module.FileInfo) { h.files[f.Path] = f }

func textFile(p, s string) module.FileInfo {
	return module.FileInfo{Path: p, Exists: true, Type: "file", Mode: 0o644, Owner: "root", Group: "root", Content: []byte(s), HasData: true, Size: int64(len(s))}
}

func render(ds []module.Diff) string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString(udiff.Unified(d.BeforeHeader, d.AfterHeader, d.Before, d.After))
	}
	return b.String()
}

func TestFileModuleDiffs(t *testing.T) {
	hosts := "127.0.0.1 localhost\n10.0.0.1 old\n"
	sshd := "Port 22\n#PermitRootLogin yes\nPasswordAuthentication yes\n"
	tests := []struct {
		name  string
		mod   module.Module
		args  map[string]any
		files []module.FileInfo
		out   func(string) string
	}{
		{"lineinfile_replace", LineInFile{}, map[string]any{"path": "/etc/ssh/sshd_config", "regexp": "^#?PermitRootLogin", "line": "PermitRootLogin no"}, []module.FileInfo{textFile("/etc/ssh/sshd_config", sshd)}, nil},
		{"lineinfile_insertafter", LineInFile{}, map[string]any{"path": "/etc/ssh/sshd_config", "line": "UseDNS no", "insertafter": "^Port"}, []module.FileInfo{textFile("/etc/ssh/sshd_config", sshd)}, nil},
		{"lineinfile_create_mode", LineInFile{}, map[string]any{"path": "/etc/new.conf", "line": "a=1", "create": true, "mode": "0600"}, nil, nil},
		{"blockinfile_hosts", BlockInFile{}, map[string]any{"path": "/etc/hosts", "block": "10.31.1.171 manager\n10.31.1.172 worker1\n"}, []module.FileInfo{textFile("/etc/hosts", hosts)}, nil},
		{"replace_hosts", Replace{}, map[string]any{"path": "/etc/hosts", "regexp": `^10\.0\.0\.1 (\w+)$`, "replace": `10.0.0.2 \1`}, []module.FileInfo{textFile("/etc/hosts", hosts)}, nil},
		{"copy_content_and_mode", Copy{}, map[string]any{"dest": "/etc/hosts", "content": "127.0.0.1 localhost\n", "mode": "0600", "owner": "1000"}, []module.FileInfo{textFile("/etc/hosts", hosts)}, nil},
		{"copy_mode_only", Copy{}, map[string]any{"dest": "/etc/hosts", "content": hosts, "mode": "u=rw,go="}, []module.FileInfo{textFile("/etc/hosts", hosts)}, nil},
		{"file_directory_parents", File{}, map[string]any{"path": "/mnt/NASVolume/msa_db", "state": "directory", "owner": "70"}, nil,
			func(s string) string {
				if strings.Contains(s, "if [ -d") {
					return "/mnt\n/mnt/NASVolume\n/mnt/NASVolume/msa_db\n"
				}
				return ""
			}},
		{"file_absent", File{}, map[string]any{"path": "/etc/hosts", "state": "absent"}, []module.FileInfo{textFile("/etc/hosts", hosts)}, nil},
		{"file_link", File{}, map[string]any{"path": "/etc/h", "src": "/etc/hosts", "state": "link"}, []module.FileInfo{textFile("/etc/hosts", hosts)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &memHost{files: map[string]module.FileInfo{}, out: tt.out}
			for _, f := range tt.files {
				h.files[f.Path] = f
			}
			args, errs := module.Validate(tt.mod.Spec(), tt.args, true)
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			c := &module.Call{Host: h, Args: args, Check: true, Diff: true}
			r, err := tt.mod.Run(context.Background(), c)
			if err != nil || r.Failed {
				t.Fatalf("%v %s", err, r.Msg)
			}
			if !r.Changed {
				t.Fatal("no change predicted")
			}
			if h.writes > 0 && tt.name == "file_absent" {
				t.Fatal("file module wrote content")
			}
			got := render(r.Diffs)
			goldenfile.Check(t, filepath.Join("../testdata", "diff", tt.name+".diff"), got)
			// The prediction is idempotent: a second check run on the
			// predicted state changes nothing.
			r2, err := tt.mod.Run(context.Background(), &module.Call{Host: h, Args: args, Check: true, Diff: true})
			if err != nil || r2.Failed || r2.Changed {
				t.Fatalf("second run: changed=%v failed=%v %v %s\n%s", r2.Changed, r2.Failed, err, r2.Msg, render(r2.Diffs))
			}
		})
	}
}
