package modules_test

import (
	"strings"
	"testing"

	"github.com/haplay/haplay/internal/e2e"
)

// TestMountLab mounts a tmpfs on a lab host (its own mount namespace),
// with an fstab of the test's own: check mode first (nothing changes),
// then the run, a second run (ok), unmounted and absent.
func TestMountLab(t *testing.T) {
	l := e2e.Lab(t, 1)
	sh(t, l, "node1", "umount /srv/hp_mnt/a 2>/dev/null; rm -rf /srv/hp_mnt /var/tmp/hp_mnt")
	defer sh(t, l, "node1", "umount /srv/hp_mnt/a 2>/dev/null; rm -rf /srv/hp_mnt /var/tmp/hp_mnt")
	task := func(state string) string {
		return "    - name: m\n      ansible.posix.mount: {path: /srv/hp_mnt/a, src: tmpfs, fstype: tmpfs, opts: size=1m, state: " + state +
			", fstab: /var/tmp/hp_mnt/fstab}\n"
	}
	mounted := func() string { return sh(t, l, "node1", "findmnt -n -o FSTYPE,OPTIONS /srv/hp_mnt/a || true") }
	// The plan of mounted then unmounted: the unmount follows the mount
	// the task before predicted.
	r := play(t, l, task("mounted")+strings.Replace(task("unmounted"), "name: m", "name: u", 1), 0, "--check")
	wantStatuses(t, r, "changed", "m", "u")
	r = play(t, l, task("mounted"), 0, "--check", "--diff")
	wantStatuses(t, r, "changed", "m")
	if _, _, diff := taskResult(r, "m"); !strings.Contains(diff, "+tmpfs /srv/hp_mnt/a tmpfs size=1m 0 0\n") {
		t.Errorf("check mode diff: %q", diff)
	}
	if got := sh(t, l, "node1", "ls -d /srv/hp_mnt /var/tmp/hp_mnt 2>&1 || true"); !strings.Contains(got, "No such file") || mounted() != "" {
		t.Errorf("check mode changed the host: %s %s", got, mounted())
	}
	r = play(t, l, task("mounted"), 0)
	wantStatuses(t, r, "changed", "m")
	if got := mounted(); !strings.HasPrefix(got, "tmpfs") || !strings.Contains(got, "size=1024k") {
		t.Errorf("not mounted with the fstab's options: %q", got)
	}
	if got := sh(t, l, "node1", "cat /var/tmp/hp_mnt/fstab"); strings.TrimSpace(got) != "tmpfs /srv/hp_mnt/a tmpfs size=1m 0 0" {
		t.Errorf("fstab: %q", got)
	}
	wantStatuses(t, play(t, l, task("mounted"), 0), "ok", "m")
	wantStatuses(t, play(t, l, task("mounted"), 0, "--check"), "ok", "m")
	wantStatuses(t, play(t, l, strings.Replace(task("mounted"), "size=1m", "size=2m", 1), 0), "changed", "m")
	if got := mounted(); !strings.Contains(got, "size=2048k") {
		t.Errorf("a changed entry is remounted: %q", got)
	}
	wantStatuses(t, play(t, l, task("unmounted"), 0, "--check"), "changed", "m")
	if mounted() == "" {
		t.Errorf("check mode unmounted it")
	}
	wantStatuses(t, play(t, l, task("unmounted"), 0), "changed", "m")
	wantStatuses(t, play(t, l, task("unmounted"), 0), "ok", "m")
	wantStatuses(t, play(t, l, task("absent"), 0), "changed", "m")
	if got := sh(t, l, "node1", "cat /var/tmp/hp_mnt/fstab; ls -d /srv/hp_mnt/a 2>&1 || true"); !strings.Contains(got, "No such file") || strings.Contains(got, "tmpfs") {
		t.Errorf("absent: %q", got)
	}
	wantStatuses(t, play(t, l, task("absent"), 0), "ok", "m")
	r = play(t, l, "    - name: m\n      mount: {path: /srv/hp_mnt/b, src: /nonexistent/dev, fstype: ext4, state: mounted, fstab: /var/tmp/hp_mnt/fstab}\n", 2)
	if msg, _, _ := taskResult(r, "m"); !strings.Contains(msg, "node1: Error mounting /srv/hp_mnt/b: ") {
		t.Errorf("failed mount: %q", msg)
	}
	if got := sh(t, l, "node1", "cat /var/tmp/hp_mnt/fstab; ls -d /srv/hp_mnt/b 2>&1 || true"); !strings.Contains(got, "No such file") || strings.Contains(got, "ext4") {
		t.Errorf("a failed mount leaves the fstab and no mount point: %q", got)
	}
}

// TestFilesystemLab makes, grows and wipes an ext4 filesystem on a regular
// file of a lab host, each step twice (changed, then ok) and in check mode.
func TestFilesystemLab(t *testing.T) {
	l := e2e.Lab(t, 1)
	img := "/var/tmp/hp_fs.img"
	sh(t, l, "node1", "rm -f "+img+" && truncate -s 32M "+img)
	defer sh(t, l, "node1", "rm -f "+img)
	task := func(args string) string {
		return "    - name: fs\n      community.general.filesystem: {dev: " + img + ", " + args + "}\n"
	}
	blkid := func() string { return sh(t, l, "node1", "blkid -c /dev/null -o value -s TYPE "+img+" || true") }
	wantStatuses(t, play(t, l, task("fstype: ext4"), 0, "--check"), "changed", "fs")
	// The plan of make then wipe: the wipe follows the predicted filesystem.
	r := play(t, l, task("fstype: ext4")+strings.Replace(task("state: absent"), "name: fs", "name: w", 1), 0, "--check")
	wantStatuses(t, r, "changed", "fs", "w")
	if got := blkid(); got != "" {
		t.Errorf("check mode made a filesystem: %q", got)
	}
	wantStatuses(t, play(t, l, task("fstype: ext4, opts: -L hpdata"), 0), "changed", "fs")
	if got := sh(t, l, "node1", "blkid -c /dev/null -o value -s TYPE -s LABEL "+img); !strings.Contains(got, "ext4") || !strings.Contains(got, "hpdata") {
		t.Errorf("blkid: %q", got)
	}
	wantStatuses(t, play(t, l, task("fstype: ext4"), 0), "ok", "fs")
	wantStatuses(t, play(t, l, task("fstype: ext4, resizefs: true"), 0), "ok", "fs")
	r = play(t, l, task("fstype: swap"), 2)
	if msg, _, _ := taskResult(r, "fs"); msg != "node1: '"+img+"' is already used as ext4, use force=true to overwrite" {
		t.Errorf("another type: %q", msg)
	}
	sh(t, l, "node1", "truncate -s 64M "+img)
	wantStatuses(t, play(t, l, task("fstype: ext4, resizefs: true"), 0, "--check"), "changed", "fs")
	wantStatuses(t, play(t, l, task("fstype: ext4, resizefs: true"), 0), "changed", "fs")
	if got := sh(t, l, "node1", "LC_ALL=C tune2fs -l "+img+" | grep '^Block count'"); !strings.Contains(got, "65536") && !strings.Contains(got, "16384") {
		t.Errorf("not grown: %q", got)
	}
	wantStatuses(t, play(t, l, task("fstype: ext4, resizefs: true"), 0), "ok", "fs")
	if sh(t, l, "node1", "command -v mkfs.xfs || true") == "" {
		r = play(t, l, task("fstype: xfs, force: true"), 2)
		if msg, _, _ := taskResult(r, "fs"); msg != "node1: mkfs.xfs is not installed on the host (needed for mkfs.xfs -f "+img+")" {
			t.Errorf("a missing mkfs: %q", msg)
		}
	}
	wantStatuses(t, play(t, l, task("state: absent"), 0, "--check"), "changed", "fs")
	wantStatuses(t, play(t, l, task("state: absent"), 0), "changed", "fs")
	if got := blkid(); got != "" {
		t.Errorf("wipefs left %q", got)
	}
	wantStatuses(t, play(t, l, task("state: absent"), 0), "ok", "fs")
}
