package cluster

import (
	"fmt"
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

func TestDockerSwarmConnectionAndSpec(t *testing.T) {
	spec := DockerSwarm{}.Spec()
	a, errs := module.Validate(spec, map[string]any{"state": "present", "docker_host": "tcp://10.0.0.1:2376", "validate_certs": true,
		"ca_cert": "/c/ca.pem", "client_cert": "/c/cert.pem", "client_key": "/c/key.pem", "api_version": "1.41", "timeout": 30, "debug": true,
		"advertise_addr": "10.0.0.1", "data_path_addr": "eth1", "autolock_managers": true, "snapshot_interval": 5000,
		"dispatcher_heartbeat_period": 10000000000, "task_history_retention_limit": 10}, true)
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	got := strings.Join(swarmInitArgv(a, dockerArgv(a)), " ")
	want := "env DOCKER_API_VERSION=1.41 timeout 30 docker --debug --host tcp://10.0.0.1:2376 --tlsverify --tlscacert /c/ca.pem --tlscert /c/cert.pem --tlskey /c/key.pem " +
		"swarm init --advertise-addr 10.0.0.1 --data-path-addr eth1 --task-history-limit 10 --snapshot-interval 5000 --dispatcher-heartbeat 10000000000ns --autolock --listen-addr 0.0.0.0:2377"
	if got != want {
		t.Errorf("init:\n%s\nwant:\n%s", got, want)
	}
	// On a manager: only what differs from docker info's Cluster.Spec.
	s, err := parseSwarm(`{"LocalNodeState":"active","ControlAvailable":true,"Cluster":{"ID":"x","Spec":{"Orchestration":{"TaskHistoryRetentionLimit":5},"Raft":{"SnapshotInterval":5000},"Dispatcher":{"HeartbeatPeriod":10000000000},"EncryptionConfig":{"AutoLockManagers":false}}}}`)
	if err != nil {
		t.Fatal(err)
	}
	var p swarmPlan
	a["rotate_worker_token"] = true
	planSwarmUpdate(a, []string{"docker"}, s, &p)
	if got := fmt.Sprint(p.argvs); got != "[[docker swarm update --task-history-limit 10 --autolock=true] [docker swarm join-token --rotate -q worker]]" {
		t.Errorf("update: %s", got)
	}
	if p.before != "task_history_retention_limit: 5\nautolock_managers: false\nworker token: current\n" {
		t.Errorf("diff before %q", p.before)
	}
	a["task_history_retention_limit"], a["autolock_managers"], a["rotate_worker_token"] = 5, false, false
	p = swarmPlan{}
	planSwarmUpdate(a, []string{"docker"}, s, &p)
	if len(p.argvs) != 0 {
		t.Errorf("nothing differs, yet %v", p.argvs)
	}
	for arg, v := range map[string]any{"labels": map[string]any{"a": "b"}, "election_tick": 3, "tls_hostname": "h", "ssl_version": "TLSv1_2", "signing_ca_key": "k"} {
		if _, errs := module.Validate(spec, map[string]any{arg: v}, true); len(errs) != 1 || !strings.Contains(errs[0].Error(), "docker CLI") {
			t.Errorf("%s: %v", arg, errs)
		}
	}
}
