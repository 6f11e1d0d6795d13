package modules

import (
	"testing"

	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules/cluster"
	"github.com/haplay/haplay/modules/network"
	"github.com/haplay/haplay/modules/system"
)

// The modules whose secrets Ansible keeps out of its output declare them
// no_log, so that module.Redact hides them.
func TestSecretArgumentsAreNoLog(t *testing.T) {
	for m, arg := range map[module.Module]string{system.User{}: "password", network.URI{}: "url_password", cluster.DockerSwarm{}: "join_token"} {
		a, ok := m.Spec().Lookup(arg)
		if !ok || !a.NoLog {
			t.Errorf("%s: %s is not no_log", m.Name(), arg)
		}
	}
}
