package connection

import (
	"fmt"
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

// ParseSSHOptions reads args as ssh reads its command line: for each
// option the first value given wins. A templated string is left out (it
// is not rendered before connecting).
func ParseSSHOptions(args string) (SSHOptions, error) {
	var o SSHOptions
	if strings.Contains(args, "{{") {
		return o, nil
	}
	words, err := splitWords(args)
	if err != nil {
		return o, err
	}
	seen := map[string]bool{}
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
		key, val = strings.ToLower(strings.TrimSpace(key)), strings.TrimSpace(val)
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

// splitWords splits s into words as a POSIX shell would, with single and
// double quotes and backslashes, and nothing expanded.
func splitWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("ssh arguments %q: unterminated single quote", s)
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case ch == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`", s[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, fmt.Errorf("ssh arguments %q: unterminated double quote", s)
			}
			inWord = true
		case ch == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			inWord = true
		case ch == ' ' || ch == '\t' || ch == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(ch)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}
