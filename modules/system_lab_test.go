package modules_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haplay/haplay/engine/lab"
	"github.com/haplay/haplay/internal/e2e"
)

// Lab integration tests for the system modules: each runs real playbooks
// with the haplay binary against a lab host and checks the host's state.
// One lab serves all of them; every subtest uses its own names.

// put writes content to path on a lab host (through argv: lab hosts have
// a private /tmp, so the test's temp dir is not visible there).
func put(t *testing.T, l *lab.Lab, host, path, content, mode string) {
	t.Helper()
	e2e.Exec(t, l, host, "sh", "-c", `mkdir -p "$(dirname "$2")" && printf '%s' "$1" >"$2" && chmod "$3" "$2"`, "sh", content, path, mode)
}

// sh runs a shell command on a lab host and returns its output.
func sh(t *testing.T, l *lab.Lab, host, script string) string {
	t.Helper()
	return e2e.Exec(t, l, host, "sh", "-c", script)
}

// play runs a one-play playbook on node1 and fails the test on exit codes
// other than want.
func play(t *testing.T, l *lab.Lab, tasks string, wantExit int, extra ...string) e2e.Result {
	t.Helper()
	dir := t.TempDir()
	pb := "- hosts: node1\n  gather_facts: false\n  tasks:\n" + tasks
	r := e2e.Playbook(t, l, dir, "pb.yml", pb, "run", extra...)
	if r.ExitCode != wantExit {
		t.Fatalf("haplay run %v: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", extra, r.ExitCode, wantExit, r.Stdout, r.Stderr)
	}
	return r
}

func statuses(r e2e.Result, tasks ...string) []string {
	var out []string
	for _, t := range tasks {
		out = append(out, t+"="+r.Doc.Status(t, "node1"))
	}
	return out
}

func wantStatuses(t *testing.T, r e2e.Result, want string, tasks ...string) {
	t.Helper()
	for _, s := range statuses(r, tasks...) {
		if !strings.HasSuffix(s, "="+want) {
			t.Errorf("%s, want %s\n%s", s, want, r.Stdout)
		}
	}
}

func taskResult(r e2e.Result, task string) (msg string, res map[string]any, diff string) {
	for _, p := range r.Doc.Plays {
		for _, tk := range p.Tasks {
			if tk.Name == task {
				h := tk.Hosts["node1"]
				var d strings.Builder
				for _, x := range h.Diff {
					d.WriteString("-" + x.Before + "+" + x.After)
				}
				msg, res, diff = h.Msg, h.Result, d.String()
			}
		}
	}
	return
}

func TestSystemModulesLab(t *testing.T) {
	l := e2e.Lab(t, 1)
	t.Run("apt", func(t *testing.T) { testApt(t, l) })
	t.Run("apt_clean_and_retries", func(t *testing.T) { testAptCleanRetries(t, l) })
	t.Run("service", func(t *testing.T) { testService(t, l) })
	t.Run("user_group", func(t *testing.T) { testUserGroup(t, l) })
	t.Run("user_ssh_key", func(t *testing.T) { testUserSSHKey(t, l) })
	t.Run("wait_for_uri", func(t *testing.T) { testWaitForURI(t, l) })
	t.Run("raw_script", func(t *testing.T) { testRawScript(t, l) })
}

// aptSetup builds tiny packages with dpkg-deb on the host and serves them
// from a local file: repository (lab hosts reach no mirror).
const aptSetup = `set -e
mk() {
  d=/tmp/debs/src/$1-$2; mkdir -p $d/DEBIAN $d/usr/share/hpt
  printf 'Package: %s\nVersion: %s\nArchitecture: all\nMaintainer: t <t@example.org>\nDescription: haplay test package\n' $1 $2 >$d/DEBIAN/control
  [ -z "$3" ] || echo "Depends: $3" >>$d/DEBIAN/control
  echo "$1 $2" >$d/usr/share/hpt/$1
  dpkg-deb --build $d /tmp/debs/$1_$2_all.deb >/dev/null
}
mkdir -p /tmp/debs/repo
mk hpt-lib 1.0 ""
mk hpt-app 1.0 hpt-lib
mk hpt-solo 1.0 ""
mk hpt-solo 2.0 ""
cp /tmp/debs/hpt-lib_1.0_all.deb /tmp/debs/hpt-app_1.0_all.deb /tmp/debs/repo/
cd /tmp/debs/repo && dpkg-scanpackages -m . /dev/null >Packages 2>/dev/null
# Only the local repository: the lab has no route to a mirror.
rm -f /etc/apt/sources.list /etc/apt/sources.list.d/*
echo "deb [trusted=yes] file:/tmp/debs/repo ./" >/etc/apt/sources.list.d/hpt.list
`

// apt's clean runs apt-get clean (not in check mode) and, alone, ends the
// task changed; an update that keeps failing is tried
// update_cache_retries times before the task fails.
func testAptCleanRetries(t *testing.T, l *lab.Lab) {
	put(t, l, "node1", "/var/cache/apt/archives/hpt-stale_1.0_all.deb", "x", "644")
	clean := "    - name: clean\n      apt: {clean: true}\n"
	r := play(t, l, clean, 0, "--check")
	wantStatuses(t, r, "changed", "clean")
	if sh(t, l, "node1", "ls /var/cache/apt/archives/") == "" {
		t.Error("check mode cleaned the archives")
	}
	r = play(t, l, clean, 0)
	wantStatuses(t, r, "changed", "clean")
	if got := sh(t, l, "node1", "ls /var/cache/apt/archives/*.deb 2>/dev/null; exit 0"); got != "" {
		t.Errorf("apt-get clean left %q", got)
	}
	sh(t, l, "node1", "mkdir -p /etc/apt/sources.list.d && echo 'deb [trusted=yes] file:/nonexistent-hpt ./' >/etc/apt/sources.list.d/hpt-broken.list")
	defer sh(t, l, "node1", "rm -f /etc/apt/sources.list.d/hpt-broken.list")
	r = play(t, l, "    - name: update\n      apt: {update_cache: true, update_cache_retries: 3, update_cache_retry_max_delay: 1}\n", 2)
	msg, _, _ := taskResult(r, "update")
	if n := strings.Count(msg, "nonexistent-hpt"); n < 3 {
		t.Errorf("update tried %d times, want 3: %s", n, msg)
	}
}

func dpkgState(t *testing.T, l *lab.Lab) string {
	return sh(t, l, "node1", `dpkg-query -W -f '${Package} ${Status} ${Version}\n' 'hpt-*' 2>/dev/null | grep ' installed ' | cut -d' ' -f1,5 | sort; exit 0`)
}

func testApt(t *testing.T, l *lab.Lab) {
	if _, err := l.Exec(t.Context(), "node1", "sh", "-c", "command -v dpkg-scanpackages"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("dpkg-scanpackages missing (dpkg-dev); scripts/deps.sh installs it")
		}
		t.Skip("dpkg-scanpackages missing (dpkg-dev)")
	}
	sh(t, l, "node1", aptSetup)
	listsBefore := sh(t, l, "node1", "ls /var/lib/apt/lists")
	install := `    - name: app from repo
      apt: {name: [hpt-app], update_cache: true}
    - name: solo from deb
      apt: {deb: /tmp/debs/hpt-solo_1.0_all.deb}
`
	// Check mode predicts the dependency too, and changes nothing: not
	// the packages, not the host's package lists.
	r := play(t, l, install, 0, "--check", "--diff")
	wantStatuses(t, r, "changed", "app from repo", "solo from deb")
	if _, _, d := taskResult(r, "app from repo"); d != "-hpt-lib: absent\nhpt-app: absent\n+hpt-lib: 1.0\nhpt-app: 1.0\n" {
		t.Errorf("check diff %q", d)
	}
	if s := dpkgState(t, l); s != "" {
		t.Fatalf("check mode installed: %q", s)
	}
	if got := sh(t, l, "node1", "ls /var/lib/apt/lists"); got != listsBefore {
		t.Errorf("check mode changed the package lists:\n%s", got)
	}
	if got := sh(t, l, "node1", "ls -d /tmp/haplay-apt-lists.* 2>/dev/null; exit 0"); got != "" {
		t.Errorf("check mode left %s", got)
	}
	checkDoc := r
	r = play(t, l, install, 0, "--diff")
	wantStatuses(t, r, "changed", "app from repo", "solo from deb")
	if _, _, d := taskResult(r, "app from repo"); d != "-hpt-lib: absent\nhpt-app: absent\n+hpt-lib: 1.0\nhpt-app: 1.0\n" {
		t.Errorf("run diff %q", d)
	}
	if got, want := checkDoc.Doc.Changed(), r.Doc.Changed(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("check predicted %v, run changed %v", got, want)
	}
	if s := dpkgState(t, l); s != "hpt-app 1.0\nhpt-lib 1.0\nhpt-solo 1.0" {
		t.Fatalf("installed: %q", s)
	}
	r = play(t, l, install, 0)
	wantStatuses(t, r, "ok", "app from repo", "solo from deb")

	// A newer deb upgrades; check mode says so first.
	upgrade := "    - name: solo 2.0\n      apt: {deb: /tmp/debs/hpt-solo_2.0_all.deb}\n"
	r = play(t, l, upgrade, 0, "--check", "--diff")
	if _, _, d := taskResult(r, "solo 2.0"); d != "-hpt-solo: 1.0\n+hpt-solo: 2.0\n" {
		t.Errorf("upgrade diff %q", d)
	}
	play(t, l, upgrade, 0)
	wantStatuses(t, play(t, l, upgrade, 0), "ok", "solo 2.0")

	// Removal with purge takes the dependent package along, as apt does.
	remove := "    - name: remove lib\n      apt: {name: hpt-lib, state: absent, purge: true}\n"
	r = play(t, l, remove, 0, "--check", "--diff")
	if _, _, d := taskResult(r, "remove lib"); d != "-hpt-app: 1.0\nhpt-lib: 1.0\n+hpt-app: absent (purged)\nhpt-lib: absent (purged)\n" {
		t.Errorf("remove diff %q", d)
	}
	if s := dpkgState(t, l); !strings.Contains(s, "hpt-lib") {
		t.Fatal("check mode removed hpt-lib")
	}
	wantStatuses(t, play(t, l, remove, 0), "changed", "remove lib")
	wantStatuses(t, play(t, l, remove, 0), "ok", "remove lib")
	if s := dpkgState(t, l); s != "hpt-solo 2.0" {
		t.Fatalf("after removal: %q", s)
	}

	// package dispatches to apt on Debian.
	pkg := "    - name: pkg\n      package: {name: hpt-lib, state: present}\n"
	wantStatuses(t, play(t, l, pkg, 0), "changed", "pkg")
	wantStatuses(t, play(t, l, pkg, 0), "ok", "pkg")

	// A missing package names host, command, exit code and apt's error.
	r = play(t, l, "    - name: missing\n      apt: {name: hpt-nosuch}\n", 2)
	msg, _, _ := taskResult(r, "missing")
	for _, w := range []string{"node1", "apt-get -s install hpt-nosuch", "exit 100", "Unable to locate package hpt-nosuch"} {
		if !strings.Contains(msg, w) {
			t.Errorf("missing-package message %q lacks %q", msg, w)
		}
	}
}

const webUnit = `[Unit]
Description=haplay test web server
[Service]
ExecStart=/usr/bin/busybox httpd -f -p 8088 -h /srv/hpt
ExecReload=/bin/kill -HUP $MAINPID
[Install]
WantedBy=multi-user.target
`

const initScript = `#!/bin/sh
# A tiny LSB init script for the lab test.
### BEGIN INIT INFO
# Provides:          hpt-init
# Required-Start:
# Required-Stop:
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: haplay test daemon
### END INIT INFO
P=/run/hpt-init.pid
running() { [ -f $P ] && kill -0 "$(cat $P)" 2>/dev/null; }
case "$1" in
start) running || { setsid sleep 100000 </dev/null >/dev/null 2>&1 & echo $! >$P; } ;;
stop) running && kill "$(cat $P)"; rm -f $P ;;
restart) $0 stop; $0 start ;;
reload) running && echo reload >>/run/hpt-init.reloads ;;
status) running && { echo running; exit 0; }; echo stopped; exit 3 ;;
*) echo "Usage: $0 {start|stop|restart|reload|status}" >&2; exit 2 ;;
esac
`

func testService(t *testing.T, l *lab.Lab) {
	// The SysV path first, before systemd is "detected".
	put(t, l, "node1", "/etc/init.d/hpt-init", initScript, "755")
	initTasks := "    - name: init started\n      service: {name: hpt-init, state: started, enabled: true}\n"
	r := play(t, l, initTasks, 0, "--check", "--diff")
	wantStatuses(t, r, "changed", "init started")
	if _, _, d := taskResult(r, "init started"); d != "-enabled: false\nstate: stopped\n+enabled: true\nstate: running\n" {
		t.Errorf("sysv check diff %q", d)
	}
	if got := sh(t, l, "node1", "/etc/init.d/hpt-init status; ls /etc/rc2.d | grep hpt-init; exit 0"); got != "stopped" {
		t.Fatalf("check mode changed the service: %q", got)
	}
	wantStatuses(t, play(t, l, initTasks, 0), "changed", "init started")
	if got := sh(t, l, "node1", "/etc/init.d/hpt-init status; ls /etc/rc2.d | grep -c '^S..hpt-init'"); got != "running\n1" {
		t.Fatalf("after start: %q", got)
	}
	wantStatuses(t, play(t, l, initTasks, 0), "ok", "init started")
	stop := "    - name: init stopped\n      service: {name: hpt-init, state: stopped, enabled: false}\n"
	wantStatuses(t, play(t, l, stop, 0), "changed", "init stopped")
	wantStatuses(t, play(t, l, stop, 0), "ok", "init stopped")

	// systemd through the stand-in.
	standin, err := os.ReadFile(filepath.Join("..", "testdata", "systemctl-standin", "systemctl"))
	if err != nil {
		t.Fatal(err)
	}
	put(t, l, "node1", "/usr/local/bin/systemctl", string(standin), "755")
	put(t, l, "node1", "/etc/systemd/system/hpt-web.service", webUnit, "644")
	put(t, l, "node1", "/srv/hpt/index.html", `{"hello": "world"}`, "644")
	sh(t, l, "node1", "mkdir -p /run/systemd/system")

	// The stand-in itself speaks systemd's strings and exit codes.
	if got := sh(t, l, "node1", `systemctl is-active hpt-web; echo $?; systemctl is-enabled hpt-web; echo $?; systemctl is-enabled nosuch; echo $?; systemctl start nosuch 2>&1; echo $?`); got != "inactive\n3\ndisabled\n1\nnot-found\n4\nFailed to start nosuch.service: Unit nosuch.service not found.\n5" {
		t.Errorf("stand-in outputs: %q", got)
	}

	start := `    - name: web started
      systemd: {name: hpt-web, state: started, enabled: true, daemon_reload: true}
`
	r = play(t, l, start, 0, "--check", "--diff")
	wantStatuses(t, r, "changed", "web started")
	if _, _, d := taskResult(r, "web started"); d != "-enabled: false\nstate: inactive\n+enabled: true\nstate: active\n" {
		t.Errorf("systemd check diff %q", d)
	}
	if got := sh(t, l, "node1", "systemctl is-active hpt-web; systemctl is-enabled hpt-web; cat /run/systemd-standin/daemon-reloads 2>/dev/null; exit 0"); got != "inactive\ndisabled" {
		t.Fatalf("check mode changed the unit: %q", got)
	}
	wantStatuses(t, play(t, l, start, 0), "changed", "web started")
	if got := sh(t, l, "node1", "systemctl is-active hpt-web; systemctl is-enabled hpt-web; cat /run/systemd-standin/daemon-reloads"); got != "active\nenabled\ndaemon-reload" {
		t.Fatalf("after start: %q", got)
	}
	r = play(t, l, start, 0)
	wantStatuses(t, r, "ok", "web started")
	if _, res, _ := taskResult(r, "web started"); res["status"].(map[string]any)["ActiveState"] != "active" {
		t.Errorf("status: %v", res["status"])
	}

	// service uses systemctl once /run/systemd/system exists; reloaded
	// always acts.
	reload := "    - name: web reloaded\n      service: {name: hpt-web, state: reloaded}\n"
	wantStatuses(t, play(t, l, reload, 0, "--check"), "changed", "web reloaded")
	if got := sh(t, l, "node1", "cat /run/systemd-standin/hpt-web.service.reloads 2>/dev/null; exit 0"); got != "" {
		t.Fatalf("check mode reloaded: %q", got)
	}
	wantStatuses(t, play(t, l, reload, 0), "changed", "web reloaded")
	if got := sh(t, l, "node1", "cat /run/systemd-standin/hpt-web.service.reloads"); got != "reload" {
		t.Fatalf("reloads: %q", got)
	}

	mask := "    - name: masked\n      systemd_service: {name: hpt-other, masked: true}\n"
	wantStatuses(t, play(t, l, mask, 0), "changed", "masked")
	wantStatuses(t, play(t, l, mask, 0), "ok", "masked")
	if got := sh(t, l, "node1", "readlink /etc/systemd/system/hpt-other.service"); got != "/dev/null" {
		t.Fatalf("mask: %q", got)
	}

	// Unknown units fail with the host and the unit named; a failing
	// systemctl command names the command, exit code and stderr.
	r = play(t, l, "    - name: unknown\n      service: {name: hpt-nosuch, state: started}\n", 2)
	if msg, _, _ := taskResult(r, "unknown"); !strings.Contains(msg, "node1: Could not find the requested service hpt-nosuch") {
		t.Errorf("unknown-unit message %q", msg)
	}
	r = play(t, l, "    - name: start masked\n      systemd: {name: hpt-other, state: started}\n", 2)
	if msg, _, _ := taskResult(r, "start masked"); !strings.Contains(msg, "node1: systemctl start hpt-other failed (exit 1): Failed to start hpt-other.service: Unit hpt-other.service is masked.") {
		t.Errorf("masked start message %q", msg)
	}
	stopWeb := "    - name: web stopped\n      systemd: {name: hpt-web, state: stopped}\n"
	wantStatuses(t, play(t, l, stopWeb, 0), "changed", "web stopped")
	wantStatuses(t, play(t, l, stopWeb, 0), "ok", "web stopped")
	if got := sh(t, l, "node1", "systemctl is-active hpt-web; exit 0"); got != "inactive" {
		t.Fatalf("after stop: %q", got)
	}
}

func testUserGroup(t *testing.T, l *lab.Lab) {
	group := "    - name: group\n      group: {name: hpt-team, gid: 4711}\n"
	user := `    - name: user
      user:
        name: hpt-alice
        uid: 4712
        group: hpt-team
        groups: [adm]
        shell: /bin/sh
        comment: Alice Test
        password: '$6$salt$abcdefghijklmnopqrstuvwxyz'
`
	read := `getent group hpt-team; getent passwd hpt-alice; id -Gn hpt-alice 2>/dev/null; getent shadow hpt-alice | cut -d: -f2; test -d /home/hpt-alice && echo home; exit 0`
	// One check run of both: the user's group is only predicted, and the
	// user is still a predicted change (as in Ansible's check mode), not
	// a failure.
	wantStatuses(t, play(t, l, group+user, 0, "--check"), "changed", "group", "user")
	r := play(t, l, group, 0, "--check", "--diff")
	wantStatuses(t, r, "changed", "group")
	if _, _, d := taskResult(r, "group"); d != "-state: absent\n+state: present\nname: hpt-team\ngid: 4711\n" {
		t.Errorf("group diff %q", d)
	}
	if got := sh(t, l, "node1", read); got != "" {
		t.Fatalf("check mode created: %q", got)
	}
	wantStatuses(t, play(t, l, group, 0), "changed", "group")
	wantStatuses(t, play(t, l, group, 0), "ok", "group")
	r = play(t, l, user, 0, "--check", "--diff")
	wantStatuses(t, r, "changed", "user")
	_, _, checkDiff := taskResult(r, "user")
	if got := sh(t, l, "node1", read); got != "hpt-team:x:4711:" {
		t.Fatalf("check mode created: %q", got)
	}
	r = play(t, l, user, 0, "--diff")
	wantStatuses(t, r, "changed", "user")
	_, _, d := taskResult(r, "user")
	if d != checkDiff {
		t.Errorf("check diff %q differs from run diff %q", checkDiff, d)
	}
	if strings.Contains(d, "abcdefghij") {
		t.Errorf("diff shows the password hash: %q", d)
	}
	if !strings.Contains(d, "+state: present\nname: hpt-alice\nuid: 4712\ngroup: hpt-team (4711)\ngroups: adm\ncomment: Alice Test\nhome: (default)\nshell: /bin/sh\npassword: (changed)\n") {
		t.Errorf("user diff %q", d)
	}
	want := "hpt-team:x:4711:\nhpt-alice:x:4712:4711:Alice Test:/home/hpt-alice:/bin/sh\nhpt-team adm\n$6$salt$abcdefghijklmnopqrstuvwxyz\nhome"
	if got := sh(t, l, "node1", read); got != want {
		t.Fatalf("host state:\n%s\nwant:\n%s", got, want)
	}
	wantStatuses(t, play(t, l, user, 0), "ok", "user")

	change := `    - name: change
      user: {name: hpt-alice, shell: /bin/bash, groups: [], password_lock: true}
`
	r = play(t, l, change, 0, "--check", "--diff")
	wantStatuses(t, r, "changed", "change")
	if _, _, d := taskResult(r, "change"); !strings.Contains(d, "-state: present") || !strings.Contains(d, "shell: /bin/sh\n") || !strings.Contains(d, "shell: /bin/bash\n") || !strings.Contains(d, "password_lock: true") {
		t.Errorf("change diff %q", d)
	}
	if got := sh(t, l, "node1", read); got != want {
		t.Fatalf("check mode changed the user:\n%s", got)
	}
	wantStatuses(t, play(t, l, change, 0), "changed", "change")
	wantStatuses(t, play(t, l, change, 0), "ok", "change")
	if got := sh(t, l, "node1", "getent passwd hpt-alice | cut -d: -f7; id -Gn hpt-alice; getent shadow hpt-alice | cut -c11-12"); got != "/bin/bash\nhpt-team\n!$" {
		t.Errorf("after change: %q", got)
	}

	r = play(t, l, "    - name: bad group\n      user: {name: hpt-bob, groups: [hpt-nosuch]}\n", 2)
	if msg, _, _ := taskResult(r, "bad group"); msg != "node1: user hpt-bob: Group hpt-nosuch does not exist" {
		t.Errorf("bad group message %q", msg)
	}
	r = play(t, l, "    - name: bad uid\n      user: {name: hpt-bob, uid: 4712}\n", 2)
	if msg, _, _ := taskResult(r, "bad uid"); !strings.Contains(msg, "node1: useradd -m -u 4712 hpt-bob failed (exit 4): useradd: UID 4712 is not unique") {
		t.Errorf("duplicate uid message %q", msg)
	}

	remove := `    - name: remove user
      user: {name: hpt-alice, state: absent, remove: true}
    - name: remove group
      group: {name: hpt-team, state: absent}
`
	wantStatuses(t, play(t, l, remove, 0, "--check"), "changed", "remove user", "remove group")
	wantStatuses(t, play(t, l, remove, 0), "changed", "remove user", "remove group")
	wantStatuses(t, play(t, l, remove, 0), "ok", "remove user", "remove group")
	if got := sh(t, l, "node1", read); got != "" {
		t.Fatalf("after removal: %q", got)
	}
}

func testWaitForURI(t *testing.T, l *lab.Lab) {
	put(t, l, "node1", "/srv/hpu/data.json", `{"name": "node1", "n": [1, 2]}`, "644")
	put(t, l, "node1", "/srv/hpu/cgi-bin/echo", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\nX-Method: %s\\r\\n\\r\\n' \"$REQUEST_METHOD\"\ncat\n", "755")
	put(t, l, "node1", "/srv/hpu/httpd.conf", ".json:application/json\n", "644")
	put(t, l, "node1", "/tmp/hpt-log", "booting\n", "644")
	sh(t, l, "node1", "(sleep 2; echo 'ready: version 3.14 on node1' >>/tmp/hpt-log; busybox httpd -p 8099 -h /srv/hpu -c /srv/hpu/httpd.conf) >/dev/null 2>&1 &")
	tasks := `    - name: wait port
      wait_for: {port: 8099, timeout: 20, sleep: 1}
    - name: wait log
      wait_for: {path: /tmp/hpt-log, search_regex: 'version (?P<version>[0-9.]+) on (\w+)', timeout: 20}
      register: w
    - name: closed port
      wait_for: {port: 8098, state: stopped, timeout: 5}
    - name: get json
      uri: {url: "http://127.0.0.1:8099/data.json", return_content: true}
      register: j
    - name: post
      uri:
        url: http://127.0.0.1:8099/cgi-bin/echo
        method: POST
        body_format: json
        body: {a: 1}
        return_content: true
      register: p
    - name: not found
      uri: {url: "http://127.0.0.1:8099/nope", status_code: 200}
      ignore_errors: true
    - name: from the controller
      uri: {url: "http://127.0.0.1:1/", timeout: 2}
      delegate_to: localhost
      ignore_errors: true
`
	// wait_for runs in check mode too (it only reads); POST is skipped.
	r := play(t, l, tasks, 0, "--check")
	wantStatuses(t, r, "ok", "wait port", "wait log", "closed port", "get json")
	wantStatuses(t, r, "skipped", "post")
	r = play(t, l, tasks, 0)
	wantStatuses(t, r, "ok", "wait port", "wait log", "closed port", "get json", "post")
	_, w, _ := taskResult(r, "wait log")
	if g, _ := w["match_groupdict"].(map[string]any); g["version"] != "3.14" {
		t.Errorf("wait_for groups: %v / %v", w["match_groups"], w["match_groupdict"])
	}
	_, j, _ := taskResult(r, "get json")
	if js, _ := j["json"].(map[string]any); js["name"] != "node1" || j["status"] != float64(200) || j["content"] != `{"name": "node1", "n": [1, 2]}` {
		t.Errorf("get json: %v", j)
	}
	_, p, _ := taskResult(r, "post")
	if p["content"] != `{"a":1}` || p["x_method"] != "POST" {
		t.Errorf("post: %v", p)
	}
	msg, _, _ := taskResult(r, "not found")
	if !strings.Contains(msg, "node1: Status code was 404 and not [200]: HTTP Error 404") {
		t.Errorf("404 message %q", msg)
	}
	msg, _, _ = taskResult(r, "from the controller")
	if !strings.Contains(msg, "Status code was -1 and not [200]: Request failed: curl: (7)") {
		t.Errorf("refused message %q", msg)
	}
	r = play(t, l, "    - name: timeout\n      wait_for: {port: 8097, timeout: 2}\n", 2)
	if msg, res, _ := taskResult(r, "timeout"); msg != "Timeout when waiting for 127.0.0.1:8097" || res["elapsed"].(float64) < 2 {
		t.Errorf("timeout: %q %v", msg, res)
	}
}

func testRawScript(t *testing.T, l *lab.Lab) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "files"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "files", "hello.sh"), []byte("#!/bin/sh\necho \"hello $1 from $(pwd)\"\ntouch /tmp/hpt-script-ran\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pb := `- hosts: node1
  gather_facts: false
  tasks:
    - name: raw
      raw: echo raw-$((1+1))
      register: r
    - name: script
      script: hello.sh world
      args: {chdir: /etc, creates: /tmp/hpt-script-ran}
      register: s
`
	r := e2e.Playbook(t, l, dir, "pb.yml", pb, "run", "--check")
	wantStatuses(t, r, "skipped", "raw")
	wantStatuses(t, r, "changed", "script")
	if got := sh(t, l, "node1", "ls /tmp/hpt-script-ran /tmp/.haplay-script-* 2>/dev/null; exit 0"); got != "" {
		t.Fatalf("check mode ran: %q", got)
	}
	r = e2e.Playbook(t, l, dir, "pb.yml", pb, "run")
	wantStatuses(t, r, "changed", "raw", "script")
	if _, res, _ := taskResult(r, "raw"); res["stdout"] != "raw-2\n" {
		t.Errorf("raw: %v", res)
	}
	if _, res, _ := taskResult(r, "script"); res["stdout"] != "hello world from /etc\n" {
		t.Errorf("script: %v", res)
	}
	if got := sh(t, l, "node1", "ls /tmp/.haplay-script-* 2>/dev/null; exit 0"); got != "" {
		t.Errorf("script left %q", got)
	}
	// creates decides against it: skipped, as Ansible's script says
	// (command says ok).
	r = e2e.Playbook(t, l, dir, "pb.yml", pb, "run")
	wantStatuses(t, r, "skipped", "script")
}

// generate_ssh_key with ssh-keygen on the host: check mode makes nothing,
// the run makes the pair owned by the user, a second run leaves it (same
// fingerprint); a passphrase reaches the key and never the output.
func testUserSSHKey(t *testing.T, l *lab.Lab) {
	const pass = "pp-7d1e-secret"
	tasks := `    - name: key
      user: {name: hpt-kim, generate_ssh_key: true, ssh_key_type: ed25519, ssh_key_comment: kim@lab}
    - name: locked key
      user: {name: hpt-kim, generate_ssh_key: true, ssh_key_type: ed25519, ssh_key_file: .ssh/locked, ssh_key_passphrase: ` + pass + `}
`
	defer sh(t, l, "node1", "userdel -r hpt-kim 2>/dev/null; exit 0")
	wantStatuses(t, play(t, l, tasks, 0, "--check"), "changed", "key", "locked key")
	if got := sh(t, l, "node1", "getent passwd hpt-kim; exit 0"); got != "" {
		t.Fatalf("check mode created the user: %q", got)
	}
	r := play(t, l, tasks, 0, "-vvv", "--diff")
	wantStatuses(t, r, "changed", "key", "locked key")
	if strings.Contains(r.Stdout+r.Stderr, pass) {
		t.Errorf("the passphrase is in the output:\n%s", r.Stdout)
	}
	_, res, _ := taskResult(r, "key")
	pub, _ := res["ssh_public_key"].(string)
	fp, _ := res["ssh_fingerprint"].(string)
	if res["ssh_key_file"] != "/home/hpt-kim/.ssh/id_ed25519" || !strings.HasPrefix(pub, "ssh-ed25519 ") || !strings.HasSuffix(pub, " kim@lab") || !strings.Contains(fp, "(ED25519)") {
		t.Errorf("result %v", res)
	}
	if got := sh(t, l, "node1", "stat -c '%U %a' /home/hpt-kim/.ssh /home/hpt-kim/.ssh/id_ed25519 /home/hpt-kim/.ssh/id_ed25519.pub"); got != "hpt-kim 700\nhpt-kim 600\nhpt-kim 644" {
		t.Errorf("key files: %q", got)
	}
	if got := sh(t, l, "node1", "ssh-keygen -y -P "+pass+" -f /home/hpt-kim/.ssh/locked >/dev/null && echo opens"); got != "opens" {
		t.Errorf("the passphrase does not open the key: %q", got)
	}
	again := play(t, l, tasks, 0, "--check")
	wantStatuses(t, again, "ok", "key", "locked key")
	again = play(t, l, tasks, 0)
	wantStatuses(t, again, "ok", "key", "locked key")
	if _, res2, _ := taskResult(again, "key"); res2["ssh_fingerprint"] != fp {
		t.Errorf("the key changed: %v then %v", fp, res2["ssh_fingerprint"])
	}
}
