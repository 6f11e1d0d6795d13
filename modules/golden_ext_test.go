package modules_test

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var updateExt = flag.Lookup("update")

// golden compares got with testdata/name, or rewrites it under -update
// (the flag is declared by the internal tests of this package).
func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if updateExt != nil && updateExt.Value.String() == "true" {
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs (go test -update rewrites it)\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}
