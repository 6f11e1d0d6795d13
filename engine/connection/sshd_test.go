package connection

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// requireRoot skips tests that need a real sshd and root, except under
// CI=true, where a missing prerequisite must fail the build instead of
// silently shrinking the test suite.
func requireRoot(tb testing.TB) {
	tb.Helper()
	missing := func(why string) {
		tb.Helper()
		if os.Getenv("CI") == "true" {
			tb.Fatalf("CI=true but %s", why)
		}
		tb.Skip(why)
	}
	if runtime.GOOS != "linux" {
		missing("not Linux")
	}
	if os.Geteuid() != 0 {
		missing("not root")
	}
	for _, p := range []string{"/usr/sbin/sshd", "ssh-keygen", "sudo"} {
		if _, err := exec.LookPath(p); err != nil {
			missing(p + " not found")
		}
	}
}

// lockedBuffer collects sshd's log from its goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// testServer is one private sshd on 127.0.0.1.
type testServer struct {
	dir        string
	port       int
	hostKey    ssh.PublicKey
	clientKey  string // private key file authorized for root
	knownHosts string // a known_hosts file vouching for hostKey
}

func keygen(tb testing.TB, path string) {
	tb.Helper()
	out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "haplay-test", "-f", path).CombinedOutput()
	if err != nil {
		tb.Fatalf("ssh-keygen: %v: %s", err, out)
	}
}

func startSSHD(tb testing.TB) *testServer {
	tb.Helper()
	requireRoot(tb)
	dir := tb.TempDir()
	s := &testServer{dir: dir, clientKey: filepath.Join(dir, "client")}
	keygen(tb, filepath.Join(dir, "host"))
	keygen(tb, s.clientKey)
	pub, err := os.ReadFile(s.clientKey + ".pub")
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "authorized_keys"), pub, 0o600); err != nil {
		tb.Fatal(err)
	}
	hostPub, err := os.ReadFile(filepath.Join(dir, "host.pub"))
	if err != nil {
		tb.Fatal(err)
	}
	if s.hostKey, _, _, _, err = ssh.ParseAuthorizedKey(hostPub); err != nil {
		tb.Fatal(err)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	s.port = l.Addr().(*net.TCPAddr).Port
	l.Close()

	cfg := filepath.Join(dir, "sshd_config")
	conf := "Port " + strconv.Itoa(s.port) + "\nListenAddress 127.0.0.1\n" +
		"HostKey " + filepath.Join(dir, "host") + "\n" +
		"AuthorizedKeysFile " + filepath.Join(dir, "authorized_keys") + "\n" +
		"UsePAM no\nPidFile none\nStrictModes no\nPermitRootLogin yes\n" +
		"PasswordAuthentication no\nKbdInteractiveAuthentication no\nLogLevel ERROR\n" +
		// The login shell (bash) sources ~/.bashrc for every ssh command;
		// a machine's heavy .bashrc (pyenv) costs a second a command. An
		// empty HOME keeps the tests about haplay.
		"SetEnv HOME=" + dir + "\n"
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command("/usr/sbin/sshd", "-D", "-e", "-f", cfg)
	log := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start sshd: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	tb.Cleanup(func() {
		_ = cmd.Process.Kill() // this sshd only, by its PID
		<-exited
		if tb.Failed() {
			tb.Logf("sshd log:\n%s", log.String())
		}
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
	for deadline := time.Now().Add(5 * time.Second); ; {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		select {
		case <-exited:
			tb.Fatalf("sshd exited: %s", log.String())
		default:
		}
		if time.Now().After(deadline) {
			tb.Fatalf("sshd not listening on %s: %v\n%s", addr, err, log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}

	s.knownHosts = filepath.Join(dir, "known_hosts")
	line := knownhosts.Line([]string{knownhosts.Normalize(addr)}, s.hostKey) + "\n"
	if err := os.WriteFile(s.knownHosts, []byte(line), 0o600); err != nil {
		tb.Fatal(err)
	}
	return s
}

// checker returns a host key checker reading only files, appending (for
// accept-new) to userFile, never the real ~/.ssh/known_hosts.
func checker(tb testing.TB, policy HostKeyPolicy, userFile string, files ...string) *HostKeyChecker {
	tb.Helper()
	hk, err := newHostKeyChecker(policy, userFile, files)
	if err != nil {
		tb.Fatal(err)
	}
	return hk
}

// target returns an SSH target for s as root with the test key; edit
// adjusts the options.
func (s *testServer) target(tb testing.TB, edit ...func(*Options)) *SSHTarget {
	tb.Helper()
	o := Options{
		Name: "testhost", Address: "127.0.0.1", Port: s.port, User: "root",
		KeyFiles: []string{s.clientKey}, NoAgent: true,
		HostKeys:       checker(tb, HostKeyStrict, filepath.Join(s.dir, "user_known_hosts"), s.knownHosts),
		ConnectTimeout: 5 * time.Second,
	}
	for _, e := range edit {
		e(&o)
	}
	t, err := NewSSH(o)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = t.Close() })
	return t
}
