package connection

import (
	"errors"
	"fmt"
	"sync"
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
}

// Pool creates one Target per Spec on first request and closes them all at
// the end of the run. It is safe for concurrent use.
type Pool struct {
	cfg PoolConfig

	mu      sync.Mutex
	targets map[Spec]Target
	closed  bool
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
	return &Pool{cfg: cfg, targets: map[Spec]Target{}}, nil
}

// Get returns the Target for h, creating it on first use. Creating does
// not connect: SSH dials on the first command.
func (p *Pool) Get(h Spec) (Target, error) {
	if h.Host == "" {
		return nil, errors.New("pool: host without a name")
	}
	h.Become = Become{}
	if h.Connection == "" {
		h.Connection = "ssh"
	}
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

// Close closes every Target; later Gets fail.
func (p *Pool) Close() error {
	p.mu.Lock()
	p.closed = true
	targets := p.targets
	p.targets = map[Spec]Target{}
	p.mu.Unlock()
	var errs []error
	for _, t := range targets {
		if err := t.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
