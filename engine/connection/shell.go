package connection

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// A remote shell is one long-lived session per host running /bin/sh -s,
// reading commands on its stdin. Opening an SSH session
// costs sshd a fork, a re-exec of the login shell (and its rc files) and
// a few round trips; a command written to a running shell costs one fork
// of that shell. The benchmarks in lab_bench_test.go measure the
// difference (docs/performance.md).
//
// Framing, per command, as shell text on the shell's stdin:
//
//	( LINE
//	) </dev/null
//	printf '%s %d\n' MARK "$?"; printf '%s\n' MARK >&2
//
// LINE is the same command line a channel would run (by the login shell
// there, by /bin/sh here: the line is plain POSIX sh, argv commands are
// exec'd, scripts name their shell). The subshell keeps exit, cd and
// variables from leaking into the reading shell. The command's
// stdout and stderr go straight to the session's streams, byte for byte;
// MARK (random per command, 128 bits) ends each stream, so any output,
// binary or not, passes unchanged unless it contains the marker, which
// the command cannot know. Stdin, when there is some, arrives as base64
// in a here-document read by base64 -d, piped into the subshell
// ({ base64 -d | ( LINE
// ); } <<MARK), so the command reads
// exactly its stdin and never the shell's.

// maxShellStdin is the most stdin sent through a shell; beyond it base64
// and a shell reading the here-document cost more than a channel.
const maxShellStdin = 64 << 10

// DefaultShells is how many remote shells a target keeps per host when
// Options.Shells is 0. A host runs one task at a time, and a module
// seldom has more than a few commands in flight; more commands at once
// use channels. A dropped connection takes its shells with it: the next
// command redials (trackedConn) and starts new ones.
const DefaultShells = 4

// remoteShell is one running shell. It is used by one command at a time.
type remoteShell struct {
	client *ssh.Client
	nc     *trackedConn // client's socket: tells a lost connection
	pid    int          // the shell's PID, which sshd made a process group leader
	sess   *ssh.Session
	stdin  io.WriteCloser
	stdout *marked
	stderr *marked
}

// marked reads a stream up to a marker, keeping what came after it.
type marked struct {
	r     io.Reader
	buf   []byte // read but not yet returned
	chunk []byte // read buffer, kept: a fresh one per command showed in profiles
}

// until returns everything before mark and consumes mark itself.
func (m *marked) until(mark []byte) ([]byte, error) {
	scanned := 0
	if m.chunk == nil {
		m.chunk = make([]byte, 16<<10)
	}
	chunk := m.chunk
	for {
		if i := bytes.Index(m.buf[scanned:], mark); i >= 0 {
			end := scanned + i
			out := bytes.Clone(m.buf[:end])
			m.buf = append(m.buf[:0], m.buf[end+len(mark):]...)
			return out, nil
		}
		// The marker may straddle reads: rescan its length minus one.
		scanned = max(0, len(m.buf)-len(mark)+1)
		n, err := m.r.Read(chunk)
		m.buf = append(m.buf, chunk[:n]...)
		if err != nil && n == 0 {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
}

// line returns the bytes up to the next newline, consuming it.
func (m *marked) line() ([]byte, error) {
	return m.until([]byte{'\n'})
}

// startShell opens a session running /bin/sh on stdin. sshd runs the
// session command with the user's login shell, whose rc files may read
// stdin or print: nothing is written to the shell until a ready marker
// arrives on both streams, and whatever came before it is dropped. The
// marker on stdout carries the shell's PID (exec keeps it), for kill.
func startShell(ctx context.Context, c *ssh.Client, nc *trackedConn) (*remoteShell, error) {
	mark, err := newMark()
	if err != nil {
		return nil, err
	}
	sess, err := c.NewSession()
	if err != nil {
		return nil, err
	}
	sh, err := func() (*remoteShell, error) {
		in, err := sess.StdinPipe()
		if err != nil {
			return nil, err
		}
		out, err := sess.StdoutPipe()
		if err != nil {
			return nil, err
		}
		errp, err := sess.StderrPipe()
		if err != nil {
			return nil, err
		}
		// dash or another /bin/sh reads no rc file when not interactive.
		if err := sess.Start("printf '%s %s\\n' " + mark + " $$; printf '%s\\n' " + mark + " >&2; exec /bin/sh -s"); err != nil {
			return nil, err
		}
		sh := &remoteShell{client: c, nc: nc, sess: sess, stdin: in, stdout: &marked{r: out}, stderr: &marked{r: errp}}
		ready := make(chan error, 2)
		go func() {
			_, err := sh.stdout.until([]byte(mark + " "))
			var pid []byte
			if err == nil {
				pid, err = sh.stdout.line()
			}
			// Written before ready is sent: read only after it.
			sh.pid, _ = strconv.Atoi(string(pid))
			ready <- err
		}()
		go func() { _, err := sh.stderr.until([]byte(mark + "\n")); ready <- err }()
		for range 2 {
			select {
			case err := <-ready:
				if err != nil {
					return nil, fmt.Errorf("remote shell did not start: %w", err)
				}
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		return sh, nil
	}()
	if err != nil {
		_ = sess.Close()
		return nil, err
	}
	return sh, nil
}

func (s *remoteShell) close() {
	_ = s.stdin.Close()
	_ = s.sess.Close()
}

// killWait bounds how long kill waits for the host to end a command.
const killWait = 5 * time.Second

// kill ends what runs in the shell: the shell and every process of its
// process group. sshd starts each session's program in a session of its
// own, so the group holds the shell, the command and its children
// (unless they left it). Signalling the shell alone, as the channel's
// signal request does, would leave the command running: it is a child
// of the shell. TERM goes first, which sudo passes on to the command it
// runs as another user, then KILL for what outlived it. The kill runs
// as the remote user on a channel of its own, and is given killWait: on
// a lost connection it cannot work at all.
func (s *remoteShell) kill() {
	if s.pid <= 1 || s.nc == nil || s.nc.dead() {
		return
	}
	g := "-" + strconv.Itoa(s.pid)
	script := "kill -TERM -- " + g + " 2>/dev/null || exit 0; i=0; " +
		"while [ $i -lt 20 ] && kill -0 -- " + g + " 2>/dev/null; do sleep 0.1 2>/dev/null || sleep 1; i=$((i+1)); done; " +
		"kill -KILL -- " + g + " 2>/dev/null; :"
	done := make(chan struct{})
	go func() {
		defer close(done)
		sess, err := s.client.NewSession()
		if err != nil {
			return
		}
		defer sess.Close()
		_ = sess.Run(script)
	}()
	select {
	case <-done:
	case <-time.After(killWait):
	}
}

// newMark returns a fresh random marker.
func newMark() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return "HAPLAY" + hex.EncodeToString(b[:]) + ":", nil
}

// shellFrame is the text that runs l in the shell.
func shellFrame(l cmdLine, mark string) string {
	var b strings.Builder
	b.Grow(len(l.text) + len(l.stdin)*4/3 + 200)
	switch {
	case len(l.stdin) > 0:
		// The here-document's end word cannot occur in base64 text.
		b.WriteString("{ base64 -d | ( " + l.text + "\n); } <<'" + mark + "'\n")
		enc := base64.StdEncoding.EncodeToString(l.stdin)
		for len(enc) > 76 {
			b.WriteString(enc[:76] + "\n")
			enc = enc[76:]
		}
		b.WriteString(enc + "\n" + mark + "\n")
	case l.direct:
		// Run by the reading shell itself: a program costs a vfork and
		// an exec. The braces keep the redirection for the whole line.
		b.WriteString("{ " + l.text + "\n} </dev/null\n")
	default:
		// A subshell: exit, cd and variables stay in it. It execs its
		// last command, so an argv command costs one fork and one exec.
		b.WriteString("( " + l.text + "\n) </dev/null\n")
	}
	b.WriteString("printf '%s %d\\n' " + mark + " \"$?\"; printf '%s\\n' " + mark + " >&2\n")
	return b.String()
}

// errShellWrite means the frame never reached the shell, so the command
// did not run and may be retried on another shell.
var errShellWrite = errors.New("write to remote shell")

// run runs line in the shell. On any error the shell is unusable.
func (s *remoteShell) run(ctx context.Context, l cmdLine) (Output, error) {
	mark, err := newMark()
	if err != nil {
		return Output{}, err
	}
	if _, err := io.WriteString(s.stdin, shellFrame(l, mark)); err != nil {
		return Output{}, fmt.Errorf("%w: %w", errShellWrite, err)
	}
	type result struct {
		b, rc []byte
		err   error
	}
	errc := make(chan result, 1)
	go func() {
		b, err := s.stderr.until([]byte(mark + "\n"))
		errc <- result{b: b, err: err}
	}()
	outc := make(chan result, 1)
	go func() {
		// The exit status follows the marker on its line.
		r := result{}
		if r.b, r.err = s.stdout.until([]byte(mark + " ")); r.err == nil {
			r.rc, r.err = s.stdout.line()
		}
		outc <- r
	}()
	var o, e result
	for got := 0; got < 2; got++ {
		select {
		case o = <-outc:
		case e = <-errc:
		case <-ctx.Done():
			// The command may still run; killing the shell and closing
			// the session is all a channel would do too.
			_ = s.sess.Signal(ssh.SIGKILL)
			s.close()
			return Output{}, ctx.Err()
		}
	}
	if o.err != nil || e.err != nil {
		return Output{}, fmt.Errorf("remote shell ended (connection lost?): %w", errors.Join(o.err, e.err))
	}
	rc, err := strconv.Atoi(string(o.rc))
	if err != nil {
		return Output{}, fmt.Errorf("remote shell: bad exit status %q", o.rc)
	}
	out := Output{Stdout: o.b, Stderr: e.b, ExitCode: rc}
	if len(out.Stdout) == 0 {
		out.Stdout = nil
	}
	if len(out.Stderr) == 0 {
		out.Stderr = nil
	}
	return out, nil
}
