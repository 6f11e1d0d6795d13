// Package bench holds the haplay-against-Ansible benchmark (run.sh) and a
// Go benchmark of a whole run of its playbook on lab hosts.
package bench

import (
	"os"
	"testing"

	"github.com/haplay/haplay/internal/e2e"
)

// BenchmarkPlaybook20HostsLab runs bench/playbook.yml on 20 lab hosts: the
// first run (state reset before each iteration) and the second (nothing
// to change). It measures the binary, process start included.
func BenchmarkPlaybook20HostsLab(b *testing.B) {
	l := e2e.Lab(b, 20)
	dir, err := os.Getwd()
	if err != nil {
		b.Fatal(err)
	}
	args := func(pb string) []string {
		return []string{"run", pb, "-i", l.InventoryPath, "--known-hosts", l.KnownHostsPath, "--forks", "20"}
	}
	run := func(pb string) {
		if r := e2e.Run(b, dir, args(pb)...); r.ExitCode != 0 {
			b.Fatalf("%s: exit %d\n%s%s", pb, r.ExitCode, r.Stdout, r.Stderr)
		}
	}
	e2e.Binary(b)
	b.Run("first", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			run("reset.yml")
			b.StartTimer()
			run("playbook.yml")
		}
	})
	b.Run("second", func(b *testing.B) {
		run("playbook.yml")
		for b.Loop() {
			run("playbook.yml")
		}
	})
}
