package connection

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// HostKeyPolicy says what to do with a host key known_hosts does not vouch
// for.
type HostKeyPolicy int

const (
	// HostKeyStrict refuses unknown and mismatching keys (the default).
	HostKeyStrict HostKeyPolicy = iota
	// HostKeyAcceptNew records unknown hosts in the user's known_hosts and
	// still refuses mismatches, like OpenSSH StrictHostKeyChecking=accept-new.
	HostKeyAcceptNew
	// HostKeyOff accepts any key.
	HostKeyOff
)

func (p HostKeyPolicy) String() string {
	switch p {
	case HostKeyStrict:
		return "strict"
	case HostKeyAcceptNew:
		return "accept-new"
	case HostKeyOff:
		return "off"
	}
	return fmt.Sprintf("HostKeyPolicy(%d)", int(p))
}

// ParseHostKeyPolicy accepts the names a user may type, OpenSSH's included.
func ParseHostKeyPolicy(s string) (HostKeyPolicy, error) {
	switch strings.ToLower(s) {
	case "", "strict", "yes", "true":
		return HostKeyStrict, nil
	case "accept-new":
		return HostKeyAcceptNew, nil
	case "off", "no", "false":
		return HostKeyOff, nil
	}
	return 0, fmt.Errorf("unknown host key policy %q (want strict, accept-new or off)", s)
}

// HostKeyChecker checks host keys for every host of a run. known_hosts is
// parsed once in NewHostKeyChecker; the checker is safe for concurrent use.
type HostKeyChecker struct {
	policy   HostKeyPolicy
	userFile string // where accept-new appends
	check    ssh.HostKeyCallback
	probe    ssh.PublicKey // a key no host has, to list a host's known keys

	mu       sync.Mutex
	accepted map[string][]ssh.PublicKey // accept-new additions of this run, by normalized address
}

// DefaultKnownHostsFile is ~/.ssh/known_hosts.
func DefaultKnownHostsFile() (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("known_hosts: %w", err)
	}
	return filepath.Join(home, ".ssh", "known_hosts"), nil
}

// NewHostKeyChecker reads ~/.ssh/known_hosts (if it exists) and extra (which
// must exist, since the user named them).
func NewHostKeyChecker(policy HostKeyPolicy, extra []string) (*HostKeyChecker, error) {
	user, err := DefaultKnownHostsFile()
	if err != nil {
		return nil, err
	}
	var files []string
	if _, err := os.Stat(user); err == nil {
		files = append(files, user)
	}
	for _, f := range extra {
		if _, err := os.Stat(f); err != nil {
			return nil, fmt.Errorf("known_hosts: %w", err)
		}
		files = append(files, f)
	}
	return newHostKeyChecker(policy, user, files)
}

func newHostKeyChecker(policy HostKeyPolicy, userFile string, files []string) (*HostKeyChecker, error) {
	cb, err := knownhosts.New(files...)
	if err != nil {
		return nil, fmt.Errorf("known_hosts: %w", err)
	}
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("known_hosts: probe key: %w", err)
	}
	probe, err := ssh.NewPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("known_hosts: probe key: %w", err)
	}
	return &HostKeyChecker{policy: policy, userFile: userFile, check: cb, probe: probe,
		accepted: map[string][]ssh.PublicKey{}}, nil
}

// Policy returns the checker's policy.
func (h *HostKeyChecker) Policy() HostKeyPolicy { return h.policy }

// knownKeys lists the keys on record for addr ("host:port").
func (h *HostKeyChecker) knownKeys(addr string) []ssh.PublicKey {
	var keys []ssh.PublicKey
	var ke *knownhosts.KeyError
	// The remote address is a stand-in: knownhosts matches on the host
	// name whenever one is given, which it always is here.
	remote := &net.TCPAddr{IP: net.IPv4zero}
	if err := h.check(addr, remote, h.probe); errors.As(err, &ke) {
		for _, k := range ke.Want {
			keys = append(keys, k.Key)
		}
	}
	h.mu.Lock()
	keys = append(keys, h.accepted[knownhosts.Normalize(addr)]...)
	h.mu.Unlock()
	return keys
}

// algorithms returns the host key algorithms to offer for addr: those of
// the keys on record, so that a host known by its ed25519 key is not asked
// for its RSA key and then refused as a mismatch. nil means any.
func (h *HostKeyChecker) algorithms(addr string) []string {
	if h.policy == HostKeyOff {
		return nil
	}
	var algos []string
	for _, k := range h.knownKeys(addr) {
		switch t := k.Type(); t {
		case ssh.KeyAlgoRSA:
			algos = append(algos, ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA)
		default:
			algos = append(algos, t)
		}
	}
	return algos
}

// callback returns the ssh.HostKeyCallback for one host; name is the host's
// inventory name, used in messages.
func (h *HostKeyChecker) callback(name string) ssh.HostKeyCallback {
	if h.policy == HostKeyOff {
		return ssh.InsecureIgnoreHostKey()
	}
	return func(addr string, remote net.Addr, key ssh.PublicKey) error {
		err := h.check(addr, remote, key)
		if err == nil {
			return nil
		}
		norm := knownhosts.Normalize(addr)
		fp := ssh.FingerprintSHA256(key)
		var revoked *knownhosts.RevokedError
		if errors.As(err, &revoked) {
			return fmt.Errorf("host key %s %s for %s (%s) is revoked at %s:%d",
				key.Type(), fp, name, norm, revoked.Revoked.Filename, revoked.Revoked.Line)
		}
		var ke *knownhosts.KeyError
		if !errors.As(err, &ke) {
			return fmt.Errorf("host key check for %s (%s): %w", name, norm, err)
		}
		if len(ke.Want) > 0 {
			w := ke.Want[0]
			return fmt.Errorf("host key for %s (%s) has CHANGED: it presented %s %s, but %s:%d has %s %s; "+
				"if the change is expected, remove the old entry with: ssh-keygen -R %s -f %s",
				name, norm, key.Type(), fp, w.Filename, w.Line, w.Key.Type(), ssh.FingerprintSHA256(w.Key),
				Quote(norm), Quote(w.Filename))
		}
		return h.unknown(name, addr, norm, key)
	}
}

// unknown handles a host known_hosts has never seen.
func (h *HostKeyChecker) unknown(name, addr, norm string, key ssh.PublicKey) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, k := range h.accepted[norm] {
		if string(k.Marshal()) == string(key.Marshal()) {
			return nil
		}
	}
	if h.policy != HostKeyAcceptNew {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			host, port = addr, "22"
		}
		return fmt.Errorf("host key for %s (%s) is unknown: it presented %s %s; after checking it, add it with: "+
			"ssh-keyscan -p %s -t %s %s >> ~/.ssh/known_hosts",
			name, norm, key.Type(), ssh.FingerprintSHA256(key), port, keyscanType(key.Type()), Quote(host))
	}
	if len(h.accepted[norm]) > 0 {
		// Another key was accepted for this address earlier in the run.
		return fmt.Errorf("host key for %s (%s) changed during the run: it presented %s %s",
			name, norm, key.Type(), ssh.FingerprintSHA256(key))
	}
	if err := os.MkdirAll(filepath.Dir(h.userFile), 0o700); err != nil {
		return fmt.Errorf("accept-new: %w", err)
	}
	f, err := os.OpenFile(h.userFile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("accept-new: %w", err)
	}
	_, werr := f.WriteString(knownhosts.Line([]string{norm}, key) + "\n")
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return fmt.Errorf("accept-new: writing %s: %w", h.userFile, werr)
	}
	h.accepted[norm] = append(h.accepted[norm], key)
	return nil
}

// keyscanType maps a key type to ssh-keyscan's -t name.
func keyscanType(t string) string {
	switch {
	case t == ssh.KeyAlgoED25519:
		return "ed25519"
	case t == ssh.KeyAlgoRSA:
		return "rsa"
	case strings.HasPrefix(t, "ecdsa-"):
		return "ecdsa"
	}
	return t
}
