package lab

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// initArg marks the re-executed binary as a lab host's PID 1. Up starts
// /proc/self/exe with it, so any binary that links this package (haplay,
// or a test binary of another package) can be a host's init without a
// separate program to build or install.
const initArg = "haplay-lab-init"

func init() {
	if len(os.Args) == 3 && os.Args[1] == initArg && os.Getpid() == 1 {
		if err := hostInit(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, "haplay-lab-init:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
}

// hostConfig is what Up hands a host's init, in hostDir/host.json.
type hostConfig struct {
	Name   string
	IP     string
	Prefix int
	Hosts  string // the host's /etc/hosts: every lab host by name
}

// Files Up writes into a host's directory and init copies into the host.
var hostFiles = []string{"ssh_host_ed25519_key", "ssh_host_ed25519_key.pub", "sshd_config", "authorized_keys"}

// hostInit runs as PID 1 of a host's PID namespace, already inside its own
// network, UTS, mount and IPC namespaces. It builds the host's root,
// waits for Up to plug in the network (fd 3), then keeps sshd running.
func hostInit(hostDir string) error {
	data, err := os.ReadFile(filepath.Join(hostDir, "host.json"))
	if err != nil {
		return err
	}
	var cfg hostConfig
	if err := json.Unmarshal(data, &cfg); err != nil {
		return fmt.Errorf("read host.json: %w", err)
	}
	if err := syscall.Sethostname([]byte(cfg.Name)); err != nil {
		return fmt.Errorf("sethostname: %w", err)
	}
	if err := makeRoot(hostDir, cfg.Name, cfg.Hosts); err != nil {
		return err
	}
	// Up writes one byte (or closes) once eth0 is in our namespace.
	ready := os.NewFile(3, "ready")
	if _, err := ready.Read(make([]byte, 1)); err != nil {
		return fmt.Errorf("wait for network: %w", err)
	}
	ready.Close()
	ipCmd := exec.Command("ip", "-batch", "-")
	ipCmd.Stdin = strings.NewReader(fmt.Sprintf("link set lo up\naddr add %s/%d dev eth0\nlink set eth0 up\n", cfg.IP, cfg.Prefix))
	if out, err := ipCmd.CombinedOutput(); err != nil {
		return fmt.Errorf("configure eth0: %v: %s", err, out)
	}
	return supervise()
}

// makeRoot mounts an overlay of the real / (lower) with an upper dir on a
// tmpfs private to this mount namespace, and pivots into it. The tmpfs is
// mounted only in our namespace, so it (and every write the host makes)
// vanishes with the host's last process: nothing to unmount on down.
func makeRoot(hostDir, name, hosts string) error {
	if err := syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make / private: %w", err)
	}
	mnt := filepath.Join(hostDir, "mnt")
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, "mode=0755"); err != nil {
		return fmt.Errorf("mount tmpfs: %w", err)
	}
	upper, work, root := filepath.Join(mnt, "upper"), filepath.Join(mnt, "work"), filepath.Join(mnt, "root")
	for _, d := range []string{upper, work, root} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return err
		}
	}
	// lowerdir=/ is the root filesystem only, without its submounts: the
	// state dir's tmpfs (if any), /proc, /dev... appear as plain dirs.
	opts := fmt.Sprintf("lowerdir=/,upperdir=%s,workdir=%s", upper, work)
	if err := syscall.Mount("overlay", root, "overlay", 0, opts); err != nil {
		return fmt.Errorf("mount overlay: %w", err)
	}
	// Give the host its own identity, and copy sshd's files in now: after pivot_root the state dir may be
	// unreachable (when it lives on a tmpfs, the lower layer cannot see it).
	etc := filepath.Join(root, "etc/haplay-lab")
	if err := os.MkdirAll(etc, 0o755); err != nil {
		return err
	}
	ident := map[string]string{"etc/hostname": name + "\n", "etc/hosts": hosts}
	for f, content := range ident {
		if err := os.WriteFile(filepath.Join(root, f), []byte(content), 0o644); err != nil {
			return err
		}
	}
	for _, f := range hostFiles {
		b, err := os.ReadFile(filepath.Join(hostDir, f))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(etc, f), b, 0o600); err != nil {
			return err
		}
	}
	mounts := []struct{ src, dst, fstype, data string }{
		{"proc", "proc", "proc", ""},
		{"sysfs", "sys", "sysfs", ""},
		{"/dev", "dev", "", ""}, // bind: devices and /dev/pts for ssh -t
		{"tmpfs", "run", "tmpfs", "mode=0755"},
		{"tmpfs", "tmp", "tmpfs", "mode=1777"},
		// A fresh root home: the controller's dotfiles (shell rc files,
		// ~/.ssh) are not the host's, and can slow every login.
		{"tmpfs", "root", "tmpfs", "mode=0700"},
	}
	for _, m := range mounts {
		flags := uintptr(0)
		if m.fstype == "" {
			flags = syscall.MS_BIND | syscall.MS_REC
		}
		if err := syscall.Mount(m.src, filepath.Join(root, m.dst), m.fstype, flags, m.data); err != nil {
			return fmt.Errorf("mount %s: %w", m.dst, err)
		}
	}
	// sshd's privilege separation chroot.
	if err := os.Mkdir(filepath.Join(root, "run/sshd"), 0o755); err != nil {
		return err
	}
	// pivot_root(".", ".") stacks the old root under the new one; detaching
	// it leaves no trace of the real / other than the overlay's lower layer.
	if err := syscall.Chdir(root); err != nil {
		return err
	}
	if err := syscall.PivotRoot(".", "."); err != nil {
		return fmt.Errorf("pivot_root: %w", err)
	}
	if err := syscall.Unmount(".", syscall.MNT_DETACH); err != nil {
		return fmt.Errorf("detach old root: %w", err)
	}
	return syscall.Chdir("/")
}

// supervise keeps sshd running and reaps every orphan until SIGTERM. A
// killed sshd comes back after a short pause, so tests can kill it to
// simulate an outage and the host stays up.
func supervise() error {
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGCHLD, syscall.SIGTERM, syscall.SIGINT)
	sshd, err := startSSHD()
	if err != nil {
		return err
	}
	var restart <-chan time.Time
	var deadline <-chan time.Time
	stopping := false
	for {
		select {
		case s := <-sigs:
			if s != syscall.SIGCHLD {
				if stopping {
					continue
				}
				stopping = true
				if sshd == 0 {
					return nil
				}
				_ = syscall.Kill(sshd, syscall.SIGTERM)
				deadline = time.After(2 * time.Second)
				continue
			}
			for {
				var ws syscall.WaitStatus
				pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
				if pid <= 0 || err != nil {
					break
				}
				if pid != sshd {
					continue
				}
				sshd = 0
				if stopping {
					return nil
				}
				restart = time.After(200 * time.Millisecond)
			}
		case <-restart:
			restart = nil
			if _, err := os.Stat(sshdHoldFile); err == nil {
				// StopSSHD asked for an outage: keep sshd down until the
				// hold file goes away.
				restart = time.After(200 * time.Millisecond)
				continue
			}
			if sshd, err = startSSHD(); err != nil {
				fmt.Fprintln(os.Stderr, "haplay-lab-init: restart sshd:", err)
				restart = time.After(time.Second)
			}
		case <-deadline:
			// Returning ends PID 1: the kernel kills the rest of the host.
			return nil
		}
	}
}

// sshdHoldFile, inside a host, keeps its sshd from being restarted.
const sshdHoldFile = "/run/haplay-lab-sshd.hold"

// sshdPIDFile is where PID 1 records the running sshd's PID.
const sshdPIDFile = "/run/haplay-lab-sshd.pid"

func startSSHD() (int, error) {
	p, err := os.StartProcess("/usr/sbin/sshd",
		[]string{"/usr/sbin/sshd", "-D", "-e", "-f", "/etc/haplay-lab/sshd_config"},
		&os.ProcAttr{Files: []*os.File{nil, os.Stdout, os.Stderr}})
	if err != nil {
		return 0, fmt.Errorf("start sshd: %w", err)
	}
	pid := p.Pid
	// Release: the supervisor reaps with wait4(-1), not os.Process.Wait.
	_ = p.Release()
	_ = os.WriteFile(sshdPIDFile, []byte(strconv.Itoa(pid)+"\n"), 0o644)
	return pid, nil
}
