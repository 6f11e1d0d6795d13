package modules_test

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haplay/haplay/engine/lab"
	"github.com/haplay/haplay/internal/e2e"
)

// haproxyInitial is node1's haproxy.cfg before the play: a global and a
// defaults section plus a hand-written section the play must leave alone.
const haproxyInitial = `# managed in part by haplay
global
    log /dev/log local0
    daemon

defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s

# hand-written: stays as it is
frontend stats
    bind *:8404
    stats enable
    stats uri /
`

// haproxyPlaybook is seed 000's step 6 with servers from the web group.
const haproxyPlaybook = `
- name: Web nodes serve their name
  hosts: web
  gather_facts: false
  tasks:
    - name: Start a web server
      shell: mkdir -p /srv/www && hostname > /srv/www/index.html && busybox httpd -p 80 -h /srv/www
      args:
        creates: /srv/www/index.html

- name: Load balancer
  hosts: lb
  gather_facts: false
  tasks:
    - name: Configure HAProxy
      haproxy_config:
        start: true
        sections:
          - type: global
            lines:
              - log /dev/log local0
              - stats socket /var/run/haproxy.sock mode 600 level admin
          - type: listen
            name: elma365_web
            options:
              bind: "*:80"
              mode: http
              balance: "{{ balance | default('leastconn') }}"
              option: [forwardfor, httpclose, "httpchk HEAD /"]
            servers: |
              {% for h in groups['web'] %}
              - name: {{ h }}
                address: {{ hostvars[h]['ansible_host'] }}
                port: 80
                options: check inter 500ms
              {% endfor %}
`

const haproxyDrainPlaybook = `
- name: Runtime
  hosts: lb
  gather_facts: false
  tasks:
    - name: Set node2
      community.general.haproxy:
        state: "{{ want }}"
        host: node2
        backend: elma365_web
        wait: "{{ want == 'enabled' }}"
        wait_interval: 1
`

func fetchNames(t *testing.T, url string, n int) map[string]int {
	t.Helper()
	got := map[string]int{}
	client := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for i := 0; i < n; i++ {
		resp, err := client.Get(url)
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got[strings.TrimSpace(string(b))]++
	}
	return got
}

// waitUp waits until both servers pass their health checks.
func waitUp(t *testing.T, l *lab.Lab) {
	t.Helper()
	for i := 0; i < 50; i++ {
		out := e2e.Exec(t, l, "node1", "sh", "-c", "echo 'show stat' | socat stdio unix-connect:/var/run/haproxy.sock | grep -c '^elma365_web,node[23],.*,UP,'")
		if strings.TrimSpace(out) == "2" {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("servers never came UP:\n%s", e2e.Exec(t, l, "node1", "sh", "-c", "echo 'show stat' | socat stdio unix-connect:/var/run/haproxy.sock"))
}

func TestHAProxyLab(t *testing.T) {
	l := e2e.Lab(t, 3)
	dir := t.TempDir()
	inv := filepath.Join(dir, "groups.ini")
	if err := os.WriteFile(inv, []byte("[lb]\nnode1\n\n[web]\nnode2\nnode3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e2e.Exec(t, l, "node1", "sh", "-c", "mkdir -p /etc/haproxy && cat > /etc/haproxy/haproxy.cfg <<'EOF'\n"+haproxyInitial+"EOF")
	node1, _ := l.Host("node1")
	ipOf := func(s string) string {
		for _, h := range l.Hosts() {
			s = strings.ReplaceAll(s, h.IP, "IP_"+h.Name)
		}
		return s
	}

	// Check mode: predicts the change, writes nothing, starts nothing.
	r := e2e.Playbook(t, l, dir, "pb.yml", haproxyPlaybook, "run", "-i", inv, "--check", "--diff")
	if r.ExitCode != 0 || r.Doc.Status("Configure HAProxy", "node1") != "changed" {
		t.Fatalf("check run: exit %d, status %q\n%s\n%s", r.ExitCode, r.Doc.Status("Configure HAProxy", "node1"), r.Stdout, r.Stderr)
	}
	if got := e2e.Exec(t, l, "node1", "cat", "/etc/haproxy/haproxy.cfg"); got+"\n" != haproxyInitial {
		t.Errorf("check mode changed the file:\n%s", got)
	}
	if out, _ := l.Exec(t.Context(), "node1", "sh", "-c", "test -e /run/haproxy.pid && echo running"); strings.Contains(string(out), "running") {
		t.Error("check mode started haproxy")
	}
	var checkAfter string
	for _, p := range r.Doc.Plays {
		for _, tk := range p.Tasks {
			if tk.Name == "Configure HAProxy" {
				if d := tk.Hosts["node1"].Diff; len(d) == 1 {
					checkAfter = d[0].After
				}
			}
		}
	}
	golden(t, "haproxy_config/lab.after.cfg", ipOf(checkAfter))

	// Real run: the file is what check mode predicted, HAProxy runs and
	// spreads requests over both web nodes.
	r = e2e.Playbook(t, l, dir, "pb.yml", haproxyPlaybook, "run", "-i", inv)
	if r.ExitCode != 0 || r.Doc.Status("Configure HAProxy", "node1") != "changed" {
		t.Fatalf("first run: exit %d\n%s\n%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	if got := e2e.Exec(t, l, "node1", "cat", "/etc/haproxy/haproxy.cfg") + "\n"; got != checkAfter {
		t.Errorf("file differs from check mode's prediction:\n%s\nwant\n%s", got, checkAfter)
	}
	waitUp(t, l)
	url := "http://" + node1.IP + "/"
	names := fetchNames(t, url, 6)
	if names["node2"] == 0 || names["node3"] == 0 {
		t.Errorf("requests through the proxy reached %v, want node2 and node3", names)
	}

	// Second run: nothing to do.
	r = e2e.Playbook(t, l, dir, "pb.yml", haproxyPlaybook, "run", "-i", inv)
	if r.ExitCode != 0 || len(r.Doc.Changed()) != 0 {
		t.Errorf("second run changed %v (exit %d)\n%s", r.Doc.Changed(), r.ExitCode, r.Stderr)
	}

	// A change reloads gracefully: a new process, still serving.
	oldPID := e2e.Exec(t, l, "node1", "cat", "/run/haproxy.pid")
	r = e2e.Playbook(t, l, dir, "pb.yml", haproxyPlaybook, "run", "-i", inv, "-e", "balance=roundrobin")
	if r.Doc.Status("Configure HAProxy", "node1") != "changed" {
		t.Fatalf("reload run: %s\n%s", r.Stdout, r.Stderr)
	}
	if newPID := e2e.Exec(t, l, "node1", "cat", "/run/haproxy.pid"); newPID == oldPID {
		t.Errorf("haproxy not reloaded: pid still %s", newPID)
	}
	waitUp(t, l)
	if names := fetchNames(t, url, 4); names["node2"] != 2 || names["node3"] != 2 {
		t.Errorf("roundrobin after reload: %v", names)
	}

	// Runtime: drain node2, see DRAIN in show stat, traffic goes to node3.
	r = e2e.Playbook(t, l, dir, "rt.yml", haproxyDrainPlaybook, "run", "-i", inv, "-e", "want=drain")
	if st := r.Doc.Status("Set node2", "node1"); st != "changed" {
		t.Fatalf("drain: %q\n%s\n%s", st, r.Stdout, r.Stderr)
	}
	stat := e2e.Exec(t, l, "node1", "sh", "-c", "echo 'show stat' | socat stdio unix-connect:/var/run/haproxy.sock | cut -d, -f1,2,18")
	if !strings.Contains(stat, "elma365_web,node2,DRAIN") {
		t.Errorf("show stat after drain:\n%s", stat)
	}
	if names := fetchNames(t, url, 4); names["node3"] != 4 {
		t.Errorf("drained node2 still gets traffic: %v", names)
	}
	r = e2e.Playbook(t, l, dir, "rt.yml", haproxyDrainPlaybook, "run", "-i", inv, "-e", "want=drain")
	if st := r.Doc.Status("Set node2", "node1"); st != "ok" {
		t.Errorf("drain again: %q", st)
	}
	r = e2e.Playbook(t, l, dir, "rt.yml", haproxyDrainPlaybook, "run", "-i", inv, "-e", "want=enabled", "--check")
	if st := r.Doc.Status("Set node2", "node1"); st != "changed" {
		t.Errorf("check enable: %q", st)
	}
	if stat := e2e.Exec(t, l, "node1", "sh", "-c", "echo 'show stat' | socat stdio unix-connect:/var/run/haproxy.sock | cut -d, -f1,2,18"); !strings.Contains(stat, "node2,DRAIN") {
		t.Errorf("check mode changed the server:\n%s", stat)
	}
	r = e2e.Playbook(t, l, dir, "rt.yml", haproxyDrainPlaybook, "run", "-i", inv, "-e", "want=enabled")
	if st := r.Doc.Status("Set node2", "node1"); st != "changed" {
		t.Errorf("enable: %q\n%s", st, r.Stdout)
	}
	if names := fetchNames(t, url, 4); names["node2"] != 2 {
		t.Errorf("enabled node2 gets no traffic: %v", names)
	}

	// Validation: HAProxy 2.6 rejects seed 000's `no option http-use-htx`;
	// the task fails with haproxy's message and the file stays.
	before := e2e.Exec(t, l, "node1", "cat", "/etc/haproxy/haproxy.cfg")
	bad := strings.Replace(haproxyPlaybook, `option: [forwardfor`, `"no option": [http-use-htx]
              option: [forwardfor`, 1)
	r = e2e.Playbook(t, l, dir, "bad.yml", bad, "run", "-i", inv)
	if r.ExitCode != 2 || r.Doc.Status("Configure HAProxy", "node1") != "failed" {
		t.Errorf("bad config: exit %d status %q", r.ExitCode, r.Doc.Status("Configure HAProxy", "node1"))
	}
	if !strings.Contains(r.Stdout, "http-use-htx") {
		t.Errorf("failure does not quote haproxy's complaint:\n%s", r.Stdout)
	}
	if after := e2e.Exec(t, l, "node1", "cat", "/etc/haproxy/haproxy.cfg"); after != before {
		t.Errorf("a config that failed validation was written:\n%s", after)
	}
	_ = fmt.Sprint()
}
