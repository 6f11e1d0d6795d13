// Package connspec is the one place that turns a host's variables into
// its connection: the runner hands it a task's fully resolved variables
// (inventory, group and host vars, play, block and task vars, set_fact,
// -e) and the task's connection keywords, and gets one
// connection.Spec, on which the connection pool keys.
package connspec

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/haplay/haplay/engine/connection"
	"github.com/haplay/haplay/engine/jinja"
	"github.com/haplay/haplay/engine/playbook"
	"github.com/haplay/haplay/engine/truth"
)

// Keywords are the connection keywords in effect for a task: the play's,
// overridden by its blocks' and its own. Their values may be templates.
type Keywords struct {
	Connection   string // connection:
	RemoteUser   string // remote_user:
	Port         string // port:
	Become       *bool  // become:
	BecomeUser   string // become_user:
	BecomeMethod string // become_method:
	// Defaults are what the command line and ansible.cfg set for every
	// host, below every keyword and variable.
	Defaults Defaults
}

// Defaults are the connection settings of the command line and of
// ansible.cfg and its ANSIBLE_* variables (-u, -b, --become-user,
// --become-method, -K, -k, --private-key, ssh_args, --ssh-common-args,
// --ssh-extra-args). Ansible makes them the defaults of the keywords
// (remote_user:, become:...) and of the connection variables, so a
// keyword or a variable beats them: -u loses to remote_user: and to
// ansible_user. They are not templates and are never rendered: a password
// may hold "{{".
type Defaults struct {
	RemoteUser     string
	Become         bool
	BecomeUser     string
	BecomeMethod   string
	BecomePassword string // -K
	Password       string // -k
	KeyFile        string // --private-key, private_key_file
	SSHArgs        string // ssh_args ([ssh_connection], ANSIBLE_SSH_ARGS)
	SSHCommonArgs  string // --ssh-common-args
	SSHExtraArgs   string // --ssh-extra-args
	Connection     string // -c/--connection, ANSIBLE_TRANSPORT
}

// ErrBecome marks an error in the become settings. It fails the task; any
// other error from Resolve is about reaching the host, which makes the
// host unreachable once a task needs it.
var ErrBecome = errors.New("become")

// Render renders one templated string with the task's variables.
type Render func(string) (string, error)

// Resolve computes host's connection for a task, with Ansible's
// precedence: a connection variable (ansible_host, ansible_port,
// ansible_user, ansible_connection), from wherever it comes, beats the
// keyword (port:, remote_user:, connection:), and -e beats everything
// because it is merged last into vars. The same holds for become. Every value is
// rendered with render. On an error the Spec is still filled as far as
// it could be; errors.Is(err, ErrBecome) tells a become error.
func Resolve(host string, vars map[string]any, kw Keywords, render Render) (connection.Spec, error) {
	s := connection.Spec{Host: host}
	r := resolver{vars: vars, render: render}
	b, err := r.become(kw)
	s.Become = b
	if err != nil {
		return s, fmt.Errorf("host %s: %w: %w", host, ErrBecome, err)
	}
	if err := r.reach(&s, kw); err != nil {
		return s, fmt.Errorf("host %s: %w", host, err)
	}
	return s, nil
}

type resolver struct {
	vars   map[string]any
	render Render
}

// value returns the rendered variable k, or the rendered keyword when the
// variable is not set; name says which one was used, for messages.
func (r resolver) value(k, keyword, keywordName string) (val, name string, err error) {
	return r.valueOr(k, keyword, keywordName, "")
}

// valueOr is value with a default, taken as it is, when neither the
// variable nor the keyword is set.
func (r resolver) valueOr(k, keyword, keywordName, def string) (val, name string, err error) {
	if v, ok := r.vars[k]; ok && v != nil {
		s, ok := v.(string)
		if !ok {
			return fmt.Sprint(v), k, nil
		}
		val, err = r.render(s)
		if err != nil {
			return "", k, fmt.Errorf("%s: %w", k, err)
		}
		return val, k, nil
	}
	if keyword == "" {
		return def, keywordName, nil
	}
	val, err = r.render(keyword)
	if err != nil {
		return "", keywordName, fmt.Errorf("%s: %w", keywordName, err)
	}
	return val, keywordName, nil
}

// reach fills the settings that choose and open the connection.
func (r resolver) reach(s *connection.Spec, kw Keywords) error {
	c, name, err := r.valueOr("ansible_connection", kw.Connection, "connection", kw.Defaults.Connection)
	if err != nil {
		return err
	}

	if c != "" {
		norm, ok := playbook.ConnectionType(c)
		if !ok {
			return fmt.Errorf("%s %q is not supported (ssh or local)", name, c)
		}
		s.Connection = norm
	}
	if s.Address, _, err = r.value("ansible_host", "", ""); err != nil {
		return err
	}
	port, name, err := r.value("ansible_port", kw.Port, "port")
	if err != nil {
		return err
	}
	if port != "" {
		p, err := strconv.Atoi(port)
		if err != nil || p <= 0 || p > 65535 {
			return fmt.Errorf("%s %q is not a port number", name, port)
		}
		s.Port = p
	}
	d := kw.Defaults
	if s.User, _, err = r.valueOr("ansible_user", kw.RemoteUser, "remote_user", d.RemoteUser); err != nil {
		return err
	}
	if s.KeyFile, _, err = r.valueOr("ansible_ssh_private_key_file", "", "", ""); err != nil {
		return err
	}
	if s.KeyFile == "" {
		if s.KeyFile, _, err = r.valueOr("ansible_private_key_file", "", "", d.KeyFile); err != nil {
			return err
		}
	}
	if s.Password, _, err = r.valueOr("ansible_password", "", "", ""); err != nil {
		return err
	}
	if s.Password == "" {
		if s.Password, _, err = r.valueOr("ansible_ssh_pass", "", "", d.Password); err != nil {
			return err
		}
	}
	return r.sshOptions(s, d)
}

// sshOptions fills the ssh arguments (ansible_ssh_args, _common_args and
// _extra_args, in the order Ansible hands them to ssh) and the handshake
// timeout (ansible_ssh_timeout, else ansible_timeout, in seconds).
func (r resolver) sshOptions(s *connection.Spec, d Defaults) error {
	var args []string
	for _, k := range []struct{ name, def string }{
		{"ansible_ssh_args", d.SSHArgs}, {"ansible_ssh_common_args", d.SSHCommonArgs}, {"ansible_ssh_extra_args", d.SSHExtraArgs},
	} {
		v, _, err := r.valueOr(k.name, "", "", k.def)
		if err != nil {
			return err
		}
		if v != "" {
			args = append(args, v)
		}
	}
	s.SSHArgs = strings.Join(args, " ")
	for _, k := range []string{"ansible_ssh_timeout", "ansible_timeout"} {
		v, _, err := r.value(k, "", "")
		if err != nil {
			return err
		}
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return fmt.Errorf("%s %q is not a number of seconds", k, v)
		}
		s.ConnectTimeout = time.Duration(n) * time.Second
		return nil
	}
	return nil
}

// become fills the become settings. As for the other connection
// settings, a variable (ansible_become, ansible_become_user,
// ansible_become_method) beats its keyword: ansible-playbook 2.14 runs a
// task with become: true as the login user when the host has
// ansible_become: false, and as ansible_become_user over become_user.
func (r resolver) become(kw Keywords) (connection.Become, error) {
	d := kw.Defaults
	b := connection.Become{Enabled: d.Become}
	if kw.Become != nil {
		b.Enabled = *kw.Become
	}
	if v, ok := r.vars["ansible_become"]; ok && v != nil {
		// A value from a host is taken as it is, never rendered.
		v, unsafe := jinja.Unwrap(v)
		if s, isStr := v.(string); isStr && !unsafe {
			rs, err := r.render(s)
			if err != nil {
				return b, fmt.Errorf("ansible_become: %w", err)
			}
			v = rs
		}
		on, err := truth.Boolean(v)
		if err != nil {
			return b, fmt.Errorf("ansible_become: %w", err)
		}
		b.Enabled = on
	}
	var err error
	if b.User, _, err = r.valueOr("ansible_become_user", kw.BecomeUser, "become_user", d.BecomeUser); err != nil {
		return b, err
	}
	if b.Method, _, err = r.valueOr("ansible_become_method", kw.BecomeMethod, "become_method", d.BecomeMethod); err != nil {
		return b, err
	}
	if b.Password, _, err = r.value("ansible_become_password", "", ""); err != nil {
		return b, err
	}
	if b.Password == "" {
		if b.Password, _, err = r.valueOr("ansible_become_pass", "", "", d.BecomePassword); err != nil {
			return b, err
		}
	}
	if b.Method == "" {
		b.Method = "sudo"
	}
	if b.Enabled && !playbook.BecomeMethod(b.Method) {
		return b, fmt.Errorf("become_method %q is not supported (use sudo or su)", b.Method)
	}
	return b, nil
}
