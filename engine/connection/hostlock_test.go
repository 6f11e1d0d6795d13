package connection

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// lockCfg is a run's lock settings with the lock file under dir.
func lockCfg(dir, controller, run string, pid int) LockConfig {
	return LockConfig{Owner: LockOwner{Controller: controller, PID: pid, RunID: run, Start: time.Now()},
		Path: filepath.Join(dir, "lock"), Alive: func(int) bool { return true }}
}

// none says this run holds no other host.
func none() bool { return false }

// The lock protocol, run by /bin/sh on the controller as on a host.
func TestHostLockProtocol(t *testing.T) {
	tg := localTarget(t)
	ctx := context.Background()
	dir := t.TempDir()
	a := lockCfg(dir, "ctl1", "RUNA", 111)
	b := lockCfg(dir, "ctl2", "RUNB", 222)

	held, err := acquireLock(ctx, tg.Run, "node1", a, none)
	if err != nil || !held {
		t.Fatalf("free lock: held=%v err=%v", held, err)
	}
	if got, _ := os.ReadFile(a.Path); string(got) != a.Owner.line()+"\n" {
		t.Fatalf("lock file holds %q, want %q", got, a.Owner.line())
	}
	// Another run is refused at once, with who holds it and how to break it.
	_, err = acquireLock(ctx, tg.Run, "node1", b, none)
	var le *LockedError
	if !errors.As(err, &le) || le.Holder.RunID != "RUNA" {
		t.Fatalf("second run: err = %v, want a LockedError naming RUNA", err)
	}
	for _, w := range []string{"host node1 is locked by another haplay run", "controller ctl1", "pid 111", "run RUNA",
		"lock file " + a.Path, "--lock-wait", "rm " + a.Path + " on node1"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}
	// Another connection of the same run shares it without owning it.
	if held, err := acquireLock(ctx, tg.Run, "node1", a, none); err != nil || held {
		t.Errorf("same run again: held=%v err=%v, want shared", held, err)
	}
	// Only the holder's release removes it.
	if err := releaseLock(ctx, tg.Run, "node1", b); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(a.Path); err != nil {
		t.Fatalf("another run's release removed the lock: %v", err)
	}
	if err := releaseLock(ctx, tg.Run, "node1", a); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(a.Path); !os.IsNotExist(err) {
		t.Fatalf("lock still there after release: %v", err)
	}
	if held, err := acquireLock(ctx, tg.Run, "node1", b, none); err != nil || !held {
		t.Fatalf("after release: held=%v err=%v", held, err)
	}
}

// A waiting run gets the lock once its holder releases it, within
// --lock-wait; past it, the error says how long it waited.
func TestHostLockWait(t *testing.T) {
	tg := localTarget(t)
	ctx := context.Background()
	dir := t.TempDir()
	a := lockCfg(dir, "ctl1", "RUNA", 111)
	b := lockCfg(dir, "ctl2", "RUNB", 222)
	if _, err := acquireLock(ctx, tg.Run, "node1", a, none); err != nil {
		t.Fatal(err)
	}
	b.Wait = 700 * time.Millisecond
	start := time.Now()
	_, err := acquireLock(ctx, tg.Run, "node1", b, none)
	var le *LockedError
	if !errors.As(err, &le) || time.Since(start) < b.Wait || !strings.Contains(err.Error(), "(waited 1s)") {
		t.Fatalf("after %s: %v, want a LockedError after waiting %s", time.Since(start), err, b.Wait)
	}
	go func() {
		time.Sleep(600 * time.Millisecond)
		releaseLock(ctx, tg.Run, "node1", a)
	}()
	b.Wait = 10 * time.Second
	start = time.Now()
	if held, err := acquireLock(ctx, tg.Run, "node1", b, none); err != nil || !held {
		t.Fatalf("waiting run: held=%v err=%v", held, err)
	}
	if w := time.Since(start); w < 500*time.Millisecond || w > 5*time.Second {
		t.Errorf("took the lock after %s, want soon after the release (0.6 s)", w)
	}
}

// A stale lock is broken, and said so: its holder's pid is gone from this
// controller, or it is older than StaleLockAge. A live holder on another
// controller, or a line haplay cannot read, is never broken.
func TestHostLockStale(t *testing.T) {
	tg := localTarget(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		holder func(c *LockConfig)
		line   string
		broken string
	}{
		{"pid gone on this controller", func(c *LockConfig) { c.Owner.Controller = "me"; c.Alive = func(int) bool { return false } }, "", "pid 111 is no longer running on this controller"},
		{"older than a day", func(c *LockConfig) { c.Owner.Start = time.Now().Add(-25 * time.Hour) }, "", "more than 24 hours"},
		{"pid gone on another controller", func(c *LockConfig) { c.Alive = func(int) bool { return false } }, "", ""},
		{"unreadable line", nil, "someone else's file", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			holder := lockCfg(dir, "other", "RUNA", 111)
			if tc.holder != nil {
				tc.holder(&holder)
			}
			line := holder.Owner.line()
			if tc.line != "" {
				line = tc.line
			}
			if err := os.WriteFile(holder.Path, []byte(line+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			me := lockCfg(dir, "me", "RUNB", 222)
			me.Alive = holder.Alive
			var warned []string
			me.Warn = func(m string) { warned = append(warned, m) }
			held, err := acquireLock(ctx, tg.Run, "node1", me, none)
			if tc.broken == "" {
				var le *LockedError
				if !errors.As(err, &le) || len(warned) > 0 {
					t.Fatalf("held=%v err=%v warned=%q, want refused and nothing broken", held, err, warned)
				}
				if tc.line != "" && !strings.Contains(err.Error(), `a holder this run cannot read ("someone else's file")`) {
					t.Errorf("error %q does not show the unreadable line", err)
				}
				return
			}
			if err != nil || !held {
				t.Fatalf("held=%v err=%v, want the stale lock broken and taken", held, err)
			}
			if len(warned) != 1 || !strings.Contains(warned[0], "node1: broke a stale haplay lock (") || !strings.Contains(warned[0], tc.broken) || !strings.Contains(warned[0], "run RUNA") {
				t.Errorf("warnings %q, want one naming the break, why (%s) and the old holder", warned, tc.broken)
			}
			if got, _ := os.ReadFile(me.Path); string(got) != me.Owner.line()+"\n" {
				t.Errorf("lock file %q, want ours", got)
			}
			if m, _ := filepath.Glob(filepath.Join(dir, "lock.stale.*")); len(m) > 0 {
				t.Errorf("left %v", m)
			}
		})
	}
}

func TestLockOwnerLine(t *testing.T) {
	o := LockOwner{Controller: "ctl", PID: 42, RunID: "ABC", Start: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	got, ok := parseLockOwner(o.line())
	if !ok || got != o {
		t.Fatalf("round trip: %+v %v", got, ok)
	}
	for _, bad := range []string{"", "haplay-lock", "haplay-lock controller=a pid=x run=r start=2026-01-02T03:04:05Z", "x controller=a pid=1 run=r start=2026-01-02T03:04:05Z"} {
		if _, ok := parseLockOwner(bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
}

// Breaking a stale lock that another run broke and retook meanwhile puts
// that run's lock back: the breaker checks what it moved aside.
func TestHostLockBreakRace(t *testing.T) {
	tg := localTarget(t)
	dir := t.TempDir()
	fresh := lockCfg(dir, "ctl1", "FRESH", 1)
	if _, err := acquireLock(context.Background(), tg.Run, "node1", fresh, none); err != nil {
		t.Fatal(err)
	}
	stale := LockOwner{Controller: "ctl1", PID: 2, RunID: "STALE", Start: time.Now()}.line()
	if broke, err := breakLock(context.Background(), tg.Run, "node1", stale, fresh); err != nil || broke {
		t.Fatalf("broke=%v err=%v, want nothing broken", broke, err)
	}
	if got, _ := os.ReadFile(fresh.Path); string(got) != fresh.Owner.line()+"\n" {
		t.Errorf("lock file %q, want the fresh run's put back", got)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "lock.stale.*")); len(m) > 0 {
		t.Errorf("left %v", m)
	}
}

// A run that holds other hosts waits only for a run that started after
// it; for an older one it gives the host up at once, so two runs that
// started together cannot wait for each other until --lock-wait ends.
func TestHostLockWaitDie(t *testing.T) {
	tg := localTarget(t)
	ctx := context.Background()
	holds := func() bool { return true }
	for _, tc := range []struct {
		name      string
		holderAge time.Duration // how much earlier than us the holder started
		wantWait  bool
	}{{"holder older", time.Minute, false}, {"holder younger", -time.Minute, true}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			holder := lockCfg(dir, "ctl1", "RUNA", 111)
			me := lockCfg(dir, "ctl2", "RUNB", 222)
			holder.Owner.Start = me.Owner.Start.Add(-tc.holderAge)
			if _, err := acquireLock(ctx, tg.Run, "node1", holder, none); err != nil {
				t.Fatal(err)
			}
			go func() {
				time.Sleep(time.Second)
				releaseLock(ctx, tg.Run, "node1", holder)
			}()
			me.Wait = 10 * time.Second
			start := time.Now()
			held, err := acquireLock(ctx, tg.Run, "node1", me, holds)
			if tc.wantWait {
				if err != nil || !held || time.Since(start) < 800*time.Millisecond {
					t.Errorf("held=%v err=%v after %s, want a wait for the younger holder", held, err, time.Since(start))
				}
				return
			}
			var le *LockedError
			if !errors.As(err, &le) || !le.Yielded || time.Since(start) > 500*time.Millisecond {
				t.Fatalf("err=%v after %s, want given up at once", err, time.Since(start))
			}
			if !strings.Contains(err.Error(), "not waiting for it: this run holds other hosts already and that run started first") {
				t.Errorf("error %q does not say why it did not wait", err)
			}
		})
	}
}

// The pool takes an SSH host's lock on the first Get, keeps a refusal for
// the run, shares the lock among the run's connections to the host, and
// releases it on Close; a local connection takes none.
func TestPoolLockLab(t *testing.T) {
	s := startSSHD(t)
	dir := t.TempDir()
	pool := func(run string) *Pool {
		c := lockCfg(dir, "ctl", run, 1)
		p, err := NewPool(PoolConfig{HostKeys: checker(t, HostKeyStrict, "", s.knownHosts), Lock: &c})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	ctx := context.Background()
	info := Spec{Host: "web1", Address: "127.0.0.1", Port: s.port, User: "root", KeyFile: s.clientKey}
	a, b := pool("RUNA"), pool("RUNB")
	if _, err := a.Get(ctx, info); err != nil {
		t.Fatal(err)
	}
	other := info // the same host, another description: shares the lock
	other.ConnectTimeout = time.Minute
	if _, err := a.Get(ctx, other); err != nil {
		t.Fatalf("a second connection of the same run: %v", err)
	}
	var le *LockedError
	if _, err := b.Get(ctx, info); !errors.As(err, &le) || le.Holder.RunID != "RUNA" {
		t.Fatalf("another run: %v, want refused naming RUNA", err)
	}
	if _, err := b.Get(ctx, Spec{Host: "ctl", Connection: "local"}); err != nil {
		t.Errorf("a local connection waited for a lock: %v", err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "lock")); !os.IsNotExist(err) {
		t.Fatalf("lock still there after Close: %v", err)
	}
	if _, err := b.Get(ctx, info); !errors.As(err, &le) {
		t.Errorf("a refused host came back within the run: %v", err)
	}
	// A host that is down is handed out anyway (wait_for_connection waits
	// for it); its lock is asked for again on the next Get.
	down := Spec{Host: "down", Address: "127.0.0.1", Port: 1, User: "root", KeyFile: s.clientKey}
	if tg, err := b.Get(ctx, down); err != nil || tg == nil {
		t.Errorf("a host that is down: %v, want its target", err)
	}
	b.Close()
	c := pool("RUNC")
	defer c.Close()
	if _, err := c.Get(ctx, info); err != nil {
		t.Errorf("a new run after the release: %v", err)
	}
}

// A lock file that cannot be created (a directory that does not exist or
// refuses it) is an error saying so, not a holder nobody can name.
func TestHostLockCannotCreate(t *testing.T) {
	tg := localTarget(t)
	c := lockCfg(filepath.Join(t.TempDir(), "missing"), "ctl", "RUNA", 1)
	_, err := acquireLock(context.Background(), tg.Run, "node1", c, none)
	if err == nil || !strings.Contains(err.Error(), "cannot create "+c.Path+", and no run holds it") {
		t.Fatalf("err = %v", err)
	}
}

// A lock file another run has created but not yet written its line to is
// read again, not reported as a holder nobody can name: two runs that
// start together caught each other in that gap (the refusal then named
// no controller, pid or run).
func TestHostLockEmptyFileIsBeingWritten(t *testing.T) {
	tg := localTarget(t)
	dir := t.TempDir()
	a := lockCfg(dir, "ctl1", "RUNA", 111)
	b := lockCfg(dir, "ctl2", "RUNB", 222)
	if err := os.WriteFile(a.Path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		time.Sleep(150 * time.Millisecond)
		done <- os.WriteFile(a.Path, []byte(a.Owner.line()+"\n"), 0o644)
	}()
	_, err := acquireLock(context.Background(), tg.Run, "node1", b, none)
	if werr := <-done; werr != nil {
		t.Fatal(werr)
	}
	var le *LockedError
	if !errors.As(err, &le) || le.Holder.RunID != "RUNA" {
		t.Fatalf("err = %v, want a LockedError naming RUNA once its line is written", err)
	}
	// A file that stays empty is a holder this run cannot read, said so.
	if err := os.WriteFile(a.Path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = acquireLock(context.Background(), tg.Run, "node1", b, none)
	if !errors.As(err, &le) || !strings.Contains(err.Error(), `a holder this run cannot read ("")`) {
		t.Fatalf("err = %v, want a LockedError naming an unreadable holder", err)
	}
}
