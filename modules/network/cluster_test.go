package network

import (
	"reflect"
	"strings"
	"testing"

	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules/internal/hostscript"
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
		args module.Args
		want string
	}{
		{"seed from nothing", "", module.Args{"version": 2, "ethernets": map[string]any{"ens18": map[string]any{
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
		{"merge keeps order, list replaces, new key last", seed, module.Args{"version": 2, "ethernets": map[string]any{"ens18": map[string]any{
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
		{"remove keys and emptied sections", seed, module.Args{"version": 2, "renderer": "networkd", "remove": []any{"ethernets.ens18", "ethernets.nosuch.x"}},
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
	if _, err := netplanDoc("network: [1]\n", module.Args{"version": 2}); err == nil {
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
	secs := hostscript.ParseRCSections("junk\x1einfo 0\n1 public\n\x1f\n\x1eperm 1\nno\n\x1f\nwarn\n")
	if secs["info"].Stdout != "1 public\n" || secs["perm"].RC != 1 || secs["perm"].Stderr != "warn" {
		t.Errorf("%+v", secs)
	}
	if got := fwFlags("add", fwItems{opt: "port", values: []string{"2376/tcp", "4789/udp"}}); got != " --add-port=2376/tcp --add-port=4789/udp" {
		t.Errorf("flags: %q", got)
	}
}

func TestFirewalldTargetAndInversionFlags(t *testing.T) {
	cases := []struct {
		verb string
		it   fwItems
		want string
	}{
		{"query", fwItems{opt: "target", values: []string{"DROP"}}, " --get-target"},
		{"add", fwItems{opt: "target", values: []string{"%%REJECT%%"}}, " --set-target=%%REJECT%%"},
		{"remove", fwItems{opt: "target", values: []string{"DROP"}}, " --set-target=default"},
		{"query", fwItems{opt: "icmp-block-inversion"}, " --query-icmp-block-inversion"},
		{"remove", fwItems{opt: "icmp-block-inversion"}, " --remove-icmp-block-inversion"},
	}
	for _, c := range cases {
		if got := fwFlags(c.verb, c.it); got != c.want {
			t.Errorf("%s %+v: %q, want %q", c.verb, c.it, got, c.want)
		}
	}
	for v, want := range map[any]bool{true: true, false: false, "no": false, "False": false, "yes": true, "whatever": true, 0: false} {
		if got := fwTrue(v); got != want {
			t.Errorf("fwTrue(%v) = %v", v, got)
		}
	}
	tk := &fwTask{it: fwItems{opt: "target", values: []string{"DROP"}}, verb: "remove", permanent: true, nq: 1}
	st := fwState{online: true, secs: map[string]hostscript.RCSection{"perm": {Stdout: "DROP\n"}}, zone: "public"}
	if ch, err := tk.plan(st); err != nil || !reflect.DeepEqual(ch["perm"], []string{"DROP"}) {
		t.Errorf("reset of the named target: %v %v", ch, err)
	}
	st.secs["perm"] = hostscript.RCSection{Stdout: "ACCEPT\n"}
	if ch, err := tk.plan(st); err != nil || len(ch) != 0 {
		t.Errorf("reset of another target (Ansible leaves it): %v %v", ch, err)
	}
	st.secs["run"] = hostscript.RCSection{Stdout: "x"}
	if _, err := tk.plan(st); err == nil || !strings.Contains(err.Error(), "must be permanent") {
		t.Errorf("runtime target: %v", err)
	}
}
