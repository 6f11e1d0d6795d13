// Package e2e runs the real haplay binary against lab hosts, for tests that
// assert what a user sees: exit codes, per-host statuses, diffs and the
// state left on the hosts.
package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/haplay/haplay/engine/lab"
	"github.com/haplay/haplay/engine/lab/labtest"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// Binary builds cmd/haplay once per test binary and returns its path.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "haplay-e2e-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "haplay")
		_, file, _, _ := runtime.Caller(0)
		root := filepath.Join(filepath.Dir(file), "..", "..")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/haplay")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = errors.New(string(out))
		}
	})
	if buildErr != nil {
		t.Fatalf("build haplay: %v", buildErr)
	}
	return binPath
}

// Lab brings up n lab hosts for the test (skipped outside Linux/root,
// failed under CI=true when a prerequisite is missing).
func Lab(t testing.TB, n int) *lab.Lab {
	t.Helper()
	return labtest.Require(t, n)
}

// Result is one haplay invocation.
type Result struct {
	ExitCode int
	Stdout   string
	Stderr   string
	Doc      *Doc // parsed --output json document, when asked for
}

// Doc mirrors the JSON reporter's document.
type Doc struct {
	Plays []struct {
		Name  string   `json:"name"`
		Hosts []string `json:"hosts"`
		Tasks []struct {
			Name  string `json:"name"`
			Hosts map[string]struct {
				Status  string         `json:"status"`
				Ignored bool           `json:"ignored"`
				Msg     string         `json:"msg"`
				Result  map[string]any `json:"result"`
				Diff    []struct {
					Before string `json:"before"`
					After  string `json:"after"`
				} `json:"diff"`
			} `json:"hosts"`
		} `json:"tasks"`
	} `json:"plays"`
	Stats   map[string]map[string]int `json:"stats"`
	Changes []struct {
		Host string `json:"Host"`
		Task string `json:"Task"`
	} `json:"changes"`
}

// Status returns a task's status on a host ("" if it did not run there).
// Tasks are found by name across plays; the last match wins.
func (d *Doc) Status(task, host string) string {
	s := ""
	for _, p := range d.Plays {
		for _, t := range p.Tasks {
			if t.Name == task {
				if r, ok := t.Hosts[host]; ok {
					s = r.Status
				}
			}
		}
	}
	return s
}

// Changed lists "host: task" for every change, in order.
func (d *Doc) Changed() []string {
	var out []string
	for _, c := range d.Changes {
		out = append(out, c.Host+": "+c.Task)
	}
	return out
}

// Run runs haplay with args in dir (the playbook's directory is a good
// choice) and returns what it printed. It never fails the test by itself.
func Run(t testing.TB, dir string, args ...string) Result {
	t.Helper()
	cmd := exec.Command(Binary(t), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := Result{Stdout: out.String(), Stderr: errb.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.ExitCode = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run haplay: %v", err)
	}
	for _, a := range args {
		if a == "--output=json" || a == "json" {
			var d Doc
			if jerr := json.Unmarshal(out.Bytes(), &d); jerr != nil {
				t.Fatalf("haplay --output json printed no JSON document: %v\nstdout:\n%s\nstderr:\n%s", jerr, out.String(), errb.String())
			}
			r.Doc = &d
		}
	}
	return r
}

// Playbook runs a playbook on the lab: `haplay run|plan FILE -i INV
// --known-hosts KH --output json` plus extra args. The playbook text is
// written to dir/name.
func Playbook(t testing.TB, l *lab.Lab, dir, name, text, command string, extra ...string) Result {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{command, p, "-i", l.InventoryPath, "--known-hosts", l.KnownHostsPath, "--output=json"}
	return Run(t, dir, append(args, extra...)...)
}

// Exec runs a command inside a lab host (not over SSH) and returns its
// trimmed output.
func Exec(t testing.TB, l *lab.Lab, host string, argv ...string) string {
	t.Helper()
	out, err := l.Exec(t.Context(), host, argv...)
	if err != nil {
		t.Fatalf("%s: %v: %v\n%s", host, argv, err, out)
	}
	return strings.TrimRight(string(out), "\n")
}
