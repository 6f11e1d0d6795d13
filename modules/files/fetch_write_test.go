package files

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/haplay/haplay/engine/connection/hostcmd"
)

// writeLocal leaves the fetched file and no temp, and sweeps the stale
// temps a killed controller left in the directory, not the young ones.
func TestWriteLocalSweeps(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, ".f"+hostcmd.TempMarker+"OLD")
	young := filepath.Join(dir, ".g"+hostcmd.TempMarker+"YOUNG")
	for _, f := range []string{old, young} {
		if err := os.WriteFile(f, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	past := time.Now().Add(-hostcmd.StaleTempAge - time.Minute)
	if err := os.Chtimes(old, past, past); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "f")
	if err := writeLocal(p, []byte("data"), 0o640); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "data" {
		t.Errorf("content %q", b)
	}
	m, _ := filepath.Glob(filepath.Join(dir, ".*"+hostcmd.TempMarker+"*"))
	if len(m) != 1 || m[0] != young {
		t.Errorf("temps after the write: %v, want only %s", m, young)
	}
}
