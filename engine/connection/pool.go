package connection

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// HostInfo is what the inventory says about reaching one host.
type HostInfo struct {
	Name       string // inventory name; the pool's key
	Connection string // "ssh" (default) or "local"
	Address    string // ansible_host
	Port       int    // ansible_port
	User       string // ansible_user
	KeyFile    string // ansible_ssh_private_key_file
	Password   string // ansible_password
	// SSHArgs are the ssh arguments the inventory gives, in the order ssh
	// would see them (ansible_ssh_args, ansible_ssh_common_args,
	// ansible_ssh_extra_args); see ParseSSHOptions for what is used.
	SSHArgs string
	// ConnectTimeout (ansible_ssh_timeout, ansible_timeout) overrides
	// PoolConfig.ConnectTimeout for this host when not 0.
	ConnectTimeout time.Duration
}

// PoolConfig holds what all hosts of a run share.
type PoolConfig struct {
	HostKeys       *HostKeyChecker // nil: strict against ~/.ssh/known_hosts
	ConnectTimeout time.Duration
	// Shells per SSH host; see Options.Shells.
	Shells int
}

// Pool creates one Target per host on first request and closes them all at
// the end of the run. It is safe for concurrent use.
type Pool struct {
	cfg PoolConfig

	mu      sync.Mutex
	targets map[string]Target
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
	return &Pool{cfg: cfg, targets: map[string]Target{}}, nil
}

// Get returns the host's Target, creating it on first use. Creating does
// not connect: SSH dials on the first command.
func (p *Pool) Get(h HostInfo) (Target, error) {
	if h.Name == "" {
		return nil, errors.New("pool: host without a name")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, fmt.Errorf("pool: %s: %w", h.Name, errClosed)
	}
	if t, ok := p.targets[h.Name]; ok {
		return t, nil
	}
	var (
		t   Target
		err error
	)
	switch h.Connection {
	case "local":
		t, err = NewLocal(h.Name)
	case "", "ssh", "smart", "paramiko":
		var keys []string
		if h.KeyFile != "" {
			keys = []string{h.KeyFile}
		}
		so, perr := ParseSSHOptions(h.SSHArgs)
		if perr != nil {
			return nil, fmt.Errorf("host %s: %w", h.Name, perr)
		}
		timeout := p.cfg.ConnectTimeout
		if h.ConnectTimeout > 0 {
			timeout = h.ConnectTimeout
		}
		t, err = NewSSH(Options{
			Name: h.Name, Address: h.Address, Port: h.Port, User: h.User,
			KeyFiles: keys, Password: h.Password,
			ConnectTimeout: timeout, HostKeys: p.cfg.HostKeys,
			Shells:              p.cfg.Shells,
			ServerAliveInterval: so.ServerAliveInterval, ServerAliveCountMax: so.ServerAliveCountMax,
		})
	default:
		return nil, fmt.Errorf("host %s: unsupported connection type %q (want ssh or local)", h.Name, h.Connection)
	}
	if err != nil {
		return nil, err
	}
	p.targets[h.Name] = t
	return t, nil
}

// Close closes every Target; later Gets fail.
func (p *Pool) Close() error {
	p.mu.Lock()
	p.closed = true
	targets := p.targets
	p.targets = map[string]Target{}
	p.mu.Unlock()
	var errs []error
	for _, t := range targets {
		if err := t.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
