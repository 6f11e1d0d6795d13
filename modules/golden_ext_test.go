package modules_test

import (
	"path/filepath"
	"testing"

	goldenfile "github.com/haplay/haplay/internal/golden"
)

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	goldenfile.Check(t, filepath.Join("testdata", name), got)
}
