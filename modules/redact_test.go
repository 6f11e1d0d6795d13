package modules

import "testing"

// The modules whose secrets Ansible keeps out of its output declare them
// no_log, so that module.Redact hides them.
func TestSecretArgumentsAreNoLog(t *testing.T) {
	for m, arg := range map[Module]string{User{}: "password", URI{}: "url_password", DockerSwarm{}: "join_token"} {
		a, ok := m.Spec().Lookup(arg)
		if !ok || !a.NoLog {
			t.Errorf("%s: %s is not no_log", m.Name(), arg)
		}
	}
}
