package system

import (
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/haplay/haplay/engine/module"
)

func TestGatherSubset(t *testing.T) {
	tests := []struct {
		spec []string
		want string // collector names, or the error's start
	}{
		{[]string{"all"}, "platform distribution lsb user env date_time dns cmdline fips selinux apparmor caps ssh_pub_keys pkg_mgr service_mgr local hardware network virtual loadavg chroot fibre_channel_wwn iscsi nvme"},
		{nil, "platform distribution lsb user env date_time dns cmdline fips selinux apparmor caps ssh_pub_keys pkg_mgr service_mgr local"}, // min is always there; nothing added
		{[]string{"!all"}, "platform distribution lsb user env date_time dns cmdline fips selinux apparmor caps ssh_pub_keys pkg_mgr service_mgr local"},
		{[]string{"!all", "!min"}, ""},
		{[]string{"network"}, "platform distribution lsb user env date_time dns cmdline fips selinux apparmor caps ssh_pub_keys pkg_mgr service_mgr local network"},
		{[]string{"!all,network"}, "platform distribution lsb user env date_time dns cmdline fips selinux apparmor caps ssh_pub_keys pkg_mgr service_mgr local network"},
		// network needs distribution and platform, hardware platform.
		{[]string{"!all", "!min", "network"}, "platform distribution network"},
		{[]string{"!all", "!min", "virtual", "hardware"}, "platform hardware virtual"},
		{[]string{"!all", "!min", "virtual"}, "virtual"},
		{[]string{"!all", "!min", "pkg_mgr"}, "distribution pkg_mgr"},
		{[]string{"all", "!hardware"}, "platform distribution lsb user env date_time dns cmdline fips selinux apparmor caps ssh_pub_keys pkg_mgr service_mgr local network virtual loadavg chroot fibre_channel_wwn iscsi nvme"},
		// As in Ansible: an exclusion alone leaves min.
		{[]string{"!hardware"}, "platform distribution lsb user env date_time dns cmdline fips selinux apparmor caps ssh_pub_keys pkg_mgr service_mgr local"},
		{[]string{"all", "!network", "network"}, "platform distribution lsb user env date_time dns cmdline fips selinux apparmor caps ssh_pub_keys pkg_mgr service_mgr local hardware network virtual loadavg chroot fibre_channel_wwn iscsi nvme"},
		{[]string{"!facter"}, "platform distribution lsb user env date_time dns cmdline fips selinux apparmor caps ssh_pub_keys pkg_mgr service_mgr local"},
		{[]string{"facter"}, `error: gather_subset "facter" is not a subset haplay gathers`},
	}
	for _, tt := range tests {
		got, err := chooseCollectors(tt.spec)
		var s string
		if err != nil {
			s = "error: " + err.Error()
		} else {
			var names []string
			for _, c := range got {
				names = append(names, c.name)
			}
			s = strings.Join(names, " ")
		}
		if !strings.HasPrefix(s, tt.want) || (err == nil && s != tt.want) {
			t.Errorf("%q: %q, want %q", tt.spec, s, tt.want)
		}
	}
}

func TestFactsScriptHoldsOnlyChosenProbes(t *testing.T) {
	chosen, _ := chooseCollectors([]string{"!all", "!min", "network"})
	s := factsScript(chosen, gatherOpts{}, "@@x")
	if !strings.Contains(s, "ip addr show") || strings.Contains(s, "/proc/meminfo") || strings.Contains(s, "export -p") {
		t.Errorf("network-only script:\n%s", s)
	}
}

func TestFilterFacts(t *testing.T) {
	facts := map[string]any{"memtotal_mb": 1, "swaptotal_mb": 2, "eth0": 3, "eth1": 4, "hostname": 5}
	tests := []struct {
		filter []string
		want   []string
	}{
		{nil, []string{"eth0", "eth1", "hostname", "memtotal_mb", "swaptotal_mb"}},
		{[]string{"ansible_*_mb"}, []string{"memtotal_mb", "swaptotal_mb"}},
		{[]string{"eth0"}, []string{"eth0"}}, // tried with the ansible_ prefix
		{[]string{"ansible_eth[!1]", "ansible_hostname"}, []string{"eth0", "hostname"}},
		{[]string{"nothing*"}, nil},
	}
	for _, tt := range tests {
		var got []string
		for k := range filterFacts(facts, tt.filter) {
			got = append(got, k)
		}
		slices.Sort(got)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q: %v, want %v", tt.filter, got, tt.want)
		}
	}
}

func TestParseVirtual(t *testing.T) {
	const m = "@@x "
	tests := []struct{ out, typ, role, guest, host string }{
		{m + dmiDir + "sys_vendor\nQEMU\n" + m + dmiDir + "product_name\nStandard PC (Q35 + ICH9, 2009)", "kvm", "guest", "kvm", ""},
		{m + "/proc/1/cgroup\n0::/system.slice/docker-0123abcd.scope\n", "docker", "guest", "container docker", ""},
		{m + "exists /.dockerenv\n" + m + "exists /dev/kvm", "docker", "guest", "container docker", "kvm"},
		{m + dmiDir + "sys_vendor\nDell Inc.\n" + m + dmiDir + "product_name\nPowerEdge R640", "NA", "NA", "", ""},
		{m + "exists /dev/kvm", "kvm", "host", "", "kvm"},
		{m + "/run/systemd/container\nlxc\n", "lxc", "guest", "container lxc", ""},
	}
	for _, tt := range tests {
		f := map[string]any{}
		parseVirtual(f, splitSections(tt.out, "@@x"), gatherOpts{})
		join := func(v any) string {
			var s []string
			for _, x := range v.([]any) {
				s = append(s, x.(string))
			}
			return strings.Join(s, " ")
		}
		if f["virtualization_type"] != tt.typ || f["virtualization_role"] != tt.role ||
			join(f["virtualization_tech_guest"]) != tt.guest || join(f["virtualization_tech_host"]) != tt.host {
			t.Errorf("%q: %v", tt.out, f)
		}
	}
}

// TestSetupOnLocalhost gathers on the controller: one command, facts under
// both names, and filter applied after gathering.
func TestSetupOnLocalhost(t *testing.T) {
	h := newLocalHost(t)
	args, errs := module.Validate(Setup{}.Spec(), map[string]any{"gather_subset": "!all,!min,hardware", "filter": "ansible_mem*"}, true)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	r, err := Setup{}.Run(t.Context(), &module.Call{Host: h, Args: args})
	if err != nil || r.Failed {
		t.Fatalf("%v %s", err, r.Msg)
	}
	facts := r.Facts["ansible_facts"].(map[string]any)
	if _, ok := facts["memtotal_mb"]; !ok {
		t.Errorf("memtotal_mb missing: %v", facts)
	}
	for k := range facts {
		if !strings.HasPrefix(k, "mem") {
			t.Errorf("fact %s passed the filter", k)
		}
	}
	if r.Facts["ansible_memtotal_mb"] != facts["memtotal_mb"] {
		t.Error("ansible_memtotal_mb is not the same fact")
	}
	full, err := Setup{}.Run(t.Context(), &module.Call{Host: h, Args: module.Args{"gather_subset": []any{"all"}}})
	if err != nil {
		t.Fatal(err)
	}
	name, _ := os.Hostname()
	if got := full.Facts["ansible_nodename"]; got != name {
		t.Errorf("nodename %v, want %s", got, name)
	}
}

// An unknown subset is a load-time error; a templated one waits for the run.
func TestSetupSpecChecksSubsets(t *testing.T) {
	if _, errs := module.Validate(Setup{}.Spec(), map[string]any{"gather_subset": []any{"network", "facter"}}, false); len(errs) != 1 || !strings.Contains(errs[0].Msg, `"facter"`) {
		t.Errorf("facter: %v", errs)
	}
	if _, errs := module.Validate(Setup{}.Spec(), map[string]any{"gather_subset": "{{ subsets }}"}, false); len(errs) != 0 {
		t.Errorf("templated: %v", errs)
	}
	if _, errs := module.Validate(Setup{}.Spec(), map[string]any{"gather_subset": "!all,!min,network", "filter": "ansible_eth*"}, false); len(errs) != 0 {
		t.Errorf("valid: %v", errs)
	}
}
