package playbook

import (
	"strconv"

	"github.com/haplay/haplay/engine/jinja"
	"github.com/haplay/haplay/engine/yamlnode"
)

// ConnectionType normalises a connection: keyword or ansible_connection
// value. smart and paramiko are Ansible's names for ssh. ok is false for a
// type haplay does not implement. The loader checks literal keywords with
// it, and engine/connspec every value at run time, so both agree.
func ConnectionType(name string) (norm string, ok bool) {
	switch name {
	case "ssh", "smart", "paramiko":
		return "ssh", true
	case "local":
		return "local", true
	}
	return "", false
}

// BecomeMethod tells whether haplay implements the become method m.
func BecomeMethod(m string) bool { return m == "sudo" || m == "su" }

// connKeywords reads remote_user, connection, become_method and (on a
// play) port into their fields, refusing literal values haplay cannot
// honour; templated values are checked when the task runs.
func (l *loader) connKeywords(n *yamlnode.Node, remoteUser, connection, becomeMethod, port *string) {
	*remoteUser = l.str(n, "remote_user")
	*becomeMethod = l.str(n, "become_method")
	if m := *becomeMethod; m != "" && !jinja.IsTemplated(m) && !BecomeMethod(m) {
		l.errorf(n.Get("become_method").Pos, "become_method %q is not supported: use sudo or su", m)
	}
	*connection = l.str(n, "connection")
	if c := *connection; c != "" && !jinja.IsTemplated(c) {
		if _, ok := ConnectionType(c); !ok {
			l.errorf(n.Get("connection").Pos, "connection %q is not supported: use ssh or local", c)
		}
	}
	if port == nil {
		return
	}
	*port = l.str(n, "port")
	if p := *port; p != "" && !jinja.IsTemplated(p) {
		if v, err := strconv.Atoi(p); err != nil || v <= 0 || v > 65535 {
			l.errorf(n.Get("port").Pos, "port %q is not a port number", p)
		}
	}
}
