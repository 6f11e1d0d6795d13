package modules_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haplay/haplay/engine/lab"
	"github.com/haplay/haplay/internal/e2e"
)

// buildSim builds a simulator under testdata/ into a directory on the
// root filesystem, which lab hosts see through their overlay (their /tmp
// is private, so t.TempDir() would not do).
func buildSim(t *testing.T, pkg, name string) string {
	t.Helper()
	dir, err := os.MkdirTemp("/var/tmp", "haplay-sim-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	bin := filepath.Join(dir, name)
	cmd := exec.Command("go", "build", "-o", bin, "./testdata/"+pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", pkg, err, out)
	}
	return bin
}

// installSim puts the simulator on every lab host as /usr/local/bin/NAME.
func installSim(t *testing.T, l *lab.Lab, bin, name, url string) {
	t.Helper()
	for _, h := range l.Hosts() {
		e2e.Exec(t, l, h.Name, "sh", "-c", "cp "+bin+" /usr/local/bin/"+name+" && echo "+url+" > /etc/"+name+"-sim.url")
	}
}

func mustContain(t *testing.T, what, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("%s: %q not in\n%s", what, w, got)
		}
	}
}
