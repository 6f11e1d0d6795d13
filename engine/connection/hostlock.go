package connection

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// The host lock keeps two haplay runs from changing one host at once: two
// runs adding lines to one file would each write the file it read, and
// one's lines would be lost. A run that makes changes (not a check run)
// takes it over the host's connection before its first command there and
// removes it when the run ends, Ctrl-C included.
//
// The lock is a file, created with the shell's noclobber (O_EXCL), so
// exactly one creator wins, with no program started when it is free. It
// holds one line naming its holder (LockOwner.line). It lives in /tmp,
// which every user of the host shares: runs as different users, with or
// without become, still see each other's lock.
const (
	// LockPath is where the lock file lives on each host.
	LockPath = "/tmp/.haplay-run.lock"
	// StaleLockAge is the age after which a lock is taken to be a
	// leftover whoever holds it: no run lasts a day.
	StaleLockAge = 24 * time.Hour
	// lockPoll is how often a waiting run looks at the lock again.
	lockPoll = 500 * time.Millisecond
	// lockReleaseTimeout bounds the release at the end of a run.
	lockReleaseTimeout = 10 * time.Second
	// emptyLockRetries and emptyLockPause bound how long a lock file with
	// no line yet is read again: its creator writes the line right after
	// creating it, so an empty file is one being written, not a holder.
	emptyLockRetries = 50
	emptyLockPause   = 20 * time.Millisecond
)

// LockOwner names a run that holds (or asks for) a host's lock.
type LockOwner struct {
	Controller string // the controller's host name
	PID        int    // the haplay process on the controller
	RunID      string // random per run
	Start      time.Time
}

// line is the lock file's content: space-separated key=value words (the
// host name and run id hold no space).
func (o LockOwner) line() string {
	return fmt.Sprintf("haplay-lock controller=%s pid=%d run=%s start=%s",
		o.Controller, o.PID, o.RunID, o.Start.UTC().Format(time.RFC3339))
}

// parseLockOwner reads a lock file's line; ok is false when it is not one
// line() wrote.
func parseLockOwner(s string) (LockOwner, bool) {
	f := strings.Fields(s)
	if len(f) != 5 || f[0] != "haplay-lock" {
		return LockOwner{}, false
	}
	kv := map[string]string{}
	for _, w := range f[1:] {
		k, v, ok := strings.Cut(w, "=")
		if !ok || v == "" {
			return LockOwner{}, false
		}
		kv[k] = v
	}
	pid, err := strconv.Atoi(kv["pid"])
	if err != nil {
		return LockOwner{}, false
	}
	start, err := time.Parse(time.RFC3339, kv["start"])
	if err != nil || kv["controller"] == "" || kv["run"] == "" {
		return LockOwner{}, false
	}
	return LockOwner{Controller: kv["controller"], PID: pid, RunID: kv["run"], Start: start}, true
}

// before tells whether o started before p: the run that waits when both
// hold hosts the other wants. Seconds, as the lock file has them, then
// the run id, so both runs agree.
func (o LockOwner) before(p LockOwner) bool {
	if o.Start.Unix() != p.Start.Unix() {
		return o.Start.Unix() < p.Start.Unix()
	}
	return o.RunID < p.RunID
}

func (o LockOwner) String() string {
	return fmt.Sprintf("controller %s, pid %d, run %s, since %s", o.Controller, o.PID, o.RunID, o.Start.UTC().Format(time.RFC3339))
}

// LockConfig is how a run takes the lock of each host it changes.
type LockConfig struct {
	Owner LockOwner
	// Wait is how long a run waits for a host whose lock another run
	// holds before it gives that host up (0: at once).
	Wait time.Duration
	// Warn reports a stale lock this run broke.
	Warn func(msg string)
	// Path is the lock file ("" = LockPath); Alive tells whether a
	// process of this controller is running (nil = signal 0). Tests set
	// them.
	Path  string
	Alive func(pid int) bool
}

func (c LockConfig) path() string {
	if c.Path == "" {
		return LockPath
	}
	return c.Path
}

// processAlive tells whether pid runs on this machine: signal 0 reaches
// it, or it exists and is someone else's (EPERM).
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// LockedError says that another run holds a host's lock: the host was
// left alone.
type LockedError struct {
	Host   string
	Path   string
	Holder LockOwner
	Line   string // the lock file's line when it names no holder we can read
	Waited time.Duration
	// Stale, when set, says why the lock looked stale and why it could
	// not be broken.
	Stale string
	// Yielded: this run stopped waiting, as it holds other hosts and the
	// holder started first (see acquireLock).
	Yielded bool
}

func (e *LockedError) Error() string {
	who := e.Holder.String()
	if e.Holder.RunID == "" {
		who = fmt.Sprintf("a holder this run cannot read (%q)", e.Line)
	}
	waited := ""
	if e.Waited > 0 {
		waited = fmt.Sprintf(" (waited %s)", e.Waited.Round(time.Second))
	}
	msg := fmt.Sprintf("host %s is locked by another haplay run%s: %s; lock file %s", e.Host, waited, who, e.Path)
	if e.Stale != "" {
		msg += "; it looks stale (" + e.Stale + ")"
	}
	if e.Yielded {
		msg += "; not waiting for it: this run holds other hosts already and that run started first, so each could end up waiting for the other"
	}
	return msg + fmt.Sprintf(". Wait for it with --lock-wait DURATION, or, if that run is gone, remove the file: rm %s on %s", e.Path, e.Host)
}

// hostLock is one target's lock in a run: taken once, before the first
// command, and released when the pool closes.
type hostLock struct {
	mu   sync.Mutex
	done bool
	held bool // this run created the file (another target of this run may share it)
	err  error
}

// take takes the lock for t once. A host that could not be reached is
// asked again on the next use (as its connection is); a lock held by
// another run keeps the host out for the whole run, so it never starts
// halfway through a play.
//
// holding counts the hosts whose lock this run has; take adds this one.
func (l *hostLock) take(ctx context.Context, t Target, cfg LockConfig, holding *atomic.Int32) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done {
		return l.err
	}
	held, err := acquireLock(ctx, t.Run, t.Name(), cfg, func() bool { return holding.Load() > 0 })
	if err != nil && (IsUnreachable(err) || ctx.Err() != nil) {
		return err
	}
	l.done, l.held, l.err = true, held, err
	if err == nil {
		holding.Add(1)
	}
	return err
}

// release removes the lock file if this run created it and it is still
// this run's.
func (l *hostLock) release(t Target, cfg LockConfig) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.held {
		return nil
	}
	l.held = false
	ctx, cancel := context.WithTimeout(context.Background(), lockReleaseTimeout)
	defer cancel()
	return releaseLock(ctx, t.Run, t.Name(), cfg)
}

// lockState is what one look at the lock found.
type lockState int

const (
	lockTaken lockState = iota // we created it
	lockHeld                   // someone holds it (line says who)
	lockGone                   // it vanished between our create and our read
)

// acquireLock takes the lock of host through run, waiting up to cfg.Wait
// while another run holds it. held is false when the lock was already
// this run's (another connection of this run to the same host took it).
//
// Two runs that start together can each take some hosts and then wait
// for the other's. So a run that holds other hosts (holdsOthers) waits
// only for a run that started after it, and gives the host up at once
// otherwise ("wait-die"): the oldest run always goes on, and no two runs
// wait for each other. A run that holds nothing waits freely.
func acquireLock(ctx context.Context, run runFunc, host string, cfg LockConfig, holdsOthers func() bool) (held bool, err error) {
	start := time.Now()
	broken := map[string]bool{}
	for gone, empty := 0, 0; ; {
		st, line, err := tryLock(ctx, run, host, cfg)
		if err != nil {
			return false, err
		}
		holder, known := parseLockOwner(line)
		switch {
		case st == lockTaken:
			return true, nil
		case st == lockGone && gone < 3:
			gone++
			continue
		case st == lockHeld && line == "" && empty < emptyLockRetries:
			// Created by another run that has not written its line yet
			// (the create and the write are two steps): read it again
			// rather than report a holder nobody can name.
			empty++
			if err := sleepCtx(ctx, emptyLockPause); err != nil {
				return false, fmt.Errorf("wait for the lock of %s: %w", host, err)
			}
			continue
		case st == lockGone:
			// Not created, yet not there: the directory refuses it.
			return false, fmt.Errorf("lock %s: cannot create %s, and no run holds it (is %s writable?)", host, cfg.path(), path.Dir(cfg.path()))
		case known && holder.RunID == cfg.Owner.RunID:
			return false, nil
		}
		if why := staleReason(holder, known, cfg); why != "" && !broken[line] {
			broken[line] = true
			broke, err := breakLock(ctx, run, host, line, cfg)
			if err != nil {
				var le *LockedError
				if errors.As(err, &le) {
					le.Holder, le.Stale = holder, why+"; "+le.Stale
				}
				return false, err
			}
			if broke && cfg.Warn != nil {
				cfg.Warn(fmt.Sprintf("%s: broke a stale haplay lock (%s): %s", host, why, holder))
			}
			continue
		}
		waited := time.Since(start)
		yield := cfg.Wait > 0 && holdsOthers() && !(known && cfg.Owner.before(holder))
		if waited >= cfg.Wait || yield {
			le := &LockedError{Host: host, Path: cfg.path(), Line: line, Waited: waited, Yielded: yield}
			if known {
				le.Holder = holder
			}
			if cfg.Wait == 0 {
				le.Waited = 0
			}
			return false, le
		}
		if err := sleepCtx(ctx, min(lockPoll, cfg.Wait-waited)); err != nil {
			return false, fmt.Errorf("wait for the lock of %s: %w", host, err)
		}
	}
}

// sleepCtx waits d, or less if ctx ends first (its error then).
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// staleReason says why holder's lock may be broken, or "": its haplay
// process is gone from this very controller, or it is older than
// StaleLockAge. A lock whose line names nobody is never broken by haplay.
func staleReason(holder LockOwner, known bool, cfg LockConfig) string {
	if !known {
		return ""
	}
	alive := cfg.Alive
	if alive == nil {
		alive = processAlive
	}
	if holder.Controller == cfg.Owner.Controller && !alive(holder.PID) {
		return fmt.Sprintf("pid %d is no longer running on this controller", holder.PID)
	}
	if age := cfg.Owner.Start.Sub(holder.Start); age > StaleLockAge {
		return fmt.Sprintf("taken %s ago, more than %d hours", age.Round(time.Minute), int(StaleLockAge.Hours()))
	}
	return ""
}

// tryLock creates the lock file with our line in one round trip, or reads
// the holder's line. It runs no program: printf and read are builtins.
func tryLock(ctx context.Context, run runFunc, host string, cfg LockConfig) (lockState, string, error) {
	script := "l=" + Quote(cfg.path()) + "\numask 022\nset -C\n" +
		"if { printf '%s\\n' " + Quote(cfg.Owner.line()) + " >\"$l\"; } 2>/dev/null; then echo TAKEN; exit 0; fi\n" +
		"if [ ! -e \"$l\" ]; then echo GONE; exit 0; fi\n" +
		"h=; IFS= read -r h <\"$l\" || :\nprintf 'HELD %s\\n' \"$h\"\n"
	out, err := run(ctx, Cmd{Script: script})
	if err != nil {
		return 0, "", fmt.Errorf("lock %s: %w", host, err)
	}
	res := strings.TrimRight(string(out.Stdout), "\n")
	switch {
	case out.ExitCode != 0:
		return 0, "", fmt.Errorf("lock %s: exit code %d: %s", host, out.ExitCode, strings.TrimSpace(string(out.Stderr)))
	case res == "TAKEN":
		return lockTaken, "", nil
	case res == "GONE":
		return lockGone, "", nil
	case strings.HasPrefix(res, "HELD "):
		return lockHeld, strings.TrimPrefix(res, "HELD "), nil
	}
	return 0, "", fmt.Errorf("lock %s: unexpected answer %q", host, res)
}

// breakLock removes a stale lock whose line is line. It moves the file
// aside first (rename is atomic) and checks that what it moved is that
// stale lock: if another run broke it and took the lock meanwhile, that
// run's lock is put back (ln fails rather than replace a newer one).
// broke is false when the file was gone or was not that stale lock.
func breakLock(ctx context.Context, run runFunc, host, line string, cfg LockConfig) (broke bool, err error) {
	script := "l=" + Quote(cfg.path()) + "\ns=\"$l.stale." + rand.Text() + "\"\n" +
		"if ! e=$(mv -f -- \"$l\" \"$s\" 2>&1); then if [ -e \"$l\" ]; then printf 'FAILED %s\\n' \"$e\"; else echo GONE; fi; exit 0; fi\n" +
		"h=; IFS= read -r h <\"$s\" || :\n" +
		"if [ \"$h\" = " + Quote(line) + " ]; then rm -f -- \"$s\"; echo BROKEN; else ln -- \"$s\" \"$l\" 2>/dev/null || :; rm -f -- \"$s\"; echo RACE; fi\n"
	out, err := run(ctx, Cmd{Script: script})
	if err != nil {
		return false, fmt.Errorf("break the lock of %s: %w", host, err)
	}
	res := strings.TrimSpace(string(out.Stdout))
	if rest, ok := strings.CutPrefix(res, "FAILED "); ok {
		return false, &LockedError{Host: host, Path: cfg.path(), Line: line, Stale: "could not remove it: " + rest}
	}
	if out.ExitCode != 0 {
		return false, fmt.Errorf("break the lock of %s: exit code %d: %s", host, out.ExitCode, strings.TrimSpace(string(out.Stderr)))
	}
	return res == "BROKEN", nil
}

// releaseLock removes the lock file if it still holds cfg's line.
func releaseLock(ctx context.Context, run runFunc, host string, cfg LockConfig) error {
	script := "l=" + Quote(cfg.path()) + "\nh=; IFS= read -r h <\"$l\" 2>/dev/null || :\n" +
		"if [ \"$h\" = " + Quote(cfg.Owner.line()) + " ]; then rm -f -- \"$l\"; fi\n"
	out, err := run(ctx, Cmd{Script: script})
	if err != nil {
		return fmt.Errorf("release the lock of %s: %w", host, err)
	}
	if out.ExitCode != 0 {
		return fmt.Errorf("release the lock of %s: exit code %d: %s", host, out.ExitCode, strings.TrimSpace(string(out.Stderr)))
	}
	return nil
}
