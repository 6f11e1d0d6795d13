package lab

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Load finds the lab Up made in dir, for another process: haplay lab
// status and down.
func Load(dir string) (*Lab, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(filepath.Join(dir, "lab.json"))
	if err != nil {
		return nil, fmt.Errorf("no lab in %s: %w", dir, err)
	}
	var s state
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%s/lab.json: %w", dir, err)
	}
	l := newLab(dir)
	l.index, l.hosts = s.Index, s.Hosts
	l.setNet()
	for i := range l.hosts {
		l.hosts[i].PID = l.readPID(l.hosts[i].Name)
	}
	return l, nil
}

func (l *Lab) readPID(name string) int {
	b, err := os.ReadFile(filepath.Join(l.hostDir(name), "pid"))
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}

// alive tells whether h's PID 1 still runs. The PID must still be our
// init for this host's directory: PIDs are reused, and we must never
// signal a stranger.
func (l *Lab) alive(h Host) bool {
	if h.PID <= 0 {
		return false
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", h.PID))
	if err != nil {
		return false
	}
	args := strings.Split(strings.TrimSuffix(string(cmdline), "\x00"), "\x00")
	if len(args) != 3 || args[1] != initArg || args[2] != l.hostDir(h.Name) {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", h.PID))
	if err != nil {
		return false
	}
	// "pid (comm) S ...": a zombie has exited, only its parent has not
	// reaped it yet.
	i := bytes.LastIndexByte(stat, ')')
	return i < 0 || i+2 >= len(stat) || stat[i+2] != 'Z'
}

// Status reports each host: running, and answering SSH.
func (l *Lab) Status(ctx context.Context) []HostStatus {
	out := make([]HostStatus, len(l.hosts))
	for i, h := range l.hosts {
		out[i] = HostStatus{Host: h, Alive: l.alive(h)}
		if out[i].Alive {
			c, cancel := context.WithTimeout(ctx, time.Second)
			out[i].SSH = sshBanner(c, h.IP) == nil
			cancel()
		}
	}
	return out
}

// Exec runs argv inside host (name or IP) through nsenter, without SSH:
// for tests that need to stop sshd or look at a host's files. It returns
// stdout and stderr together.
func (l *Lab) Exec(ctx context.Context, host string, argv ...string) ([]byte, error) {
	h, ok := l.Host(host)
	if !ok {
		return nil, fmt.Errorf("lab: no host %q", host)
	}
	if !l.alive(h) {
		return nil, fmt.Errorf("lab: %s is not running", h.Name)
	}
	args := append([]string{"-t", strconv.Itoa(h.PID), "-a", "--"}, argv...)
	out, err := exec.CommandContext(ctx, "nsenter", args...).CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("%s: %s: %w: %s", h.Name, strings.Join(argv, " "), err, bytes.TrimSpace(out))
	}
	return out, nil
}

// Down stops every host, deletes the links and the files Up made, and the
// directory if nothing else is left in it. Safe to call more than once.
func (l *Lab) Down() error {
	// SIGTERM lets each init stop sshd; when a PID 1 exits the kernel
	// kills the rest of its PID namespace, and with it the mounts.
	l.signalAll(syscall.SIGTERM)
	if !l.waitGone(3 * time.Second) {
		l.signalAll(syscall.SIGKILL)
		if !l.waitGone(3 * time.Second) {
			// Keep the PID files so that down can be tried again.
			return errors.New("lab: some hosts did not exit")
		}
	}
	for pid, c := range l.children {
		_ = c.Wait() // reap; a killed init's exit status says nothing
		delete(l.children, pid)
	}
	if l.index >= 0 {
		if err := l.deleteLinks(); err != nil {
			// Keep lab.json so that down can be tried again.
			return err
		}
	}
	return l.removeFiles()
}

// deleteLinks removes the bridge and the host ends of the veths. A veth
// also vanishes with its namespace, but asynchronously, and may do so
// while we delete it: so delete with -force, then check what is left.
func (l *Lab) deleteLinks() error {
	names := []string{l.Bridge}
	for k := range len(l.hosts) {
		names = append(names, vethName(l.index, k+1))
	}
	// Another lab may take a freed name (the first free index) as soon as
	// it is deleted: what remains is only a link of the same index as ours.
	ours := map[string]int{}
	var del strings.Builder
	for _, n := range names {
		if i, ok := linkIndex(n); ok {
			ours[n] = i
			fmt.Fprintf(&del, "link del %s\n", n)
		}
	}
	if del.Len() == 0 {
		return nil
	}
	err := ipBatch(context.Background(), del.String(), "-force")
	for n, idx := range ours {
		if i, ok := linkIndex(n); ok && i == idx {
			return fmt.Errorf("lab: link %s remains: %w", n, err)
		}
	}
	return nil
}

func (l *Lab) signalAll(sig syscall.Signal) {
	for _, h := range l.hosts {
		if l.alive(h) {
			_ = syscall.Kill(h.PID, sig)
		}
	}
}

func (l *Lab) waitGone(d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		gone := true
		for _, h := range l.hosts {
			if l.alive(h) {
				gone = false
			}
		}
		if gone || time.Now().After(deadline) {
			return gone
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// removeFiles deletes what Up wrote, refusing if anything is still
// mounted below the lab dir (RemoveAll would then reach into it).
func (l *Lab) removeFiles() error {
	mi, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return err
	}
	for line := range strings.SplitSeq(string(mi), "\n") {
		if f := strings.Fields(line); len(f) > 4 && strings.HasPrefix(f[4], l.Dir+"/") {
			return fmt.Errorf("lab: %s still mounted; not removing %s", f[4], l.Dir)
		}
	}
	var errs []error
	for _, h := range l.hosts {
		errs = append(errs, os.RemoveAll(l.hostDir(h.Name)))
	}
	for _, f := range []string{l.InventoryPath, l.KnownHostsPath, l.KeyPath, l.KeyPath + ".pub", filepath.Join(l.Dir, "lab.json")} {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	// Keep a directory that holds something of someone else's.
	if err := os.Remove(l.Dir); err != nil && !errors.Is(err, os.ErrNotExist) && !errors.Is(err, syscall.ENOTEMPTY) {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// StopSSHD stops a host's sshd and keeps it down (the host itself stays
// up), to simulate an outage. StartSSHD ends the outage.
func (l *Lab) StopSSHD(ctx context.Context, host string) error {
	script := "touch " + sshdHoldFile + " && kill $(cat " + sshdPIDFile + ")"
	if _, err := l.Exec(ctx, host, "/bin/sh", "-c", script); err != nil {
		return fmt.Errorf("stop sshd: %w", err)
	}
	// kill returns before sshd has closed its listening socket: on a busy
	// machine a connection made right away could still be answered.
	h, _ := l.Host(host)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", net.JoinHostPort(h.IP, "22"), time.Second)
		if err != nil {
			return nil
		}
		c.Close()
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("stop sshd: %s still answers on port 22", host)
}

// StartSSHD lets PID 1 start the host's sshd again, and waits until it
// answers.
func (l *Lab) StartSSHD(ctx context.Context, host string) error {
	if _, err := l.Exec(ctx, host, "rm", "-f", sshdHoldFile); err != nil {
		return fmt.Errorf("start sshd: %w", err)
	}
	h, _ := l.Host(host)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", net.JoinHostPort(h.IP, "22"), time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("start sshd: %s does not answer on port 22", host)
}
