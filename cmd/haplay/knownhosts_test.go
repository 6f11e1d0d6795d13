package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/haplay/haplay/engine/lab"
	"github.com/haplay/haplay/engine/run"
	"github.com/haplay/haplay/internal/e2e"
)

func TestKnownHostsFromSSHArgs(t *testing.T) {
	home, _ := os.UserHomeDir()
	for args, want := range map[string][]string{
		"-o UserKnownHostsFile=/run/haplay-lab/known_hosts":           {"/run/haplay-lab/known_hosts"},
		"-oUserKnownHostsFile=/a -o StrictHostKeyChecking=yes":        {"/a"},
		`-o "UserKnownHostsFile /a /b" -C`:                            {"/a", "/b"},
		"-o userknownhostsfile=~/kh":                                  {filepath.Join(home, "kh")},
		"-o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no": nil,
		"-o ProxyJump=bastion":                                        nil,
		"-o UserKnownHostsFile={{ kh }}":                              nil,
		"":                                                            nil,
	} {
		if got := run.KnownHostsFromSSHArgs(args); !reflect.DeepEqual(got, want) {
			t.Errorf("%q: got %q, want %q", args, got, want)
		}
	}
}

// inventories/lab names the addresses, key and known_hosts of the lab
// `haplay lab up 4` brings up in its default directory.
func TestShippedInventoryNamesTheDefaultHosts(t *testing.T) {
	inv := filepath.Join(repoRoot(t), "inventories", "lab")
	for k := 1; k <= 4; k++ {
		out, err := runHaplay(t, "inventory", "-i", inv, "--host", fmt.Sprintf("node%d", k))
		if err != nil {
			t.Fatal(err)
		}
		var vars map[string]any
		if err := json.Unmarshal([]byte(out), &vars); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if want := fmt.Sprintf("10.231.%d.%d", lab.DefaultNet, 10+k); vars["ansible_host"] != want {
			t.Errorf("node%d: ansible_host %v, want %s", k, vars["ansible_host"], want)
		}
		if want := filepath.Join(lab.DefaultDir, "id_ed25519"); vars["ansible_ssh_private_key_file"] != want {
			t.Errorf("node%d: key %v, want %s", k, vars["ansible_ssh_private_key_file"], want)
		}
		kh := run.KnownHostsFromSSHArgs(fmt.Sprint(vars["ansible_ssh_common_args"]))
		if want := []string{filepath.Join(lab.DefaultDir, "known_hosts")}; !reflect.DeepEqual(kh, want) {
			t.Errorf("node%d: known_hosts %q, want %q", k, kh, want)
		}
	}
}

// A lab on a fixed subnet, reached through an inventory that names its
// addresses, key and known_hosts (as inventories/lab does for the default
// lab): no --known-hosts needed; without the known_hosts the unknown host
// key is refused.
func TestFixedNetAndInventoryKnownHostsLab(t *testing.T) {
	if err := lab.Prereq(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	const net = 253 // the first-free allocation starts at 0: tests elsewhere will not take it
	var out bytes.Buffer
	o := labOptions{dir: filepath.Join(t.TempDir(), "lab"), out: &out}
	if err := runLabUp(t.Context(), labUpOptions{labOptions: o, n: 2, net: net}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if l, err := lab.Load(o.dir); err == nil {
			_ = l.Down()
		}
	})
	if !strings.Contains(out.String(), fmt.Sprintf("(10.231.%d.0/24)", net)) {
		t.Errorf("lab up: %s", out.String())
	}
	// The subnet is taken now: a second lab there is refused, saying why.
	err := runLabUp(t.Context(), labUpOptions{labOptions: labOptions{dir: filepath.Join(t.TempDir(), "lab2"), out: &out}, n: 1, net: net})
	if err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("second lab on the same subnet: %v", err)
	}

	dir := t.TempDir()
	pb := filepath.Join(dir, "pb.yml")
	writeFile(t, pb, "- hosts: all\n  gather_facts: false\n  tasks:\n    - command: hostname\n")
	hosts := fmt.Sprintf("[nodes]\nnode1 ansible_host=10.231.%d.11\nnode2 ansible_host=10.231.%d.12\n", net, net)
	vars := fmt.Sprintf("ansible_user: root\nansible_ssh_private_key_file: %s/id_ed25519\n", o.dir)
	inv := filepath.Join(dir, "inv")
	writeFile(t, filepath.Join(inv, "hosts"), hosts)
	writeFile(t, filepath.Join(inv, "group_vars", "all.yml"), vars+fmt.Sprintf("ansible_ssh_common_args: -o UserKnownHostsFile=%s/known_hosts\n", o.dir))
	if r := e2e.Run(t, dir, "run", pb, "-i", inv); r.ExitCode != 0 || !strings.Contains(r.Stdout, "ok=1") {
		t.Errorf("run with the inventory's known_hosts: exit %d\n%s\n%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	writeFile(t, filepath.Join(inv, "group_vars", "all.yml"), vars)
	if r := e2e.Run(t, dir, "run", pb, "-i", inv); r.ExitCode != 3 {
		t.Errorf("run without a known_hosts for the lab: exit %d, want 3 (host key refused)\n%s\n%s", r.ExitCode, r.Stdout, r.Stderr)
	}
}
