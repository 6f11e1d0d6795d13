package modules_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/haplay/haplay/engine/lab"
	"github.com/haplay/haplay/internal/e2e"
)

// The lab's inventory puts node1..node3 in managers, node4 in workers.
const microk8sPlaybook = `
- name: MicroK8s cluster (seed 001)
  hosts: managers
  gather_facts: false
  tasks:
    - name: Join
      microk8s:
        primary: node1
        worker: "{{ inventory_hostname == 'node3' }}"
        token_ttl: 60

    - name: Addons
      microk8s:
        primary: node1
        addons: [dns, ingress, "metallb:10.231.0.200/32"]
      run_once: true
`

const microk8sLeavePlaybook = `
- name: Node4 leaves
  hosts: workers
  gather_facts: false
  tasks:
    - name: Leave
      microk8s:
        primary: node1
        state: absent
`

func simExec(t *testing.T, l *lab.Lab, host string, args ...string) (string, int) {
	t.Helper()
	out, err := l.Exec(t.Context(), host, append([]string{"microk8s"}, args...)...)
	if err != nil {
		if ee, ok := err.(interface{ ExitCode() int }); ok {
			return string(out), ee.ExitCode()
		}
		// lab.Exec wraps *exec.ExitError: find the code in the message.
		s := err.Error()
		if i := strings.LastIndex(s, "exit status "); i >= 0 {
			n := 0
			for _, c := range s[i+len("exit status "):] {
				if c < '0' || c > '9' {
					break
				}
				n = n*10 + int(c-'0')
			}
			return string(out), n
		}
		t.Fatalf("%s: microk8s %v: %v", host, args, err)
	}
	return string(out), 0
}

func TestMicroK8sLab(t *testing.T) {
	bin := buildSim(t, "microk8s-sim", "microk8s")
	l := e2e.Lab(t, 4)
	installSim(t, l, bin, "microk8s", e2e.SimState(t, l))
	dir := t.TempDir()

	// Check mode: joins and addons predicted, nothing done.
	r := e2e.Playbook(t, l, dir, "pb.yml", microk8sPlaybook, "run", "--check", "--diff")
	if r.ExitCode != 0 {
		t.Fatalf("check run: exit %d\n%s\n%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	for host, want := range map[string]string{"node1": "ok", "node2": "changed", "node3": "changed"} {
		if st := r.Doc.Status("Join", host); st != want {
			t.Errorf("check: Join on %s is %q, want %q", host, st, want)
		}
	}
	if st := r.Doc.Status("Addons", "node1"); st != "changed" {
		t.Errorf("check: Addons %q", st)
	}
	nodes, _ := simExec(t, l, "node1", "kubectl", "get", "nodes")
	if strings.Contains(nodes, "node2") || strings.Contains(nodes, "node3") {
		t.Errorf("check mode joined nodes:\n%s", nodes)
	}
	checkChanged := r.Doc.Changed()

	// Real run: the same changes.
	r = e2e.Playbook(t, l, dir, "pb.yml", microk8sPlaybook, "run")
	if r.ExitCode != 0 {
		t.Fatalf("run: exit %d\n%s\n%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	// Hosts run in parallel: compare the changes, not their order.
	got := r.Doc.Changed()
	sort.Strings(got)
	sort.Strings(checkChanged)
	if strings.Join(got, ";") != strings.Join(checkChanged, ";") {
		t.Errorf("run changed %v, check predicted %v", got, checkChanged)
	}
	nodes, _ = simExec(t, l, "node1", "kubectl", "get", "nodes", "-o", "json")
	mustContain(t, "nodes after join", nodes, `"name": "node2"`, `"name": "node3"`, "microk8s-worker")
	st, _ := simExec(t, l, "node1", "status", "--format", "yaml")
	mustContain(t, "status after join", st, "role: voter", "name: dns\n    repository: core", "status: enabled")
	if ws, code := simExec(t, l, "node3", "status"); code != 0 || !strings.Contains(ws, "acting as a node in a cluster") {
		t.Errorf("node3 is not a worker: %d %s", code, ws)
	}

	// Second run: nothing to do.
	r = e2e.Playbook(t, l, dir, "pb.yml", microk8sPlaybook, "run")
	if r.ExitCode != 0 || len(r.Doc.Changed()) != 0 {
		t.Errorf("second run: exit %d changed %v\n%s", r.ExitCode, r.Doc.Changed(), r.Stdout)
	}

	// The simulator behaves as MicroK8s: a one-time token works once, and
	// a control plane node that joins again is "already known to dqlite".
	tok, code := simExec(t, l, "node1", "add-node", "--format", "short")
	if code != 0 {
		t.Fatalf("add-node: %d %s", code, tok)
	}
	joinCmd := strings.Fields(strings.TrimSpace(tok))
	if len(joinCmd) != 3 || joinCmd[1] != "join" {
		t.Fatalf("add-node --format short printed %q", tok)
	}
	out, code := simExec(t, l, "node4", "join", joinCmd[2])
	if code != 0 || !strings.Contains(out, "Successfully joined the cluster.") {
		t.Fatalf("node4 join: %d %s", code, out)
	}
	out, code = simExec(t, l, "node4", "leave")
	if code != 0 {
		t.Fatalf("node4 leave: %d %s", code, out)
	}
	out, code = simExec(t, l, "node4", "join", joinCmd[2])
	if code != 6 || !strings.Contains(out, "Connection failed. Invalid token (500).") {
		t.Errorf("reused token: %d %s", code, out)
	}
	tok, _ = simExec(t, l, "node1", "add-node", "--format", "short")
	out, code = simExec(t, l, "node2", "join", strings.Fields(tok)[2])
	if code != 6 || !strings.Contains(out, "already known to dqlite (504)") {
		t.Errorf("rejoin: %d %s", code, out)
	}
	// node4 joins again for the leave play below.
	tok, _ = simExec(t, l, "node1", "add-node", "--format", "short")
	if out, code = simExec(t, l, "node4", "join", strings.Fields(tok)[2], "--worker"); code != 0 {
		t.Fatalf("node4 join again: %d %s", code, out)
	}

	// state=absent: leave here, remove-node on the primary; then ok.
	r = e2e.Playbook(t, l, dir, "leave.yml", microk8sLeavePlaybook, "run")
	if st := r.Doc.Status("Leave", "node4"); st != "changed" {
		t.Fatalf("leave: %q\n%s\n%s", st, r.Stdout, r.Stderr)
	}
	if nodes, _ := simExec(t, l, "node1", "kubectl", "get", "nodes"); strings.Contains(nodes, "node4") {
		t.Errorf("node4 still listed:\n%s", nodes)
	}
	r = e2e.Playbook(t, l, dir, "leave.yml", microk8sLeavePlaybook, "run")
	if st := r.Doc.Status("Leave", "node4"); st != "ok" {
		t.Errorf("leave again: %q", st)
	}

	// A primary that is not in the inventory fails with a clear message.
	bad := strings.Replace(microk8sLeavePlaybook, "primary: node1", "primary: nosuchhost", 1)
	r = e2e.Playbook(t, l, dir, "bad.yml", bad, "run")
	if r.Doc.Status("Leave", "node4") != "failed" || !strings.Contains(r.Stdout, "nosuchhost") {
		t.Errorf("unknown primary: %q\n%s", r.Doc.Status("Leave", "node4"), r.Stdout)
	}
}
