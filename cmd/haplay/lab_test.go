package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haplay/haplay/engine/lab"
)

func TestUpRefusesBadHostCount(t *testing.T) {
	root := newRootCmd()
	root.SetArgs([]string{"lab", "up", "zero", "--dir", t.TempDir()})
	if err := root.Execute(); exitCode(err) != exitBadOptions {
		t.Errorf("lab up zero: %v (exit %d), want exit %d", err, exitCode(err), exitBadOptions)
	}
}

func TestCommandsLab(t *testing.T) {
	if err := lab.Prereq(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	ctx := t.Context()
	var out bytes.Buffer
	o := labOptions{dir: filepath.Join(t.TempDir(), "lab"), out: &out}
	if err := runLabUp(ctx, labUpOptions{labOptions: o, n: 2}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if l, err := lab.Load(o.dir); err == nil {
			_ = l.Down()
		}
	})
	for _, f := range []string{"inventory.ini", "id_ed25519", "known_hosts"} {
		if _, err := os.Stat(filepath.Join(o.dir, f)); err != nil {
			t.Error(err)
		}
	}
	out.Reset()
	if err := runLabStatus(ctx, o); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[1], "node1") || strings.Count(out.String(), "true") != 4 {
		t.Errorf("status:\n%s", out.String())
	}
	if err := runLabDown(o); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(o.dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s remains after down (%v)", o.dir, err)
	}
	if err := runLabStatus(ctx, o); err == nil {
		t.Error("status after down: want an error")
	}
}
