package modules_test

// Lab tests for the cluster modules (hostname, etc_hosts, netplan, lvg,
// lvol, firewalld): the real binary against lab hosts, with the real
// firewall-offline-cmd, netplan and LVM tools.

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/haplay/haplay/engine/lab"
	"github.com/haplay/haplay/internal/e2e"
)

// diffs collects every diff text of a run, per host and task, in order.
func diffs(r e2e.Result) []string {
	var out []string
	for _, p := range r.Doc.Plays {
		for _, tk := range p.Tasks {
			hosts := make([]string, 0, len(tk.Hosts))
			for h := range tk.Hosts {
				hosts = append(hosts, h)
			}
			sort.Strings(hosts)
			for _, h := range hosts {
				for _, d := range tk.Hosts[h].Diff {
					out = append(out, h+" "+tk.Name+"\n"+d.Before+"=>\n"+d.After)
				}
			}
		}
	}
	return out
}

func wantStatus(t *testing.T, r e2e.Result, task, host, want string) {
	t.Helper()
	if got := r.Doc.Status(task, host); got != want {
		t.Errorf("%s on %s: status %q, want %q\nstdout:\n%s\nstderr:\n%s", task, host, got, want, r.Stdout, r.Stderr)
	}
}

const swarmPortsPlaybook = `- hosts: node1
  gather_facts: false
  tasks:
    - name: manager ports
      ansible.posix.firewalld:
        port: "{{ item }}"
        permanent: true
        state: enabled
      loop: [2376/tcp, 2377/tcp, 7946/tcp, 7946/udp, 4789/udp]
- hosts: node2
  gather_facts: false
  tasks:
    - name: worker ports
      firewalld:
        port: [2376/tcp, 7946/tcp, 7946/udp, 4789/udp]
        permanent: true
        state: enabled
`

// Seed 002's firewall-cmd lines, with firewall-offline-cmd (no daemon in
// the lab): check mode predicts the zone file of every loop step, the run
// matches it, the second run changes nothing.
func TestFirewalldSwarmPortsLab(t *testing.T) {
	l := e2e.Lab(t, 2)
	dir := t.TempDir()
	zone := "/etc/firewalld/zones/public.xml"
	check := e2e.Playbook(t, l, dir, "pb.yml", swarmPortsPlaybook, "run", "--check", "--diff")
	wantStatus(t, check, "manager ports", "node1", "changed")
	wantStatus(t, check, "worker ports", "node2", "changed")
	for _, h := range []string{"node1", "node2"} {
		if out := e2e.Exec(t, l, h, "sh", "-c", "test -e "+zone+" && echo present || echo absent"); out != "absent" {
			t.Errorf("%s: check mode wrote %s", h, zone)
		}
	}
	run := e2e.Playbook(t, l, dir, "pb.yml", swarmPortsPlaybook, "run", "--diff")
	if run.ExitCode != 0 {
		t.Fatalf("run: exit %d\n%s\n%s", run.ExitCode, run.Stdout, run.Stderr)
	}
	if got, want := diffs(check), diffs(run); !reflect.DeepEqual(got, want) {
		t.Errorf("check mode diffs differ from the run's:\ncheck:\n%s\nrun:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	golden(t, "firewalld_manager.xml", e2e.Exec(t, l, "node1", "cat", zone)+"\n")
	golden(t, "firewalld_worker.xml", e2e.Exec(t, l, "node2", "cat", zone)+"\n")
	golden(t, "firewalld_swarm.diff", strings.Join(diffs(run), "\n----\n"))

	again := e2e.Playbook(t, l, dir, "pb.yml", swarmPortsPlaybook, "run", "--diff")
	wantStatus(t, again, "manager ports", "node1", "ok")
	wantStatus(t, again, "worker ports", "node2", "ok")
	if plan := e2e.Playbook(t, l, dir, "pb.yml", swarmPortsPlaybook, "plan"); plan.ExitCode != 0 {
		t.Errorf("plan after the run: exit %d, want 0\n%s", plan.ExitCode, plan.Stdout)
	}

	// Removing a port, and a bad service name failing with the tool's words.
	rm := `- hosts: node2
  gather_facts: false
  tasks:
    - name: close
      firewalld: {port: 4789/udp, permanent: true, state: disabled}
    - name: bad
      firewalld: {service: no-such-service, permanent: true, state: enabled}
`
	r := e2e.Playbook(t, l, dir, "rm.yml", rm, "run")
	wantStatus(t, r, "close", "node2", "changed")
	wantStatus(t, r, "bad", "node2", "failed")
	if xml := e2e.Exec(t, l, "node2", "cat", zone); strings.Contains(xml, `port="4789"`) {
		t.Errorf("4789/udp still in the zone:\n%s", xml)
	}

	// A malformed port fails at load time, before any host is contacted.
	bad := "- hosts: all\n  tasks:\n    - firewalld: {port: '2376', permanent: true, state: enabled}\n"
	if err := os.WriteFile(filepath.Join(dir, "bad.yml"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := e2e.Run(t, dir, "run", "bad.yml", "-i", l.InventoryPath, "--known-hosts", l.KnownHostsPath); r.ExitCode != 4 || !strings.Contains(r.Stdout+r.Stderr, "PORT/PROTO") {
		t.Errorf("bad port: exit %d, want 4 with PORT/PROTO\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
}

const fwZonePlaybook = `- hosts: node1
  gather_facts: false
  tasks:
    - name: target
      firewalld: {zone: public, target: DROP, permanent: true, state: present}
    - name: inversion
      firewalld: {zone: public, icmp_block_inversion: true, permanent: true, state: enabled}
    - name: inversion off by value
      firewalld: {zone: public, icmp_block_inversion: false, permanent: true, state: disabled}
`

// icmp_block_inversion and target with the real firewall-offline-cmd:
// check mode predicts, the run writes the zone file, a second run is ok;
// a false value with state disabled means enabled (Ansible's rule), and
// absent resets the named target.
func TestFirewalldTargetInversionLab(t *testing.T) {
	l := e2e.Lab(t, 1)
	dir := t.TempDir()
	zone := "/etc/firewalld/zones/public.xml"
	check := e2e.Playbook(t, l, dir, "pb.yml", fwZonePlaybook, "run", "--check", "--diff")
	wantStatus(t, check, "target", "node1", "changed")
	wantStatus(t, check, "inversion", "node1", "changed")
	wantStatus(t, check, "inversion off by value", "node1", "ok")
	run := e2e.Playbook(t, l, dir, "pb.yml", fwZonePlaybook, "run", "--diff")
	if got, want := diffs(check), diffs(run); !reflect.DeepEqual(got, want) {
		t.Errorf("check mode diffs differ from the run's:\ncheck:\n%s\nrun:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	xml := e2e.Exec(t, l, "node1", "cat", zone)
	if !strings.Contains(xml, `<zone target="DROP">`) || !strings.Contains(xml, "<icmp-block-inversion/>") {
		t.Errorf("zone file:\n%s", xml)
	}
	again := e2e.Playbook(t, l, dir, "pb.yml", fwZonePlaybook, "run")
	for _, tk := range []string{"target", "inversion", "inversion off by value"} {
		wantStatus(t, again, tk, "node1", "ok")
	}
	rm := `- hosts: node1
  gather_facts: false
  tasks:
    - name: other target
      firewalld: {zone: public, target: ACCEPT, permanent: true, state: absent}
    - name: reset
      firewalld: {zone: public, target: DROP, permanent: true, state: absent}
`
	r := e2e.Playbook(t, l, dir, "rm.yml", rm, "run")
	wantStatus(t, r, "other target", "node1", "ok")
	wantStatus(t, r, "reset", "node1", "changed")
	if xml := e2e.Exec(t, l, "node1", "cat", zone); strings.Contains(xml, "target=") {
		t.Errorf("target not reset:\n%s", xml)
	}
}

const namesPlaybook = `- hosts: all
  gather_facts: false
  tasks:
    - name: set hostname
      hostname:
        name: "k8s-vm-{{ inventory_hostname | replace('node', '') }}"
    - name: cluster hosts
      etc_hosts:
        marker: "# {mark} cluster nodes"
        exclusive: true
        entries: |
          {% for h in groups['all'] %}
          {{ hostvars[h].ansible_host }} k8s-vm-{{ h | replace('node', '') }} {{ h }}
          {% endfor %}
    - name: seed entry
      etc_hosts:
        entries: [{ip: 192.168.1.254, names: [gateway, gw]}]
`

// Seed 001's hostnamectl and /etc/hosts editing.
func TestHostnameEtcHostsLab(t *testing.T) {
	l := e2e.Lab(t, 2)
	dir := t.TempDir()
	before := e2e.Exec(t, l, "node1", "cat", "/etc/hosts")
	check := e2e.Playbook(t, l, dir, "pb.yml", namesPlaybook, "run", "--check", "--diff")
	for _, task := range []string{"set hostname", "cluster hosts", "seed entry"} {
		wantStatus(t, check, task, "node1", "changed")
	}
	if got := e2e.Exec(t, l, "node1", "hostname"); got != "node1" {
		t.Errorf("check mode renamed the host to %q", got)
	}
	if got := e2e.Exec(t, l, "node1", "cat", "/etc/hosts"); got != before {
		t.Errorf("check mode changed /etc/hosts:\n%s", got)
	}
	run := e2e.Playbook(t, l, dir, "pb.yml", namesPlaybook, "run", "--diff")
	if run.ExitCode != 0 {
		t.Fatalf("run: exit %d\n%s\n%s", run.ExitCode, run.Stdout, run.Stderr)
	}
	if got, want := diffs(check), diffs(run); !reflect.DeepEqual(got, want) {
		t.Errorf("check mode diffs differ from the run's:\ncheck:\n%s\nrun:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for h, want := range map[string]string{"node1": "k8s-vm-1", "node2": "k8s-vm-2"} {
		if got := e2e.Exec(t, l, h, "hostname"); got != want {
			t.Errorf("%s: hostname %q, want %q", h, got, want)
		}
		if got := e2e.Exec(t, l, h, "cat", "/etc/hostname"); got != want {
			t.Errorf("%s: /etc/hostname %q, want %q", h, got, want)
		}
	}
	// The lab's subnet differs per lab: the golden file says X.
	labNet := regexp.MustCompile(`10\.231\.[0-9]+\.`)
	golden(t, "etc_hosts_node1.txt", labNet.ReplaceAllString(e2e.Exec(t, l, "node1", "cat", "/etc/hosts"), "10.231.X.")+"\n")
	again := e2e.Playbook(t, l, dir, "pb.yml", namesPlaybook, "run")
	for _, task := range []string{"set hostname", "cluster hosts", "seed entry"} {
		wantStatus(t, again, task, "node2", "ok")
	}
}

const netplanPlaybook = `- hosts: all
  gather_facts: false
  tasks:
    - name: static address
      netplan:
        path: /etc/netplan/00-installer-config.yaml
        ethernets:
          ens18:
            dhcp4: no
            addresses: ["{{ address }}"]
            routes: [{to: default, via: 192.168.1.254}]
            nameservers: {addresses: [192.168.1.254, 8.8.8.8]}
        remove: [ethernets.ens18.dhcp6]
        apply: "{{ do_apply | default(false) }}"
`

// Seed 001's netplan edit, validated by the real netplan generate.
func TestNetplanLab(t *testing.T) {
	l := e2e.Lab(t, 1)
	dir := t.TempDir()
	f := "/etc/netplan/00-installer-config.yaml"
	// The installer's file, in the seed's flow style, with a key to remove.
	e2e.Exec(t, l, "node1", "sh", "-c", "mkdir -p /etc/netplan && printf 'network:\\n  ethernets:\\n    ens18:\\n      dhcp4: true\\n      dhcp6: true\\n  version: 2\\n' >"+f+" && chmod 644 "+f)
	// A stand-in netplan records apply (there is no networkd to apply to,
	// and the lab link must not move); generate goes to the real one.
	e2e.Exec(t, l, "node1", "sh", "-c", `mkdir -p /usr/local/sbin && cat >/usr/local/sbin/netplan <<'EOF'
#!/bin/sh
if [ "$1" = apply ]; then echo "$*" >>/tmp/netplan-calls; exit 0; fi
exec /usr/sbin/netplan "$@"
EOF
chmod 755 /usr/local/sbin/netplan`)
	orig := e2e.Exec(t, l, "node1", "cat", f)
	good := []string{"-e", "address=192.168.1.106/24", "-e", "do_apply=true"}
	check := e2e.Playbook(t, l, dir, "pb.yml", netplanPlaybook, "run", append([]string{"--check", "--diff"}, good...)...)
	wantStatus(t, check, "static address", "node1", "changed")
	if got := e2e.Exec(t, l, "node1", "cat", f); got != orig {
		t.Errorf("check mode changed the file:\n%s", got)
	}
	run := e2e.Playbook(t, l, dir, "pb.yml", netplanPlaybook, "run", append([]string{"--diff"}, good...)...)
	wantStatus(t, run, "static address", "node1", "changed")
	if got, want := diffs(check), diffs(run); !reflect.DeepEqual(got, want) {
		t.Errorf("check mode diffs differ from the run's:\ncheck:\n%s\nrun:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	golden(t, "netplan_seed.diff", strings.Join(diffs(run), "\n----\n"))
	if got := e2e.Exec(t, l, "node1", "stat", "-c", "%a", f); got != "600" {
		t.Errorf("mode %s, want 600", got)
	}
	if got := e2e.Exec(t, l, "node1", "cat", "/tmp/netplan-calls"); got != "apply" {
		t.Errorf("netplan calls %q, want one apply", got)
	}
	again := e2e.Playbook(t, l, dir, "pb.yml", netplanPlaybook, "run", good...)
	wantStatus(t, again, "static address", "node1", "ok")
	if got := e2e.Exec(t, l, "node1", "cat", "/tmp/netplan-calls"); got != "apply" {
		t.Errorf("apply ran without a change: %q", got)
	}

	// A bad address: netplan generate refuses it, the file stays.
	kept := e2e.Exec(t, l, "node1", "cat", f)
	for _, mode := range [][]string{{"--check"}, nil} {
		bad := e2e.Playbook(t, l, dir, "pb.yml", netplanPlaybook, "run", append(mode, "-e", "address=192.168.1.300/24")...)
		wantStatus(t, bad, "static address", "node1", "failed")
		if !strings.Contains(bad.Stdout, "malformed address") {
			t.Errorf("%v: the failure does not quote netplan:\n%s", mode, bad.Stdout)
		}
	}
	if got := e2e.Exec(t, l, "node1", "cat", f); got != kept {
		t.Errorf("bad address replaced the file:\n%s", got)
	}
}

// lvmConf is the lvm.conf the lab host uses: activation off (this kernel
// has no device-mapper: LVM then edits metadata only) and only our loop
// device visible.
func lvmConf(dev string) string {
	return `global { activation = 0 }
devices { filter = [ "a|^` + dev + `$|", "r|.*|" ] obtain_device_list_from_udev = 0 }
activation { udev_sync = 0 udev_rules = 0 }
`
}

// lvmLab is a lab host with a 64M loop device as the only PV LVM sees.
func lvmLab(t *testing.T) (*lab.Lab, string) {
	l := e2e.Lab(t, 1)
	img := filepath.Join(t.TempDir(), "pv.img")
	if err := exec.Command("truncate", "-s", "64M", img).Run(); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("losetup", "-f", "--show", img).CombinedOutput()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("losetup: %v: %s", err, out)
		}
		t.Skipf("losetup: %v: %s", err, out)
	}
	dev := strings.TrimSpace(string(out))
	t.Cleanup(func() { _ = exec.Command("losetup", "-d", dev).Run() })
	e2e.Exec(t, l, "node1", "sh", "-c", "mkdir -p /etc/haplay-lvm && cat >/etc/haplay-lvm/lvm.conf <<'EOF'\n"+lvmConf(dev)+"EOF")
	return l, dev
}

// Snapshots and thin pools need device-mapper, which the lab's LVM
// (activation off) does not have: check mode plans them, the run fails
// with lvcreate's own refusal, and the preconditions fail as Ansible's.
func TestLVMSnapshotThinLab(t *testing.T) {
	l, dev := lvmLab(t)
	dir := t.TempDir()
	pb := `- hosts: all
  gather_facts: false
  environment: {LVM_SYSTEM_DIR: /etc/haplay-lvm}
  tasks:
    - name: vg
      lvg: {vg: tvg, pvs: ` + dev + `}
    - name: origin
      lvol: {vg: tvg, lv: o, size: 8M}
    - name: snapshot
      lvol: {vg: tvg, lv: o, snapshot: snap, size: 8M}
      ignore_errors: true
    - name: pool
      lvol: {vg: tvg, thinpool: pool, size: 8M}
      ignore_errors: true
    - name: thin
      lvol: {vg: tvg, lv: thin, thinpool: pool, size: 1G}
      ignore_errors: true
    - name: no origin
      lvol: {vg: tvg, lv: nosuch, snapshot: s2, size: 8M}
      ignore_errors: true
`
	r := e2e.Playbook(t, l, dir, "pb.yml", pb, "run", "-v")
	wantStatus(t, r, "origin", "node1", "changed")
	for _, tk := range []string{"snapshot", "pool", "thin", "no origin"} {
		wantStatus(t, r, tk, "node1", "failed")
	}
	for _, want := range []string{
		"lvcreate -l 2 -s -n snap tvg/o failed", "Can't create snapshot without using device-mapper kernel driver",
		"lvcreate -l 2 -T tvg/pool failed", "Can't create thin-pool without using device-mapper kernel driver",
		"Thin pool LV pool does not exist in volume group tvg.", "Snapshot origin LV nosuch does not exist in volume group tvg.",
	} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.Stdout)
		}
	}
	check := e2e.Playbook(t, l, dir, "pb.yml", pb, "run", "--check")
	wantStatus(t, check, "snapshot", "node1", "changed")
	wantStatus(t, check, "pool", "node1", "changed")
}

// Seed 001's lvcreate -L 20G -n shared ubuntu-vg, on a loop device (20M).
func TestLVMLab(t *testing.T) {
	l, dev := lvmLab(t)
	dir := t.TempDir()
	pb := `- hosts: all
  gather_facts: false
  environment: {LVM_SYSTEM_DIR: /etc/haplay-lvm}
  tasks:
    - name: vg
      community.general.lvg: {vg: ubuntu-vg, pvs: ` + dev + `}
    - name: shared
      community.general.lvol: {vg: ubuntu-vg, lv: shared, size: "{{ size }}"}
`
	lvs := func() string {
		return e2e.Exec(t, l, "node1", "sh", "-c", "LVM_SYSTEM_DIR=/etc/haplay-lvm LVM_SUPPRESS_FD_WARNINGS=1 lvs --noheadings --units b --nosuffix -o lv_name,lv_size ubuntu-vg 2>/dev/null")
	}
	check := e2e.Playbook(t, l, dir, "pb.yml", pb, "run", "--check", "--diff", "-e", "size=20M")
	wantStatus(t, check, "vg", "node1", "changed")
	// The VG does not exist in check mode, so the lvol task cannot plan.
	run := e2e.Playbook(t, l, dir, "pb.yml", pb, "run", "--diff", "-e", "size=20M")
	wantStatus(t, run, "vg", "node1", "changed")
	wantStatus(t, run, "shared", "node1", "changed")
	if got := strings.Join(strings.Fields(lvs()), " "); got != "shared 20971520" {
		t.Errorf("lvs: %q", got)
	}
	again := e2e.Playbook(t, l, dir, "pb.yml", pb, "run", "-e", "size=20M")
	wantStatus(t, again, "vg", "node1", "ok")
	wantStatus(t, again, "shared", "node1", "ok")

	// Grow: check mode predicts the run's diff exactly.
	checkGrow := e2e.Playbook(t, l, dir, "pb.yml", pb, "run", "--check", "--diff", "-e", "size=50%VG")
	wantStatus(t, checkGrow, "shared", "node1", "changed")
	if got := strings.Join(strings.Fields(lvs()), " "); got != "shared 20971520" {
		t.Errorf("check mode resized: %q", got)
	}
	grow := e2e.Playbook(t, l, dir, "pb.yml", pb, "run", "--diff", "-e", "size=50%VG")
	if got, want := diffs(checkGrow), diffs(grow); !reflect.DeepEqual(got, want) {
		t.Errorf("check diffs %q, run diffs %q", got, want)
	}
	golden(t, "lvol_grow.diff", strings.Join(diffs(grow), "\n----\n"))

	// Shrinking and removal need force.
	shrink := e2e.Playbook(t, l, dir, "pb.yml", pb, "run", "-e", "size=8M")
	wantStatus(t, shrink, "shared", "node1", "failed")
	rm := `- hosts: all
  gather_facts: false
  environment: {LVM_SYSTEM_DIR: /etc/haplay-lvm}
  tasks:
    - name: no force
      lvol: {vg: ubuntu-vg, lv: shared, state: absent}
      ignore_errors: true
    - name: remove lv
      lvol: {vg: ubuntu-vg, lv: shared, state: absent, force: true}
    - name: remove vg
      lvg: {vg: ubuntu-vg, state: absent}
    - name: too big
      lvol: {vg: nosuch, lv: x, size: 1G}
      ignore_errors: true
`
	r := e2e.Playbook(t, l, dir, "rm.yml", rm, "run")
	wantStatus(t, r, "no force", "node1", "failed")
	wantStatus(t, r, "remove lv", "node1", "changed")
	wantStatus(t, r, "remove vg", "node1", "changed")
	wantStatus(t, r, "too big", "node1", "failed")
	if out := e2e.Exec(t, l, "node1", "sh", "-c", "LVM_SYSTEM_DIR=/etc/haplay-lvm LVM_SUPPRESS_FD_WARNINGS=1 vgs --noheadings 2>/dev/null"); out != "" {
		t.Errorf("vg left: %q", out)
	}
}
