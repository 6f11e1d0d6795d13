package inventory

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// bigYAML is a 10,000-host YAML inventory in 20 groups, each host with
// an address and two variables, like the fault review's large inventory.
func bigYAML(hosts int) string {
	var b strings.Builder
	b.WriteString("all:\n  vars:\n    ansible_user: ops\n  children:\n")
	for g := 0; g < 20; g++ {
		fmt.Fprintf(&b, "    group%d:\n      vars:\n        tier: %d\n      hosts:\n", g, g)
		for h := g; h < hosts; h += 20 {
			fmt.Fprintf(&b, "        node%05d:\n          ansible_host: 10.%d.%d.%d\n          rack: r%d\n          enabled: yes\n", h, h>>16, (h>>8)&255, h&255, h%40)
		}
	}
	return b.String()
}

func bigINI(hosts int) string {
	var b strings.Builder
	for g := 0; g < 20; g++ {
		fmt.Fprintf(&b, "[group%d]\n", g)
		for h := g; h < hosts; h += 20 {
			fmt.Fprintf(&b, "node%05d ansible_host=10.%d.%d.%d rack=r%d enabled=yes\n", h, h>>16, (h>>8)&255, h&255, h%40)
		}
		fmt.Fprintf(&b, "[group%d:vars]\ntier=%d\n", g, g)
	}
	return b.String()
}

func benchLoad(b *testing.B, name, text string) {
	p := filepath.Join(b.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		inv, err := Load([]string{p})
		if err != nil {
			b.Fatal(err)
		}
		if n := len(inv.Hosts()); n != 10000 {
			b.Fatalf("%d hosts, want 10000", n)
		}
	}
}

// BenchmarkYAML10k holds the budget of ../../shared/ARCHITECTURE.md:
// 10,000 hosts parsed in under 100 ms.
func BenchmarkYAML10k(b *testing.B) { benchLoad(b, "inv.yml", bigYAML(10000)) }

func BenchmarkINI10k(b *testing.B) { benchLoad(b, "hosts", bigINI(10000)) }
