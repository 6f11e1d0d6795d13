package modules_test

import (
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/haplay/haplay/engine/lab"
	"github.com/haplay/haplay/internal/e2e"
)

const bigCopyPlaybook = `- hosts: all
  gather_facts: false
  tasks:
    - name: big copy
      copy: {src: big.bin, dest: /srv/big.bin}
`

// writeBig writes n pseudo-random bytes (incompressible, so the copy takes
// the time its size says) and returns their sha256.
func writeBig(t *testing.T, p string, n int, seed uint64) string {
	t.Helper()
	b := make([]byte, n)
	r := rand.NewChaCha8([32]byte{byte(seed)})
	_, _ = r.Read(b)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", sha256.Sum256(b))
}

func sumOn(t *testing.T, l *lab.Lab, host, p string) string {
	t.Helper()
	out := e2e.Exec(t, l, host, "sha256sum", p)
	return strings.Fields(out)[0]
}

func tempsOn(t *testing.T, l *lab.Lab, host string) string {
	t.Helper()
	return e2e.Exec(t, l, host, "sh", "-c", "ls -a /srv | grep -F .haplay-tmp. || true")
}

// anyTemp lists node1's temp files in /srv: ours and the ".haplay.X" of
// earlier versions, so the test also shows what they did.
const anyTemp = "ls -a /srv | grep -F .haplay || true"

// startUntilTemp starts haplay and returns once its write to node1 has
// begun (a temp file is there).
func startUntilTemp(t *testing.T, dir string, args []string, l *lab.Lab) (*exec.Cmd, time.Time) {
	t.Helper()
	cmd := exec.Command(e2e.Binary(t), args...)
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if e2e.Exec(t, l, "node1", "sh", "-c", anyTemp) != "" {
			return cmd, time.Now()
		}
		time.Sleep(10 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	t.Fatal("the write never started")
	return nil, time.Time{}
}

func waitNoTemp(t *testing.T, l *lab.Lab, d time.Duration) time.Time {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if e2e.Exec(t, l, "node1", "sh", "-c", anyTemp) == "" {
			return time.Now()
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the write never ended")
	return time.Time{}
}

// SIGKILL of the controller at several points of a 50 MB copy leaves
// every target the old file or the new one, byte for byte; a later run
// sweeps the temp files a dead writer left, once they are old.
func TestKilledCopyLeavesOldOrNewLab(t *testing.T) {
	l := e2e.Lab(t, 3)
	dir := t.TempDir()
	newSum := writeBig(t, filepath.Join(dir, "big.bin"), 50<<20, 1)
	pb := filepath.Join(dir, "pb.yml")
	if err := os.WriteFile(pb, []byte(bigCopyPlaybook), 0o644); err != nil {
		t.Fatal(err)
	}
	hosts := []string{"node1", "node2", "node3"}
	reset := func() string {
		var old string
		for _, h := range hosts {
			e2e.Exec(t, l, h, "sh", "-c", "mkdir -p /srv && head -c 3000000 /dev/zero | tr '\\0' o >/srv/big.bin")
			old = sumOn(t, l, h, "/srv/big.bin")
		}
		return old
	}
	args := []string{"run", pb, "-i", l.InventoryPath, "--known-hosts", l.KnownHostsPath}

	// The write is the last part of a copy (after the connection, the
	// probe and the checksums): time it by its temp file on node1, to
	// kill the next copies part way through it.
	oldSum := reset()
	cmd, appeared := startUntilTemp(t, dir, args, l)
	gone := waitNoTemp(t, l, 60*time.Second)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("full copy: %v", err)
	}
	write := gone.Sub(appeared)
	t.Logf("the write of 50 MB to %d hosts takes about %v", len(hosts), write)

	interrupted := 0
	rounds := []struct {
		frac   float64
		ctrlC2 bool // two Ctrl-C (SIGINT) rather than SIGKILL
	}{{0.2, false}, {0.4, false}, {0.6, false}, {0.8, false}, {0.3, true}}
	for _, rd := range rounds {
		how := fmt.Sprintf("SIGKILL at %.0f%%", rd.frac*100)
		if rd.ctrlC2 {
			how = fmt.Sprintf("two Ctrl-C at %.0f%%", rd.frac*100)
		}
		reset()
		cmd, _ := startUntilTemp(t, dir, args, l)
		time.Sleep(time.Duration(rd.frac * float64(write)))
		// Only the child this test started.
		if rd.ctrlC2 {
			_ = cmd.Process.Signal(syscall.SIGINT)
			time.Sleep(20 * time.Millisecond)
			_ = cmd.Process.Signal(syscall.SIGINT)
		} else {
			_ = cmd.Process.Signal(syscall.SIGKILL)
		}
		_ = cmd.Wait()
		// The remote side notices the closed channel and ends the write.
		time.Sleep(500 * time.Millisecond)
		var left []string
		for _, h := range hosts {
			switch got := sumOn(t, l, h, "/srv/big.bin"); got {
			case oldSum:
				interrupted++
				left = append(left, h+": old")
			case newSum:
				left = append(left, h+": new")
			default:
				size := e2e.Exec(t, l, h, "stat", "-c", "%s", "/srv/big.bin")
				t.Errorf("%s: %s: /srv/big.bin is neither old nor new (%s bytes)", how, h, size)
			}
		}
		t.Logf("%s: %s", how, strings.Join(left, ", "))
	}
	if interrupted == 0 {
		t.Fatalf("no kill landed during a write (a write takes %v): the test proved nothing", write)
	}

	// A writer killed with its host (not the controller) leaves its temp:
	// one that is old is swept by the next write into the directory, a
	// young one (a write under way elsewhere) is not.
	for _, h := range hosts {
		e2e.Exec(t, l, h, "sh", "-c", "for f in /srv/.*.haplay-tmp.*; do [ -e \"$f\" ] && touch -d '-2 hours' \"$f\"; done; "+
			"echo partial >/srv/.big.bin.haplay-tmp.DEAD && touch -d '-2 hours' /srv/.big.bin.haplay-tmp.DEAD; "+
			"echo partial >/srv/.other.haplay-tmp.YOUNG; true")
	}
	reset()
	if r := e2e.Run(t, dir, args...); r.ExitCode != 0 {
		t.Fatalf("copy after the kills: exit %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	for _, h := range hosts {
		if got := sumOn(t, l, h, "/srv/big.bin"); got != newSum {
			t.Errorf("%s: the last copy did not land", h)
		}
		if got := tempsOn(t, l, h); got != ".other.haplay-tmp.YOUNG" {
			t.Errorf("%s: temps after the sweep %q, want only the young one", h, got)
		}
	}
}

// A full file system makes copy (inline content and a large src),
// template and lineinfile fail with "No space left on device", the host
// and the path, and leaves the old files as they were.
func TestFullDiskSaysSoLab(t *testing.T) {
	l := e2e.Lab(t, 1)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "t.j2"), []byte("{{ inventory_hostname }} templated\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	writeBig(t, filepath.Join(dir, "big.bin"), 200<<10, 2)
	e2e.Exec(t, l, "node1", "sh", "-c", "mkdir -p /mnt/full && mount -t tmpfs -o size=64k tmpfs /mnt/full && "+
		"for f in a t l b; do echo old >/mnt/full/$f.conf; done; "+
		"dd if=/dev/zero of=/mnt/full/filler bs=4k 2>/dev/null; true")
	t.Cleanup(func() { _, _ = l.Exec(t.Context(), "node1", "umount", "/mnt/full") })
	pb := `- hosts: node1
  gather_facts: false
  tasks:
    - name: inline
      copy: {content: "new content\n", dest: /mnt/full/a.conf}
      ignore_errors: true
    - name: template
      template: {src: t.j2, dest: /mnt/full/t.conf}
      ignore_errors: true
    - name: lineinfile
      lineinfile: {path: /mnt/full/l.conf, line: "added"}
      ignore_errors: true
    - name: large
      copy: {src: big.bin, dest: /mnt/full/b.conf}
      ignore_errors: true
`
	r := e2e.Playbook(t, l, dir, "pb.yml", pb, "run")
	for task, p := range map[string]string{"inline": "a", "template": "t", "lineinfile": "l", "large": "b"} {
		path := "/mnt/full/" + p + ".conf"
		var msg string
		for _, play := range r.Doc.Plays {
			for _, tk := range play.Tasks {
				if tk.Name == task {
					msg = tk.Hosts["node1"].Msg
				}
			}
		}
		t.Logf("%s: %s", task, msg)
		if s := r.Doc.Status(task, "node1"); s != "failed" {
			t.Errorf("%s: %s, want failed", task, s)
		}
		for _, want := range []string{"No space left on device", "node1", path} {
			if !strings.Contains(msg, want) {
				t.Errorf("%s: message %q lacks %q", task, msg, want)
			}
		}
		if got := e2e.Exec(t, l, "node1", "cat", path); got != "old" {
			t.Errorf("%s: %s is now %q, want the old file", task, path, got)
		}
	}
	if got := e2e.Exec(t, l, "node1", "sh", "-c", "ls -a /mnt/full | grep -F .haplay-tmp. || true"); got != "" {
		t.Errorf("temps left on the full file system: %s", got)
	}
}
