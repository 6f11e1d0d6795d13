package system

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haplay/haplay/engine/connection"
	"github.com/haplay/haplay/engine/module"
)

func rebootArgs(t *testing.T, raw map[string]any) module.Args {
	t.Helper()
	a, errs := module.Validate(Reboot{}.Spec(), raw, true)
	if len(errs) > 0 {
		t.Fatalf("validate %v: %v", raw, errs)
	}
	return a
}

func TestRebootPlan(t *testing.T) {
	defPaths := []string{"/sbin", "/bin", "/usr/sbin", "/usr/bin", "/usr/local/sbin"}
	tests := []struct {
		name  string
		raw   map[string]any
		bin   string
		args  string
		paths []string
		line  string // with path /p/bin
	}{
		{"defaults", map[string]any{}, "shutdown", "-r 0 'Reboot initiated by Ansible'", defPaths,
			"/p/bin -r 0 'Reboot initiated by Ansible'"},
		{"delay under a minute is 0", map[string]any{"pre_reboot_delay": 59}, "shutdown", "-r 0 'Reboot initiated by Ansible'", defPaths, ""},
		{"delay 60 is 1 minute", map[string]any{"pre_reboot_delay": 60}, "shutdown", "-r 1 'Reboot initiated by Ansible'", defPaths, ""},
		{"delay rounds down", map[string]any{"pre_reboot_delay": "179"}, "shutdown", "-r 2 'Reboot initiated by Ansible'", defPaths, ""},
		{"negative delay is 0", map[string]any{"pre_reboot_delay": -120}, "shutdown", "-r 0 'Reboot initiated by Ansible'", defPaths, ""},
		{"message quoted", map[string]any{"msg": `it's "kernel" $(time) ; rm -rf /`}, "shutdown",
			`-r 0 'it'"'"'s "kernel" $(time) ; rm -rf /'`, defPaths, ""},
		{"search paths", map[string]any{"search_paths": []any{"/opt/x/", "/lib/molly-guard"}}, "shutdown",
			"-r 0 'Reboot initiated by Ansible'", []string{"/opt/x/", "/lib/molly-guard"}, ""},
		{"search path as a string", map[string]any{"search_paths": "/lib/molly-guard"}, "shutdown",
			"-r 0 'Reboot initiated by Ansible'", []string{"/lib/molly-guard"}, ""},
		{"reboot_command with args", map[string]any{"reboot_command": "systemctl reboot --force", "msg": "ignored", "pre_reboot_delay": 600},
			"systemctl", "reboot --force", defPaths, "/p/bin reboot --force"},
		{"reboot_command absolute", map[string]any{"reboot_command": "/usr/local/bin/my reboot"}, "/usr/local/bin/my", "reboot", nil, ""},
		{"reboot_command alone", map[string]any{"reboot_command": " reboot "}, "reboot", "", defPaths, "/p/bin"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := planReboot(rebootArgs(t, tc.raw))
			if p.Bin != tc.bin || p.Args != tc.args || strings.Join(p.SearchPaths, ",") != strings.Join(tc.paths, ",") {
				t.Errorf("plan = %+v, want bin %q args %q paths %v", p, tc.bin, tc.args, tc.paths)
			}
			if tc.line != "" {
				if got := p.line("/p/bin"); got != tc.line {
					t.Errorf("line = %q, want %q", got, tc.line)
				}
			}
		})
	}
}

func TestRebootArgValidation(t *testing.T) {
	tests := []struct {
		raw  map[string]any
		want string // "" = valid
	}{
		{map[string]any{}, ""},
		{map[string]any{"reboot_timeout": 0}, "reboot_timeout must be a positive"},
		{map[string]any{"reboot_timeout": "{{ t }}"}, ""}, // load time: checked after templating
		{map[string]any{"reboot_command": "  "}, "reboot_command must not be empty"},
		{map[string]any{"search_paths": []any{}}, "search_paths must name at least one"},
		{map[string]any{"pre_reboot_delay": "soon"}, "pre_reboot_delay"},
		{map[string]any{"reboot_timeuot": 5}, "reboot_timeout"}, // suggests the right name
	}
	for _, tc := range tests {
		_, errs := module.Validate(Reboot{}.Spec(), tc.raw, false)
		var msgs []string
		for _, e := range errs {
			msgs = append(msgs, e.Msg)
		}
		got := strings.Join(msgs, "; ")
		if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
			t.Errorf("%v: errors %q, want %q", tc.raw, got, tc.want)
		}
	}
}

func TestRebootBackoff(t *testing.T) {
	want := []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 12 * time.Second, 12 * time.Second}
	for n, w := range want {
		if got := rebootBackoff(n); got != w {
			t.Errorf("backoff(%d) = %v, want %v", n, got, w)
		}
	}
	if got := rebootBackoff(1000); got != 12*time.Second {
		t.Errorf("backoff(1000) = %v", got)
	}
}

func TestPyList(t *testing.T) {
	if got := pyList([]string{"/sbin", "/o'k"}); got != `['/sbin', '/o\'k']` {
		t.Errorf("pyList = %s", got)
	}
}

// The probe script only tests for files and runs the boot time command,
// so it runs here as it would on a host.
func TestRebootProbeScript(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"a", "b", "c"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// b holds a dangling symlink (find's file_type any counts it), c a file.
	if err := os.Symlink("/nonexistent", filepath.Join(dir, "b", "shutdown")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "c", "shutdown"), nil, 0o755); err != nil {
		t.Fatal(err)
	}
	run := func(p rebootPlan, boot string) (string, int) {
		out, err := exec.Command("/bin/sh", "-c", p.probeScript(boot)).Output()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return string(out), ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(out), 0
	}
	p := rebootPlan{Bin: "shutdown", SearchPaths: []string{dir + "/a/", dir + "/b", dir + "/c"}}
	if out, rc := run(p, "echo id-1"); out != dir+"/b/shutdown\nid-1\n" || rc != 0 {
		t.Errorf("probe = %q rc %d", out, rc)
	}
	p.SearchPaths = []string{dir + "/a", dir + "/c"}
	if out, _ := run(p, "echo 'it''s'"); out != dir+"/c/shutdown\nits\n" {
		t.Errorf("probe = %q", out)
	}
	p.SearchPaths = []string{dir + "/a", dir + "/nonexistent"}
	if out, rc := run(p, "echo x; exit 3"); out != "\nx\n" || rc != 3 {
		t.Errorf("probe (not found, failing boot command) = %q rc %d", out, rc)
	}
	p = rebootPlan{Bin: "/opt/my reboot"}
	if out, _ := run(p, "echo y"); out != "/opt/my reboot\ny\n" {
		t.Errorf("absolute probe = %q", out)
	}
}

// fakeRebootHost plays a host that reboots when shutdown runs: its boot id
// changes after downFor further commands, which fail meanwhile as a
// dropped connection does.
type fakeRebootHost struct {
	mu          sync.Mutex
	local       bool
	bootID      string
	downFor     int // commands that fail after shutdown
	down        int
	stayDown    bool
	testFails   int // test command failures after the reboot
	shutdownRC  int
	commands    []string
	disconnects int
}

func (h *fakeRebootHost) Name() string        { return "fake1" }
func (h *fakeRebootHost) Reconnectable() bool { return !h.local }
func (h *fakeRebootHost) Disconnect() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.disconnects++
}
func (h *fakeRebootHost) WriteFile(context.Context, string, []byte, connection.WriteOptions) error {
	return errors.New("not here")
}
func (h *fakeRebootHost) ReadFile(context.Context, string, bool) (module.FileInfo, error) {
	return module.FileInfo{}, errors.New("not here")
}

func (h *fakeRebootHost) Run(_ context.Context, c connection.Cmd) (connection.Output, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.commands = append(h.commands, c.Script)
	switch {
	case strings.Contains(c.Script, "for d in"): // the probe
		return connection.Output{Stdout: []byte("/sbin/shutdown\n" + h.bootID + "\n")}, nil
	case strings.HasPrefix(c.Script, "/sbin/shutdown"):
		if h.shutdownRC != 0 {
			return connection.Output{ExitCode: h.shutdownRC, Stderr: []byte("Failed to talk to init daemon.")}, nil
		}
		h.down = h.downFor
		return connection.Output{}, errors.New("fake1: command ended without an exit status (connection lost?)")
	}
	if h.stayDown || h.down > 0 {
		h.down--
		return connection.Output{}, &connection.UnreachableError{Host: "fake1", Err: errors.New("connection refused")}
	}
	if c.Script == rebootDefaultBootTime {
		if !strings.HasPrefix(h.bootID, "new-") {
			h.bootID = "new-" + h.bootID
		}
		return connection.Output{Stdout: []byte(h.bootID + "\n")}, nil
	}
	if h.testFails > 0 {
		h.testFails--
		return connection.Output{ExitCode: 1, Stderr: []byte("not yet")}, nil
	}
	return connection.Output{Stdout: []byte("root\n")}, nil
}

func TestRebootRunFake(t *testing.T) {
	run := func(h *fakeRebootHost, check bool, raw map[string]any) module.Result {
		t.Helper()
		r, err := Reboot{}.Run(t.Context(), &module.Call{Host: h, Args: rebootArgs(t, raw), Check: check})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	t.Run("reboots", func(t *testing.T) {
		h := &fakeRebootHost{bootID: "b1", downFor: 2, testFails: 1}
		r := run(h, false, map[string]any{})
		if r.Failed || !r.Changed || r.Values["rebooted"] != true {
			t.Fatalf("result %+v", r)
		}
		if h.disconnects < 3 { // after shutdown, and after each failed try
			t.Errorf("disconnects = %d", h.disconnects)
		}
		if got := h.commands[1]; got != "/sbin/shutdown -r 0 'Reboot initiated by Ansible'" {
			t.Errorf("shutdown command %q", got)
		}
	})
	t.Run("check mode", func(t *testing.T) {
		h := &fakeRebootHost{bootID: "b1"}
		r := run(h, true, map[string]any{})
		if r.Failed || !r.Changed || r.Values["rebooted"] != true || r.Values["elapsed"] != 0 || len(h.commands) != 1 {
			t.Fatalf("result %+v, commands %q", r, h.commands)
		}
	})
	t.Run("local connection refused", func(t *testing.T) {
		h := &fakeRebootHost{bootID: "b1", local: true}
		r := run(h, false, map[string]any{})
		if !r.Failed || !strings.Contains(r.Msg, "would reboot the control node") || len(h.commands) != 0 {
			t.Fatalf("result %+v, commands %q", r, h.commands)
		}
	})
	t.Run("shutdown fails", func(t *testing.T) {
		h := &fakeRebootHost{bootID: "b1", shutdownRC: 1}
		r := run(h, false, map[string]any{})
		if !r.Failed || r.Values["rebooted"] != false || !strings.Contains(r.Msg, "fake1: reboot command /sbin/shutdown -r 0 'Reboot initiated by Ansible' failed, rc: 1") ||
			!strings.Contains(r.Msg, "Failed to talk to init daemon.") {
			t.Fatalf("result %+v", r)
		}
	})
	t.Run("boot id timeout", func(t *testing.T) {
		h := &fakeRebootHost{bootID: "b1", stayDown: true}
		r := run(h, false, map[string]any{"reboot_timeout": 1})
		if !r.Failed || !strings.Contains(r.Msg, "fake1: Timed out waiting for last boot time check (timeout=1)") || !strings.Contains(r.Msg, "connection refused") {
			t.Fatalf("result %+v", r)
		}
	})
	t.Run("test command timeout", func(t *testing.T) {
		h := &fakeRebootHost{bootID: "b1", testFails: 1000}
		r := run(h, false, map[string]any{"reboot_timeout": 1, "test_command": "systemctl is-system-running"})
		if !r.Failed || !strings.Contains(r.Msg, "fake1: Timed out waiting for post-reboot test command (timeout=1)") ||
			!strings.Contains(r.Msg, `"systemctl is-system-running" failed, rc 1: not yet`) {
			t.Fatalf("result %+v", r)
		}
	})
}
