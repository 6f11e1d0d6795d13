package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/haplay/haplay/engine/lab"
	"github.com/haplay/haplay/internal/e2e"
)

// siteLab is a 4-host lab dressed as the seeds' servers by
// playbooks/lab-prepare.yml, with the inventories site.yml runs against.
type siteLab struct {
	lab  *lab.Lab
	root string   // repository root
	inv  []string // -i ... --known-hosts ...
}

func repoRoot(t *testing.T) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

func newSiteLab(t *testing.T) *siteLab {
	t.Helper()
	l := e2e.Lab(t, 4)
	root := repoRoot(t)
	dir := t.TempDir()

	sim := filepath.Join(dir, "microk8s-sim")
	build := exec.Command("go", "build", "-o", sim, "./testdata/microk8s-sim")
	build.Dir = filepath.Join(root, "modules")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the MicroK8s simulator: %v\n%s", err, out)
	}

	simURL := e2e.SimState(t, l) // the simulators' shared state

	// One loop disk per host for its volume group.
	var disks strings.Builder
	for i, h := range l.Hosts() {
		group := "managers"
		if i >= 3 {
			group = "workers"
		}
		img := filepath.Join(dir, h.Name+".img")
		if err := os.WriteFile(img, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(img, 64<<20); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("losetup", "-f", "--show", img).Output()
		if err != nil {
			t.Fatalf("losetup: %v", err)
		}
		dev := strings.TrimSpace(string(out))
		t.Cleanup(func() { _ = exec.Command("losetup", "-d", dev).Run() })
		fmt.Fprintf(&disks, "[%s]\n%s lab_pv=%s\n", group, h.Name, dev)
	}
	disksINI := filepath.Join(dir, "disks.ini")
	if err := os.WriteFile(disksINI, []byte(disks.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	// inventories/lab first: it names the default lab's addresses
	// (scripts/demo.sh runs against that lab with -i inventories/lab
	// alone); this test's lab, on the first free subnet, overrides them.
	s := &siteLab{lab: l, root: root, inv: []string{"-i", filepath.Join(root, "inventories", "lab"), "-i", l.InventoryPath, "-i", disksINI, "--known-hosts", l.KnownHostsPath}}
	r := s.run(t, "run", "lab-prepare.yml", "-e", "lab_microk8s_sim="+sim, "-e", "lab_sim_url="+simURL)
	if r.ExitCode != 0 {
		t.Fatalf("lab-prepare: exit %d\n%s\n%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	return s
}

// run runs haplay COMMAND playbooks/PLAYBOOK on the site lab, with JSON output.
func (s *siteLab) run(t *testing.T, command, playbook string, extra ...string) e2e.Result {
	t.Helper()
	args := append([]string{command, filepath.Join(s.root, "playbooks", playbook)}, s.inv...)
	// The resume file goes to the test's directory, not beside the
	// checkout's playbooks.
	dir := t.TempDir()
	args = append(append(args, "--output=json", "--resume-dir", filepath.Join(dir, ".haplay")), extra...)
	return e2e.Run(t, dir, args...)
}

func sorted(l []string) []string {
	out := append([]string(nil), l...)
	sort.Strings(out)
	return out
}

// site.yml on a 4-host lab: the plan equals the first run's changes host
// by host and task by task, the second run changes nothing, and the
// cluster ends up as the seeds describe it.
func TestSiteOnFourHostLab(t *testing.T) {
	s := newSiteLab(t)
	l := s.lab

	plan := s.run(t, "plan", "site.yml")
	if plan.ExitCode != 2 {
		t.Fatalf("plan: exit %d, want 2\n%s\n%s", plan.ExitCode, plan.Stdout, plan.Stderr)
	}
	run := s.run(t, "run", "site.yml")
	if run.ExitCode != 0 {
		t.Fatalf("run: exit %d\n%s\n%s", run.ExitCode, run.Stdout, run.Stderr)
	}
	if p, r := sorted(plan.Doc.Changed()), sorted(run.Doc.Changed()); strings.Join(p, "\n") != strings.Join(r, "\n") {
		t.Errorf("the plan is not what the run did\nplan:\n  %s\nrun:\n  %s", strings.Join(p, "\n  "), strings.Join(r, "\n  "))
	}
	again := s.run(t, "run", "site.yml")
	if again.ExitCode != 0 || len(again.Doc.Changed()) != 0 {
		t.Fatalf("second run: exit %d, changes %v", again.ExitCode, again.Doc.Changed())
	}

	// Swarm: three managers, one worker.
	managers := e2e.Exec(t, l, "node1", "docker", "node", "ls", "--format", "{{.Hostname}} {{.ManagerStatus}}")
	var nm, nw int
	for _, line := range strings.Split(managers, "\n") {
		if f := strings.Fields(line); len(f) == 2 {
			nm++
		} else if len(f) == 1 {
			nw++
		}
	}
	if nm != 3 || nw != 1 {
		t.Errorf("swarm: %d managers and %d workers, want 3 and 1:\n%s", nm, nw, managers)
	}
	// MicroK8s (simulator): four nodes, node4 joined as a worker.
	nodes := e2e.Exec(t, l, "node1", "microk8s", "kubectl", "get", "nodes", "-o", "json")
	workers := strings.Count(nodes, `"node.kubernetes.io/microk8s-worker"`)
	control := strings.Count(nodes, `"node.kubernetes.io/microk8s-controlplane"`)
	if workers != 1 || control != 3 {
		t.Errorf("microk8s: %d managers and %d workers, want 3 and 1:\n%s", control, workers, nodes)
	}
	for _, h := range []string{"node1", "node2", "node3", "node4"} {
		if !strings.Contains(nodes, `"name": "`+h+`"`) {
			t.Errorf("microk8s: %s is not in the cluster", h)
		}
	}
	if st := e2e.Exec(t, l, "node4", "microk8s", "status"); !strings.Contains(st, "acting as a node in a cluster") {
		t.Errorf("node4 is not a MicroK8s worker:\n%s", st)
	}
	// HAProxy on node4 answers through to the three nodes behind it.
	lb, _ := l.Host("node4")
	seen := map[string]bool{}
	client := http.Client{Timeout: 2 * time.Second}
	for i := 0; i < 9; i++ {
		resp, err := client.Get("http://" + lb.IP + "/")
		if err != nil {
			t.Fatalf("through HAProxy: %v", err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		seen[strings.TrimSpace(string(b))] = true
	}
	if !seen["node1"] || !seen["node2"] || !seen["node3"] {
		t.Errorf("HAProxy reached %v, want node1, node2 and node3", seen)
	}
	// Files under /etc are as the roles say.
	for i, h := range l.Hosts() {
		if got := e2e.Exec(t, l, h.Name, "cat", "/etc/hostname"); got != h.Name {
			t.Errorf("%s: /etc/hostname = %q", h.Name, got)
		}
		hosts := e2e.Exec(t, l, h.Name, "cat", "/etc/hosts")
		for _, other := range l.Hosts() {
			if !strings.Contains(hosts, other.IP+" "+other.Name) {
				t.Errorf("%s: /etc/hosts lacks %s %s:\n%s", h.Name, other.IP, other.Name, hosts)
			}
		}
		np := e2e.Exec(t, l, h.Name, "cat", "/etc/netplan/00-installer-config.yaml")
		if !strings.Contains(np, h.IP+"/24") || !strings.Contains(np, "dhcp4: false") {
			t.Errorf("%s: netplan file:\n%s", h.Name, np)
		}
		if mode := e2e.Exec(t, l, h.Name, "stat", "-c", "%a", "/etc/netplan/00-installer-config.yaml"); mode != "600" {
			t.Errorf("%s: netplan file mode %s, want 600", h.Name, mode)
		}
		zone := e2e.Exec(t, l, h.Name, "cat", "/etc/firewalld/zones/public.xml")
		hasMgmt := strings.Contains(zone, `port="2377" protocol="tcp"`)
		if isManager := i < 3; hasMgmt != isManager || !strings.Contains(zone, `port="4789" protocol="udp"`) {
			t.Errorf("%s (manager %v): firewalld zone:\n%s", h.Name, isManager, zone)
		}
		if lv := e2e.Exec(t, l, h.Name, "lvs", "--noheadings", "-o", "lv_name,vg_name"); !strings.Contains(lv, "shared") || !strings.Contains(lv, "ubuntu-vg") {
			t.Errorf("%s: lvs = %q", h.Name, lv)
		}
		if own := e2e.Exec(t, l, h.Name, "stat", "-c", "%u:%g", "/mnt/NASVolume/kafka_data", "/mnt/NASVolume/mano_artemis", "/mnt/NASVolume/msa_es"); own != "1001:0\n1001:1001\n1000:1000" {
			t.Errorf("%s: NAS owners %q", h.Name, own)
		}
	}
	cfg := e2e.Exec(t, l, "node4", "cat", "/etc/haproxy/haproxy.cfg")
	for _, want := range []string{"listen elma365_web", "balance leastconn", "option httpchk HEAD /", "server node1 ", "server node3 "} {
		if !strings.Contains(cfg, want) {
			t.Errorf("haproxy.cfg lacks %q:\n%s", want, cfg)
		}
	}

	// Seed 002's table: three managers tolerate the loss of one. Stop
	// node3's Docker daemon; the swarm still answers on node1.
	e2e.Exec(t, l, "node3", "sh", "-c", "kill $(pidof dockerd)")
	var ls string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(time.Second) {
		out, err := l.Exec(t.Context(), "node1", "docker", "node", "ls", "--format", "{{.Hostname}} {{.Status}} {{.ManagerStatus}}")
		ls = string(out)
		if err == nil && strings.Contains(ls, "node3 Down") {
			break
		}
	}
	if !strings.Contains(ls, "node3 Down") || !strings.Contains(ls, "node1 Ready") {
		t.Errorf("with one of three managers down the swarm should keep quorum and see node3 down:\n%s", ls)
	}
}
