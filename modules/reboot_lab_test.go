package modules_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haplay/haplay/engine/lab"
	"github.com/haplay/haplay/internal/e2e"
)

// installRebootStandin puts testdata/reboot-standin/shutdown over the
// host's /usr/sbin/shutdown (/sbin is a symlink to usr/sbin), so reboot
// simulates a reboot instead of running the real shutdown. The write lands
// in the host's private overlay layer: the test checks that the
// controller's shutdown is untouched, and that the stand-in is what the
// module's search (search_paths, in order) finds.
func installRebootStandin(t *testing.T, l *lab.Lab, host string) {
	t.Helper()
	standin, err := os.ReadFile(filepath.Join("..", "testdata", "reboot-standin", "shutdown"))
	if err != nil {
		t.Fatal(err)
	}
	before, _ := os.Readlink("/usr/sbin/shutdown")
	sh(t, l, host, "rm -f /usr/sbin/shutdown")
	put(t, l, host, "/usr/sbin/shutdown", string(standin), "755")
	// The module looks in /sbin /bin /usr/sbin /usr/bin /usr/local/sbin,
	// in that order; command -v with that PATH finds the same first entry.
	got := sh(t, l, host, "PATH=/sbin:/bin:/usr/sbin:/usr/bin:/usr/local/sbin command -v shutdown && cmp \"$(PATH=/sbin:/bin:/usr/sbin:/usr/bin:/usr/local/sbin command -v shutdown)\" /usr/sbin/shutdown && head -2 /sbin/shutdown | tail -1")
	if got != "/sbin/shutdown\n# shutdown stand-in for haplay lab hosts: simulates a reboot of the host" {
		t.Fatalf("the stand-in is not what the module finds: %q", got)
	}
	if after, _ := os.Readlink("/usr/sbin/shutdown"); after != before {
		t.Fatalf("the controller's /usr/sbin/shutdown changed: %q -> %q", before, after)
	}
	if b, err := os.ReadFile("/usr/sbin/shutdown"); err == nil && strings.Contains(string(b), "stand-in") {
		t.Fatal("the stand-in leaked onto the controller")
	}
}

func standinFile(t *testing.T, l *lab.Lab, host, name string) string {
	t.Helper()
	return sh(t, l, host, "cat /run/haplay-reboot-standin/"+name+" 2>/dev/null; exit 0")
}

func TestRebootLab(t *testing.T) {
	l := e2e.Lab(t, 1)
	installRebootStandin(t, l, "node1")
	controllerBootID, _ := os.ReadFile("/proc/sys/kernel/random/boot_id")

	reboot := `    - name: boot id before
      command: cat /proc/sys/kernel/random/boot_id
      register: before
      changed_when: false
    - name: reboot
      ansible.builtin.reboot:
        msg: "haplay's test reboot"
        reboot_timeout: 20
      register: rb
    - name: boot id after
      command: cat /proc/sys/kernel/random/boot_id
      register: after
      changed_when: false
    - name: the host rebooted
      assert:
        that:
          - before.stdout != after.stdout
          - rb.rebooted
          - rb.elapsed >= 0
`

	t.Run("check mode changes nothing", func(t *testing.T) {
		id := sh(t, l, "node1", "cat /proc/sys/kernel/random/boot_id")
		r := play(t, l, reboot, 0, "--check")
		wantStatuses(t, r, "changed", "reboot")
		if _, res, _ := taskResult(r, "reboot"); res["rebooted"] != true || res["elapsed"] != float64(0) {
			t.Errorf("check result %v", res)
		}
		if got := sh(t, l, "node1", "cat /proc/sys/kernel/random/boot_id"); got != id {
			t.Errorf("check mode changed the boot id")
		}
		if c := standinFile(t, l, "node1", "calls"); c != "" {
			t.Errorf("check mode ran shutdown: %q", c)
		}
	})

	t.Run("reboot and a later task on the new connection", func(t *testing.T) {
		r := play(t, l, reboot, 0)
		wantStatuses(t, r, "changed", "reboot")
		wantStatuses(t, r, "ok", "boot id after", "the host rebooted")
		_, res, _ := taskResult(r, "reboot")
		if res["rebooted"] != true {
			t.Errorf("result %v", res)
		}
		if e, ok := res["elapsed"].(float64); !ok || e < 0 || e > 20 {
			t.Errorf("elapsed %v", res["elapsed"])
		}
		if c := standinFile(t, l, "node1", "calls"); c != "-r 0 haplay's test reboot" {
			t.Errorf("shutdown called with %q", c)
		}
		if n := len(strings.Fields(standinFile(t, l, "node1", "reboots"))); n != 1 {
			t.Errorf("%d reboots", n)
		}
	})

	t.Run("a second run reboots again", func(t *testing.T) {
		// A reboot is an action, not a state: always changed, as in Ansible.
		r := play(t, l, reboot, 0)
		wantStatuses(t, r, "changed", "reboot")
		if n := len(strings.Fields(standinFile(t, l, "node1", "reboots"))); n != 2 {
			t.Errorf("%d reboots", n)
		}
	})

	t.Run("reboot_command and pre_reboot_delay", func(t *testing.T) {
		tasks := `    - name: reboot now
      reboot: {reboot_command: "shutdown -r now", reboot_timeout: 20, pre_reboot_delay: 150}
`
		wantStatuses(t, play(t, l, tasks, 0), "changed", "reboot now")
		calls := strings.Split(standinFile(t, l, "node1", "calls"), "\n")
		if last := calls[len(calls)-1]; last != "-r now" {
			t.Errorf("shutdown called with %q", last)
		}
	})

	t.Run("shutdown not in search_paths", func(t *testing.T) {
		before := standinFile(t, l, "node1", "calls")
		tasks := `    - name: reboot
      reboot: {search_paths: [/nonexistent, /usr/local/sbin]}
`
		r := play(t, l, tasks, 2)
		wantStatuses(t, r, "failed", "reboot")
		msg, _, _ := taskResult(r, "reboot")
		if want := `node1: Unable to find command "shutdown" in search paths: ['/nonexistent', '/usr/local/sbin']`; msg != want {
			t.Errorf("msg %q, want %q", msg, want)
		}
		if standinFile(t, l, "node1", "calls") != before {
			t.Error("shutdown ran")
		}
	})

	t.Run("test_command failing until the timeout", func(t *testing.T) {
		tasks := `    - name: reboot
      reboot: {test_command: "echo not ready >&2; false", reboot_timeout: 3}
`
		r := play(t, l, tasks, 2)
		wantStatuses(t, r, "failed", "reboot")
		msg, res, _ := taskResult(r, "reboot")
		if !strings.HasPrefix(msg, "node1: Timed out waiting for post-reboot test command (timeout=3)") || !strings.Contains(msg, "rc 1: not ready") {
			t.Errorf("msg %q", msg)
		}
		if res["rebooted"] != true {
			t.Errorf("result %v", res)
		}
	})

	t.Run("host does not come back within reboot_timeout", func(t *testing.T) {
		sh(t, l, "node1", "touch /run/haplay-reboot-standin/keep-down")
		tasks := `    - name: reboot
      reboot: {reboot_timeout: 3, connect_timeout: 1}
`
		r := play(t, l, tasks, 2)
		wantStatuses(t, r, "failed", "reboot")
		msg, _, _ := taskResult(r, "reboot")
		if !strings.HasPrefix(msg, "node1: Timed out waiting for last boot time check (timeout=3)") {
			t.Errorf("msg %q", msg)
		}
		sh(t, l, "node1", "rm -f /run/haplay-reboot-standin/keep-down")
		if err := l.StartSSHD(t.Context(), "node1"); err != nil {
			t.Fatal(err)
		}
		// Back up: the host answers again.
		wantStatuses(t, play(t, l, "    - name: ping\n      ping:\n", 0), "ok", "ping")
	})

	if after, _ := os.ReadFile("/proc/sys/kernel/random/boot_id"); string(after) != string(controllerBootID) {
		t.Errorf("the controller's boot id changed")
	}
}
