package lab_test

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/haplay/haplay/engine/lab"
	"github.com/haplay/haplay/engine/lab/labtest"
)

func TestLab(t *testing.T) {
	l := labtest.Require(t, 3)
	ctx := t.Context()
	hosts := l.Hosts()

	t.Run("hostnames", func(t *testing.T) {
		for _, h := range hosts {
			out, err := l.Exec(ctx, h.Name, "hostname")
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimSpace(string(out)); got != h.Name {
				t.Errorf("%s: hostname %q", h.Name, got)
			}
			// Every host knows the others by name.
			out, err = l.Exec(ctx, "node1", "getent", "hosts", h.Name)
			if err != nil || !strings.HasPrefix(string(out), h.IP+" ") {
				t.Errorf("node1: getent hosts %s: %q, %v", h.Name, out, err)
			}
		}
	})

	t.Run("private files", func(t *testing.T) {
		for _, p := range []string{"/etc/haplay-lab-probe", "/var/haplay-lab-probe", "/tmp/haplay-lab-probe", "/run/haplay-lab-probe"} {
			if _, err := l.Exec(ctx, "node1", "sh", "-c", "echo hi > "+p); err != nil {
				t.Fatal(err)
			}
			if out, err := l.Exec(ctx, "node1", "cat", p); err != nil || string(out) != "hi\n" {
				t.Errorf("node1 reads back %s: %q, %v", p, out, err)
			}
			if _, err := l.Exec(ctx, "node2", "test", "-e", p); err == nil {
				t.Errorf("node2 sees node1's %s", p)
			}
			if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the real machine sees node1's %s (%v)", p, err)
			}
		}
	})

	t.Run("ssh banner", func(t *testing.T) {
		for _, h := range hosts {
			if err := banner(h.IP); err != nil {
				t.Error(err)
			}
		}
	})

	t.Run("ssh with strict host keys", func(t *testing.T) {
		if _, err := exec.LookPath("ssh"); err != nil {
			t.Skip("no ssh client")
		}
		for _, h := range hosts {
			out, err := exec.CommandContext(ctx, "ssh", "-i", l.KeyPath, "-o", "UserKnownHostsFile="+l.KnownHostsPath,
				"-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "ConnectTimeout=5",
				"root@"+h.IP, "hostname").CombinedOutput()
			if err != nil || strings.TrimSpace(string(out)) != h.Name {
				t.Errorf("ssh %s: %q, %v", h.Name, out, err)
			}
		}
	})

	t.Run("sshd restarts, PID 1 stays", func(t *testing.T) {
		h := hosts[2]
		sshd := childNamed(t, h.PID, "sshd")
		if err := syscall.Kill(sshd, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for childNamedOK(h.PID, "sshd") == sshd || banner(h.IP) != nil {
			if time.Now().After(deadline) {
				t.Fatalf("%s: sshd not back after kill", h.Name)
			}
			time.Sleep(50 * time.Millisecond)
		}
		if st := l.Status(ctx)[2]; !st.Alive || !st.SSH {
			t.Errorf("after killing sshd: %+v", st)
		}
	})

	t.Run("down leaves nothing", func(t *testing.T) {
		if err := l.Down(); err != nil {
			t.Fatal(err)
		}
		for _, h := range hosts {
			if _, err := os.Stat(fmt.Sprintf("/proc/%d", h.PID)); err == nil {
				t.Errorf("%s: PID %d still there", h.Name, h.PID)
			}
		}
		links, err := net.Interfaces()
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range links {
			if i.Name == l.Bridge || strings.HasPrefix(i.Name, strings.Replace(l.Bridge, "hlab", "hl", 1)+"n") {
				t.Errorf("link %s remains", i.Name)
			}
		}
		mi, _ := os.ReadFile("/proc/self/mountinfo")
		if strings.Contains(string(mi), l.Dir) {
			t.Errorf("mounts under %s remain", l.Dir)
		}
		if _, err := os.Stat(l.Dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s remains (%v)", l.Dir, err)
		}
		if err := l.Down(); err != nil {
			t.Errorf("second down: %v", err)
		}
	})
}

// TestParallelLab is what concurrent test packages do: each Up gets its own
// bridge, subnet and directory; and a directory holds one lab only.
func TestParallelLab(t *testing.T) {
	if err := lab.Prereq(); err != nil && os.Getenv("CI") != "true" {
		t.Skip(err)
	}
	ctx := t.Context()
	dirs := []string{"", "", filepath.Join(t.TempDir(), "lab")}
	labs := make([]*lab.Lab, len(dirs))
	errs := make([]error, len(dirs))
	var wg sync.WaitGroup
	for i, d := range dirs {
		wg.Go(func() { labs[i], errs[i] = lab.Up(ctx, lab.Options{Dir: d, N: 1}) })
	}
	wg.Wait()
	for i, l := range labs {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		t.Cleanup(func() { _ = l.Down() })
	}
	seen := map[string]bool{}
	for _, l := range labs {
		for _, k := range []string{l.Bridge, l.Subnet, l.Dir} {
			if seen[k] {
				t.Errorf("%s used twice", k)
			}
			seen[k] = true
		}
	}
	if _, err := lab.Up(ctx, lab.Options{Dir: dirs[2], N: 1}); !errors.Is(err, lab.ErrExists) {
		t.Errorf("second Up in %s: %v, want ErrExists", dirs[2], err)
	}
	if l, err := lab.Load(dirs[2]); err != nil || len(l.Hosts()) != 1 || l.Hosts()[0].PID != labs[2].Hosts()[0].PID {
		t.Errorf("Load: %v", err)
	}
}

func banner(ip string) error {
	c, err := net.DialTimeout("tcp", net.JoinHostPort(ip, "22"), 2*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "SSH-2.0-") {
		return fmt.Errorf("%s: banner %q, %v", ip, line, err)
	}
	return nil
}

// childNamedOK returns the PID of pid's child whose comm is name, or 0.
func childNamedOK(pid int, name string) int {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	for _, f := range strings.Fields(string(b)) {
		c, _ := strconv.Atoi(f)
		comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", c))
		if strings.TrimSpace(string(comm)) == name {
			return c
		}
	}
	return 0
}

func childNamed(t *testing.T, pid int, name string) int {
	t.Helper()
	c := childNamedOK(pid, name)
	if c == 0 {
		t.Fatalf("no %s under PID %d", name, pid)
	}
	return c
}
