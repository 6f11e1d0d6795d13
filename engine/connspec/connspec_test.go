package connspec

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/haplay/haplay/engine/connection"
	"github.com/haplay/haplay/engine/jinja"
)

// render stands in for the template engine: {{ name }} becomes vars[name].
func render(vars map[string]any) Render {
	return func(s string) (string, error) {
		if !strings.HasPrefix(s, "{{") {
			return s, nil
		}
		name := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(s, "{{"), "}}"))
		v, ok := vars[name]
		if !ok {
			return "", errors.New("'" + name + "' is undefined")
		}
		return v.(string), nil
	}
}

func TestResolvePrecedence(t *testing.T) {
	yes := true
	for _, c := range []struct {
		name string
		vars map[string]any // the task's resolved vars: -e already merged last
		kw   Keywords
		want connection.Spec
	}{
		{"nothing set", nil, Keywords{}, connection.Spec{Host: "h", Become: connection.Become{Method: "sudo"}}},
		{"inventory port", map[string]any{"ansible_port": 2200}, Keywords{}, connection.Spec{Host: "h", Port: 2200, Become: connection.Become{Method: "sudo"}}},
		{"port var beats port keyword", map[string]any{"ansible_port": "2999"}, Keywords{Port: "22"}, connection.Spec{Host: "h", Port: 2999, Become: connection.Become{Method: "sudo"}}},
		{"port keyword", nil, Keywords{Port: "2022"}, connection.Spec{Host: "h", Port: 2022, Become: connection.Become{Method: "sudo"}}},
		{"remote_user when no ansible_user", nil, Keywords{RemoteUser: "deploy"}, connection.Spec{Host: "h", User: "deploy", Become: connection.Become{Method: "sudo"}}},
		{"ansible_user beats remote_user", map[string]any{"ansible_user": "root"}, Keywords{RemoteUser: "deploy"}, connection.Spec{Host: "h", User: "root", Become: connection.Become{Method: "sudo"}}},
		{"templated remote_user", map[string]any{"u": "ops"}, Keywords{RemoteUser: "{{ u }}"}, connection.Spec{Host: "h", User: "ops", Become: connection.Become{Method: "sudo"}}},
		{"templated ansible_host", map[string]any{"ansible_host": "{{ mgmt_ip }}", "mgmt_ip": "10.0.0.7"}, Keywords{}, connection.Spec{Host: "h", Address: "10.0.0.7", Become: connection.Become{Method: "sudo"}}},
		{"connection keyword local", nil, Keywords{Connection: "local"}, connection.Spec{Host: "h", Connection: "local", Become: connection.Become{Method: "sudo"}}},
		{"ansible_connection beats keyword", map[string]any{"ansible_connection": "smart"}, Keywords{Connection: "local"}, connection.Spec{Host: "h", Connection: "ssh", Become: connection.Become{Method: "sudo"}}},
		{"paramiko is ssh", map[string]any{"ansible_connection": "paramiko"}, Keywords{}, connection.Spec{Host: "h", Connection: "ssh", Become: connection.Become{Method: "sudo"}}},
		{"key and password", map[string]any{"ansible_ssh_private_key_file": "/k", "ansible_password": "{{ pw }}", "pw": "s3"}, Keywords{},
			connection.Spec{Host: "h", KeyFile: "/k", Password: "s3", Become: connection.Become{Method: "sudo"}}},
		{"become vars", map[string]any{"ansible_become": "yes", "ansible_become_user": "www", "ansible_become_pass": "p", "ansible_become_method": "su"}, Keywords{},
			connection.Spec{Host: "h", Become: connection.Become{Enabled: true, User: "www", Password: "p", Method: "su"}}},
		// ansible-playbook 2.14: a task with become: true, become_user and
		// become_method runs as the login user on a host with
		// ansible_become: false, and as ansible_become_user over
		// become_user (checked on localhost, connection local).
		{"become vars beat keywords", map[string]any{"ansible_become": false, "ansible_become_user": "www", "ansible_become_method": "su"},
			Keywords{Become: &yes, BecomeUser: "db", BecomeMethod: "sudo"}, connection.Spec{Host: "h", Become: connection.Become{User: "www", Method: "su"}}},
		{"become keywords without vars", nil,
			Keywords{Become: &yes, BecomeUser: "db", BecomeMethod: "sudo"}, connection.Spec{Host: "h", Become: connection.Become{Enabled: true, User: "db", Method: "sudo"}}},
		{"become keyword", nil, Keywords{Become: &yes, BecomeMethod: "su"}, connection.Spec{Host: "h", Become: connection.Become{Enabled: true, Method: "su"}}},
	} {
		got, err := Resolve("h", c.vars, c.kw, render(c.vars))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got != c.want {
			t.Errorf("%s:\n got %+v\nwant %+v", c.name, got, c.want)
		}
	}
}

// The command line (-u, -b, --become-user, --become-method, -K, -k,
// --private-key, --ssh-common-args, --ssh-extra-args) and ansible.cfg
// (ssh_args) are the defaults of the keywords and variables: each takes
// effect alone, and each loses to its keyword and to its variable, as
// ansible-playbook 2.14 does (TestCLIPrecedenceAnsible in cmd/haplay
// compares -u and -b with it).
func TestResolveDefaults(t *testing.T) {
	yes, no := true, false
	cli := Defaults{RemoteUser: "cli", Become: true, BecomeUser: "cliroot", BecomeMethod: "su", BecomePassword: "{{ not rendered }}",
		Password: "sshpw", KeyFile: "/cli/key", SSHArgs: "-o ServerAliveInterval=3", SSHCommonArgs: "-o A=1", SSHExtraArgs: "-o B=2",
		Connection: "local"}
	for _, c := range []struct {
		name string
		vars map[string]any
		kw   Keywords
		want connection.Spec
	}{
		{"defaults alone", nil, Keywords{Defaults: cli}, connection.Spec{Host: "h", Connection: "local", User: "cli", KeyFile: "/cli/key", Password: "sshpw",
			SSHArgs: "-o ServerAliveInterval=3 -o A=1 -o B=2",
			Become:  connection.Become{Enabled: true, User: "cliroot", Method: "su", Password: "{{ not rendered }}"}}},
		{"keywords beat defaults", nil, Keywords{RemoteUser: "kw", Become: &no, BecomeUser: "kwu", BecomeMethod: "sudo", Connection: "ssh", Defaults: cli},
			connection.Spec{Host: "h", Connection: "ssh", User: "kw", KeyFile: "/cli/key", Password: "sshpw", SSHArgs: "-o ServerAliveInterval=3 -o A=1 -o B=2",
				Become: connection.Become{User: "kwu", Method: "sudo", Password: "{{ not rendered }}"}}},
		{"variables beat defaults", map[string]any{"ansible_user": "iu", "ansible_become": false, "ansible_become_user": "ibu",
			"ansible_become_method": "sudo", "ansible_become_password": "ibp", "ansible_ssh_private_key_file": "/inv/key",
			"ansible_password": "ipw", "ansible_ssh_args": "-o X=1", "ansible_ssh_common_args": "-o Y=1", "ansible_ssh_extra_args": "-o Z=1",
			"ansible_connection": "ssh"},
			Keywords{Become: &yes, Defaults: cli},
			connection.Spec{Host: "h", Connection: "ssh", User: "iu", KeyFile: "/inv/key", Password: "ipw", SSHArgs: "-o X=1 -o Y=1 -o Z=1",
				Become: connection.Become{User: "ibu", Method: "sudo", Password: "ibp"}}},
		{"other spellings", map[string]any{"ansible_private_key_file": "/k2", "ansible_ssh_pass": "p2"}, Keywords{Defaults: cli},
			connection.Spec{Host: "h", Connection: "local", User: "cli", KeyFile: "/k2", Password: "p2", SSHArgs: "-o ServerAliveInterval=3 -o A=1 -o B=2",
				Become: connection.Become{Enabled: true, User: "cliroot", Method: "su", Password: "{{ not rendered }}"}}},
	} {
		got, err := Resolve("h", c.vars, c.kw, render(c.vars))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got != c.want {
			t.Errorf("%s:\n got %+v\nwant %+v", c.name, got, c.want)
		}
	}
}

func TestResolveErrors(t *testing.T) {
	yes := true
	for _, c := range []struct {
		name   string
		vars   map[string]any
		kw     Keywords
		become bool
		want   string
	}{
		{"bad port", map[string]any{"ansible_port": "ssh"}, Keywords{}, false, `ansible_port "ssh" is not a port number`},
		{"bad port keyword", nil, Keywords{Port: "0"}, false, `port "0" is not a port number`},
		{"unknown connection", map[string]any{"ansible_connection": "winrm"}, Keywords{}, false, `ansible_connection "winrm" is not supported`},
		{"undefined in ansible_host", map[string]any{"ansible_host": "{{ nope }}"}, Keywords{}, false, `ansible_host: 'nope' is undefined`},
		{"templated become_method", map[string]any{"m": "doas"}, Keywords{Become: &yes, BecomeMethod: "{{ m }}"}, true, `become_method "doas" is not supported (use sudo or su)`},
		{"become_method var", map[string]any{"ansible_become": true, "ansible_become_method": "pbrun"}, Keywords{}, true, `become_method "pbrun"`},
		{"not a boolean", map[string]any{"ansible_become": "maybe"}, Keywords{}, true, "ansible_become"},
	} {
		_, err := Resolve("h", c.vars, c.kw, render(c.vars))
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "host h: ") {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
			continue
		}
		if errors.Is(err, ErrBecome) != c.become {
			t.Errorf("%s: errors.Is(ErrBecome) = %v", c.name, !c.become)
		}
	}
	// An unused become method does not matter, as in Ansible.
	if _, err := Resolve("h", map[string]any{"ansible_become_method": "doas"}, Keywords{}, render(nil)); err != nil {
		t.Errorf("become off, method doas: %v", err)
	}
}

// A become flag that came from a host (set_fact from registered output)
// is marked unsafe: it is read as a boolean, never rendered.
func TestResolveUnsafeBecome(t *testing.T) {
	render := func(s string) (string, error) { return "", fmt.Errorf("rendered %q", s) }
	s, err := Resolve("h", map[string]any{"ansible_become": jinja.Unsafe{V: "true"}}, Keywords{}, render)
	if err != nil || !s.Become.Enabled {
		t.Fatalf("Resolve = %+v, %v; want become enabled without rendering", s.Become, err)
	}
}
