package network

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/haplay/haplay/engine/module"
	goldenfile "github.com/haplay/haplay/internal/golden"
)

// seed000Sections is seed 000's listen block as a task gives it, with the
// servers a {% for %} loop over the inventory group renders.
func seed000Sections() []any {
	return []any{
		map[string]any{
			"type": "listen", "name": "elma365_web",
			"options": map[string]any{
				"bind": "*:80", "mode": "http", "balance": "leastconn",
				"option": []any{"forwardfor", "httpclose", "httpchk HEAD /"},
			},
			"servers": "\n- name: elma365-1\n  address: 192.168.1.51\n  port: 80\n  options: check\n" +
				"- name: elma365-2\n  address: 192.168.1.52\n  port: 80\n  options: check\n" +
				"- name: elma365-3\n  address: 192.168.1.53\n  port: 80\n  options: check\n",
		},
		map[string]any{"type": "backend", "name": "legacy", "state": "absent"},
		map[string]any{"type": "defaults", "lines": []any{"log global", "mode http", "option httplog", "timeout connect 5s", "timeout client 50s", "timeout server 50s"}},
	}
}

func TestPlanHAProxyConfigGolden(t *testing.T) {
	in, err := os.ReadFile("../testdata/haproxy_config/debian.cfg")
	if err != nil {
		t.Fatal(err)
	}
	want, err := parseHAProxySections(seed000Sections())
	if err != nil {
		t.Fatal(err)
	}
	out, actions := planHAProxyConfig(string(in), want)
	golden(t, "haproxy_config/debian.seed000.cfg", out)
	wantActions := []string{"added listen elma365_web", "removed backend legacy", "updated defaults"}
	if !reflect.DeepEqual(actions, wantActions) {
		t.Errorf("actions = %q, want %q", actions, wantActions)
	}
	// Idempotence: planning again over the result changes nothing.
	again, actions := planHAProxyConfig(out, want)
	if again != out || len(actions) != 0 {
		t.Errorf("second plan changed the file: %q\n%s", actions, again)
	}
}

func TestPlanHAProxyConfig(t *testing.T) {
	sec := func(m map[string]any) []haproxyWant {
		w, err := parseHAProxySections([]any{m})
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	tests := []struct {
		name, in, out string
		want          []haproxyWant
	}{
		{"empty file", "", "backend b\n    server s1 10.0.0.1:80 check\n",
			sec(map[string]any{"type": "backend", "name": "b", "servers": []any{map[string]any{"name": "s1", "address": "10.0.0.1", "port": 80, "options": "check"}}})},
		{"replace in place keeps neighbours and comments",
			"# head\nfrontend f\n    bind :80\n\n# about b\nbackend b\n    server old 1.1.1.1:80\n# tail\n\nbackend c\n    server c1 2.2.2.2:80\n",
			"# head\nfrontend f\n    bind :80\n\n# about b\nbackend b\n    balance roundrobin\n# tail\n\nbackend c\n    server c1 2.2.2.2:80\n",
			sec(map[string]any{"type": "backend", "name": "b", "options": map[string]any{"balance": "roundrobin"}})},
		{"remove keeps the trailer", "backend a\n    server x 1.1.1.1:80\n\n# c\nbackend b\n    mode tcp\n",
			"\n# c\nbackend b\n    mode tcp\n",
			sec(map[string]any{"type": "backend", "name": "a", "state": "absent"})},
		{"absent and missing: nothing", "backend b\n    mode tcp\n", "backend b\n    mode tcp\n",
			sec(map[string]any{"type": "backend", "name": "zz", "state": "absent"})},
		{"comment inside body is body", "backend b\n    # note\n    mode tcp\n", "backend b\n    mode http\n",
			sec(map[string]any{"type": "backend", "name": "b", "lines": []any{"mode http"}})},
		{"duplicate sections collapse", "backend b\n    mode tcp\nbackend b\n    mode http\n", "backend b\n    mode tcp\n",
			sec(map[string]any{"type": "backend", "name": "b", "lines": []any{"  mode tcp"}})},
		{"no option and flags", "", "listen l\n    bind :80\n    no option http-use-htx\n    option forwardfor\n    option httpclose\n",
			sec(map[string]any{"type": "listen", "name": "l", "options": map[string]any{"option": []any{"forwardfor", "httpclose"}, "no option": []any{"http-use-htx"}, "bind": ":80"}})},
		{"userlist passthrough", "global\n    daemon\n", "global\n    daemon\n\nuserlist admins\n    user admin insecure-password s3cret\n",
			sec(map[string]any{"type": "userlist", "name": "admins", "lines": []any{"user admin insecure-password s3cret"}})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := planHAProxyConfig(tt.in, tt.want)
			if got != tt.out {
				t.Errorf("got\n%s\nwant\n%s", got, tt.out)
			}
			again, acts := planHAProxyConfig(got, tt.want)
			if again != got {
				t.Errorf("not idempotent: %q\n%s", acts, again)
			}
		})
	}
}

func TestHAProxyConfigArgErrors(t *testing.T) {
	spec := HAProxyConfig{}.Spec()
	tests := []struct {
		name     string
		sections any
		want     string
	}{
		{"bad type", []any{map[string]any{"type": "frontnd", "name": "x"}}, "not a section type"},
		{"missing name", []any{map[string]any{"type": "backend"}}, "backend needs a name"},
		{"lines and options", []any{map[string]any{"type": "global", "lines": []any{"daemon"}, "options": map[string]any{"daemon": nil}}}, "mutually exclusive"},
		{"servers in frontend", []any{map[string]any{"type": "frontend", "name": "f", "servers": []any{map[string]any{"name": "a", "address": "b"}}}}, "servers belong"},
		{"server without address", []any{map[string]any{"type": "backend", "name": "b", "servers": []any{map[string]any{"name": "a"}}}}, "name and address are required"},
		{"unknown key", []any{map[string]any{"type": "backend", "name": "b", "option": "x"}}, `unknown key "option"`},
		{"twice", []any{map[string]any{"type": "global"}, map[string]any{"type": "global"}}, "given twice"},
		{"not a list", "foo: bar", "expected a list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := module.Validate(spec, map[string]any{"sections": tt.sections}, false)
			if len(errs) != 1 || !strings.Contains(errs[0].Msg, tt.want) {
				t.Errorf("errors = %v, want one containing %q", errs, tt.want)
			}
		})
	}
	// Templated sections wait for run time.
	if _, errs := module.Validate(spec, map[string]any{"sections": "{{ my_sections }}"}, false); len(errs) != 0 {
		t.Errorf("templated sections rejected at load time: %v", errs)
	}
	if _, errs := module.Validate(spec, map[string]any{"sections": []any{map[string]any{"type": "backend", "name": "b", "servers": "{% for h in groups.web %}- name: {{ h }}{% endfor %}"}}}, false); len(errs) != 0 {
		t.Errorf("templated servers rejected at load time: %v", errs)
	}
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	goldenfile.Check(t, filepath.Join("../testdata", name), got)
}
