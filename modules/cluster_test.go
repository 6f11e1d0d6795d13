package modules

import (
	"reflect"
	"strings"
	"testing"
)

const seedHosts = `127.0.0.1 localhost
127.0.1.1 ubuntu

# The following lines are desirable for IPv6 capable hosts
::1     ip6-localhost ip6-loopback
192.168.1.106 old-name # kept comment
`

func TestEditHosts(t *testing.T) {
	nodes := []hostsEntry{{"192.168.1.106", []string{"k8s-vm-1"}}, {"192.168.1.174", []string{"k8s-vm-2"}}}
	cases := []struct {
		name      string
		in        string
		entries   []hostsEntry
		present   bool
		exclusive bool
		marker    string
		want      string
	}{
		{"add and replace names, keep comment", seedHosts, nodes, true, false, "",
			strings.Replace(seedHosts, "old-name", "k8s-vm-1", 1) + "192.168.1.174 k8s-vm-2\n"},
		{"already there", "10.0.0.1\tnode1\n", []hostsEntry{{"10.0.0.1", []string{"node1"}}}, true, false, "", "10.0.0.1\tnode1\n"},
		{"empty file", "", nodes[:1], true, false, "", "192.168.1.106 k8s-vm-1\n"},
		{"exclusive drops duplicates and stale names", "10.0.0.9 node1 other\n10.0.0.1 node1\n10.0.0.1 dup\n", []hostsEntry{{"10.0.0.1", []string{"node1"}}}, true, true, "",
			"10.0.0.9 other\n10.0.0.1 node1\n"},
		{"exclusive keeps loopback self-name", "127.0.1.1 node1\n10.0.0.9 node1\n", []hostsEntry{{"10.0.0.1", []string{"node1"}}}, true, true, "",
			"127.0.1.1 node1\n10.0.0.1 node1\n"},
		{"absent by ip", "a\n10.0.0.1 x\n10.0.0.2 y\n", []hostsEntry{{IP: "10.0.0.1"}}, false, false, "", "a\n10.0.0.2 y\n"},
		{"absent by name keeps other names", "10.0.0.1 x y\n", []hostsEntry{{"10.0.0.1", []string{"x"}}}, false, false, "", "10.0.0.1 y\n"},
		{"block new", "127.0.0.1 localhost\n", nodes, true, false, "# {mark} nodes",
			"127.0.0.1 localhost\n# BEGIN nodes\n192.168.1.106 k8s-vm-1\n192.168.1.174 k8s-vm-2\n# END nodes\n"},
		{"block replaced, exclusive outside", "192.168.1.106 k8s-vm-1\n# BEGIN nodes\n10.9.9.9 gone\n# END nodes\nz\n", nodes, true, true, "# {mark} nodes",
			"# BEGIN nodes\n192.168.1.106 k8s-vm-1\n192.168.1.174 k8s-vm-2\n# END nodes\nz\n"},
		{"block absent", "a\n# BEGIN nodes\n1.1.1.1 x\n# END nodes\nb\n", nil, false, false, "# {mark} nodes", "a\nb\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := editHosts(c.in, c.entries, c.present, c.exclusive, c.marker)
			if got != c.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, c.want)
			}
		})
	}
}

func TestParseHostsEntries(t *testing.T) {
	got, err := parseHostsEntries([]any{map[string]any{"ip": "10.0.0.1", "names": []any{"a", "b"}}, map[string]any{"ip": "10.0.0.2", "names": "c d"}})
	if err != nil || !reflect.DeepEqual(got, []hostsEntry{{"10.0.0.1", []string{"a", "b"}}, {"10.0.0.2", []string{"c", "d"}}}) {
		t.Fatalf("list: %v %v", got, err)
	}
	got, err = parseHostsEntries("\n10.0.0.1 a  # c\n\n10.0.0.2 b\n")
	if err != nil || len(got) != 2 || got[1].Names[0] != "b" {
		t.Fatalf("text: %v %v", got, err)
	}
	for _, bad := range []any{"nonsense name", []any{map[string]any{"ip": "1.2.3.999"}}, []any{map[string]any{"addr": "1.2.3.4"}}, 42} {
		if _, err := parseHostsEntries(bad); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}

func TestSetLoopbackName(t *testing.T) {
	cases := []struct{ in, want string }{
		{seedHosts, strings.Replace(seedHosts, "127.0.1.1 ubuntu", "127.0.1.1 k8s-vm-1", 1)},
		{"127.0.0.1\tlocalhost\n::1 x\n", "127.0.0.1\tlocalhost\n127.0.1.1\tk8s-vm-1\n::1 x\n"},
		{"127.0.1.1 ubuntu.example.com ubuntu\n", "127.0.1.1 k8s-vm-1.example.com k8s-vm-1\n"[:0] + "127.0.1.1 ubuntu.example.com k8s-vm-1\n"},
		{"127.0.1.1 stranger\n", "127.0.1.1 k8s-vm-1\n"},
		{"", "127.0.1.1 k8s-vm-1\n"},
	}
	for _, c := range cases {
		if got := setLoopbackName(c.in, []string{"ubuntu", ""}, "k8s-vm-1"); got != c.want {
			t.Errorf("in %q:\ngot  %q\nwant %q", c.in, got, c.want)
		}
	}
}

func TestParseLVSize(t *testing.T) {
	cases := []struct {
		in   string
		want lvSize
		err  bool
	}{
		{"20G", lvSize{Bytes: 20 << 30}, false},
		{"20g", lvSize{Bytes: 20 << 30}, false},
		{"512", lvSize{Bytes: 512 << 20}, false},
		{"1.5t", lvSize{Bytes: 3 << 39}, false},
		{"100s", lvSize{Bytes: 51200}, false},
		{"+10G", lvSize{Plus: true, Bytes: 10 << 30}, false},
		{"50%VG", lvSize{Pct: 50, Percent: "VG"}, false},
		{"100%FREE", lvSize{Pct: 100, Percent: "FREE"}, false},
		{"+100%free", lvSize{Plus: true, Pct: 100, Percent: "FREE"}, false},
		{"80%PVS", lvSize{Pct: 80, Percent: "PVS"}, false},
		{"20X", lvSize{}, true},
		{"G", lvSize{}, true},
		{"-5G", lvSize{}, true},
		{"150%VG", lvSize{}, true},
		{"10%DISK", lvSize{}, true},
	}
	for _, c := range cases {
		got, err := parseLVSize(c.in)
		if (err != nil) != c.err || (!c.err && got != c.want) {
			t.Errorf("%q: got %+v, %v", c.in, got, err)
		}
	}
}

func TestPlanLVSize(t *testing.T) {
	vg := lvVG{ExtentSize: 4 << 20, Extents: 100, Free: 40}
	mb := func(n int64) lvSize { return lvSize{Bytes: n << 20} }
	cases := []struct {
		name   string
		z      lvSize
		cur    int64
		shrink bool
		want   lvPlan
		err    bool
	}{
		{"create rounds up", mb(10), -1, true, lvPlan{3, "create"}, false},
		{"same", mb(12), 3, true, lvPlan{3, ""}, false},
		{"extend", mb(40), 3, true, lvPlan{10, "extend"}, false},
		{"reduce", mb(4), 3, true, lvPlan{1, "reduce"}, false},
		{"no shrink", mb(4), 3, false, lvPlan{3, ""}, false},
		{"too big", mb(400), -1, true, lvPlan{}, true},
		{"pct vg", lvSize{Pct: 25, Percent: "VG"}, -1, true, lvPlan{25, "create"}, false},
		{"100%FREE reached", lvSize{Pct: 100, Percent: "FREE"}, 10, true, lvPlan{50, "extend"}, false},
		{"+50%FREE", lvSize{Plus: true, Pct: 50, Percent: "FREE"}, 10, true, lvPlan{30, "extend"}, false},
		{"+size", lvSize{Plus: true, Bytes: 8 << 20}, 10, true, lvPlan{12, "extend"}, false},
		{"pvs without pvs", lvSize{Pct: 50, Percent: "PVS"}, -1, true, lvPlan{}, true},
	}
	for _, c := range cases {
		got, err := planLVSize(c.z, vg, c.cur, c.shrink)
		if (err != nil) != c.err || (!c.err && got != c.want) {
			t.Errorf("%s: got %+v, %v", c.name, got, err)
		}
	}
	// After 100%FREE took everything, nothing is free: the plan stays.
	if got, err := planLVSize(lvSize{Pct: 100, Percent: "FREE"}, lvVG{ExtentSize: 4 << 20, Extents: 100, Free: 0}, 50, true); err != nil || got != (lvPlan{50, ""}) {
		t.Errorf("100%%FREE stays: %+v %v", got, err)
	}
}

func TestParseLVMReport(t *testing.T) {
	out := `  {
      "report": [
          {
              "lv": [
                  {"lv_name":"shared", "vg_name":"ubuntu-vg", "lv_size":"21474836480", "lv_active":"active", "lv_attr":"-wi-a-----"},
                  {"lv_name":"ubuntu-lv", "vg_name":"ubuntu-vg", "lv_size":"107374182400B", "lv_active":"unknown", "lv_attr":"-wi-XX----"}
              ]
          }
      ]
  }`
	rows, err := parseLVMReport(out, "lv")
	if err != nil || len(rows) != 2 {
		t.Fatalf("%v %v", rows, err)
	}
	if rows[0].num("lv_size") != 20<<30 || rows[1].num("lv_size") != 100<<30 || rows[1]["lv_active"] != "unknown" {
		t.Errorf("rows: %v", rows)
	}
	if _, err := parseLVMReport("  Volume group not found", "vg"); err == nil {
		t.Error("no error for text output")
	}
}

func TestNetplanMergeRemove(t *testing.T) {
	seed := `network:
  ethernets:
    ens18:
     dhcp4: no
     addresses: [192.168.1.106/24]
     routes:
     - to: default
       via: 192.168.1.254
     nameservers:
       addresses: [192.168.1.254,8.8.8.8]
  version: 2
`
	cases := []struct {
		name string
		cur  string
		args Args
		want string
	}{
		{"seed from nothing", "", Args{"version": 2, "ethernets": map[string]any{"ens18": map[string]any{
			"dhcp4": false, "addresses": []any{"192.168.1.106/24"},
			"routes":      []any{map[string]any{"to": "default", "via": "192.168.1.254"}},
			"nameservers": map[string]any{"addresses": []any{"192.168.1.254", "8.8.8.8"}}}}},
			`network:
  version: 2
  ethernets:
    ens18:
      addresses:
        - 192.168.1.106/24
      dhcp4: false
      nameservers:
        addresses:
          - 192.168.1.254
          - 8.8.8.8
      routes:
        - to: default
          via: 192.168.1.254
`},
		{"merge keeps order, list replaces, new key last", seed, Args{"version": 2, "ethernets": map[string]any{"ens18": map[string]any{
			"addresses": []any{"10.0.0.5/24"}, "mtu": 9000}}},
			`network:
  ethernets:
    ens18:
      dhcp4: false
      addresses:
        - 10.0.0.5/24
      routes:
        - to: default
          via: 192.168.1.254
      nameservers:
        addresses:
          - 192.168.1.254
          - 8.8.8.8
      mtu: 9000
  version: 2
`},
		{"remove keys and emptied sections", seed, Args{"version": 2, "renderer": "networkd", "remove": []any{"ethernets.ens18", "ethernets.nosuch.x"}},
			`network:
  version: 2
  renderer: networkd
`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc, err := netplanDoc(c.cur, c.args)
			if err != nil {
				t.Fatal(err)
			}
			got, err := renderNetplan(doc)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, c.want)
			}
		})
	}
	if _, err := netplanDoc("network: [1]\n", Args{"version": 2}); err == nil {
		t.Error("no error for a network: list")
	}
}

func TestFirewalldParsing(t *testing.T) {
	ans, err := parseFwQuery("2376/tcp: yes\n2377/tcp: no\n", 2)
	if err != nil || !reflect.DeepEqual(ans, []bool{true, false}) {
		t.Errorf("%v %v", ans, err)
	}
	if ans, err := parseFwQuery("no\n", 1); err != nil || ans[0] {
		t.Errorf("%v %v", ans, err)
	}
	if _, err := parseFwQuery("yes\n", 2); err == nil {
		t.Error("count mismatch not caught")
	}
	secs := parseSections("junk\x1einfo 0\n1 public\n\x1f\n\x1eperm 1\nno\n\x1f\nwarn\n")
	if secs["info"].stdout != "1 public\n" || secs["perm"].rc != 1 || secs["perm"].stderr != "warn" {
		t.Errorf("%+v", secs)
	}
	if got := fwFlags("add", fwItems{opt: "port", values: []string{"2376/tcp", "4789/udp"}}); got != " --add-port=2376/tcp --add-port=4789/udp" {
		t.Errorf("flags: %q", got)
	}
}

func TestClusterLoadTimeChecks(t *testing.T) {
	cases := []struct {
		m    Module
		args map[string]any
		want string // substring of the error, "" for none
	}{
		{Lvol{}, map[string]any{"vg": "ubuntu-vg", "lv": "shared", "size": "20G"}, ""},
		{Lvol{}, map[string]any{"vg": "ubuntu-vg", "lv": "shared", "size": "20Q"}, "unknown unit"},
		{Lvol{}, map[string]any{"vg": "v", "lv": "l", "size": "{{ sz }}"}, ""},
		{Lvg{}, map[string]any{"vg": "v", "pesize": "50%VG"}, "pesize"},
		{Firewalld{}, map[string]any{"port": "2376", "state": "enabled"}, "PORT/PROTO"},
		{Firewalld{}, map[string]any{"port": "2376/tcp", "service": "http", "state": "enabled"}, "mutually exclusive"},
		{Firewalld{}, map[string]any{"state": "enabled"}, "needs one of"},
		{Firewalld{}, map[string]any{"port": []any{"2376/tcp", "7946/udp"}, "state": "enabled", "permanent": true}, ""},
		{Hostname{}, map[string]any{"name": "bad_name"}, "not a valid hostname"},
		{EtcHosts{}, map[string]any{"entries": []any{map[string]any{"ip": "nope"}}}, "not an IP"},
		{EtcHosts{}, map[string]any{"entries": "1.2.3.4 a", "marker": "# haplay"}, "{mark}"},
		{Netplan{}, map[string]any{"path": "/etc/netplan/x.yml"}, ".yaml"},
		{Netplan{}, map[string]any{"ethernets": map[string]any{}}, "one of these arguments is required"},
	}
	for _, c := range cases {
		_, errs := Validate(c.m.Spec(), c.args, false)
		var msgs []string
		for _, e := range errs {
			msgs = append(msgs, e.Msg)
		}
		got := strings.Join(msgs, "; ")
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("%s %v: got %q, want %q", c.m.Name(), c.args, got, c.want)
		}
	}
}
