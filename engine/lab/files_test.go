package lab

import (
	"strings"
	"testing"
)

func TestInventoryGroups(t *testing.T) {
	var hosts []Host
	for k := 1; k <= 5; k++ {
		hosts = append(hosts, Host{Name: hostName(k), IP: hostIP(7, k)})
	}
	got := inventoryINI(hosts, "/x/id_ed25519")
	want := `[managers]
node1 ansible_host=10.231.7.11 ansible_user=root ansible_ssh_private_key_file=/x/id_ed25519
node2 ansible_host=10.231.7.12 ansible_user=root ansible_ssh_private_key_file=/x/id_ed25519
node3 ansible_host=10.231.7.13 ansible_user=root ansible_ssh_private_key_file=/x/id_ed25519

[workers]
node4 ansible_host=10.231.7.14 ansible_user=root ansible_ssh_private_key_file=/x/id_ed25519
node5 ansible_host=10.231.7.15 ansible_user=root ansible_ssh_private_key_file=/x/id_ed25519

`
	if got != want {
		t.Errorf("inventory:\n%s\nwant:\n%s", got, want)
	}
	if got := inventoryINI(hosts[:1], "k"); !strings.Contains(got, "[workers]\n\n") {
		t.Errorf("one host: want an empty workers group, got:\n%s", got)
	}
}

func TestKnownHosts(t *testing.T) {
	hosts := []Host{{Name: "node1", IP: "10.231.0.11"}}
	got := knownHosts(hosts, map[string]string{"node1": "ssh-ed25519 AAAAkey node1"})
	if want := "10.231.0.11,node1 ssh-ed25519 AAAAkey\n"; got != want {
		t.Errorf("known_hosts = %q, want %q", got, want)
	}
}

func TestNamesFitLinux(t *testing.T) {
	// IFNAMSIZ is 16 with the NUL.
	for _, n := range []string{bridgeName(255), vethName(255, maxHosts)} {
		if len(n) > 15 {
			t.Errorf("link name %q longer than 15 bytes", n)
		}
	}
}
