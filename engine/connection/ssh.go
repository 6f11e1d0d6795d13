package connection

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// Options describe how to reach one host over SSH.
type Options struct {
	Name     string // inventory name, for messages
	Address  string // ansible_host; "" means Name
	Port     int    // 0 means 22
	User     string // "" means the current user
	KeyFiles []string
	// Password enables password and keyboard-interactive auth.
	Password string
	// ConnectTimeout bounds the TCP dial and the SSH handshake; 0 means 10s.
	ConnectTimeout time.Duration
	// HostKeys is shared by all hosts of a run; nil means strict checking
	// against ~/.ssh/known_hosts, parsed for this target alone.
	HostKeys *HostKeyChecker
	// AgentSocket is the ssh-agent socket; "" means $SSH_AUTH_SOCK.
	AgentSocket string
	NoAgent     bool
	// MaxSessions caps concurrent commands on the connection; 0 means 10,
	// sshd's default MaxSessions, beyond which it refuses new channels.
	MaxSessions int
	// Shells is how many long-lived remote shells run commands before
	// falling back to a channel per command (shell.go); 0 means
	// DefaultShells, negative means none: a channel per command.
	Shells int
	// ServerAliveInterval and ServerAliveCountMax mean what they mean to
	// ssh: when the host has sent nothing for an interval, a keepalive
	// asks it to answer, and after CountMax intervals of silence the
	// connection is declared lost (keepalive.go). Interval 0 means
	// DefaultServerAliveInterval, negative means no keepalives; CountMax
	// 0 means DefaultServerAliveCountMax.
	ServerAliveInterval time.Duration
	ServerAliveCountMax int
}

// SSHTarget runs commands on a host over one lazily dialled SSH connection:
// on a few long-lived remote shells, or one session (channel) per command
// when they are busy or disabled.
type SSHTarget struct {
	opts Options
	addr string
	sem  chan struct{} // channels; each shell holds one slot too

	shellMu sync.Mutex
	idle    []*remoteShell
	shells  int // running, idle or busy

	dials atomic.Int64

	mu      sync.Mutex
	client  *ssh.Client
	netConn *trackedConn  // client's socket, to see a drop at once
	dialing chan struct{} // closed when the dial in progress ends
	dialErr error         // a failed dial is final: the host is unreachable
	closed  bool
}

var errClosed = errors.New("connection closed")

// NewSSH returns a Target for o; it dials on first use.
func NewSSH(o Options) (*SSHTarget, error) {
	if o.Address == "" {
		o.Address = o.Name
	}
	if o.Name == "" {
		o.Name = o.Address
	}
	if o.Address == "" {
		return nil, errors.New("ssh: no host address")
	}
	if o.Port == 0 {
		o.Port = 22
	}
	if o.User == "" {
		u, err := user.Current()
		if err != nil {
			return nil, fmt.Errorf("ssh %s: current user: %w", o.Name, err)
		}
		o.User = u.Username
	}
	if o.ConnectTimeout == 0 {
		o.ConnectTimeout = 10 * time.Second
	}
	if o.MaxSessions <= 0 {
		o.MaxSessions = 10
	}
	if o.ServerAliveInterval == 0 {
		o.ServerAliveInterval = DefaultServerAliveInterval
	}
	if o.ServerAliveCountMax <= 0 {
		o.ServerAliveCountMax = DefaultServerAliveCountMax
	}
	switch {
	case o.Shells == 0:
		o.Shells = DefaultShells
	case o.Shells < 0:
		o.Shells = 0
	}
	// A shell is a session too: keep a slot for channels.
	o.Shells = min(o.Shells, o.MaxSessions-1)
	if o.AgentSocket == "" && !o.NoAgent {
		o.AgentSocket = os.Getenv("SSH_AUTH_SOCK")
	}
	if o.HostKeys == nil {
		hk, err := NewHostKeyChecker(HostKeyStrict, nil)
		if err != nil {
			return nil, fmt.Errorf("ssh %s: %w", o.Name, err)
		}
		o.HostKeys = hk
	}
	return &SSHTarget{
		opts: o,
		addr: net.JoinHostPort(o.Address, strconv.Itoa(o.Port)),
		sem:  make(chan struct{}, o.MaxSessions),
	}, nil
}

// Name returns the inventory name.
func (t *SSHTarget) Name() string { return t.opts.Name }

// Reset forgets a failed dial so the next command dials again
// (wait_for_connection on a host that is coming back). An open connection
// is kept.
func (t *SSHTarget) Reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.dialErr = nil
}

// Disconnect drops the open connection (and with it the shells on it)
// and forgets a failed dial, so the next command dials afresh. reboot
// needs it: the host comes back as a new machine on the same address,
// and a connection of the old boot may hang instead of failing. A
// command still running on the dropped connection fails.
func (t *SSHTarget) Disconnect() {
	t.mu.Lock()
	c := t.client
	t.client, t.netConn = nil, nil
	t.dialErr = nil
	t.mu.Unlock()
	if c != nil {
		// Idle shells of c are discarded by takeShell, which only hands
		// out shells of the current connection.
		_ = c.Close()
	}
}

// Dials counts connection attempts, so tests can check reuse.
func (t *SSHTarget) Dials() int { return int(t.dials.Load()) }

// Run runs c on an idle remote shell, or in a new session on the host's
// connection.
func (t *SSHTarget) Run(ctx context.Context, c Cmd) (Output, error) {
	if len(c.Stdin) <= maxShellStdin && t.opts.Shells > 0 {
		l, err := shellCommandLine(c, t.opts.User)
		if err != nil {
			return Output{}, fmt.Errorf("%s: %w", t.opts.Name, err)
		}
		if out, ok, err := t.runShell(ctx, l); ok {
			return out, err
		}
	}
	line, stdin, err := commandLine(c, t.opts.User)
	if err != nil {
		return Output{}, fmt.Errorf("%s: %w", t.opts.Name, err)
	}
	return t.run(ctx, line, stdin)
}

// lostDuring turns err, the failure of a command that ran on nc, into
// UnreachableError when the connection was lost under the command (a
// dead link, sshd killed, keepalives unanswered). The command may have
// run partly, and the host cannot be told apart from one that is down:
// Ansible reports it unreachable too. A cancelled context, or a
// connection haplay closed itself, leave err as it is.
func (t *SSHTarget) lostDuring(ctx context.Context, nc *trackedConn, err error) error {
	if err == nil || nc == nil || ctx.Err() != nil || IsUnreachable(err) {
		return err
	}
	cause := nc.lost()
	if cause == nil {
		return err
	}
	return t.unreachable("connection lost during the task: it may have run partly: %w", cause)
}

// runShell runs line on a remote shell; ok is false when no shell is
// free and none may start, or the shell failed before the command was
// sent, so the caller should use a channel.
func (t *SSHTarget) runShell(ctx context.Context, l cmdLine) (Output, bool, error) {
	for range 2 {
		sh, err := t.takeShell(ctx)
		if err != nil {
			return Output{}, true, err
		}
		if sh == nil {
			return Output{}, false, nil
		}
		out, err := sh.run(ctx, l)
		if err == nil {
			t.putShell(sh)
			return out, true, nil
		}
		if ctx.Err() != nil {
			// The command may still run under the shell: end it
			// (a timeout, or an interrupt) before the shell goes.
			sh.kill()
		}
		t.dropShell(sh)
		if ctx.Err() != nil {
			return Output{}, true, fmt.Errorf("%s: %w", t.opts.Name, ctx.Err())
		}
		if !errors.Is(err, errShellWrite) {
			if lost := t.lostDuring(ctx, sh.nc, err); lost != err {
				return Output{}, true, lost
			}
			return Output{}, true, fmt.Errorf("%s: %w", t.opts.Name, err)
		}
		// The shell was dead before the command reached it (say, the
		// connection dropped): nothing ran, so try a fresh one.
	}
	return Output{}, false, nil
}

// takeShell returns an idle shell on the current connection, or starts
// one if fewer than Options.Shells run; nil means use a channel.
func (t *SSHTarget) takeShell(ctx context.Context) (*remoteShell, error) {
	if t.opts.Shells == 0 {
		return nil, nil
	}
	c, nc, err := t.conn(ctx)
	if err != nil {
		return nil, err
	}
	t.shellMu.Lock()
	for len(t.idle) > 0 {
		sh := t.idle[len(t.idle)-1]
		t.idle = t.idle[:len(t.idle)-1]
		if sh.client == c {
			t.shellMu.Unlock()
			return sh, nil
		}
		// A shell of a dropped connection: dead.
		t.shells--
		<-t.sem
		sh.close()
	}
	if t.shells >= t.opts.Shells {
		t.shellMu.Unlock()
		return nil, nil
	}
	select {
	case t.sem <- struct{}{}:
	default:
		t.shellMu.Unlock()
		return nil, nil
	}
	t.shells++
	t.shellMu.Unlock()
	sh, err := startShell(ctx, c, nc)
	if err != nil {
		t.shellMu.Lock()
		t.shells--
		t.shellMu.Unlock()
		<-t.sem
		// A refused or failed session: let the channel path retry,
		// redial and report it.
		return nil, nil
	}
	return sh, nil
}

func (t *SSHTarget) putShell(sh *remoteShell) {
	t.shellMu.Lock()
	defer t.shellMu.Unlock()
	t.idle = append(t.idle, sh)
}

func (t *SSHTarget) dropShell(sh *remoteShell) {
	sh.close()
	t.shellMu.Lock()
	t.shells--
	t.shellMu.Unlock()
	<-t.sem
}

// WriteFile writes data to path atomically in one remote command.
func (t *SSHTarget) WriteFile(ctx context.Context, path string, data []byte, opts WriteOptions) error {
	return writeFile(ctx, t.Run, t.opts.Name, path, data, opts)
}

// Close closes the connection; later calls fail.
func (t *SSHTarget) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closed = true
	t.shellMu.Lock()
	for _, sh := range t.idle {
		sh.close()
	}
	t.idle = nil
	t.shellMu.Unlock()
	if t.client == nil {
		return nil
	}
	err := t.client.Close()
	t.client, t.netConn = nil, nil
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("close %s: %w", t.opts.Name, err)
	}
	return nil
}

func (t *SSHTarget) run(ctx context.Context, line string, stdin []byte) (Output, error) {
	select {
	case t.sem <- struct{}{}:
	case <-ctx.Done():
		return Output{}, fmt.Errorf("%s: %w", t.opts.Name, ctx.Err())
	}
	defer func() { <-t.sem }()

	sess, nc, err := t.session(ctx)
	if err != nil {
		return Output{}, err
	}
	defer sess.Close()
	var stdout, stderr bytes.Buffer
	sess.Stdout, sess.Stderr = &stdout, &stderr
	if len(stdin) > 0 {
		sess.Stdin = bytes.NewReader(stdin)
	}
	// No PTY: it would cost a round trip and mangle binary output.
	if err := sess.Start(line); err != nil {
		return Output{}, fmt.Errorf("%s: start command: %w", t.opts.Name, err)
	}
	done := make(chan error, 1)
	go func() { done <- sess.Wait() }()
	select {
	case err = <-done:
	case <-ctx.Done():
		// OpenSSH >= 7.9 honours the signal; closing the channel makes
		// sshd hang up on the command in any case. Wait is not awaited: on
		// a dead connection it could block until the TCP timeout.
		_ = sess.Signal(ssh.SIGKILL)
		_ = sess.Close()
		return Output{}, fmt.Errorf("%s: %w", t.opts.Name, ctx.Err())
	}
	out := Output{Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}
	var exit *ssh.ExitError
	var missing *ssh.ExitMissingError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		if sig := exit.Signal(); sig != "" {
			signalOutput(&out, sig, signalNumber(sig))
		} else {
			out.ExitCode = exit.ExitStatus()
		}
	case errors.As(err, &missing):
		if lost := t.lostDuring(ctx, nc, err); lost != err {
			return out, lost
		}
		return out, fmt.Errorf("%s: command ended without an exit status (connection lost?)", t.opts.Name)
	default:
		if lost := t.lostDuring(ctx, nc, err); lost != err {
			return out, lost
		}
		return out, fmt.Errorf("%s: %w", t.opts.Name, err)
	}
	return out, nil
}

// session opens a channel, redialling once if the connection turns out to
// be dead. Retrying is safe: no command started.
func (t *SSHTarget) session(ctx context.Context) (*ssh.Session, *trackedConn, error) {
	redialed := false
	backoff := time.Millisecond
	for {
		c, nc, err := t.conn(ctx)
		if err != nil {
			return nil, nil, err
		}
		s, err := c.NewSession()
		if err == nil {
			return s, nc, nil
		}
		var refused *ssh.OpenChannelError
		switch {
		case errors.As(err, &refused) && refused.Reason == ssh.ConnectionFailed && backoff < time.Second:
			// sshd frees a finished session's slot a moment after the
			// channel closes, so at MaxSessions a new channel can be
			// refused ("no more sessions") briefly. Wait and retry.
			select {
			case <-time.After(backoff):
				backoff *= 2
			case <-ctx.Done():
				return nil, nil, fmt.Errorf("%s: %w", t.opts.Name, ctx.Err())
			}
		case errors.As(err, &refused) || redialed:
			// The server is there and said no, or a redial did not help.
			return nil, nil, fmt.Errorf("%s: open session: %w", t.opts.Name, err)
		default:
			t.forget(c)
			redialed = true
		}
	}
}

// forget drops c if it is still the current connection.
func (t *SSHTarget) forget(c *ssh.Client) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.client == c {
		t.client, t.netConn = nil, nil
	}
	_ = c.Close()
}

// conn returns the open connection and its socket, dialling it if
// needed. Concurrent callers share one dial.
func (t *SSHTarget) conn(ctx context.Context) (*ssh.Client, *trackedConn, error) {
	for {
		t.mu.Lock()
		switch {
		case t.closed:
			t.mu.Unlock()
			return nil, nil, fmt.Errorf("%s: %w", t.opts.Name, errClosed)
		case t.client != nil && t.netConn.dead():
			// Closed or failed under us: the mux may not have
			// noticed yet, and an idle shell on it would swallow the
			// next command. Redial instead.
			_ = t.client.Close()
			t.client, t.netConn = nil, nil
			t.mu.Unlock()
			continue
		case t.client != nil:
			c, nc := t.client, t.netConn
			t.mu.Unlock()
			return c, nc, nil
		case t.dialErr != nil:
			err := t.dialErr
			t.mu.Unlock()
			return nil, nil, err
		case t.dialing != nil:
			ch := t.dialing
			t.mu.Unlock()
			select {
			case <-ch:
				continue
			case <-ctx.Done():
				return nil, nil, fmt.Errorf("%s: %w", t.opts.Name, ctx.Err())
			}
		}
		ch := make(chan struct{})
		t.dialing = ch
		t.mu.Unlock()

		c, tc, err := t.dial(ctx)

		t.mu.Lock()
		t.dialing = nil
		close(ch)
		switch {
		case err != nil:
			// A cancelled caller says nothing about the host: let the
			// next caller try again.
			if ctx.Err() == nil {
				t.dialErr = err
			}
		case t.closed:
			_ = c.Close()
			err = fmt.Errorf("%s: %w", t.opts.Name, errClosed)
		default:
			t.client, t.netConn = c, tc
			go func() {
				// Notice a drop early so the next command redials.
				_ = c.Wait()
				close(tc.done)
				t.forget(c)
			}()
			if t.opts.ServerAliveInterval > 0 {
				go keepalive(c, tc, t.opts.ServerAliveInterval, t.opts.ServerAliveCountMax)
			}
		}
		t.mu.Unlock()
		if err != nil {
			return nil, nil, err
		}
		return c, tc, nil
	}
}

// trackedConn is the socket under a connection. It knows at once when
// the connection was closed or a read or write on it failed, while the
// SSH mux learns of it only when its read loop next runs. It also tells
// a connection haplay closed from one that was lost, and why.
type trackedConn struct {
	net.Conn
	broken   atomic.Bool
	ours     atomic.Bool           // closed by haplay (Close, Disconnect, forget)
	cause    atomic.Pointer[error] // why it was lost; the first reason wins
	lastRead atomic.Int64          // UnixNano of the last read that brought data
	done     chan struct{}         // closed when the SSH client's Wait returns
}

func newTrackedConn(c net.Conn) *trackedConn {
	tc := &trackedConn{Conn: c, done: make(chan struct{})}
	tc.lastRead.Store(time.Now().UnixNano())
	return tc
}

func (c *trackedConn) dead() bool { return c.broken.Load() }

// lost is why the connection was lost, nil while it is alive or when
// haplay closed it.
func (c *trackedConn) lost() error {
	if p := c.cause.Load(); p != nil {
		return *p
	}
	return nil
}

// fail records err as the reason the connection was lost, unless
// haplay closed it first or another reason came first.
func (c *trackedConn) fail(err error) {
	c.broken.Store(true)
	if !c.ours.Load() {
		c.cause.CompareAndSwap(nil, &err)
	}
}

// abandon declares the connection lost for err and closes the socket,
// so every read pending on the connection fails at once.
func (c *trackedConn) abandon(err error) {
	c.fail(err)
	_ = c.Conn.Close()
}

func (c *trackedConn) silentFor() time.Duration {
	return time.Since(time.Unix(0, c.lastRead.Load()))
}

func (c *trackedConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 {
		c.lastRead.Store(time.Now().UnixNano())
	}
	if err != nil {
		why := err
		if errors.Is(err, io.EOF) {
			why = errors.New("the host closed the connection")
		}
		c.fail(why)
	}
	quickAck(c.Conn)
	return n, err
}

func (c *trackedConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	if err != nil {
		c.fail(fmt.Errorf("write: %w", err))
	}
	return n, err
}

func (c *trackedConn) Close() error {
	c.ours.Store(true)
	c.broken.Store(true)
	return c.Conn.Close()
}

func (t *SSHTarget) unreachable(format string, args ...any) error {
	return &UnreachableError{Host: t.opts.Name, Err: fmt.Errorf(format, args...)}
}

// dial opens and authenticates the connection. Every failure here means
// the command never ran, hence UnreachableError.
func (t *SSHTarget) dial(ctx context.Context) (*ssh.Client, *trackedConn, error) {
	t.dials.Add(1)
	ctx, cancel := context.WithTimeout(ctx, t.opts.ConnectTimeout)
	defer cancel()
	dest := t.opts.User + "@" + t.addr
	auth, closeAgent, err := t.auth()
	if err != nil {
		return nil, nil, t.unreachable("ssh %s: %w", dest, err)
	}
	defer closeAgent()
	hk := t.opts.HostKeys
	cfg := &ssh.ClientConfig{
		User:              t.opts.User,
		Auth:              auth,
		HostKeyCallback:   hk.callback(t.opts.Name),
		HostKeyAlgorithms: hk.algorithms(t.addr),
		Timeout:           t.opts.ConnectTimeout,
	}
	var d net.Dialer
	raw, err := d.DialContext(ctx, "tcp", t.addr)
	if err != nil {
		return nil, nil, t.unreachable("ssh %s: %w", dest, err)
	}
	nc := newTrackedConn(raw)
	// The handshake takes no context: a deadline bounds it and
	// cancellation closes the socket under it.
	if dl, ok := ctx.Deadline(); ok {
		_ = nc.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = nc.Close() })
	cc, chans, reqs, err := ssh.NewClientConn(nc, t.addr, cfg)
	if !stop() && err == nil {
		_ = cc.Close()
		err = ctx.Err()
	}
	if err != nil {
		_ = nc.Close()
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%w)", ctx.Err(), err)
		}
		return nil, nil, t.unreachable("ssh %s: %w", dest, err)
	}
	_ = nc.SetDeadline(time.Time{})
	return ssh.NewClient(cc, chans, reqs), nc, nil
}

// auth builds the auth methods: one publickey method holding the key files'
// and the agent's keys (the client tries each method name once), then the
// password if there is one. The returned func closes the agent socket.
func (t *SSHTarget) auth() ([]ssh.AuthMethod, func(), error) {
	files, explicit := t.opts.KeyFiles, len(t.opts.KeyFiles) > 0
	if !explicit {
		if home, err := os.UserHomeDir(); err == nil {
			for _, n := range []string{"id_ed25519", "id_ecdsa", "id_rsa"} {
				files = append(files, filepath.Join(home, ".ssh", n))
			}
		}
	}
	var signers []ssh.Signer
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err == nil {
			var s ssh.Signer
			if s, err = ssh.ParsePrivateKey(b); err == nil {
				signers = append(signers, s)
				continue
			}
		}
		// Default keys are tried if present and usable (a passphrase-
		// protected one is for the agent); a key the user named must work.
		if explicit {
			return nil, nil, fmt.Errorf("private key %s: %w", f, err)
		}
	}
	closeAgent := func() {}
	var ag agent.ExtendedAgent
	if t.opts.AgentSocket != "" && !t.opts.NoAgent {
		if c, err := net.Dial("unix", t.opts.AgentSocket); err == nil {
			ag = agent.NewClient(c)
			closeAgent = func() { _ = c.Close() }
		}
	}
	methods := []ssh.AuthMethod{ssh.PublicKeysCallback(func() ([]ssh.Signer, error) {
		all := slices.Clip(signers)
		if ag != nil {
			if more, err := ag.Signers(); err == nil {
				all = append(all, more...)
			}
		}
		return all, nil
	})}
	if pw := t.opts.Password; pw != "" {
		methods = append(methods, ssh.Password(pw),
			ssh.KeyboardInteractive(func(_, _ string, questions []string, _ []bool) ([]string, error) {
				answers := make([]string, len(questions))
				for i := range answers {
					answers[i] = pw
				}
				return answers, nil
			}))
	}
	return methods, closeAgent, nil
}
