package network

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/haplay/haplay/engine/module"
)

func TestParseServersState(t *testing.T) {
	out := `1
# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status
2 web 1 s1 127.0.0.1 0 8 10 10 1 8 2 0 6 0 0 0 - 18081 - 0 0 - - 0
2 web 2 s2 127.0.0.1 2 1 0 1 1 1 0 2 0 0 0 0 - 18082 - 0 0 - - 0
3 api 1 s1 127.0.0.1 2 0 1 1 1 1 0 2 0 0 0 0 - 18082 - 0 0 - - 0`
	ss, err := parseServersState(out)
	if err != nil {
		t.Fatal(err)
	}
	got := []string{}
	for _, s := range ss {
		got = append(got, fmt.Sprintf("%s/%s %s %d/%d", s.Backend, s.Server, s.state(), s.UWeight, s.IWeight))
	}
	want := "web/s1 drain 10/10,web/s2 disabled 0/1,api/s1 enabled 1/1"
	if strings.Join(got, ",") != want {
		t.Errorf("got %s, want %s", strings.Join(got, ","), want)
	}
	if _, err := parseServersState("2\n"); err == nil {
		t.Error("format version 2 accepted")
	}
}

func TestDesiredWeight(t *testing.T) {
	for _, tt := range []struct {
		w    string
		iw   int
		want int
		err  bool
	}{{"10", 1, 10, false}, {"55%", 10, 5, false}, {"100%", 7, 7, false}, {"300", 1, 0, true}, {"x%", 1, 0, true}} {
		got, err := desiredWeight(tt.w, tt.iw)
		if got != tt.want || (err != nil) != tt.err {
			t.Errorf("desiredWeight(%q, %d) = %d, %v", tt.w, tt.iw, got, err)
		}
	}
}

// startHAProxy runs a real haproxy on loopback with an admin stats socket
// and returns the socket path.
func startHAProxy(t *testing.T) string {
	t.Helper()
	requireTool(t, "haproxy")
	requireTool(t, "socat")
	dir := t.TempDir()
	sock := filepath.Join(dir, "admin.sock")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cfg := fmt.Sprintf(`global
    stats socket %s mode 600 level admin
defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
backend web
    server s1 127.0.0.1:9 weight 10
    server s2 127.0.0.1:9
listen api
    bind 127.0.0.1:%d
    server s1 127.0.0.1:9
`, sock, port)
	cf := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(cf, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	pidf := filepath.Join(dir, "haproxy.pid")
	if out, err := exec.Command("haproxy", "-f", cf, "-p", pidf, "-D").CombinedOutput(); err != nil {
		t.Fatalf("haproxy: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		b, _ := os.ReadFile(pidf)
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			_ = syscall.Kill(pid, syscall.SIGTERM)
		}
	})
	for i := 0; i < 50; i++ {
		if _, err := os.Stat(sock); err == nil {
			return sock
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("haproxy made no stats socket")
	return ""
}

func TestHAProxyRuntimeLocal(t *testing.T) {
	sock := startHAProxy(t)
	h := newLocalHost(t)
	run := func(check bool, args map[string]any) module.Result {
		t.Helper()
		args["socket"] = sock
		a, errs := module.Validate(HAProxy{}.Spec(), args, true)
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		r, err := HAProxy{}.Run(t.Context(), &module.Call{Host: h, Args: a, Check: check, Diff: true})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	stateOf := func(backend, server string) string {
		ans, err := haproxyCLI(t.Context(), &module.Call{Host: h}, sock, "show servers state")
		if err != nil {
			t.Fatal(err)
		}
		ss, _ := parseServersState(ans[0])
		for _, s := range ss {
			if s.Backend == backend && s.Server == server {
				return fmt.Sprintf("%s %d", s.state(), s.UWeight)
			}
		}
		return "missing"
	}
	steps := []struct {
		name    string
		check   bool
		args    map[string]any
		changed bool
		failed  bool
		after   string // state of web/s1 afterwards
	}{
		{"check mode predicts drain", true, map[string]any{"host": "s1", "backend": "web", "state": "drain"}, true, false, "enabled 10"},
		{"drain", false, map[string]any{"host": "s1", "backend": "web", "state": "drain"}, true, false, "drain 10"},
		{"drain again", false, map[string]any{"host": "s1", "backend": "web", "state": "drain"}, false, false, "drain 10"},
		{"disable with weight", false, map[string]any{"host": "s1", "backend": "web", "state": "disabled", "weight": "50%"}, true, false, "disabled 5"},
		{"disable again", false, map[string]any{"host": "s1", "backend": "web", "state": "disabled", "weight": "5"}, false, false, "disabled 5"},
		{"enable and wait", false, map[string]any{"host": "s1", "backend": "web", "state": "enabled", "weight": "10", "wait": true, "wait_interval": 0}, true, false, "enabled 10"},
		{"missing server ok", false, map[string]any{"host": "nope", "backend": "web", "state": "enabled"}, false, false, "enabled 10"},
		{"missing server fails", false, map[string]any{"host": "nope", "state": "enabled", "fail_on_not_found": true}, false, true, "enabled 10"},
		{"missing backend fails", false, map[string]any{"host": "s1", "backend": "nope", "state": "enabled", "fail_on_not_found": true}, false, true, "enabled 10"},
		{"disabled drain-then-maint", false, map[string]any{"host": "s1", "backend": "web", "state": "disabled", "drain": true, "wait": true, "wait_interval": 0}, true, false, "disabled 10"},
	}
	for _, s := range steps {
		r := run(s.check, s.args)
		if r.Changed != s.changed || r.Failed != s.failed {
			t.Errorf("%s: changed=%v failed=%v (%s), want changed=%v failed=%v", s.name, r.Changed, r.Failed, r.Msg, s.changed, s.failed)
		}
		if got := stateOf("web", "s1"); got != s.after {
			t.Errorf("%s: web/s1 is %q, want %q", s.name, got, s.after)
		}
	}
	// Without backend every backend with the server is handled.
	r := run(false, map[string]any{"host": "s1", "state": "drain"})
	if !r.Changed || stateOf("api", "s1") != "drain 1" || stateOf("web", "s1") != "drain 10" {
		t.Errorf("all backends: %s; api/s1 %s, web/s1 %s", r.Msg, stateOf("api", "s1"), stateOf("web", "s1"))
	}
	if len(r.Diffs) != 1 || !strings.Contains(r.Diffs[0].After, "api/s1 state: drain") {
		t.Errorf("diff = %+v", r.Diffs)
	}
}

func TestHAProxyRuntimeNoSocket(t *testing.T) {
	requireTool(t, "socat")
	h := newLocalHost(t)
	a, _ := module.Validate(HAProxy{}.Spec(), map[string]any{"host": "s1", "state": "enabled", "socket": filepath.Join(t.TempDir(), "none.sock")}, true)
	r, err := HAProxy{}.Run(t.Context(), &module.Call{Host: h, Args: a})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Failed || !strings.Contains(r.Msg, "is not a socket") {
		t.Errorf("got %+v", r)
	}
}
