package runner_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"sync"

	"github.com/haplay/haplay/engine/connection"
)

// corpusRoot is the directory every corpus case writes under on its
// hosts (internal/conformance's caseRoot).
var corpusRoot = regexp.MustCompile(`/tmp/conf\b`)

// fakeHosts is a FAKE connector for in-process tests: every host of the
// inventory, localhost included, is the controller itself (a
// connection.LocalTarget, so commands really run), with the corpus root
// /tmp/conf moved into a directory of its own under root. Hosts then do
// not see each other's files, as separate machines would not, and nothing
// is written outside the test's temp dir. It is not a sandbox: a command
// that writes elsewhere writes on the controller.
type fakeHosts struct {
	root string
	mu   sync.Mutex
	made map[string]*fakeHost
}

func newFakeHosts(root string) *fakeHosts {
	return &fakeHosts{root: root, made: map[string]*fakeHost{}}
}

// Target gives one fake host per host name, for the whole run, whatever
// the connection description says (user, port, become): a machine keeps
// its files when it is reached another way.
func (f *fakeHosts) Target(ctx context.Context, spec connection.Spec) (connection.Target, error) {
	host := spec.Host
	f.mu.Lock()
	defer f.mu.Unlock()
	if h, ok := f.made[host]; ok {
		return h, nil
	}
	local, err := connection.NewLocal(host)
	if err != nil {
		return nil, &connection.UnreachableError{Host: host, Err: err}
	}
	h := &fakeHost{local: local, dir: filepath.Join(f.root, host)}
	// /tmp exists on every host; its stand-in must too.
	if err := os.MkdirAll(h.dir, 0o755); err != nil {
		return nil, &connection.UnreachableError{Host: host, Err: err}
	}
	f.made[host] = h
	return h, nil
}

// fakeHost is one fake host: a LocalTarget whose /tmp/conf is dir.
type fakeHost struct {
	local *connection.LocalTarget
	dir   string
}

func (h *fakeHost) move(s string) string { return corpusRoot.ReplaceAllLiteralString(s, h.dir) }

func (h *fakeHost) Name() string { return h.local.Name() }
func (h *fakeHost) Close() error { return h.local.Close() }

// Run runs c with the corpus root moved in its script, argv and directory.
func (h *fakeHost) Run(ctx context.Context, c connection.Cmd) (connection.Output, error) {
	c.Script = h.move(c.Script)
	if c.Argv != nil {
		argv := make([]string, len(c.Argv))
		for i, a := range c.Argv {
			argv[i] = h.move(a)
		}
		c.Argv = argv
	}
	c.Dir = h.move(c.Dir)
	return h.local.Run(ctx, c)
}

// WriteFile writes to path with the corpus root moved.
func (h *fakeHost) WriteFile(ctx context.Context, path string, data []byte, opts connection.WriteOptions) error {
	return h.local.WriteFile(ctx, h.move(path), data, opts)
}
