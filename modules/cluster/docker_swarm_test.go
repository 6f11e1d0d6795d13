package cluster

import (
	"strings"
	"testing"

	"github.com/haplay/haplay/engine/module"
)

func TestQuorumWarning(t *testing.T) {
	for _, tt := range []struct {
		managers int
		want     string // "" for no warning
	}{
		{1, "majority (quorum) is 1, so it tolerates the loss of 0"},
		{2, "majority (quorum) is 2, so it tolerates the loss of 0"},
		{3, ""},
		{4, "majority (quorum) is 3, so it tolerates the loss of 1"},
		{5, ""},
		{6, "majority (quorum) is 4, so it tolerates the loss of 2"},
		{0, ""},
	} {
		got := quorumWarning(tt.managers)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("quorumWarning(%d) = %q, want %q", tt.managers, got, tt.want)
		}
	}
}

func TestParseSwarm(t *testing.T) {
	// docker 20.10's output on a manager, then the two join tokens.
	out := `{"NodeID":"x2e99f1foykanv3um4f301897","NodeAddr":"10.231.4.11","LocalNodeState":"active","ControlAvailable":true,"Error":"","RemoteManagers":[{"NodeID":"x2e99f1foykanv3um4f301897","Addr":"10.231.4.11:2377"}],"Nodes":1,"Managers":1,"Cluster":{"ID":"660degps4kmb09fe9ltrj3z20"}}
SWMTKN-1-14q6qvny0azrcnw9zlx2l2we3hetzfy4qsqh30s6ens4uggyl1-9ivfazo242n3vr3vsnf3j41zp
SWMTKN-1-14q6qvny0azrcnw9zlx2l2we3hetzfy4qsqh30s6ens4uggyl1-2m6r2b8tvd4ql0n4f3bnxj1ex
`
	s, err := parseSwarm(out)
	if err != nil {
		t.Fatal(err)
	}
	if s.role() != "manager" || s.Managers != 1 || !strings.HasSuffix(s.WorkerToken, "j41zp") || !strings.HasSuffix(s.ManagerToken, "j1ex") || s.Raw["NodeAddr"] != "10.231.4.11" {
		t.Errorf("%+v", s)
	}
	s, err = parseSwarm(`{"NodeID":"","NodeAddr":"","LocalNodeState":"inactive","ControlAvailable":false,"Error":"","RemoteManagers":null}` + "\n")
	if err != nil || s.LocalNodeState != "inactive" || s.role() != "worker" || s.WorkerToken != "" {
		t.Errorf("%+v %v", s, err)
	}
	if _, err := parseSwarm("Cannot connect to the Docker daemon"); err == nil {
		t.Error("garbage accepted")
	}
}

func TestDockerSwarmArgs(t *testing.T) {
	spec := DockerSwarm{}.Spec()
	if _, errs := module.Validate(spec, map[string]any{"state": "join"}, true); len(errs) != 2 {
		t.Errorf("join without token and remotes: %v", errs)
	}
	if _, errs := module.Validate(spec, map[string]any{"state": "remove"}, true); len(errs) != 1 {
		t.Errorf("remove without node_id: %v", errs)
	}
	if _, errs := module.Validate(spec, map[string]any{"state": "join", "join_token": "{{ t }}", "remote_addrs": "{{ r }}"}, false); len(errs) != 0 {
		t.Errorf("templated join rejected at load time: %v", errs)
	}
}
