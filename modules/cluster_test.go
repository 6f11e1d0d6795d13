package modules

import (
	"strings"
	"testing"

	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules/network"
	"github.com/haplay/haplay/modules/storage"
)

func TestClusterLoadTimeChecks(t *testing.T) {
	cases := []struct {
		m    module.Module
		args map[string]any
		want string // substring of the error, "" for none
	}{
		{storage.Lvol{}, map[string]any{"vg": "ubuntu-vg", "lv": "shared", "size": "20G"}, ""},
		{storage.Lvol{}, map[string]any{"vg": "ubuntu-vg", "lv": "shared", "size": "20Q"}, "unknown unit"},
		{storage.Lvol{}, map[string]any{"vg": "v", "lv": "l", "size": "{{ sz }}"}, ""},
		{storage.Lvg{}, map[string]any{"vg": "v", "pesize": "50%VG"}, "pesize"},
		{network.Firewalld{}, map[string]any{"port": "2376", "state": "enabled"}, "PORT/PROTO"},
		{network.Firewalld{}, map[string]any{"port": "2376/tcp", "service": "http", "state": "enabled"}, "mutually exclusive"},
		{network.Firewalld{}, map[string]any{"state": "enabled"}, "needs one of"},
		{network.Firewalld{}, map[string]any{"port": []any{"2376/tcp", "7946/udp"}, "state": "enabled", "permanent": true}, ""},
		{network.Hostname{}, map[string]any{"name": "bad_name"}, "not a valid hostname"},
		{network.EtcHosts{}, map[string]any{"entries": []any{map[string]any{"ip": "nope"}}}, "not an IP"},
		{network.EtcHosts{}, map[string]any{"entries": "1.2.3.4 a", "marker": "# haplay"}, "{mark}"},
		{network.Netplan{}, map[string]any{"path": "/etc/netplan/x.yml"}, ".yaml"},
		{network.Netplan{}, map[string]any{"ethernets": map[string]any{}}, "one of these arguments is required"},
	}
	for _, c := range cases {
		_, errs := module.Validate(c.m.Spec(), c.args, false)
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
