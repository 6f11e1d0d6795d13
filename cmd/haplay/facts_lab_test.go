package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/haplay/haplay/internal/e2e"
)

// factsPlaybook runs setup and saves ansible_facts on the host, where
// each tool leaves its own file.
const factsPlaybook = `- hosts: node1
  gather_facts: false
  tasks:
    - setup:
    - copy:
        content: "{{ ansible_facts | to_json }}"
        dest: /tmp/facts-%s.json
`

// setupFacts runs factsPlaybook with one tool.
func setupFacts(t *testing.T, dir, tool string, run func() (string, error)) {
	t.Helper()
	writeFile(t, filepath.Join(dir, "pb.yml"), fmt.Sprintf(factsPlaybook, tool))
	if out, err := run(); err != nil {
		t.Fatalf("%s: %v\n%s", tool, err, out)
	}
}

// The facts setup gathers on a lab host equal ansible-playbook's, fact by
// fact: values where both read the same state, keys where the value must
// differ between two runs (date_time, uptime, free memory). The lab host
// is this machine's root in its own network namespace.
func TestSetupFactsAgainstAnsibleLab(t *testing.T) {
	ansible := ansiblePlaybook(t)
	l := e2e.Lab(t, 1)
	h1, _ := l.Host("node1")
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "ansible.cfg"), fmt.Sprintf("[defaults]\ninventory = hosts\nremote_user = root\nprivate_key_file = %s\n[ssh_connection]\nssh_args = -o UserKnownHostsFile=%s\n", l.KeyPath, l.KnownHostsPath))
	writeFile(t, filepath.Join(dir, "hosts"), fmt.Sprintf("node1 ansible_host=%s ansible_python_interpreter=/usr/bin/python3\n", h1.IP))
	read := func(tool string) map[string]any {
		var m map[string]any
		if err := json.Unmarshal([]byte(e2e.Exec(t, l, "node1", "cat", "/tmp/facts-"+tool+".json")), &m); err != nil {
			t.Fatalf("%s facts: %v", tool, err)
		}
		return m
	}
	setupFacts(t, dir, "ansible", func() (string, error) {
		cmd := exec.Command(ansible, "pb.yml")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "HOME="+dir, "ANSIBLE_LOCAL_TEMP="+filepath.Join(dir, "tmp"), "ANSIBLE_NOCOLOR=1")
		var b bytes.Buffer
		cmd.Stdout, cmd.Stderr = &b, &b
		return b.String(), cmd.Run()
	})
	want := read("ansible")
	setupFacts(t, dir, "haplay", func() (string, error) {
		r := e2e.Run(t, dir, "run", "pb.yml")
		if r.ExitCode != 0 {
			return r.Stdout + r.Stderr, fmt.Errorf("exit %d", r.ExitCode)
		}
		return "", nil
	})
	got := read("haplay")
	compareFacts(t, got, want)
	compareNetwork(t, got, want)
}

// sameValue are the facts both tools must read alike.
var sameValue = []string{
	"distribution", "distribution_version", "distribution_major_version", "distribution_minor_version",
	"distribution_release", "distribution_file_path", "distribution_file_variety", "distribution_file_parsed",
	"os_family", "pkg_mgr", "service_mgr", "domain", "fqdn", "nodename", "hostname",
	"user_id", "user_dir", "user_uid", "user_gid", "user_shell", "user_gecos",
	"real_user_id", "effective_user_id", "real_group_id", "effective_group_id",
	"default_ipv4", "default_ipv6", "dns", "memtotal_mb", "swaptotal_mb",
	"processor", "processor_count", "processor_cores", "processor_threads_per_core", "processor_vcpus", "processor_nproc",
	"virtualization_type", "virtualization_role",
	"selinux", "apparmor", "machine_id", "kernel", "kernel_version", "system", "architecture", "machine",
	"userspace_bits", "userspace_architecture", "lsb", "cmdline", "proc_cmdline", "fips", "is_chroot",
	"ssh_host_key_rsa_public", "ssh_host_key_ed25519_public", "ssh_host_key_ecdsa_public", "ansible_local",
	"system_capabilities", "system_capabilities_enforced", "iscsi_iqn", "hostnqn", "fibre_channel_wwn",
	"form_factor", "product_name", "system_vendor", "bios_vendor",
}

// sameKeys are the facts whose value changes between two gatherings, or
// may (other tests' loop devices and volume groups come and go on this
// machine: lvm and device_links are compared by their keys, loop and dm
// devices left out).
var sameKeys = []string{"date_time", "memory_mb", "loadavg", "lvm", "device_links"}

func compareFacts(t *testing.T, got, want map[string]any) {
	t.Helper()
	for _, k := range sameValue {
		if !reflect.DeepEqual(got[k], want[k]) {
			t.Errorf("%s: haplay %s, ansible-playbook %s", k, js(got[k]), js(want[k]))
		}
	}
	for _, k := range []string{"distribution", "os_family", "pkg_mgr", "service_mgr", "fqdn", "user_id", "user_dir",
		"kernel", "processor", "machine_id", "dns", "env", "date_time", "interfaces", "memory_mb"} {
		if want[k] == nil {
			t.Errorf("ansible-playbook gathered no %s: the comparison is empty", k)
		}
	}
	// Python's sets come out in any order.
	for _, k := range []string{"virtualization_tech_guest", "virtualization_tech_host"} {
		if g, w := sortedStrings(got[k]), sortedStrings(want[k]); !reflect.DeepEqual(g, w) {
			t.Errorf("%s: haplay %v, ansible-playbook %v", k, g, w)
		}
	}
	for _, k := range sameKeys {
		if s, ok := want[k].(string); ok { // lvm is "N/A" for a user other than root
			if got[k] != s {
				t.Errorf("%s: haplay %v, ansible-playbook %q", k, got[k], s)
			}
			continue
		}
		if g, w := keysOf(got[k]), keysOf(want[k]); !reflect.DeepEqual(g, w) || len(w) == 0 {
			t.Errorf("%s keys: haplay %v, ansible-playbook %v", k, g, w)
		}
	}
	if _, ok := got["uptime_seconds"].(float64); !ok {
		t.Errorf("uptime_seconds: %v", got["uptime_seconds"])
	}
	for _, k := range []string{"python", "python_version"} {
		if _, ok := got[k]; ok {
			t.Errorf("haplay has %s: there is no Python", k)
		}
	}
	for _, k := range []string{"HOME", "PATH", "USER", "LOGNAME", "SHELL", "PWD", "MAIL"} {
		if w, ok := want["env"].(map[string]any)[k]; ok && got["env"].(map[string]any)[k] != w {
			t.Errorf("env %s: haplay %v, ansible-playbook %v", k, got["env"].(map[string]any)[k], w)
		}
	}
	compareStorage(t, got, want)
}

// compareNetwork: the same interfaces (haplay lists them in name order,
// Ansible in the kernel's), each with the same facts, the same addresses.
func compareNetwork(t *testing.T, got, want map[string]any) {
	t.Helper()
	for _, k := range []string{"interfaces", "all_ipv4_addresses", "all_ipv6_addresses"} {
		if g, w := sortedStrings(got[k]), sortedStrings(want[k]); !reflect.DeepEqual(g, w) || (k == "interfaces" && len(w) == 0) {
			t.Errorf("%s: haplay %v, ansible-playbook %v", k, g, w)
		}
	}
	for _, n := range sortedStrings(want["interfaces"]) {
		key := strings.NewReplacer("-", "_", ":", "_").Replace(n)
		if !reflect.DeepEqual(got[key], want[key]) {
			t.Errorf("interface %s: haplay %s\nansible-playbook %s", n, js(got[key]), js(want[key]))
		}
	}
}

// compareStorage: the same mounts with the same fixed sizes, the same
// devices with the same facts.
func compareStorage(t *testing.T, got, want map[string]any) {
	t.Helper()
	fixed := func(v any) []string {
		var out []string
		for _, m := range v.([]any) {
			m := m.(map[string]any)
			out = append(out, fmt.Sprint(m["mount"], m["device"], m["fstype"], m["options"], m["uuid"], m["size_total"], m["block_size"], m["block_total"], m["inode_total"], keysOf(m)))
		}
		sort.Strings(out)
		return out
	}
	if g, w := fixed(got["mounts"]), fixed(want["mounts"]); !reflect.DeepEqual(g, w) {
		t.Errorf("mounts:\nhaplay           %v\nansible-playbook %v", g, w)
	}
	stable := func(v any) map[string]any {
		out := map[string]any{}
		for name, d := range v.(map[string]any) {
			if !strings.HasPrefix(name, "loop") && !strings.HasPrefix(name, "dm-") {
				out[name] = d
			}
		}
		return out
	}
	if g, w := stable(got["devices"]), stable(want["devices"]); !reflect.DeepEqual(g, w) || len(keysOf(want["devices"])) == 0 {
		t.Errorf("devices: haplay %s\nansible-playbook %s", js(g), js(w))
	}
}

func js(v any) string { b, _ := json.Marshal(v); return string(b) }

func keysOf(v any) []string {
	m, _ := v.(map[string]any)
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedStrings(v any) []string {
	l, _ := v.([]any)
	out := []string{}
	for _, x := range l {
		out = append(out, fmt.Sprint(x))
	}
	sort.Strings(out)
	return out
}
