package system

import (
	"testing"

	"github.com/haplay/haplay/engine/module"
)

func TestSysctlEditAsAnsiblePosix(t *testing.T) {
	in := "# hand\n  vm.swappiness = 10\nnet.a=0\n; c\nvm.swappiness=20\nnot a setting\n"
	after, had := sysctlEdit(in, "vm.swappiness", "5", true)
	if want := "# hand\nvm.swappiness=5\nnet.a=0\n; c\nnot a setting\n"; after != want {
		t.Errorf("present: got %q want %q", after, want)
	}
	if had == nil || *had != "20" {
		t.Errorf("the last value of the key is what the file has: %v", had)
	}
	after, _ = sysctlEdit(in, "vm.swappiness", "", false)
	if want := "# hand\nnet.a=0\n; c\nnot a setting\n"; after != want {
		t.Errorf("absent: got %q", after)
	}
	if after, had := sysctlEdit("", "k.x", "1", true); after != "k.x=1\n" || had != nil {
		t.Errorf("new: got %q %v", after, had)
	}
}

func TestPlanSysctl(t *testing.T) {
	one, other := "1", "20000\t40000"
	for _, tc := range []struct {
		name    string
		args    module.Args
		file    string
		proc    *string
		changed bool
		write   bool
		set     bool
	}{
		{"in file and running", module.Args{"name": "k", "value": "yes", "state": "present", "reload": true}, "k=1\n", &one, false, false, false},
		{"in file, running differs, reload", module.Args{"name": "k", "value": "0", "state": "present", "reload": true}, "k=0\n", &one, true, false, false},
		{"in file, running differs, no reload", module.Args{"name": "k", "value": "0", "state": "present", "reload": false}, "k=0\n", &one, false, false, false},
		{"words compare as words", module.Args{"name": "k", "value": "20000   40000", "state": "present", "sysctl_set": true}, "k=20000   40000\n", &other, false, false, false},
		{"sysctl_set", module.Args{"name": "k", "value": "0", "state": "present", "sysctl_set": true}, "k=0\n", &one, true, false, true},
		{"new entry", module.Args{"name": "k", "value": "1", "state": "present"}, "", &one, true, true, false},
		{"absent", module.Args{"name": "k", "state": "absent"}, "k=1\n", &one, true, true, false},
		{"absent already", module.Args{"name": "k", "state": "absent", "reload": true}, "", nil, false, false, false},
	} {
		p := planSysctl(tc.args, tc.file, tc.proc)
		if p.Changed != tc.changed || p.WriteFile != tc.write || p.SetProc != tc.set {
			t.Errorf("%s: got %+v", tc.name, p)
		}
	}
	if procPath("net.ipv4.ip_forward") != "/proc/sys/net/ipv4/ip_forward" || procPath("net/ipv4/conf/eth0.1/rp_filter") != "/proc/sys/net/ipv4/conf/eth0.1/rp_filter" {
		t.Errorf("procPath")
	}
}
