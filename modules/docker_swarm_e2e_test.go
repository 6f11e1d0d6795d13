package modules_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/haplay/haplay/engine/lab"
	"github.com/haplay/haplay/internal/e2e"
)

// startDockerd runs Debian's dockerd in every lab host: without iptables,
// bridge or overlay storage (the lab has none of them), with the cgroup v1
// controllers mounted in the host's own mount namespace (dockerd refuses
// to start without the devices cgroup).
func startDockerd(t *testing.T, l *lab.Lab) {
	t.Helper()
	if _, err := exec.LookPath("dockerd"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("dockerd missing under CI=true (scripts/deps.sh installs docker.io)")
		}
		t.Skip("dockerd not installed (scripts/deps.sh installs docker.io)")
	}
	script := `mountpoint -q /sys/fs/cgroup || mount -t tmpfs cgroup /sys/fs/cgroup
for c in devices memory cpu cpuacct cpuset pids blkio freezer; do
  mkdir -p /sys/fs/cgroup/$c; mountpoint -q /sys/fs/cgroup/$c || mount -t cgroup -o $c cgroup /sys/fs/cgroup/$c 2>/dev/null || :
done
mkdir -p /var/log
setsid dockerd --iptables=false --ip6tables=false --bridge=none --storage-driver=vfs >/var/log/dockerd.log 2>&1 </dev/null &
for i in $(seq 100); do docker info >/dev/null 2>&1 && exit 0; sleep 0.2; done
tail -20 /var/log/dockerd.log; exit 1`
	for _, h := range l.Hosts() {
		if out, err := l.Exec(t.Context(), h.Name, "sh", "-c", script); err != nil {
			t.Fatalf("dockerd on %s: %v\n%s", h.Name, err, out)
		}
	}
}

const swarmInitPlaybook = `
- name: First manager
  hosts: node1
  gather_facts: false
  tasks:
    - name: Init
      community.docker.docker_swarm:
        state: present
        advertise_addr: "{{ ansible_host }}"
`

const swarmPlaybook = swarmInitPlaybook + `
    - name: Tokens
      docker_swarm_token: {}
      register: swarm

- name: The others
  hosts: all:!node1
  gather_facts: false
  tasks:
    - name: Join
      community.docker.docker_swarm:
        state: join
        advertise_addr: "{{ ansible_host }}"
        join_token: "{{ ('managers' in group_names) | ternary(hostvars['node1'].swarm.manager, hostvars['node1'].swarm.worker) }}"
        remote_addrs: ["{{ hostvars['node1'].swarm.addr }}"]
        role: "{{ ('managers' in group_names) | ternary('manager', 'worker') }}"

- name: Quorum
  hosts: node1
  gather_facts: false
  tasks:
    - name: Count managers
      docker_swarm_token: {}
      register: after
`

const swarmLeavePlaybook = `
- name: Node4 leaves
  hosts: node4
  gather_facts: false
  tasks:
    - name: Leave
      community.docker.docker_swarm:
        state: absent

- name: And is removed
  hosts: node1
  gather_facts: false
  tasks:
    - name: Remove
      community.docker.docker_swarm:
        state: remove
        node_id: node4
        # A node that just left shows Ready until its heartbeat times out.
        force: true
`

func TestDockerSwarmLab(t *testing.T) {
	l := e2e.Lab(t, 4)
	startDockerd(t, l)
	dir := t.TempDir()
	swarmState := func(h string) string {
		return e2e.Exec(t, l, h, "docker", "info", "--format", "{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}")
	}

	// Check mode predicts init and changes nothing.
	r := e2e.Playbook(t, l, dir, "init.yml", swarmInitPlaybook, "run", "--check", "--diff")
	if st := r.Doc.Status("Init", "node1"); st != "changed" {
		t.Fatalf("check init: %q\n%s\n%s", st, r.Stdout, r.Stderr)
	}
	if s := swarmState("node1"); s != "inactive false" {
		t.Errorf("check mode initialised the swarm: %s", s)
	}

	r = e2e.Playbook(t, l, dir, "pb.yml", swarmPlaybook, "run")
	if r.ExitCode != 0 {
		t.Fatalf("run: exit %d\n%s\n%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	for _, h := range []string{"node1", "node2", "node3", "node4"} {
		want := map[string]string{"node4": "active false"}[h]
		if want == "" {
			want = "active true"
		}
		if s := swarmState(h); s != want {
			t.Errorf("%s: swarm %q, want %q", h, s, want)
		}
	}
	// node1 alone was one manager: seed 002's table says no fault tolerance.
	if !strings.Contains(r.Stdout, "tolerates the loss of 0") {
		t.Errorf("no quorum warning for a single manager:\n%s", r.Stdout)
	}
	nodes := e2e.Exec(t, l, "node1", "docker", "node", "ls", "--format", "{{.Hostname}} {{.ManagerStatus}}")
	mustContain(t, "node ls", nodes+"\n", "node1 Leader", "node2 Reachable", "node3 Reachable", "node4 \n")

	// Second run: nothing changes, and three managers draw no warning.
	r = e2e.Playbook(t, l, dir, "pb.yml", swarmPlaybook, "run")
	if r.ExitCode != 0 || len(r.Doc.Changed()) != 0 {
		t.Errorf("second run: exit %d changed %v\n%s", r.ExitCode, r.Doc.Changed(), r.Stdout)
	}
	for _, p := range r.Doc.Plays {
		for _, tk := range p.Tasks {
			if tk.Name == "Count managers" {
				if w, ok := tk.Hosts["node1"].Result["warnings"]; ok {
					t.Errorf("three managers warned: %v", w)
				}
				if m := tk.Hosts["node1"].Result["managers"]; m != float64(3) {
					t.Errorf("managers = %v", m)
				}
			}
		}
	}

	// A worker that wants to be a manager: the token decides, role fails.
	bad := strings.Replace(swarmPlaybook, "ternary('manager', 'worker')", "ternary('manager', 'manager')", 1)
	r = e2e.Playbook(t, l, dir, "bad.yml", bad, "run")
	if st := r.Doc.Status("Join", "node4"); st != "failed" {
		t.Errorf("role mismatch on node4: %q", st)
	}

	// Leave (check first), then remove from the manager.
	r = e2e.Playbook(t, l, dir, "leave.yml", swarmLeavePlaybook, "run", "--check")
	if st := r.Doc.Status("Leave", "node4"); st != "changed" {
		t.Errorf("check leave: %q", st)
	}
	if s := swarmState("node4"); s != "active false" {
		t.Errorf("check mode left the swarm: %s", s)
	}
	r = e2e.Playbook(t, l, dir, "leave.yml", swarmLeavePlaybook, "run")
	if r.Doc.Status("Leave", "node4") != "changed" {
		t.Fatalf("leave: %s\n%s", r.Stdout, r.Stderr)
	}
	if st := r.Doc.Status("Remove", "node1"); st != "changed" {
		t.Fatalf("remove: %q\n%s", st, r.Stdout)
	}
	if nodes := e2e.Exec(t, l, "node1", "docker", "node", "ls", "--format", "{{.Hostname}}"); strings.Contains(nodes, "node4") {
		t.Errorf("node4 still in the swarm:\n%s", nodes)
	}
	r = e2e.Playbook(t, l, dir, "leave.yml", swarmLeavePlaybook, "run")
	if len(r.Doc.Changed()) != 0 {
		t.Errorf("leave again changed %v", r.Doc.Changed())
	}

	// A manager does not leave without force.
	r = e2e.Playbook(t, l, dir, "mleave.yml", strings.Replace(swarmLeavePlaybook, "hosts: node4", "hosts: node3", 1), "run")
	if st := r.Doc.Status("Leave", "node3"); st != "failed" || !strings.Contains(r.Stdout, "force") {
		t.Errorf("manager leave without force: %q", st)
	}
}

const swarmSettingsPlaybook = `- hosts: node1
  gather_facts: false
  tasks:
    - name: Swarm
      community.docker.docker_swarm:
        state: present
        advertise_addr: "{{ ansible_host }}"
        docker_host: unix:///var/run/docker.sock
        timeout: 60
        task_history_retention_limit: "{{ history }}"
        snapshot_interval: 5000
        dispatcher_heartbeat_period: 10000000000
        rotate_worker_token: "{{ rotate | default(false) }}"
`

// The swarm settings with the real dockerd: init sets them, a second run
// changes nothing, a changed one is updated (check mode first), a token
// rotation is a change; docker_host goes to the CLI.
func TestDockerSwarmSettingsLab(t *testing.T) {
	l := e2e.Lab(t, 1)
	startDockerd(t, l)
	dir := t.TempDir()
	spec := func() string {
		return e2e.Exec(t, l, "node1", "docker", "info", "--format", "{{.Swarm.Cluster.Spec.Orchestration.TaskHistoryRetentionLimit}} {{.Swarm.Cluster.Spec.Raft.SnapshotInterval}} {{.Swarm.Cluster.Spec.Dispatcher.HeartbeatPeriod}}")
	}
	run := func(wantStatus string, extra ...string) e2e.Result {
		t.Helper()
		r := e2e.Playbook(t, l, dir, "pb.yml", swarmSettingsPlaybook, "run", extra...)
		if st := r.Doc.Status("Swarm", "node1"); st != wantStatus {
			t.Fatalf("%v: %q, want %q\n%s\n%s", extra, st, wantStatus, r.Stdout, r.Stderr)
		}
		return r
	}
	run("changed", "-e", "history=3")
	if got := spec(); got != "3 5000 10s" {
		t.Errorf("after init: %q", got)
	}
	run("ok", "-e", "history=3")
	run("changed", "-e", "history=7", "--check")
	if got := spec(); got != "3 5000 10s" {
		t.Errorf("check mode updated: %q", got)
	}
	run("changed", "-e", "history=7")
	if got := spec(); got != "7 5000 10s" {
		t.Errorf("after update: %q", got)
	}
	before := e2e.Exec(t, l, "node1", "docker", "swarm", "join-token", "-q", "worker")
	run("changed", "-e", "history=7", "-e", "rotate=true")
	if after := e2e.Exec(t, l, "node1", "docker", "swarm", "join-token", "-q", "worker"); after == before {
		t.Error("the worker token was not rotated")
	}
	bad := strings.Replace(swarmSettingsPlaybook, "unix:///var/run/docker.sock", "unix:///nonexistent.sock", 1)
	r := e2e.Playbook(t, l, dir, "bad.yml", bad, "run", "-e", "history=7")
	if st := r.Doc.Status("Swarm", "node1"); st != "failed" || !strings.Contains(r.Stdout, "nonexistent.sock") {
		t.Errorf("docker_host not used: %q\n%s", st, r.Stdout)
	}
}
