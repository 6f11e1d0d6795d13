package connection

import (
	"fmt"
	"github.com/haplay/haplay/engine/shlex"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// A dead peer (a link down, a host that froze, an sshd stopped) sends
// nothing, not even a TCP reset, so a read on its connection would wait
// until the kernel gives up retransmitting: about 15 minutes on Linux.
// Keepalives bound that wait, as ssh's ServerAliveInterval does.
const (
	DefaultServerAliveInterval = 10 * time.Second
	DefaultServerAliveCountMax = 3
)

// keepalive watches one connection until it ends. When the host has sent
// nothing for interval, it sends a keepalive@openssh.com global request,
// which any sshd answers (with a failure, which is an answer). When the
// host has been silent for interval*count, it is declared lost and the
// socket closed, which fails every pending read on the connection at
// once. As with ssh, the deadline is about interval*count after the
// host's last word (30 s by default).
func keepalive(c *ssh.Client, nc *trackedConn, interval time.Duration, count int) {
	answers := make(chan error, 1)
	inFlight := false
	timer := time.NewTimer(interval)
	defer timer.Stop()
	for {
		silent := nc.silentFor()
		if silent >= interval*time.Duration(count) {
			nc.abandon(fmt.Errorf("no answer from the host for %s (%d keepalives %s apart: ServerAliveInterval, ServerAliveCountMax)",
				silent.Round(time.Second), count, interval))
			return
		}
		if silent >= interval && !inFlight {
			// The mux serialises global requests, and one in flight
			// blocks until answered: send one at a time.
			inFlight = true
			go func() {
				_, _, err := c.SendRequest("keepalive@openssh.com", true, nil)
				answers <- err
			}()
		}
		// Wake at the next whole interval of silence.
		next := interval - silent%interval
		timer.Reset(next)
		select {
		case <-nc.done:
			return
		case err := <-answers:
			inFlight = false
			if err != nil {
				// The connection ended; Wait in conn sees to it.
				return
			}
		case <-timer.C:
		}
	}
}

// SSHOptions are the ssh options haplay honours from the ssh arguments an
// inventory gives (ansible_ssh_args, ansible_ssh_common_args,
// ansible_ssh_extra_args): -o ServerAliveInterval=N and -o
// ServerAliveCountMax=N. Other options are not used.
type SSHOptions struct {
	ServerAliveInterval time.Duration // 0 unset, negative off (ssh's 0)
	ServerAliveCountMax int           // 0 unset
}

// SSHOption is one -o option of an ssh argument string.
type SSHOption struct {
	Key   string // lower-cased, as ssh compares option names
	Value string
}

// SSHOptionArgs returns the -o options of args in order, as ssh reads its
// command line: -o K=V, -oK=V and -o "K V". Words are split as Python's
// shlex does, which is how Ansible hands the string to ssh.
func SSHOptionArgs(args string) ([]SSHOption, error) {
	words, err := shlex.Split(args)
	if err != nil {
		return nil, fmt.Errorf("ssh arguments %q: %w", args, err)
	}
	var out []SSHOption
	for i := 0; i < len(words); i++ {
		opt := ""
		switch w := words[i]; {
		case w == "-o" && i+1 < len(words):
			i++
			opt = words[i]
		case strings.HasPrefix(w, "-o"):
			opt = w[2:]
		default:
			continue
		}
		key, val, ok := strings.Cut(opt, "=")
		if !ok {
			key, val, _ = strings.Cut(strings.TrimSpace(opt), " ")
		}
		out = append(out, SSHOption{Key: strings.ToLower(strings.TrimSpace(key)), Value: strings.TrimSpace(val)})
	}
	return out, nil
}

// ParseSSHOptions reads the keepalive options of args; for each option the
// first value given wins, as in ssh. A templated string is left out (it
// is not rendered before connecting).
func ParseSSHOptions(args string) (SSHOptions, error) {
	var o SSHOptions
	if strings.Contains(args, "{{") {
		return o, nil
	}
	opts, err := SSHOptionArgs(args)
	if err != nil {
		return o, err
	}
	seen := map[string]bool{}
	for _, opt := range opts {
		key, val := opt.Key, opt.Value
		if seen[key] {
			continue
		}
		switch key {
		case "serveraliveinterval":
			n, err := strconv.Atoi(val)
			if err != nil || n < 0 {
				return o, fmt.Errorf("ssh option ServerAliveInterval=%s: want a number of seconds", val)
			}
			o.ServerAliveInterval = time.Duration(n) * time.Second
			if n == 0 {
				o.ServerAliveInterval = -1
			}
		case "serveralivecountmax":
			n, err := strconv.Atoi(val)
			if err != nil || n < 1 {
				return o, fmt.Errorf("ssh option ServerAliveCountMax=%s: want a count of at least 1", val)
			}
			o.ServerAliveCountMax = n
		default:
			continue
		}
		seen[key] = true
	}
	return o, nil
}
