package connection

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// nasty are argv words that break naive quoting.
var nasty = []string{
	"plain", "", " ", "two words", "it's", `"double"`, "$HOME", "${PATH}", "`id`", "$(id)",
	"a\nb\n", "tab\there", `back\slash`, "*", "~", "semi;colon", "a|b&c", "-n", "ünïcode", "'", "''",
}

func run(t *testing.T, tg Target, c Cmd) Output {
	t.Helper()
	out, err := tg.Run(context.Background(), c)
	if err != nil {
		t.Fatalf("run %+v: %v", c, err)
	}
	return out
}

// commonTests holds what every Target must do the same way, run against
// both ssh and local.
func commonTests(t *testing.T, tg Target) {
	t.Run("argv", func(t *testing.T) {
		argv := append([]string{"printf", `%s\0`}, nasty...)
		out := run(t, tg, Cmd{Argv: argv})
		got := strings.Split(string(out.Stdout), "\x00")
		got = got[:len(got)-1]
		if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", nasty) || out.ExitCode != 0 {
			t.Fatalf("argv round trip:\n got %q\nwant %q (rc %d, stderr %s)", got, nasty, out.ExitCode, out.Stderr)
		}
	})
	t.Run("script", func(t *testing.T) {
		out := run(t, tg, Cmd{Script: "x='a b'; for w in $x; do echo \"<$w>\"; done; echo err >&2; exit 3"})
		if string(out.Stdout) != "<a>\n<b>\n" || string(out.Stderr) != "err\n" || out.ExitCode != 3 {
			t.Fatalf("script: %q %q %d", out.Stdout, out.Stderr, out.ExitCode)
		}
	})
	t.Run("executable", func(t *testing.T) {
		out := run(t, tg, Cmd{Script: "echo ${BASH_VERSION:+bash}", Executable: "/bin/bash"})
		if string(out.Stdout) != "bash\n" {
			t.Fatalf("executable: %q", out.Stdout)
		}
	})
	t.Run("stdin", func(t *testing.T) {
		in := []byte("line 1\n\x00binary\xff\nno newline")
		out := run(t, tg, Cmd{Argv: []string{"cat"}, Stdin: in})
		if string(out.Stdout) != string(in) {
			t.Fatalf("stdin: %q", out.Stdout)
		}
	})
	t.Run("no stdin", func(t *testing.T) {
		out := run(t, tg, Cmd{Argv: []string{"cat"}})
		if len(out.Stdout) != 0 || out.ExitCode != 0 {
			t.Fatalf("cat without stdin: %q %d", out.Stdout, out.ExitCode)
		}
	})
	t.Run("env and dir", func(t *testing.T) {
		out := run(t, tg, Cmd{
			Script: `printf '%s|%s|%s' "$A" "$B_2" "$(pwd)"`,
			Env:    map[string]string{"A": "x y $z `q` 'r'", "B_2": "\n"},
			Dir:    "/usr/bin",
		})
		if want := "x y $z `q` 'r'|\n|/usr/bin"; string(out.Stdout) != want {
			t.Fatalf("env/dir: %q, want %q", out.Stdout, want)
		}
		out = run(t, tg, Cmd{Argv: []string{"sh", "-c", `echo "$V"`}, Env: map[string]string{"V": "exported"}})
		if string(out.Stdout) != "exported\n" {
			t.Fatalf("env not exported to argv command: %q", out.Stdout)
		}
		if _, err := tg.Run(context.Background(), Cmd{Argv: []string{"true"}, Env: map[string]string{"A;rm": "x"}}); err == nil {
			t.Fatal("bad env name accepted")
		}
	})
	t.Run("exit codes", func(t *testing.T) {
		for _, rc := range []int{0, 1, 2, 42, 255} {
			out := run(t, tg, Cmd{Script: fmt.Sprintf("exit %d", rc)})
			if out.ExitCode != rc {
				t.Fatalf("exit %d gave %d", rc, out.ExitCode)
			}
		}
		out := run(t, tg, Cmd{Argv: []string{"/nonexistent/cmd"}})
		if out.ExitCode != 127 || len(out.Stderr) == 0 {
			t.Fatalf("missing command: %d %q", out.ExitCode, out.Stderr)
		}
	})
	t.Run("signal", func(t *testing.T) {
		// exec, so no shell stands between the signal and the exit status.
		out := run(t, tg, Cmd{Script: "exec /bin/sh -c 'kill -9 $$'"})
		// A shell in between (dash) reports 137 itself; otherwise we do.
		if out.ExitCode != 128+9 || out.Signal != "" && !strings.Contains(string(out.Stderr), "signal KILL") {
			t.Fatalf("signal: rc %d signal %q stderr %q", out.ExitCode, out.Signal, out.Stderr)
		}
	})
	t.Run("cancel", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := tg.Run(ctx, Cmd{Argv: []string{"sleep", "30"}})
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
			t.Fatalf("cancel: %v after %v", err, time.Since(start))
		}
	})
	t.Run("become", func(t *testing.T) {
		out := run(t, tg, Cmd{Argv: []string{"id", "-un"}, Become: Become{Enabled: true, User: "nobody"}})
		if string(out.Stdout) != "nobody\n" {
			t.Fatalf("become nobody: %q %q %d", out.Stdout, out.Stderr, out.ExitCode)
		}
		// With a password that sudo does not need (we are root), the
		// password line must not leak into the command's stdin.
		out = run(t, tg, Cmd{Script: "id -un; cat", Stdin: []byte("data\n"),
			Become: Become{Enabled: true, User: "nobody", Password: "secret"}})
		if string(out.Stdout) != "nobody\ndata\n" {
			t.Fatalf("become with password: %q %q %d", out.Stdout, out.Stderr, out.ExitCode)
		}
		out = run(t, tg, Cmd{Argv: []string{"id", "-un"}, Become: Become{Enabled: true}})
		if string(out.Stdout) != "root\n" {
			t.Fatalf("become root: %q %q", out.Stdout, out.Stderr)
		}
		// su, for a user whose login shell is nologin; the password line
		// (root needs none) must not reach the command either.
		out = run(t, tg, Cmd{Script: "id -un; cat", Stdin: []byte("data\n"),
			Become: Become{Enabled: true, User: "nobody", Password: "secret", Method: "su"}})
		if string(out.Stdout) != "nobody\ndata\n" {
			t.Fatalf("become su with password: %q %q %d", out.Stdout, out.Stderr, out.ExitCode)
		}
	})
	t.Run("write file", func(t *testing.T) { writeFileTests(t, tg) })
	t.Run("write data", func(t *testing.T) { writeDataTests(t, tg) })
}

func stat(t *testing.T, path string) (os.FileMode, uint32, uint32) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	return fi.Mode(), st.Uid, st.Gid
}

func noTemps(t *testing.T, dir string) {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, ".*"+TempMarker+"*"))
	if len(m) > 0 {
		t.Fatalf("temp files left behind: %v", m)
	}
}

// writeFileTests works on the local file system: the test sshd is local.
func writeFileTests(t *testing.T, tg Target) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "new file's name")

	if err := tg.WriteFile(ctx, path, []byte("one\n"), WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "one\n" {
		t.Fatalf("content %q", b)
	}
	if mode, _, _ := stat(t, path); mode.Perm() != 0o644 {
		t.Fatalf("new file mode %v", mode)
	}

	// Existing mode and owner survive a write that does not name them.
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(path, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	if err := tg.WriteFile(ctx, path, []byte("two\n"), WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if mode, uid, gid := stat(t, path); mode.Perm() != 0o600 || uid != 65534 || gid != 65534 {
		t.Fatalf("attributes not kept: %v %d:%d", mode, uid, gid)
	}

	// Explicit attributes win.
	if err := tg.WriteFile(ctx, path, []byte("three\n"), WriteOptions{Mode: 0o640, Owner: "root", Group: "root"}); err != nil {
		t.Fatal(err)
	}
	if mode, uid, gid := stat(t, path); mode.Perm() != 0o640 || uid != 0 || gid != 0 {
		t.Fatalf("attributes not set: %v %d:%d", mode, uid, gid)
	}

	// A failed validation leaves the target untouched and says why.
	err := tg.WriteFile(ctx, path, []byte("bad\n"), WriteOptions{Validate: "grep -q good %s || { echo 'no good in' %s >&2; exit 4; }"})
	if err == nil {
		t.Fatal("validation failure not reported")
	}
	for _, want := range []string{"grep -q good", "exit code 4", "no good in " + dir} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("validation error %q lacks %q", err, want)
		}
	}
	if b, _ := os.ReadFile(path); string(b) != "three\n" {
		t.Fatalf("target changed by failed validation: %q", b)
	}
	if err := tg.WriteFile(ctx, path, []byte("good\n"), WriteOptions{Validate: "grep -q good %s"}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "good\n" {
		t.Fatalf("validated write: %q", b)
	}

	// Other failures (no such directory, unknown owner) are errors too.
	if err := tg.WriteFile(ctx, filepath.Join(dir, "missing", "f"), []byte("x"), WriteOptions{}); err == nil {
		t.Fatal("write into a missing directory succeeded")
	}
	if err := tg.WriteFile(ctx, path, []byte("x"), WriteOptions{Owner: "no-such-user-haplay"}); err == nil {
		t.Fatal("unknown owner accepted")
	}
	if b, _ := os.ReadFile(path); string(b) != "good\n" {
		t.Fatalf("target changed by failed write: %q", b)
	}

	// Become: nobody may write in a directory it owns, and the file is its.
	// t.TempDir's parents are 0700, closed to nobody, hence MkdirTemp.
	nd, err := os.MkdirTemp("", "haplay-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(nd) })
	if err := os.Chown(nd, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(nd, 0o755); err != nil {
		t.Fatal(err)
	}
	np := filepath.Join(nd, "f")
	if err := tg.WriteFile(ctx, np, []byte("n\n"), WriteOptions{Become: Become{Enabled: true, User: "nobody"}}); err != nil {
		t.Fatal(err)
	}
	if _, uid, _ := stat(t, np); uid != 65534 {
		t.Fatalf("become write owned by %d", uid)
	}
	// Data inside the script survives every quoting level, with become
	// too: quotes, backslashes, $, newlines, no final newline.
	for _, data := range [][]byte{
		[]byte(strings.Repeat(`it's "$HOME" \n `+"`x`\n", 20) + "end"),
		bytes.Repeat([]byte("'"), inlineWriteMax/125),
		bytes.Repeat([]byte("a'b\n"), 3000),           // beyond the inline bound: stdin
		append(bytes.Repeat([]byte("a\n"), 50000), 0), // binary beyond a shell's stdin: a channel
	} {
		for _, method := range []string{"sudo", "su"} {
			// A password sudo and su do not need (we are root) travels on
			// stdin ahead of the data: it must not end up in the file.
			bc := Become{Enabled: true, User: "nobody", Password: "pw", Method: method}
			if err := tg.WriteFile(ctx, np, data, WriteOptions{Become: bc}); err != nil {
				t.Fatalf("become %s write of %d bytes: %v", method, len(data), err)
			}
			if b, _ := os.ReadFile(np); !bytes.Equal(b, data) {
				t.Fatalf("become %s write of %d bytes: got %d bytes %q...", method, len(data), len(b), b[:min(len(b), 40)])
			}
		}
	}
	noTemps(t, dir)
	noTemps(t, nd)
}

// TestLocalLab needs root (become through sudo, chown), as the SSH tests do.
func TestLocalLab(t *testing.T) {
	requireRoot(t)
	tg, err := NewLocal("localhost")
	if err != nil {
		t.Fatal(err)
	}
	commonTests(t, tg)
}

func TestSSHLab(t *testing.T) {
	s := startSSHD(t)
	for _, mode := range []struct {
		name   string
		shells int
	}{{"shell", 0}, {"channel", -1}} {
		t.Run(mode.name, func(t *testing.T) {
			tg := s.target(t, func(o *Options) { o.Shells = mode.shells })
			commonTests(t, tg)
			t.Run("big stdin", func(t *testing.T) {
				// Beyond maxShellStdin the command takes a channel.
				in := make([]byte, maxShellStdin*2+3)
				for i := range in {
					in[i] = byte(i * 7)
				}
				out := run(t, tg, Cmd{Argv: []string{"cat"}, Stdin: in})
				if !bytes.Equal(out.Stdout, in) {
					t.Fatalf("big stdin: got %d bytes", len(out.Stdout))
				}
			})
			if tg.Dials() != 1 {
				t.Fatalf("%d dials for one host", tg.Dials())
			}
		})
	}
}

// TestSSHConcurrentLab runs more commands at once than sshd's default
// MaxSessions (10) over one connection, dialled once.
func TestSSHConcurrentLab(t *testing.T) {
	s := startSSHD(t)
	tg := s.target(t)
	// Warm up the shells so the 20 share 2 shells and channels.
	run(t, tg, Cmd{Argv: []string{"true"}})
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := tg.Run(context.Background(), Cmd{Script: fmt.Sprintf("sleep 0.1; echo %d", i)})
			if err == nil && string(out.Stdout) != fmt.Sprintf("%d\n", i) {
				err = fmt.Errorf("command %d: %q %q", i, out.Stdout, out.Stderr)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := tg.Dials(); n != 1 {
		t.Fatalf("%d dials, want 1", n)
	}
}

func TestSSHRedialLab(t *testing.T) {
	s := startSSHD(t)
	tg := s.target(t)
	run(t, tg, Cmd{Argv: []string{"true"}})
	tg.mu.Lock()
	_ = tg.client.Close() // as if the network dropped it
	tg.mu.Unlock()
	if out := run(t, tg, Cmd{Argv: []string{"echo", "again"}}); string(out.Stdout) != "again\n" {
		t.Fatalf("after redial: %q", out.Stdout)
	}
	if tg.Dials() != 2 {
		t.Fatalf("%d dials, want 2", tg.Dials())
	}
	_ = tg.Close()
	if _, err := tg.Run(context.Background(), Cmd{Argv: []string{"true"}}); err == nil {
		t.Fatal("run after Close succeeded")
	}
}

func TestSSHUnreachableLab(t *testing.T) {
	s := startSSHD(t)
	t.Run("closed port", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		tg := s.target(t, func(o *Options) { o.Port = port })
		start := time.Now()
		_, err = tg.Run(context.Background(), Cmd{Argv: []string{"true"}})
		assertUnreachable(t, err, "127.0.0.1:"+strconv.Itoa(port), "refused")
		if time.Since(start) > 2*time.Second {
			t.Fatalf("took %v", time.Since(start))
		}
		// The verdict sticks: no second dial for the same host.
		_, err = tg.Run(context.Background(), Cmd{Argv: []string{"true"}})
		assertUnreachable(t, err, "refused")
		if tg.Dials() != 1 {
			t.Fatalf("%d dials", tg.Dials())
		}
	})
	t.Run("wrong key", func(t *testing.T) {
		other := filepath.Join(t.TempDir(), "other")
		keygen(t, other)
		tg := s.target(t, func(o *Options) { o.KeyFiles = []string{other} })
		_, err := tg.Run(context.Background(), Cmd{Argv: []string{"true"}})
		assertUnreachable(t, err, "root@127.0.0.1", "unable to authenticate")
	})
	t.Run("missing key file", func(t *testing.T) {
		tg := s.target(t, func(o *Options) { o.KeyFiles = []string{"/nonexistent/key"} })
		_, err := tg.Run(context.Background(), Cmd{Argv: []string{"true"}})
		assertUnreachable(t, err, "/nonexistent/key")
	})
}

func assertUnreachable(t *testing.T, err error, wants ...string) {
	t.Helper()
	var u *UnreachableError
	if !errors.As(err, &u) {
		t.Fatalf("want *UnreachableError, got %T: %v", err, err)
	}
	if u.Host != "testhost" || !strings.Contains(err.Error(), "testhost") {
		t.Errorf("error does not name the host: %v", err)
	}
	for _, w := range wants {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}
}

func TestPoolLab(t *testing.T) {
	s := startSSHD(t)
	p, err := NewPool(PoolConfig{HostKeys: checker(t, HostKeyStrict, "", s.knownHosts)})
	if err != nil {
		t.Fatal(err)
	}
	info := Spec{Host: "web1", Address: "127.0.0.1", Port: s.port, User: "root", KeyFile: s.clientKey}
	var wg sync.WaitGroup
	got := make([]Target, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tg, err := p.Get(context.Background(), info)
			if err != nil {
				t.Error(err)
				return
			}
			got[i] = tg
			if out, err := tg.Run(context.Background(), Cmd{Argv: []string{"hostname"}}); err != nil || out.ExitCode != 0 {
				t.Errorf("run: %v %+v", err, out)
			}
		}()
	}
	wg.Wait()
	for _, tg := range got {
		if tg != got[0] {
			t.Fatal("pool made two targets for one host")
		}
	}
	if d := got[0].(*SSHTarget).Dials(); d != 1 {
		t.Fatalf("%d dials", d)
	}
	lt, err := p.Get(context.Background(), Spec{Host: "ctl", Connection: "local"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := lt.(*LocalTarget); !ok {
		t.Fatalf("local connection gave %T", lt)
	}
	if _, err := p.Get(context.Background(), Spec{Host: "x", Connection: "winrm"}); err == nil {
		t.Fatal("winrm accepted")
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := got[0].Run(context.Background(), Cmd{Argv: []string{"true"}}); err == nil {
		t.Fatal("target usable after pool Close")
	}
	if _, err := p.Get(context.Background(), info); err == nil {
		t.Fatal("Get after Close succeeded")
	}
}

func BenchmarkRunEchoSSHDLab(b *testing.B) {
	s := startSSHD(b)
	tg := s.target(b)
	ctx := context.Background()
	if _, err := tg.Run(ctx, Cmd{Argv: []string{"true"}}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		out, err := tg.Run(ctx, Cmd{Argv: []string{"echo", "hi"}})
		if err != nil || out.ExitCode != 0 {
			b.Fatalf("%v %+v", err, out)
		}
	}
}

var _ = exec.Command

// The pool keys on the whole description but become: a changed port is
// another connection, a changed become is the same one.
func TestPoolKeysOnSpec(t *testing.T) {
	p, err := NewPool(PoolConfig{HostKeys: &HostKeyChecker{}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	get := func(s Spec) Target {
		t.Helper()
		tg, err := p.Get(context.Background(), s)
		if err != nil {
			t.Fatal(err)
		}
		return tg
	}
	a := get(Spec{Host: "web1", Address: "127.0.0.1", Port: 22})
	if get(Spec{Host: "web1", Address: "127.0.0.1", Port: 22, Become: Become{Enabled: true, Method: "su"}}) != a {
		t.Error("become made a second connection")
	}
	if get(Spec{Host: "web1", Address: "127.0.0.1", Port: 22, Connection: "ssh"}) != a {
		t.Error(`"" and "ssh" made two connections`)
	}
	b := get(Spec{Host: "web1", Address: "127.0.0.1", Port: 2999})
	if b == a || b.(*SSHTarget).addr != "127.0.0.1:2999" {
		t.Errorf("port 2999: same target or address %s", b.(*SSHTarget).addr)
	}
	if get(Spec{Host: "web1", Address: "127.0.0.1", Port: 22, User: "deploy"}) == a {
		t.Error("another user reused the connection")
	}
}
