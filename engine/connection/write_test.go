package connection

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func localTarget(t *testing.T) *LocalTarget {
	t.Helper()
	tg, err := NewLocal("ctl")
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

// writeDataTests writes data of every shape through both of the script's
// paths (here-document and stdin: through a remote shell's base64 or a
// channel on SSH) and reads it back byte for byte. commonTests runs it on
// every Target.
func writeDataTests(t *testing.T, tg Target) {
	dir := t.TempDir()
	big := bytes.Repeat([]byte("0123456789abcdef"), (200<<10)/16)
	for name, data := range map[string][]byte{
		"empty":            {},
		"no newline":       []byte("a"),
		"blank last lines": []byte("a\n\n\n"),
		"quotes and $":     []byte("it's $HOME `id` \"x\"\\\n"),
		"crlf":             []byte("a\r\nb\r\n"),
		"eof-like line":    []byte("HAPLAY_EOF_\nHAPLAY_EOF_x\n"),
		"binary":           {0, 1, 2, 255, '\n', 0},
		"large":            big,
		"large binary":     append(bytes.Clone(big), 0),
		"small binary":     append([]byte("x\n"), 0, 'y'),
	} {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_"))
		if err := tg.WriteFile(context.Background(), p, data, WriteOptions{}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got, _ := os.ReadFile(p); !bytes.Equal(got, data) {
			t.Errorf("%s: read back %d bytes %q, want %d", name, len(got), got[:min(len(got), 40)], len(data))
		}
	}
	noTemps(t, dir)
}

// TestWriteFileHereEnd: data holding the here-document's end word as a
// line goes on stdin instead, so it cannot end the document early.
func TestWriteFileHereEnd(t *testing.T) {
	if viaStdin([]byte("x\n"), "S") {
		t.Error("small text should be inline")
	}
	if !viaStdin([]byte("x\n"+hereEnd("S")+"\ny"), "S") || !viaStdin([]byte(hereEnd("S")), "S") {
		t.Error("data with the end word as a line must go on stdin")
	}
	if viaStdin([]byte("x"+hereEnd("S")+"\n"), "S") {
		t.Error("the end word inside a line does not end the document")
	}
}

// TestWriteFileCutShort: when stdin ends early (the controller died in
// the middle of a copy), the target keeps its old content and the temp
// is removed.
func TestWriteFileCutShort(t *testing.T) {
	tg := localTarget(t)
	dir := t.TempDir()
	p := filepath.Join(dir, "target")
	if err := os.WriteFile(p, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("new data\x00"), 20000)
	for _, keep := range []int{0, 1, len(data) / 2, len(data), len(data) + 3} {
		cut := func(ctx context.Context, c Cmd) (Output, error) {
			if len(c.Stdin) != len(data)+len(writeTrailer)+1 {
				t.Fatalf("stdin of %d bytes, want the data and the trailer", len(c.Stdin))
			}
			c.Stdin = c.Stdin[:keep]
			return tg.Run(ctx, c)
		}
		err := writeFile(context.Background(), cut, "ctl", p, data, WriteOptions{})
		if err == nil || !strings.Contains(err.Error(), "input ended") || !strings.Contains(err.Error(), p) {
			t.Errorf("cut at %d: error %v", keep, err)
		}
		if got, _ := os.ReadFile(p); string(got) != "old\n" {
			t.Fatalf("cut at %d: target is %d bytes, want the old file", keep, len(got))
		}
	}
	noTemps(t, dir)
}

// TestWriteFileSweep: a write removes temps of ours older than
// StaleTempAge from its directory, and leaves young ones (a write under
// way) and other files alone.
func TestWriteFileSweep(t *testing.T) {
	tg := localTarget(t)
	dir := t.TempDir()
	old := filepath.Join(dir, ".a"+TempMarker+"OLD")
	young := filepath.Join(dir, ".b"+TempMarker+"YOUNG")
	other := filepath.Join(dir, ".c.tmp-OLD")
	earlier := filepath.Join(dir, ".haplay.ABCDEFGHIJKLMNOPQRSTUVWXYZ") // before TempMarker
	for _, f := range []string{old, young, other, earlier} {
		if err := os.WriteFile(f, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	past := time.Now().Add(-StaleTempAge - 10*time.Minute)
	for _, f := range []string{old, other, earlier} {
		if err := os.Chtimes(f, past, past); err != nil {
			t.Fatal(err)
		}
	}
	if err := tg.WriteFile(context.Background(), filepath.Join(dir, "x"), []byte("x"), WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{old, earlier} {
		if _, err := os.Stat(f); !os.IsNotExist(err) {
			t.Errorf("stale temp %s not swept: %v", f, err)
		}
	}
	for _, f := range []string{young, other} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("%s removed: %v", f, err)
		}
	}
}

// TestWriteFileNoSpace: a full file system is named as such, with the
// host and the path.
func TestWriteFileNoSpace(t *testing.T) {
	full := func(ctx context.Context, c Cmd) (Output, error) {
		return Output{ExitCode: 1, Stderr: []byte("dd: error writing '/m/.f" + TempMarker + "X': No space left on device\n")}, nil
	}
	err := writeFile(context.Background(), full, "node1", "/m/f", []byte("x"), WriteOptions{})
	for _, want := range []string{"No space left on device", "node1", "/m/f", "unchanged"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}

// TestTempName keeps the temp's name within NAME_MAX for any target.
func TestTempName(t *testing.T) {
	n := tempName("/d/"+strings.Repeat("x", 255), "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
	if len(n) > 255 || !strings.Contains(n, TempMarker) {
		t.Errorf("temp name %q (%d bytes)", n, len(n))
	}
}

// TestWriteFileUnchanged: a write told what was read (WriteOptions.
// Unchanged) renames only over that file. When another writer changed or
// created the file since, the write fails with ErrChangedSinceRead, the
// other writer's file stays as it is, and no temp is left.
func TestWriteFileUnchanged(t *testing.T) {
	tg := localTarget(t)
	ctx := context.Background()
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	sum := func(s string) *FileState {
		h := sha256.Sum256([]byte(s))
		return &FileState{Exists: true, SHA256: hex.EncodeToString(h[:])}
	}
	if err := os.WriteFile(p, []byte("theirs\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, st := range map[string]*FileState{"read as other content": sum("read\n"), "read as absent": {}} {
		err := tg.WriteFile(ctx, p, []byte("ours\n"), WriteOptions{Unchanged: st})
		if !errors.Is(err, ErrChangedSinceRead) {
			t.Errorf("%s: err = %v, want ErrChangedSinceRead", name, err)
		}
		if got, _ := os.ReadFile(p); string(got) != "theirs\n" {
			t.Errorf("%s: file is %q, want the other writer's", name, got)
		}
	}
	noTemps(t, dir)
	// As read: written.
	if err := tg.WriteFile(ctx, p, []byte("ours\n"), WriteOptions{Unchanged: sum("theirs\n")}); err != nil {
		t.Fatal(err)
	}
	q := filepath.Join(dir, "new")
	if err := tg.WriteFile(ctx, q, []byte("ours\n"), WriteOptions{Unchanged: &FileState{}}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{p, q} {
		if got, _ := os.ReadFile(f); string(got) != "ours\n" {
			t.Errorf("%s is %q, want ours", f, got)
		}
	}
	// A file removed since it was read is a change too.
	os.Remove(q)
	if err := tg.WriteFile(ctx, q, []byte("x\n"), WriteOptions{Unchanged: sum("ours\n")}); !errors.Is(err, ErrChangedSinceRead) {
		t.Errorf("removed since read: err = %v", err)
	}
	noTemps(t, dir)
}

// Two edits of one file (WriteOptions.Unchanged) take turns: the second
// waits while the first's temp exists, so both cannot pass the check
// before either renames.
func TestWriteFileEditsTakeTurns(t *testing.T) {
	tg := localTarget(t)
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	busy := filepath.Join(dir, tempName(p, editTempSuffix))
	if err := os.WriteFile(busy, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(400 * time.Millisecond)
		os.Remove(busy)
	}()
	start := time.Now()
	if err := tg.WriteFile(context.Background(), p, []byte("ours\n"), WriteOptions{Unchanged: &FileState{}}); err != nil {
		t.Fatal(err)
	}
	if w := time.Since(start); w < 300*time.Millisecond {
		t.Errorf("wrote after %s, while another edit's temp was there", w)
	}
	if got, _ := os.ReadFile(p); string(got) != "ours\n" {
		t.Errorf("file is %q", got)
	}
	noTemps(t, dir)
}
