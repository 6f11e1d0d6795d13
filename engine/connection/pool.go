package connection

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Spec describes how to reach one host, as connspec.Resolve computes it
// from the task's variables and keywords. The pool keys on it without
// Become, which applies per command: a host whose description changes
// between tasks gets a connection per description, and the same
// description reuses one connection for the whole run.
type Spec struct {
	Host       string // inventory name, for messages
	Connection string // "ssh" or "local"; "" means ssh
	Address    string // ansible_host; "" means Host
	Port       int    // ansible_port; 0 means 22
	User       string // ansible_user or remote_user; "" means the current user
	KeyFile    string // ansible_ssh_private_key_file
	Password   string // ansible_password
	// SSHArgs are the ssh arguments the variables give, in the order ssh
	// would see them; see ParseSSHOptions for what is used.
	SSHArgs string
	// ConnectTimeout (ansible_ssh_timeout, ansible_timeout) overrides
	// PoolConfig.ConnectTimeout when not 0.
	ConnectTimeout time.Duration
	Become         Become
}

// PoolConfig holds what all hosts of a run share.
type PoolConfig struct {
	HostKeys       *HostKeyChecker // nil: strict against ~/.ssh/known_hosts
	ConnectTimeout time.Duration
	// Shells per SSH host; see Options.Shells.
	Shells int
	// Lock, when set, makes Get take each SSH host's run lock
	// (hostlock.go) before handing out its target, and Close release it.
	// A run against the controller itself (connection local) takes none:
	// it is no remote host, and test suites and CI jobs run many haplay
	// processes against it at once on purpose.
	Lock *LockConfig
}

// Pool creates one Target per Spec on first request and closes them all at
// the end of the run. It is safe for concurrent use.
type Pool struct {
	cfg PoolConfig

	mu      sync.Mutex
	targets map[Spec]Target
	locks   map[Spec]*hostLock
	closed  bool
	// holding counts the hosts whose lock this run has (hostlock.go).
	holding atomic.Int32
}

// NewPool returns an empty pool. Without cfg.HostKeys it parses
// ~/.ssh/known_hosts now, once for all hosts.
func NewPool(cfg PoolConfig) (*Pool, error) {
	if cfg.HostKeys == nil {
		hk, err := NewHostKeyChecker(HostKeyStrict, nil)
		if err != nil {
			return nil, err
		}
		cfg.HostKeys = hk
	}
	return &Pool{cfg: cfg, targets: map[Spec]Target{}, locks: map[Spec]*hostLock{}}, nil
}

// Get returns the Target for h, creating it on first use. Creating does
// not connect: SSH dials on the first command, which is the lock's when
// the pool takes locks (PoolConfig.Lock); a host another run holds is an
// error (*LockedError) for this Get and every later one.
func (p *Pool) Get(ctx context.Context, h Spec) (Target, error) {
	if h.Host == "" {
		return nil, errors.New("pool: host without a name")
	}
	h.Become = Become{}
	if h.Connection == "" {
		h.Connection = "ssh"
	}
	t, err := p.target(h)
	if err != nil || p.cfg.Lock == nil || h.Connection != "ssh" {
		return t, err
	}
	p.mu.Lock()
	l := p.locks[h]
	if l == nil {
		l = &hostLock{}
		p.locks[h] = l
	}
	p.mu.Unlock()
	// Outside p.mu: the first Get of a host waits for its lock (a round
	// trip, or --lock-wait) without holding up the other hosts.
	err = l.take(ctx, t, *p.cfg.Lock, &p.holding)
	if IsUnreachable(err) {
		// The host is down: the task finds out by itself, as it did
		// before the lock, and wait_for_connection can wait for it. The
		// next Get asks for the lock again.
		return t, nil
	}
	if err != nil {
		return nil, err
	}
	return t, nil
}

// target returns h's Target, creating it on first use.
func (p *Pool) target(h Spec) (Target, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, fmt.Errorf("pool: %s: %w", h.Host, errClosed)
	}
	if t, ok := p.targets[h]; ok {
		return t, nil
	}
	var (
		t   Target
		err error
	)
	switch h.Connection {
	case "local":
		t, err = NewLocal(h.Host)
	case "ssh":
		var keys []string
		if h.KeyFile != "" {
			keys = []string{h.KeyFile}
		}
		so, perr := ParseSSHOptions(h.SSHArgs)
		if perr != nil {
			return nil, fmt.Errorf("host %s: %w", h.Host, perr)
		}
		timeout := p.cfg.ConnectTimeout
		if h.ConnectTimeout > 0 {
			timeout = h.ConnectTimeout
		}
		t, err = NewSSH(Options{
			Name: h.Host, Address: h.Address, Port: h.Port, User: h.User,
			KeyFiles: keys, Password: h.Password,
			ConnectTimeout: timeout, HostKeys: p.cfg.HostKeys,
			Shells:              p.cfg.Shells,
			ServerAliveInterval: so.ServerAliveInterval, ServerAliveCountMax: so.ServerAliveCountMax,
		})
	default:
		return nil, fmt.Errorf("host %s: unsupported connection type %q (want ssh or local)", h.Host, h.Connection)
	}
	if err != nil {
		return nil, err
	}
	p.targets[h] = t
	return t, nil
}

// Close releases the locks this run holds, all hosts at once, then closes
// every Target; later Gets fail.
func (p *Pool) Close() error {
	p.mu.Lock()
	p.closed = true
	targets, locks := p.targets, p.locks
	p.targets, p.locks = map[Spec]Target{}, map[Spec]*hostLock{}
	p.mu.Unlock()
	errs := p.releaseLocks(targets, locks)
	for _, t := range targets {
		if err := t.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// releaseLocks releases every lock in locks, in parallel: a run's end
// should not cost a round trip per host in a row.
func (p *Pool) releaseLocks(targets map[Spec]Target, locks map[Spec]*hostLock) []error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for h, l := range locks {
		wg.Go(func() {
			if err := l.release(targets[h], *p.cfg.Lock); err != nil {
				if p.cfg.Lock.Warn != nil {
					p.cfg.Lock.Warn(fmt.Sprintf("%v: the lock file %s is left on %s; remove it once no run uses the host", err, p.cfg.Lock.path(), h.Host))
				}
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errs
}
