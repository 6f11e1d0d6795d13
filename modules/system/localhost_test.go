package system

import (
	"context"
	"testing"

	"github.com/haplay/haplay/engine/connection"
	"github.com/haplay/haplay/engine/module"
)

// localHost is the controller itself as a module's Host, for tests that
// drive real tools (haproxy) without a lab.
type localHost struct {
	t *connection.LocalTarget
}

func newLocalHost(t *testing.T) *localHost {
	t.Helper()
	lt, err := connection.NewLocal("localhost")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lt.Close() })
	return &localHost{t: lt}
}

func (h *localHost) Name() string { return "localhost" }
func (h *localHost) Run(ctx context.Context, c connection.Cmd) (connection.Output, error) {
	return h.t.Run(ctx, c)
}
func (h *localHost) WriteFile(ctx context.Context, p string, d []byte, o connection.WriteOptions) error {
	return h.t.WriteFile(ctx, p, d, o)
}
func (h *localHost) ReadFile(ctx context.Context, p string, with bool) (module.FileInfo, error) {
	return module.ReadFileInfo(ctx, h.t, p, with, connection.Become{})
}
