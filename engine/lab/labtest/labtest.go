// Package labtest gives tests a lab: labtest.Require(t, 3) returns three
// running hosts and removes them when the test ends.
//
// Without what a lab needs (Linux, root, sshd, ip, nsenter) the test is
// skipped, except under CI=true, where a skipped integration test would
// hide a broken CI machine: there it fails.
package labtest

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/haplay/haplay/engine/lab"
)

// Require brings up n hosts for t in a directory of their own, so test
// packages running in parallel each get their own bridge and subnet, and
// registers their removal with t.Cleanup.
func Require(t testing.TB, n int) *lab.Lab {
	t.Helper()
	if err := lab.Prereq(); err != nil { // on other systems: "lab needs Linux"
		if os.Getenv("CI") == "true" {
			t.Fatalf("lab prerequisite missing under CI=true: %v", err)
		}
		t.Skipf("no lab: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	l, err := lab.Up(ctx, lab.Options{N: n})
	if err != nil {
		t.Fatalf("lab up: %v", err)
	}
	t.Cleanup(func() {
		if err := l.Down(); err != nil {
			t.Errorf("lab down: %v", err)
		}
	})
	return l
}
