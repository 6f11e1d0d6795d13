package network

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haplay/haplay/engine/connection"
	"github.com/haplay/haplay/engine/module"
)

// racedHost is localHost with another writer, bypassing haplay, that
// appends to the file before haplay's first write of it.
type racedHost struct {
	*localHost
	writes int
}

func (h *racedHost) WriteFile(ctx context.Context, p string, d []byte, o connection.WriteOptions) error {
	h.writes++
	if h.writes == 1 {
		f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
		if err != nil {
			return err
		}
		f.WriteString("10.9.9.9 theirs\n")
		f.Close()
	}
	return h.localHost.WriteFile(ctx, p, d, o)
}

// etc_hosts and haproxy_config keep a line another writer added between
// their read and their write: the write is refused, and they edit the
// file again from a fresh read.
func TestNetworkEditsKeepConcurrentChange(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		mod  module.Module
		args map[string]any
		want []string
	}{
		{EtcHosts{}, map[string]any{"entries": []any{map[string]any{"ip": "10.0.0.1", "names": []any{"ours"}}}},
			[]string{"10.9.9.9 theirs", "10.0.0.1 ours"}},
		{HAProxyConfig{}, map[string]any{"validate": false, "reload": false,
			"sections": []any{map[string]any{"type": "backend", "name": "web", "options": map[string]any{"mode": "http"}}}},
			[]string{"10.9.9.9 theirs", "backend web"}},
	} {
		t.Run(tc.mod.Name(), func(t *testing.T) {
			p := filepath.Join(dir, tc.mod.Name())
			os.WriteFile(p, []byte("127.0.0.1 localhost\n"), 0o644)
			tc.args["path"] = p
			args, errs := module.Validate(tc.mod.Spec(), tc.args, true)
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			h := &racedHost{localHost: newLocalHost(t)}
			r, err := tc.mod.Run(context.Background(), &module.Call{Host: h, Args: args})
			if err != nil || r.Failed || !r.Changed {
				t.Fatalf("err=%v failed=%v changed=%v %s", err, r.Failed, r.Changed, r.Msg)
			}
			got, _ := os.ReadFile(p)
			for _, w := range tc.want {
				if !strings.Contains(string(got), w) {
					t.Errorf("file lacks %q:\n%s", w, got)
				}
			}
			if h.writes != 2 {
				t.Errorf("%d writes, want 2", h.writes)
			}
		})
	}
}
