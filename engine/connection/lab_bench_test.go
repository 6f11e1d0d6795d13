package connection_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/haplay/haplay/engine/connection"
	"github.com/haplay/haplay/engine/lab"
	"github.com/haplay/haplay/engine/lab/labtest"
)

// Benchmarks on a lab host rather than the test sshd on 127.0.0.1: a lab
// host has an empty private /root, so no rc file of this machine's root
// slows its shells down, as on a real server.

func labTarget(b *testing.B, l *lab.Lab, shells int) *connection.SSHTarget {
	b.Helper()
	hk, err := connection.NewHostKeyChecker(connection.HostKeyStrict, []string{l.KnownHostsPath})
	if err != nil {
		b.Fatal(err)
	}
	h := l.Hosts()[0]
	tg, err := connection.NewSSH(connection.Options{
		Name: h.Name, Address: h.IP, User: "root", KeyFiles: []string{l.KeyPath},
		NoAgent: true, HostKeys: hk, Shells: shells, ConnectTimeout: 5 * time.Second,
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = tg.Close() })
	if _, err := tg.Run(context.Background(), connection.Cmd{Argv: []string{"true"}}); err != nil {
		b.Fatal(err)
	}
	return tg
}

var modes = []struct {
	name   string
	shells int
}{{"channel", -1}, {"shell", 1}}

// BenchmarkRunEchoLab is one command round trip on an open connection.
func BenchmarkRunEchoLab(b *testing.B) {
	l := labtest.Require(b, 1)
	for _, m := range modes {
		b.Run(m.name, func(b *testing.B) {
			tg := labTarget(b, l, m.shells)
			ctx := context.Background()
			for b.Loop() {
				out, err := tg.Run(ctx, connection.Cmd{Argv: []string{"echo", "hi"}})
				if err != nil || out.ExitCode != 0 {
					b.Fatalf("%v %+v", err, out)
				}
			}
		})
	}
}

// BenchmarkScriptStdinLab is a module-like command: a script with a small
// stdin (a file write).
func BenchmarkScriptStdinLab(b *testing.B) {
	l := labtest.Require(b, 1)
	data := []byte("name=bench\nport=8080\n")
	for _, m := range modes {
		b.Run(m.name, func(b *testing.B) {
			tg := labTarget(b, l, m.shells)
			ctx := context.Background()
			for b.Loop() {
				if err := tg.WriteFile(ctx, "/tmp/bench.conf", data, connection.WriteOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkParallelLab runs 8 commands at once on one host: shells are
// busy and channels take the rest.
func BenchmarkParallelLab(b *testing.B) {
	l := labtest.Require(b, 1)
	for _, m := range []struct {
		name   string
		shells int
	}{{"channel", -1}, {"shell2", 2}, {"shell8", 8}} {
		b.Run(m.name, func(b *testing.B) {
			tg := labTarget(b, l, m.shells)
			ctx := context.Background()
			for b.Loop() {
				var wg sync.WaitGroup
				for i := range 8 {
					wg.Go(func() {
						out, err := tg.Run(ctx, connection.Cmd{Argv: []string{"echo", fmt.Sprint(i)}})
						if err != nil || string(out.Stdout) != fmt.Sprintf("%d\n", i) {
							b.Errorf("%v %+v", err, out)
						}
					})
				}
				wg.Wait()
			}
		})
	}
}
