package storage

import (
	"strings"
	"testing"

	"github.com/haplay/haplay/engine/module"
)

// The expected files are what ansible.posix.mount's set_mount and
// unset_mount (2.14's collection) wrote for the same input.
func TestFstabEditsAsAnsiblePosix(t *testing.T) {
	base := fstabEntry{Name: "/mnt/my dir", Src: "tmpfs", HasSrc: true, Fstype: "tmpfs", Opts: "defaults", Dump: "0", Passno: "0"}
	swap := fstabEntry{Name: "none", Src: "/dev/sdc", HasSrc: true, Fstype: "swap", Opts: "sw", Dump: "0", Passno: "0"}
	odd := base
	odd.Name, odd.Src = "/x&y", `/dev/a\b`
	for _, tc := range []struct {
		name, in string
		e        fstabEntry
		set      bool
		want     string
		changed  bool
	}{
		{"a short entry is rewritten, and every match after it", "# c\n\nUUID=x / ext4 rw 0 1\ntmpfs /mnt/my\\040dir tmpfs size=1m\ntmpfs /mnt/my\\040dir tmpfs defaults 0 0\nshort line", base, true,
			"# c\n\nUUID=x / ext4 rw 0 1\ntmpfs /mnt/my\\040dir tmpfs defaults 0 0\ntmpfs /mnt/my\\040dir tmpfs defaults 0 0\nshort line\n", true},
		{"an equal entry keeps its spacing", "tmpfs  /mnt/my\\040dir\ttmpfs defaults 0 0\n", base, true, "tmpfs  /mnt/my\\040dir\ttmpfs defaults 0 0\n", false},
		{"escapes", "a b\n", odd, true, "a b\n/dev/a\\134b /x\\046y tmpfs defaults 0 0\n", true},
		{"swap entries match on src too", "/dev/sdb none swap sw 0 0\n/dev/sdc none swap sw 0 0\n", swap, true, "/dev/sdb none swap sw 0 0\n/dev/sdc none swap sw 0 0\n", false},
		{"unset a swap entry", "/dev/sdb none swap sw 0 0\n/dev/sdc none swap sw 0 0", swap, false, "/dev/sdb none swap sw 0 0\n", true},
		{"unset only 6-field entries", "tmpfs /mnt/my\\040dir tmpfs defaults 0 0\ntmpfs /mnt/my\\040dir tmpfs defaults 0\n# x", base, false, "tmpfs /mnt/my\\040dir tmpfs defaults 0\n# x", true},
		{"unset of nothing", "# x\n", base, false, "# x\n", false},
	} {
		got, ch := fstabUnset(tc.in, tc.e)
		if tc.set {
			got, ch = fstabSet(tc.in, tc.e)
		}
		if ch != tc.changed || (ch && got != tc.want) {
			t.Errorf("%s: got %q changed=%v, want %q changed=%v", tc.name, got, ch, tc.want, tc.changed)
		}
	}
}

const testMountinfo = `22 1 0:20 / / rw,relatime - overlay overlay rw,lowerdir=/
25 22 0:21 / /proc rw - proc proc rw
40 22 0:35 / /tmp rw - tmpfs tmpfs rw
41 40 0:35 /aaa /tmp/bbb rw - tmpfs tmpfs rw
50 22 0:40 / /mnt/my\040dir rw - tmpfs scratch rw,size=1024k
51 22 0:41 / /mnt/e rw - tmpfs scratch rw
`

func TestParseMountinfoAsAnsiblePosix(t *testing.T) {
	m := parseMountinfo(testMountinfo)
	if got := m["/tmp/bbb"].Src; got != "/tmp/aaa" {
		t.Errorf("a bind mount's src is the path it shows: %q", got)
	}
	if got := m["/"].Src; got != "overlay" {
		t.Errorf("a mount whose parent is id 1 keeps its source: %q", got)
	}
	if got := m["/tmp"].Src; got != "/" {
		t.Errorf("a mount under / is seen as its root: %q", got)
	}
	r := m[`/mnt/my\040dir`]
	if r.Source != "scratch" || r.Target != "/mnt/my dir" || r.Fs != "tmpfs" || r.Opts != "rw" {
		t.Errorf("escaped mount point: %+v", r)
	}
}

func TestPlanMount(t *testing.T) {
	mi := parseMountinfo(testMountinfo)
	args := func(kv ...any) mountArgs {
		a := module.Args{"path": "/tmp", "src": "tmpfs", "fstype": "tmpfs", "boot": true, "dump": "0", "passno": "0"}
		for i := 0; i < len(kv); i += 2 {
			a[kv[i].(string)] = kv[i+1]
		}
		return newMountArgs(a)
	}
	entry := "tmpfs /tmp tmpfs defaults 0 0\n"
	mounted := mountState{Fstab: entry, Mounts: mi, PathExists: true, IsMount: true}
	for _, tc := range []struct {
		name string
		m    mountArgs
		st   mountState
		want mountPlan
	}{
		{"mounted, in fstab: nothing", args("state", "mounted"), mounted, mountPlan{}},
		{"mounted, fstab differs: remount", args("state", "mounted", "opts", "size=1m"), mounted, mountPlan{Changed: true, Remount: true}},
		{"mounted, nothing there", args("state", "mounted", "path", "/new"), mountState{Mounts: mi}, mountPlan{Changed: true, Mkdir: true, Mount: true}},
		{"present", args("state", "present", "path", "/new"), mounted, mountPlan{Changed: true}},
		{"unmounted", args("state", "unmounted"), mounted, mountPlan{Changed: true, Umount: true}},
		{"unmounted already", args("state", "unmounted", "path", "/srv"), mountState{Mounts: mi, PathExists: true}, mountPlan{}},
		{"absent", args("state", "absent"), mounted, mountPlan{Changed: true, Umount: true, Rmdir: true}},
		{"absent, not in fstab: left mounted", args("state", "absent"), mountState{Mounts: mi, PathExists: true, IsMount: true}, mountPlan{}},
		{"absent_from_fstab", args("state", "absent_from_fstab"), mounted, mountPlan{Changed: true}},
		{"remounted", args("state", "remounted"), mounted, mountPlan{Changed: true, Remount: true}},
		{"ephemeral, same source", args("state", "ephemeral", "path", "/mnt/e", "src", "scratch"), mountState{Mounts: mi, PathExists: true, IsMount: true}, mountPlan{Changed: true, Remount: true}},
		{"ephemeral, other source", args("state", "ephemeral", "path", "/mnt/e", "src", "other"), mountState{Mounts: mi, PathExists: true, IsMount: true}, mountPlan{Fail: ephemeralBusy}},
	} {
		p := planMount(tc.m, tc.st)
		p.NewFstab = nil
		if p != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.name, p, tc.want)
		}
	}
}

func TestMountArgsBootAndCommands(t *testing.T) {
	m := newMountArgs(module.Args{"path": "/m nt", "src": "tmpfs", "fstype": "tmpfs", "opts": "size=1m", "boot": false, "state": "mounted", "fstab": "/tmp/f stab", "dump": "0", "passno": "0"})
	if m.Entry.Opts != "size=1m,noauto" || m.Boot != "no" {
		t.Errorf("boot false adds noauto: %+v", m)
	}
	if got := newMountArgs(module.Args{"path": "/m", "boot": false, "state": "present"}); got.Entry.Opts != "defaults" || len(got.Warnings) != 1 {
		t.Errorf("defaults keeps boot: %+v", got)
	}
	if got := mountCmd(m); got != "mount -T '/tmp/f stab' '/m nt'" {
		t.Errorf("mount: %s", got)
	}
	m.State = "ephemeral"
	if got := remountScript(m); !strings.HasPrefix(got, "mount -o remount -t tmpfs -o size=1m,noauto tmpfs '/m nt' 2>/dev/null || { umount '/m nt' && mount -t tmpfs") {
		t.Errorf("remount: %s", got)
	}
	if got := mountDirs("/a/b"); strings.Join(got, " ") != "/a /a/b" {
		t.Errorf("dirs: %v", got)
	}
	if errs := checkMountArgs(module.Args{"state": "mounted", "src": "x"}, true); len(errs) != 1 || errs[0].Msg != "state is mounted but all of the following are missing: fstype" {
		t.Errorf("required_if: %v", errs)
	}
}
