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
		{[]string{"all"}, "platform distribution user hardware network virtual"},
		{nil, "platform distribution user"}, // min is always there; nothing added
		{[]string{"!all"}, "platform distribution user"},
		{[]string{"!all", "!min"}, ""},
		{[]string{"network"}, "platform distribution user network"},
		{[]string{"!all,network"}, "platform distribution user network"},
		// network needs distribution and platform, hardware platform.
		{[]string{"!all", "!min", "network"}, "platform distribution network"},
		{[]string{"!all", "!min", "virtual", "hardware"}, "platform hardware virtual"},
		{[]string{"!all", "!min", "virtual"}, "virtual"},
		{[]string{"all", "!hardware"}, "platform distribution user network virtual"},
		// As in Ansible: an exclusion alone leaves min.
		{[]string{"!hardware"}, "platform distribution user"},
		{[]string{"all", "!network", "network"}, "platform distribution user hardware network virtual"},
		{[]string{"!facter"}, "platform distribution user"},
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
	s := factsScript(chosen)
	if !strings.Contains(s, "ip -o addr") || strings.Contains(s, "/proc/meminfo") || strings.Contains(s, "id -un") {
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
	tests := map[string]string{
		"vendor=QEMU\nproduct=Standard PC (Q35 + ICH9, 2009)": "kvm",
		"container=docker":                         "docker",
		"vendor=Dell Inc.\nproduct=PowerEdge R640": "NA",
	}
	for out, want := range tests {
		f := map[string]any{}
		parseVirtual(f, splitSections("@@virt\n"+out+"\n@@end"))
		if f["virtualization_type"] != want {
			t.Errorf("%q: %v, want %s", out, f["virtualization_type"], want)
		}
		if role := map[bool]string{true: "NA", false: "guest"}[want == "NA"]; f["virtualization_role"] != role {
			t.Errorf("%q: role %v, want %s", out, f["virtualization_role"], role)
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
