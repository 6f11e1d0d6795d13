package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haplay/haplay/internal/e2e"
)

// ptyRun runs haplay under script(1), so its stdin is a terminal, types
// answer when the output shows prompt, and returns the exit code and
// everything the terminal showed.
func ptyRun(t *testing.T, dir, prompt, answer string, args ...string) (int, string) {
	t.Helper()
	script, err := exec.LookPath("script")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but script(1) is not installed")
		}
		t.Skip("script(1) not installed")
	}
	line := e2e.Binary(t)
	for _, a := range args {
		line += " '" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	cmd := exec.Command(script, "-qec", line, "/dev/null")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "CI=")
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	var mu sync.Mutex
	var out bytes.Buffer
	asked := make(chan struct{})
	go func() {
		buf, once := make([]byte, 4096), sync.Once{}
		for {
			n, err := pr.Read(buf)
			mu.Lock()
			out.Write(buf[:n])
			seen := strings.Contains(out.String(), prompt)
			mu.Unlock()
			if seen {
				once.Do(func() { close(asked) })
			}
			if err != nil {
				return
			}
		}
	}()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-asked:
		// Typed only once echo is off, as a person would.
		time.Sleep(200 * time.Millisecond)
		fmt.Fprintf(in, "%s\r", answer)
	case <-time.After(30 * time.Second):
		t.Errorf("no %q prompt in 30 s", prompt)
	}
	err = cmd.Wait()
	in.Close()
	pw.Close()
	mu.Lock()
	defer mu.Unlock()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), out.String()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, out.String()
}

// -u deploy -b -K on a lab host whose sudo wants deploy's password: the
// password is asked on the terminal without echo, goes to sudo (over
// stdin, never a command line), and the task runs as root; a wrong one
// fails the task. It never shows in the output.
func TestAskBecomePassLab(t *testing.T) {
	l := e2e.Lab(t, 1)
	h, _ := l.Host("node1")
	const pw = "Secr3t {{ x }}"
	e2e.Exec(t, l, "node1", "sh", "-c", "useradd -m -s /bin/sh deploy && echo 'deploy:"+pw+"' | chpasswd && "+
		"echo 'deploy ALL=(ALL) ALL' > /etc/sudoers.d/deploy && chmod 0440 /etc/sudoers.d/deploy && "+
		// sshd reads the lab's one authorized_keys file as the user.
		"chmod 0644 /etc/haplay-lab/authorized_keys")
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "hosts"), fmt.Sprintf("node1 ansible_host=%s ansible_ssh_private_key_file=%s\n", h.IP, l.KeyPath))
	writeFile(t, filepath.Join(dir, "pb.yml"), "- hosts: all\n  gather_facts: false\n  tasks:\n    - name: who\n      shell: whoami > /tmp/who; id -un "+
		"$SUDO_UID > /tmp/sudo_user 2>/dev/null || true\n")
	args := []string{"run", "pb.yml", "-i", "hosts", "--known-hosts", l.KnownHostsPath, "-u", "deploy", "-b", "-K"}
	rc, out := ptyRun(t, dir, "BECOME password: ", pw, args...)
	if rc != 0 {
		t.Fatalf("exit %d\n%s", rc, out)
	}
	if got := e2e.Exec(t, l, "node1", "cat", "/tmp/who"); got != "root" {
		t.Errorf("whoami = %q, want root\n%s", got, out)
	}
	if got := e2e.Exec(t, l, "node1", "cat", "/tmp/sudo_user"); got != "deploy" {
		t.Errorf("sudo from %q, want deploy (-u)", got)
	}
	if strings.Contains(out, "Secr3t") {
		t.Errorf("the password shows in the output:\n%s", out)
	}
	rc, out = ptyRun(t, dir, "BECOME password: ", "wrong", args...)
	if rc != 2 || !strings.Contains(out, "fatal: [node1]") || strings.Contains(out, "wrong") {
		t.Errorf("wrong password: exit %d, want 2 and a failed task without the password\n%s", rc, out)
	}
}
