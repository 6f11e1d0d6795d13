package connection

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

func TestParseSSHOptions(t *testing.T) {
	cases := []struct {
		args     string
		interval time.Duration
		count    int
		err      string
	}{
		{"", 0, 0, ""},
		{"-o ServerAliveInterval=5 -o ServerAliveCountMax=2", 5 * time.Second, 2, ""},
		{"-oServerAliveInterval=7", 7 * time.Second, 0, ""},
		{`-o "ServerAliveInterval 4" -C`, 4 * time.Second, 0, ""},
		{"-o serveraliveinterval=0", -1, 0, ""}, // ssh's 0: no keepalives
		// ssh takes the first value given.
		{"-o ServerAliveInterval=3 -o ServerAliveInterval=9", 3 * time.Second, 0, ""},
		{"-o UserKnownHostsFile=/x -o StrictHostKeyChecking=no", 0, 0, ""},
		{"-o ServerAliveInterval={{ x }}", 0, 0, ""},
		{"-o ServerAliveInterval=soon", 0, 0, "ServerAliveInterval=soon"},
		{"-o ServerAliveCountMax=0", 0, 0, "ServerAliveCountMax=0"},
		{"-o 'ServerAliveInterval=2", 0, 0, "no closing quotation"},
	}
	for _, c := range cases {
		o, err := ParseSSHOptions(c.args)
		switch {
		case c.err != "":
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: error %v, want one with %q", c.args, err, c.err)
			}
		case err != nil:
			t.Errorf("%q: %v", c.args, err)
		case o.ServerAliveInterval != c.interval || o.ServerAliveCountMax != c.count:
			t.Errorf("%q: %+v, want interval %v count %d", c.args, o, c.interval, c.count)
		}
	}
}

// freezer is a TCP proxy in front of the test sshd that can stop passing
// bytes (a link down, a frozen host: the peer's kernel still holds the
// socket open) or cut both sides (the host's sshd killed).
type freezer struct {
	ln     net.Listener
	frozen atomic.Bool
	mu     sync.Mutex
	conns  []net.Conn
}

func newFreezer(t *testing.T, target string) *freezer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &freezer{ln: ln}
	t.Cleanup(func() { _ = ln.Close(); f.cut() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				_ = c.Close()
				continue
			}
			f.mu.Lock()
			f.conns = append(f.conns, c, up)
			f.mu.Unlock()
			go f.pipe(c, up)
			go f.pipe(up, c)
		}
	}()
	return f
}

func (f *freezer) port() int { return f.ln.Addr().(*net.TCPAddr).Port }

func (f *freezer) pipe(dst, src net.Conn) {
	b := make([]byte, 32<<10)
	for {
		n, err := src.Read(b)
		for f.frozen.Load() {
			time.Sleep(10 * time.Millisecond) // hold the bytes: nothing passes
		}
		if n > 0 {
			if _, werr := dst.Write(b[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			_ = dst.Close()
			return
		}
	}
}

func (f *freezer) cut() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.conns {
		_ = c.Close()
	}
}

// behind returns a target that reaches s through f, with keepalives of
// interval, and host keys unchecked (the proxy's port is not in
// known_hosts; the key is not what these tests are about).
func (s *testServer) behind(t *testing.T, f *freezer, interval time.Duration, shells int) *SSHTarget {
	return s.target(t, func(o *Options) {
		o.Port = f.port()
		o.HostKeys = checker(t, HostKeyOff, filepath.Join(s.dir, "user_known_hosts"))
		o.ServerAliveInterval, o.ServerAliveCountMax = interval, 3
		o.Shells = shells
	})
}

// A host that stops answering in the middle of a command is declared
// lost after interval*count, on a remote shell and on a channel alike,
// and the command's error is UnreachableError saying it may have run
// partly.
func TestSSHKeepaliveLostDuringCommand(t *testing.T) {
	s := startSSHD(t)
	for _, shells := range []int{0, -1} {
		t.Run("shells="+strconv.Itoa(shells), func(t *testing.T) {
			f := newFreezer(t, net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)))
			tg := s.behind(t, f, 200*time.Millisecond, shells)
			run(t, tg, Cmd{Argv: []string{"true"}})
			go func() { time.Sleep(300 * time.Millisecond); f.frozen.Store(true) }()
			start := time.Now()
			_, err := tg.Run(context.Background(), Cmd{Argv: []string{"sleep", "20"}})
			took := time.Since(start)
			assertUnreachable(t, err, "connection lost during the task: it may have run partly", "no answer from the host")
			if took < 600*time.Millisecond || took > 5*time.Second {
				t.Errorf("noticed after %v, want about 0.3 s + 3 × 0.2 s", took)
			}
			// The next command redials, through the frozen link: that
			// fails too, as unreachable.
			_, err = tg.Run(context.Background(), Cmd{Argv: []string{"true"}})
			if !IsUnreachable(err) {
				t.Errorf("next command: %v, want unreachable", err)
			}
		})
	}
}

// An idle connection to a host that froze is found dead by the
// keepalives alone, before the next command is sent.
func TestSSHKeepaliveIdle(t *testing.T) {
	s := startSSHD(t)
	f := newFreezer(t, net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)))
	tg := s.behind(t, f, 300*time.Millisecond, 0)
	run(t, tg, Cmd{Argv: []string{"true"}})
	// Alive and idle: the keepalives are answered, nothing is lost.
	time.Sleep(1500 * time.Millisecond)
	tg.mu.Lock()
	nc := tg.netConn
	tg.mu.Unlock()
	if nc == nil || nc.dead() {
		var why error
		if nc != nil {
			why = nc.lost()
		}
		t.Fatalf("an idle connection to a live host was dropped (%v)", why)
	}
	f.frozen.Store(true)
	deadline := time.Now().Add(3 * time.Second)
	for !nc.dead() {
		if time.Now().After(deadline) {
			t.Fatal("frozen host not noticed within 3 s (keepalives of 0.3 s × 3)")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := nc.lost(); err == nil || !strings.Contains(err.Error(), "no answer from the host") {
		t.Fatalf("lost: %v", err)
	}
}

// A connection cut under a running command (sshd killed) is
// unreachable, not a failed command.
func TestSSHConnectionCutDuringCommand(t *testing.T) {
	s := startSSHD(t)
	for _, shells := range []int{0, -1} {
		t.Run("shells="+strconv.Itoa(shells), func(t *testing.T) {
			f := newFreezer(t, net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)))
			tg := s.behind(t, f, -1, shells)
			run(t, tg, Cmd{Argv: []string{"true"}})
			go func() { time.Sleep(300 * time.Millisecond); f.cut() }()
			_, err := tg.Run(context.Background(), Cmd{Argv: []string{"sleep", "20"}})
			assertUnreachable(t, err, "connection lost during the task: it may have run partly", "closed the connection")
		})
	}
}

// Closing the connection ourselves is not a lost host.
func TestSSHDisconnectIsNotLost(t *testing.T) {
	s := startSSHD(t)
	tg := s.target(t)
	run(t, tg, Cmd{Argv: []string{"true"}}) // connected, with a shell
	go func() { time.Sleep(300 * time.Millisecond); tg.Disconnect() }()
	_, err := tg.Run(context.Background(), Cmd{Argv: []string{"sleep", "20"}})
	if err == nil || IsUnreachable(err) {
		t.Fatalf("a command on a connection we dropped: %v, want a plain error", err)
	}
}

// A cancelled command on a remote shell is ended on the host, with the
// processes it started (the shell's process group), not only the shell.
func TestSSHCancelEndsCommandOnHost(t *testing.T) {
	s := startSSHD(t)
	tg := s.target(t)
	pidFile := filepath.Join(t.TempDir(), "pid")
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err := tg.Run(ctx, Cmd{Script: "sleep 30 & echo $! >" + Quote(pidFile) + "; wait"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want the deadline", err)
	}
	b, rerr := os.ReadFile(pidFile)
	if rerr != nil {
		t.Fatal(rerr)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if pid <= 1 {
		t.Fatalf("pid file %q", b)
	}
	deadline := time.Now().Add(5 * time.Second)
	for syscall.Kill(pid, 0) == nil { // a probe, no signal sent
		if time.Now().After(deadline) {
			t.Fatalf("sleep %d still runs 5 s after the command was cancelled", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
