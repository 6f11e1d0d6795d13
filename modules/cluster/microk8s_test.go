package cluster

import (
	"strings"
	"sync"
	"testing"
	"time"
)

func TestParseMicroK8sRead(t *testing.T) {
	cp := "node1\n" + mk8sSep + "\n" + `microk8s:
  running: True
high-availability:
  enabled: True
  nodes:
    - address: 10.0.0.11:19001
      role: voter
addons:
  - name: dns
    repository: core
    description: CoreDNS
    version: 1.29.4
    status: enabled
  - name: ingress
    repository: core
    description: Ingress controller for external access
    version: 1.29.4
    status: disabled
rc=0
` + mk8sSep + "\n" + `{"apiVersion": "v1", "items": [
 {"metadata": {"name": "node1", "labels": {"node.kubernetes.io/microk8s-controlplane": "microk8s-controlplane"}},
  "status": {"addresses": [{"type": "InternalIP", "address": "10.0.0.11"}], "conditions": [{"type": "Ready", "status": "True"}]}},
 {"metadata": {"name": "node3", "labels": {"node.kubernetes.io/microk8s-worker": "microk8s-worker"}},
  "status": {"addresses": [{"type": "InternalIP", "address": "10.0.0.13"}], "conditions": [{"type": "Ready", "status": "Unknown"}]}}],
 "kind": "List"}
rc=0
`
	st, err := parseMicroK8sRead(cp)
	if err != nil {
		t.Fatal(err)
	}
	if st.Hostname != "node1" || !st.Running || st.Worker || !st.Addons["dns"] || st.Addons["ingress"] {
		t.Errorf("status = %+v", st)
	}
	if n, ok := st.node("node3"); !ok || !n.Worker || n.Ready || n.IP != "10.0.0.13" {
		t.Errorf("node3 = %+v", n)
	}

	worker := "node3\n" + mk8sSep + "\nThis MicroK8s deployment is acting as a node in a cluster.\nPlease use the control plane node.\nrc=0\n" + mk8sSep +
		"\nThis MicroK8s deployment is acting as a node in a cluster. Please use the microk8s kubectl on the master.\nrc=0\n"
	st, err = parseMicroK8sRead(worker)
	if err != nil || !st.Worker || len(st.Nodes) != 0 {
		t.Errorf("worker: %+v %v", st, err)
	}

	missing := "n\n" + mk8sSep + "\nsh: 1: microk8s: not found\nrc=127\n" + mk8sSep + "\nsh: 1: microk8s: not found\nrc=127\n"
	if _, err := parseMicroK8sRead(missing); err == nil || !strings.Contains(err.Error(), "not installed") {
		t.Errorf("missing microk8s: %v", err)
	}
}

func TestAddNodeURL(t *testing.T) {
	out := `{
  "token": "3a0f5b2e7c9d41a6b8e2f0c4d6a8b1e3/2c0cb3284b05",
  "urls": [
    "192.168.1.230:25000/3a0f5b2e7c9d41a6b8e2f0c4d6a8b1e3/2c0cb3284b05",
    "10.1.0.1:25000/3a0f5b2e7c9d41a6b8e2f0c4d6a8b1e3/2c0cb3284b05"
  ]
}`
	if u, _ := addNodeURL(out, "10.1.0.1"); !strings.HasPrefix(u, "10.1.0.1:25000/") {
		t.Errorf("preferred: %s", u)
	}
	if u, _ := addNodeURL(out, ""); !strings.HasPrefix(u, "192.168.1.230:25000/") {
		t.Errorf("first: %s", u)
	}
	if _, err := addNodeURL("Invalid token size.", ""); err == nil {
		t.Error("garbage accepted")
	}
}

// TestKeyedLocks: calls with one key run one at a time, other keys do not wait.
func TestKeyedLocks(t *testing.T) {
	var k KeyedLocks
	var mu sync.Mutex
	inside, maxInside := 0, 0
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			unlock := k.Lock("node1")
			defer unlock()
			mu.Lock()
			inside++
			maxInside = max(maxInside, inside)
			mu.Unlock()
			time.Sleep(2 * time.Millisecond)
			mu.Lock()
			inside--
			mu.Unlock()
		}()
	}
	unlock := k.Lock("other")
	unlock()
	wg.Wait()
	if maxInside != 1 {
		t.Errorf("%d holders at once", maxInside)
	}
}
