package system

import (
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules/internal/hostscript"
)

func TestParseDpkgQuery(t *testing.T) {
	out := "curl\tinstall ok installed\t7.88.1-10+deb12u5\n" +
		"hpt-old\tdeinstall ok config-files\t1.0\n" +
		"hpt-half\tinstall ok unpacked\t2.0\n" +
		"libc6\tinstall ok installed\t2.36-9\nlibc6\tunknown ok not-installed\t\n"
	got := parseDpkgQuery(out)
	want := map[string]dpkgPkg{
		"curl":     {Name: "curl", Status: "install ok installed", Version: "7.88.1-10+deb12u5", Installed: true},
		"hpt-old":  {Name: "hpt-old", Status: "deinstall ok config-files", ConfigFiles: true},
		"hpt-half": {Name: "hpt-half", Status: "install ok unpacked"},
		"libc6":    {Name: "libc6", Status: "install ok installed", Version: "2.36-9", Installed: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
}

func TestParseAptSim(t *testing.T) {
	out := `NOTE: This is only a simulation!
Reading package lists...
The following NEW packages will be installed:
  hpt-app hpt-lib
Inst hpt-lib (1.0 local [all])
Inst hpt-app (1.0 local [all])
Inst hpt-solo [1.0] (2.0 Debian:12.5/stable [amd64]) []
Remv hpt-gone [3.1]
Purg hpt-purged [0.9]
Conf hpt-lib (1.0 local [all])
0 upgraded, 2 newly installed, 0 to remove and 0 not upgraded.
`
	got := parseAptSim(out)
	want := []aptChange{
		{Op: "Inst", Pkg: "hpt-lib", To: "1.0"},
		{Op: "Inst", Pkg: "hpt-app", To: "1.0"},
		{Op: "Inst", Pkg: "hpt-solo", From: "1.0", To: "2.0"},
		{Op: "Remv", Pkg: "hpt-gone", From: "3.1"},
		{Op: "Purg", Pkg: "hpt-purged", From: "0.9"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v", got)
	}
	before, after := aptDiffText(got)
	if before != "hpt-lib: absent\nhpt-app: absent\nhpt-solo: 1.0\nhpt-gone: 3.1\nhpt-purged: 0.9\n" ||
		after != "hpt-lib: 1.0\nhpt-app: 1.0\nhpt-solo: 2.0\nhpt-gone: absent\nhpt-purged: absent (purged)\n" {
		t.Fatalf("diff:\n%s---\n%s", before, after)
	}
	if s := aptSummary(got[2:4]); s != "upgrade hpt-solo 1.0 -> 2.0, remove hpt-gone 3.1" {
		t.Fatal(s)
	}
	if len(parseAptSim("0 upgraded, 0 newly installed\n")) != 0 {
		t.Fatal("no changes expected")
	}
}

func TestPlanAptNames(t *testing.T) {
	inst := map[string]dpkgPkg{
		"a":   {Name: "a", Version: "1.0", Installed: true},
		"old": {Name: "old", ConfigFiles: true},
	}
	cases := []struct {
		names []string
		state string
		purge bool
		want  *aptOp
	}{
		{[]string{"a"}, "present", false, nil},
		{[]string{"a", "b"}, "present", false, &aptOp{verb: "install", pkgs: []string{"b"}}},
		{[]string{"a=1.0"}, "present", false, nil},
		{[]string{"a=1.*"}, "present", false, nil},
		{[]string{"a=2.0"}, "present", false, &aptOp{verb: "install", pkgs: []string{"a=2.0"}}},
		{[]string{"a"}, "latest", false, &aptOp{verb: "install", pkgs: []string{"a"}}},
		{[]string{"b"}, "absent", false, nil},
		{[]string{"a=1.0", "b"}, "absent", false, &aptOp{verb: "remove", pkgs: []string{"a"}}},
		{[]string{"old"}, "absent", false, nil},
		{[]string{"old"}, "absent", true, &aptOp{verb: "remove", pkgs: []string{"old"}, flags: []string{"--purge"}}},
		{[]string{"a"}, "build-dep", false, &aptOp{verb: "build-dep", pkgs: []string{"a"}}},
	}
	for _, c := range cases {
		got := planAptNames(c.names, c.state, inst, c.purge)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%v %s purge=%v: got %+v want %+v", c.names, c.state, c.purge, got, c.want)
		}
	}
}

func TestAptArgvAndDeb(t *testing.T) {
	a := module.Args{"dpkg_options": "force-confdef", "lock_timeout": 0, "install_recommends": false, "autoremove": true}
	got := strings.Join(aptArgv(a, &aptOp{verb: "install", pkgs: []string{"x"}}), " ")
	if got != "apt-get -y -q -o Dpkg::Options::=--force-confdef --no-install-recommends --auto-remove install x" {
		t.Fatal(got)
	}
	p, v := parseDebFields("Package: hpt-solo\nVersion: 2.0\n")
	if p != "hpt-solo" || v != "2.0" {
		t.Fatal(p, v)
	}
	if aptBaseName("nginx:amd64=1.2") != "nginx" {
		t.Fatal(aptBaseName("nginx:amd64=1.2"))
	}
}

func TestDetectPkgMgr(t *testing.T) {
	cases := map[string]string{
		"debian \n/usr/bin/apt-get\n":            "apt",
		"ubuntu debian\n/usr/bin/apt-get\n":      "apt",
		"rocky rhel centos fedora\n/usr/bin/dnf": "dnf",
		"alpine \n/sbin/apk\n":                   "apk",
		"unknown \n":                             "",
	}
	for in, want := range cases {
		in = strings.ReplaceAll(in, "/usr/bin/", "")
		in = strings.ReplaceAll(in, "/sbin/", "")
		if got, _ := detectPkgMgr(in); got != want {
			t.Errorf("%q: got %q want %q", in, got, want)
		}
	}
}

func TestUnitState(t *testing.T) {
	sec := hostscript.Sections([]byte("@@haplay:show\nId=web.service\nLoadState=loaded\nActiveState=active\nUnitFileState=static\n@@haplay:show_rc\n0\n@@haplay:enabled\nstatic\n@@haplay:enabled_rc\n0\n"))
	u, err := parseUnitState(sec)
	if err != nil {
		t.Fatal(err)
	}
	if !u.Found() || !u.Running() || !u.Enabled() || u.Masked() {
		t.Fatalf("%+v", u)
	}
	cases := []struct {
		out  string
		rc   int
		want bool
	}{{"enabled", 0, true}, {"disabled", 1, false}, {"masked", 1, false}, {"indirect", 0, false}, {"alias", 0, false}, {"not-found", 4, false}}
	for _, c := range cases {
		if got := (module.UnitState{EnabledOut: c.out + "\n", EnabledRC: c.rc}).Enabled(); got != c.want {
			t.Errorf("is-enabled %s/%d: got %v", c.out, c.rc, got)
		}
	}
	if _, err := parseUnitState(map[string]string{"show_rc": "1\n", "show": "Failed to connect to bus\n"}); err == nil {
		t.Fatal("want error for failed show")
	}
}

func TestPlanSystemd(t *testing.T) {
	stopped := module.UnitState{Props: map[string]string{"LoadState": "loaded", "ActiveState": "inactive", "UnitFileState": "disabled"}, EnabledOut: "disabled", EnabledRC: 1}
	running := module.UnitState{Props: map[string]string{"LoadState": "loaded", "ActiveState": "active", "UnitFileState": "enabled"}, EnabledOut: "enabled"}
	masked := module.UnitState{Props: map[string]string{"LoadState": "masked", "ActiveState": "inactive", "UnitFileState": "masked"}, EnabledOut: "masked", EnabledRC: 1}
	cases := []struct {
		args module.Args
		u    module.UnitState
		want []string
	}{
		{module.Args{"state": "started", "enabled": true}, stopped, []string{"enable", "start"}},
		{module.Args{"state": "started", "enabled": true}, running, nil},
		{module.Args{"state": "stopped"}, running, []string{"stop"}},
		{module.Args{"state": "stopped"}, stopped, nil},
		{module.Args{"state": "restarted"}, running, []string{"restart"}},
		{module.Args{"state": "reloaded"}, running, []string{"reload"}},
		{module.Args{"state": "reloaded"}, stopped, []string{"start"}},
		{module.Args{"masked": true}, stopped, []string{"mask"}},
		{module.Args{"masked": true}, masked, nil},
		{module.Args{"masked": false, "state": "started"}, masked, []string{"unmask", "start"}},
	}
	for _, c := range cases {
		got, _, _ := planSystemd(c.args, c.u, true)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%v on %v: got %v want %v", c.args, c.u.Props, got, c.want)
		}
	}
	_, before, after := planSystemd(module.Args{"state": "started", "enabled": true}, stopped, true)
	if hostscript.TextLines(before) != "enabled: false\nstate: inactive\n" || hostscript.TextLines(after) != "enabled: true\nstate: active\n" {
		t.Fatalf("%q %q", hostscript.TextLines(before), hostscript.TextLines(after))
	}
}

// TestPredictAfter checks the unit state a check run predicts after each
// plan, which later tasks of the run plan from: planning again on the
// prediction must find nothing left to do.
func TestPredictAfter(t *testing.T) {
	stopped := module.UnitState{Props: map[string]string{"LoadState": "loaded", "ActiveState": "inactive", "SubState": "dead", "UnitFileState": "disabled"}, EnabledOut: "disabled", EnabledRC: 1}
	for _, args := range []module.Args{
		{"state": "started", "enabled": true},
		{"state": "stopped", "enabled": false},
		{"masked": true},
		{"masked": true, "enabled": false},
	} { // (restarted and reloaded always act)
		actions, _, _ := planSystemd(args, stopped, true)
		next := predictAfter(stopped, actions)
		if again, _, _ := planSystemd(args, next, true); len(again) != 0 {
			t.Errorf("%v: after %v the plan still has %v (%+v)", args, actions, again, next)
		}
		if len(stopped.Props) != 4 || stopped.Props["ActiveState"] != "inactive" {
			t.Fatalf("predictAfter changed its input: %v", stopped.Props)
		}
	}
	// A mask the run predicted comes off with what was under it.
	masked := predictAfter(predictAfter(stopped, []string{"enable"}), []string{"mask"})
	if !masked.Masked() || masked.Enabled() {
		t.Fatalf("masked: %+v", masked)
	}
	back := predictAfter(masked, []string{"unmask", "start"})
	if back.Masked() || !back.Enabled() || !back.Running() || back.Unknown {
		t.Errorf("unmasked: %+v", back)
	}
	// A mask found on the host hides the unit's enablement.
	onHost := module.UnitState{Props: map[string]string{"LoadState": "masked", "ActiveState": "inactive", "UnitFileState": "masked"}, EnabledOut: "masked", EnabledRC: 1}
	if u := predictAfter(onHost, []string{"unmask"}); !u.Unknown {
		t.Errorf("unmask of a host mask predicted %+v, want unknown", u)
	}
}

func TestPlanSysv(t *testing.T) {
	cases := []struct {
		args module.Args
		s    sysvState
		want []string
	}{
		{module.Args{"state": "started", "enabled": true}, sysvState{StatusRC: 3}, []string{"update-rc.d x defaults", "service x start"}},
		{module.Args{"state": "started", "enabled": true}, sysvState{StatusRC: 0, Links: []string{"S01x"}}, nil},
		{module.Args{"enabled": true}, sysvState{StatusRC: 3, Links: []string{"K01x"}}, []string{"update-rc.d x enable"}},
		{module.Args{"enabled": false}, sysvState{Links: []string{"S01x", "K01x"}}, []string{"update-rc.d x disable"}},
		{module.Args{"state": "stopped"}, sysvState{StatusRC: 0}, []string{"service x stop"}},
		{module.Args{"state": "stopped"}, sysvState{StatusRC: 0, Pattern: "no"}, nil},
		{module.Args{"state": "restarted", "sleep": 2}, sysvState{StatusRC: 0}, []string{"service x stop", "sleep 2", "service x start"}},
	}
	for _, c := range cases {
		cmds, _, _ := planSysv(c.args, "x", c.s)
		var got []string
		for _, cm := range cmds {
			got = append(got, strings.Join(cm, " "))
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%v on %+v: got %v want %v", c.args, c.s, got, c.want)
		}
	}
}

func TestParseGetent(t *testing.T) {
	e, ok := parsePasswdLine("alice:x:1001:1002:Alice A,,,:/home/alice:/bin/bash\n")
	if !ok || e.UID != 1001 || e.GID != 1002 || e.Comment != "Alice A,,," || e.Home != "/home/alice" || e.Shell != "/bin/bash" {
		t.Fatalf("%+v", e)
	}
	if _, ok := parsePasswdLine(""); ok {
		t.Fatal("empty line parsed")
	}
	gs := parseGroupLines("alice:x:1002:\nadm:x:4:syslog,alice\n")
	if len(gs) != 2 || gs[1].Name != "adm" || gs[1].GID != 4 || !reflect.DeepEqual(gs[1].Members, []string{"syslog", "alice"}) {
		t.Fatalf("%+v", gs)
	}
	if g, ok := findGroup(gs, "1002"); !ok || g.Name != "alice" {
		t.Fatal("find by gid")
	}
}

func TestPlanUser(t *testing.T) {
	groups := parseGroupLines("alice:x:1002:\nadm:x:4:alice\nsudo:x:27:\n")
	cur := passwdEntry{Name: "alice", UID: 1001, GID: 1002, Home: "/home/alice", Shell: "/bin/bash", PrimaryGroup: "alice", Supplementary: []string{"adm"}, PasswordHash: "$6$old"}
	base := func(kv ...any) module.Args {
		a := module.Args{"name": "alice", "state": "present", "create_home": true, "update_password": "always"}
		for i := 0; i < len(kv); i += 2 {
			a[kv[i].(string)] = kv[i+1]
		}
		return a
	}
	cases := []struct {
		args   module.Args
		exists bool
		want   []string
		err    string
	}{
		{base(), true, nil, ""},
		{base("shell", "/bin/bash", "groups", []any{"adm"}), true, nil, ""},
		{base("groups", []any{"sudo"}, "append", true), true, []string{"usermod -a -G sudo alice"}, ""},
		{base("groups", []any{"sudo"}), true, []string{"usermod -G sudo alice"}, ""},
		{base("groups", []any{}), true, []string{"usermod -G  alice"}, ""},
		{base("uid", 2000, "shell", "/bin/sh", "comment", "A"), true, []string{"usermod -u 2000 -s /bin/sh -c A alice"}, ""},
		{base("password", "$6$old"), true, nil, ""},
		{base("password", "$6$new"), true, []string{"usermod -p $6$new alice"}, ""},
		{base("password", "$6$new", "update_password", "on_create"), true, nil, ""},
		{base("password_lock", true), true, []string{"usermod -L alice"}, ""},
		{base("groups", []any{"nosuch"}), true, nil, "Group nosuch does not exist"},
		{base("system", true, "groups", []any{"adm"}), false, []string{"useradd -r -m -G adm alice"}, ""},
		{base("create_home", false), false, []string{"useradd -M alice"}, ""},
		{base("state", "absent", "remove", true), true, []string{"userdel -r alice"}, ""},
		{base("state", "absent"), false, nil, ""},
	}
	for _, c := range cases {
		u := cur
		if !c.exists {
			u = passwdEntry{}
		}
		p, err := planUser(c.args, u, c.exists, groups)
		if c.err != "" {
			if err == nil || err.Error() != c.err {
				t.Errorf("%v: err %v, want %q", c.args, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", c.args, err)
			continue
		}
		var got []string
		for _, cm := range p.cmds {
			got = append(got, strings.Join(cm, " "))
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%v: got %q want %q", c.args, got, c.want)
		}
	}
	p, _ := planUser(base("shell", "/bin/sh"), cur, true, groups)
	if !strings.Contains(p.before, "shell: /bin/bash\n") || !strings.Contains(p.after, "shell: /bin/sh\n") || strings.Contains(p.after, "$6$") {
		t.Fatalf("diff:\n%s---\n%s", p.before, p.after)
	}
	if got := redactPassword([]string{"usermod", "-p", "$6$x", "a"})[0]; got != "usermod -p ******** a" {
		t.Fatal(got)
	}
}

func TestPlanGroup(t *testing.T) {
	cur := &groupEntry{Name: "g", GID: 100}
	cases := []struct {
		args module.Args
		cur  *groupEntry
		want string
	}{
		{module.Args{"name": "g", "state": "present"}, cur, ""},
		{module.Args{"name": "g", "state": "present", "gid": 100}, cur, ""},
		{module.Args{"name": "g", "state": "present", "gid": 200}, cur, "groupmod -g 200 g"},
		{module.Args{"name": "g", "state": "present", "gid": 200, "system": true}, nil, "groupadd -g 200 -r g"},
		{module.Args{"name": "g", "state": "absent"}, cur, "groupdel g"},
		{module.Args{"name": "g", "state": "absent"}, nil, ""},
	}
	for _, c := range cases {
		cmd, _, _ := planGroup(c.args, c.cur)
		if got := strings.Join(cmd, " "); got != c.want {
			t.Errorf("%v: got %q want %q", c.args, got, c.want)
		}
	}
}

func TestWaitForHelpers(t *testing.T) {
	re := regexp.MustCompile("(?m)version (?P<v>[0-9.]+) on (\\w+)")
	g, d := regexGroups(re, "x\nversion 1.2 on node1\n")
	if !reflect.DeepEqual(g, []any{"1.2", "node1"}) || !reflect.DeepEqual(d, map[string]any{"v": "1.2"}) {
		t.Fatal(g, d)
	}
	hx, err := procNetHex("10.231.3.11")
	if err != nil || hx[0] != "0B03E70A" {
		t.Fatal(hx, err)
	}
	cases := []struct {
		a    module.Args
		want string
	}{
		{module.Args{"host": "127.0.0.1", "port": 22, "state": "started"}, "Timeout when waiting for 127.0.0.1:22"},
		{module.Args{"host": "h", "port": 80, "state": "stopped"}, "Timeout when waiting for h:80 to stop."},
		{module.Args{"path": "/f", "state": "present"}, "Timeout when waiting for file /f"},
		{module.Args{"path": "/f", "state": "absent"}, "Timeout when waiting for /f to be absent."},
		{module.Args{"path": "/f", "search_regex": "ok", "state": "present"}, "Timeout when waiting for search string ok in /f"},
		{module.Args{"path": "/f", "msg": "custom"}, "custom"},
	}
	for _, c := range cases {
		if got := waitForTimeoutMsg(c.a); got != c.want {
			t.Errorf("%v: %q", c.a, got)
		}
	}
}

func TestSSHKeyPath(t *testing.T) {
	for _, c := range []struct {
		args module.Args
		want string
	}{
		{module.Args{"ssh_key_type": "rsa"}, "/home/u/.ssh/id_rsa"},
		{module.Args{"ssh_key_type": "ed25519", "ssh_key_file": "keys/k"}, "/home/u/keys/k"},
		{module.Args{"ssh_key_type": "rsa", "ssh_key_file": "/etc/k"}, "/etc/k"},
	} {
		if got := sshKeyPath(c.args, "/home/u"); got != c.want {
			t.Errorf("%v: %q, want %q", c.args, got, c.want)
		}
	}
	s := sshKeyScript(module.Args{"ssh_key_type": "rsa", "ssh_key_bits": 4096, "ssh_key_passphrase": "x", "force": false}, "/k", 5, 6, false)
	if !strings.Contains(s, "setsid -w ssh-keygen -q -t rsa -b 4096 -C \"ansible-generated on $(uname -n)\" -f /k >&2") || strings.Contains(s, "-N") {
		t.Errorf("script:\n%s", s)
	}
}
