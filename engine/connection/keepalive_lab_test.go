package connection_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/haplay/haplay/engine/connection"
	"github.com/haplay/haplay/engine/lab/labtest"
)

// A lab host whose sshd session is stopped (SIGSTOP, inside the host)
// under a running command is declared lost by the keepalives, and the
// command's error is unreachable.
func TestKeepaliveStoppedSessionLab(t *testing.T) {
	l := labtest.Require(t, 1)
	hk, err := connection.NewHostKeyChecker(connection.HostKeyStrict, []string{l.KnownHostsPath})
	if err != nil {
		t.Fatal(err)
	}
	h := l.Hosts()[0]
	tg, err := connection.NewSSH(connection.Options{
		Name: h.Name, Address: h.IP, User: "root", KeyFiles: []string{l.KeyPath}, NoAgent: true, HostKeys: hk,
		ConnectTimeout: 5 * time.Second, ServerAliveInterval: time.Second, ServerAliveCountMax: 3,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tg.Close() })
	if _, err := tg.Run(context.Background(), connection.Cmd{Argv: []string{"true"}}); err != nil {
		t.Fatal(err)
	}
	out, err := l.Exec(t.Context(), h.Name, "pgrep", "-f", "^sshd: root@notty")
	pid := strings.TrimSpace(string(out))
	if err != nil || pid == "" || strings.Contains(pid, "\n") {
		t.Fatalf("want one sshd session process on %s: %q %v", h.Name, out, err)
	}
	t.Cleanup(func() { _, _ = l.Exec(context.Background(), h.Name, "kill", "-CONT", pid) })
	go func() {
		time.Sleep(500 * time.Millisecond)
		_, _ = l.Exec(context.Background(), h.Name, "kill", "-STOP", pid)
	}()
	start := time.Now()
	_, err = tg.Run(context.Background(), connection.Cmd{Argv: []string{"sleep", "30"}})
	if !connection.IsUnreachable(err) || !strings.Contains(err.Error(), "connection lost during the task") {
		t.Fatalf("err %v, want unreachable: connection lost during the task", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("noticed after %v, want about 3.5 s (keepalives 1 s x 3)", took)
	}
}
