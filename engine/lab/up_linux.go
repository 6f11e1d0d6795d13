package lab

import (
	"bufio"
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
	"sync"
	"syscall"
	"time"
)

// state is lab.json: enough for another process (haplay lab down) to find
// and remove everything. Written before any host starts.
type state struct {
	Index int
	Hosts []Host // PIDs live in each host's pid file
}

// Prereq reports why this machine cannot run a lab, or nil.
func Prereq() error {
	if os.Geteuid() != 0 {
		return errors.New("lab needs root")
	}
	for _, bin := range []string{"/usr/sbin/sshd", "ssh-keygen", "ip", "nsenter"} {
		if _, err := exec.LookPath(bin); err != nil {
			return fmt.Errorf("lab needs %s (scripts/deps.sh installs it): %w", bin, err)
		}
	}
	return nil
}

// Up makes o.N hosts and returns once every one answers SSH. On error it
// removes whatever it had made.
func Up(ctx context.Context, o Options) (_ *Lab, err error) {
	if o.N < 1 || o.N > maxHosts {
		return nil, fmt.Errorf("lab: %d hosts: want 1 to %d", o.N, maxHosts)
	}
	if o.Net < 0 || o.Net > 255 {
		return nil, fmt.Errorf("lab: subnet %d: want 1 to 255 (10.231.N.0/24), or 0 for the first free one", o.Net)
	}
	if err := Prereq(); err != nil {
		return nil, err
	}
	dir := o.Dir
	if dir == "" {
		if dir, err = os.MkdirTemp("/run", "haplay-lab-"); err != nil {
			return nil, fmt.Errorf("lab dir: %w", err)
		}
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("lab dir: %w", err)
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, "lab.json")); err == nil {
		return nil, fmt.Errorf("%s: %w", dir, ErrExists)
	}
	l := newLab(dir)
	defer func() {
		if err != nil {
			err = errors.Join(err, l.Down())
		}
	}()

	if l.index, err = allocBridge(ctx, o.Net); err != nil {
		return l, err
	}
	l.setNet()
	for k := 1; k <= o.N; k++ {
		l.hosts = append(l.hosts, Host{Name: hostName(k), IP: hostIP(l.index, k)})
	}
	if err := writeJSON(filepath.Join(dir, "lab.json"), state{Index: l.index, Hosts: l.hosts}); err != nil {
		return l, err
	}
	hostKeys, err := l.writeFiles(ctx)
	if err != nil {
		return l, err
	}
	if err := l.start(ctx); err != nil {
		return l, err
	}
	if err := os.WriteFile(l.KnownHostsPath, []byte(knownHosts(l.hosts, hostKeys)), 0o644); err != nil {
		return l, err
	}
	if err := os.WriteFile(l.InventoryPath, []byte(inventoryINI(l.hosts, l.KeyPath)), 0o644); err != nil {
		return l, err
	}
	wctx, cancel := context.WithTimeout(ctx, sshWait)
	defer cancel()
	return l, l.waitSSH(wctx)
}

func newLab(dir string) *Lab {
	return &Lab{
		Dir:            dir,
		InventoryPath:  filepath.Join(dir, "inventory.ini"),
		KeyPath:        filepath.Join(dir, "id_ed25519"),
		KnownHostsPath: filepath.Join(dir, "known_hosts"),
		index:          -1,
		children:       map[int]childProc{},
	}
}

func (l *Lab) setNet() {
	l.Bridge = bridgeName(l.index)
	l.Subnet = subnetOf(l.index)
}

func (l *Lab) hostDir(name string) string { return filepath.Join(l.Dir, name) }

// writeFiles makes the client key and each host's directory: host key,
// sshd_config, authorized_keys, host.json. It returns the host public keys
// by host name. ssh-keygen runs in parallel: it is most of this step.
func (l *Lab) writeFiles(ctx context.Context) (map[string]string, error) {
	clientPub, err := genKey(ctx, l.KeyPath, "haplay-lab")
	if err != nil {
		return nil, err
	}
	hostsFile := etcHosts(l.hosts)
	var mu sync.Mutex
	keys := map[string]string{}
	errs := make([]error, len(l.hosts))
	var wg sync.WaitGroup
	for i, h := range l.hosts {
		wg.Go(func() {
			pub, err := l.writeHostDir(ctx, h, clientPub, hostsFile)
			errs[i] = err
			mu.Lock()
			keys[h.Name] = pub
			mu.Unlock()
		})
	}
	wg.Wait()
	return keys, errors.Join(errs...)
}

func (l *Lab) writeHostDir(ctx context.Context, h Host, clientPub, hostsFile string) (string, error) {
	d := l.hostDir(h.Name)
	if err := os.MkdirAll(filepath.Join(d, "mnt"), 0o700); err != nil {
		return "", fmt.Errorf("%s: %w", h.Name, err)
	}
	pub, err := genKey(ctx, filepath.Join(d, "ssh_host_ed25519_key"), h.Name)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(d, "sshd_config"), []byte(sshdConfig(h.IP)), 0o600); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(d, "authorized_keys"), []byte(clientPub+"\n"), 0o600); err != nil {
		return "", err
	}
	cfg := hostConfig{Name: h.Name, IP: h.IP, Prefix: 24, Hosts: hostsFile}
	return pub, writeJSON(filepath.Join(d, "host.json"), cfg)
}

// start launches every host's PID 1 in new namespaces, plugs a veth from
// the bridge into each (one ip call for all), then lets them go on.
func (l *Lab) start(ctx context.Context) error {
	var ready []*os.File
	defer func() {
		for _, w := range ready {
			w.Close()
		}
	}()
	var links strings.Builder
	for i := range l.hosts {
		h := &l.hosts[i]
		w, err := l.startHost(h)
		if err != nil {
			return err
		}
		ready = append(ready, w)
		v := vethName(l.index, i+1)
		fmt.Fprintf(&links, "link add %s type veth peer name eth0 netns %d\nlink set %s master %s up\n", v, h.PID, v, l.Bridge)
	}
	if err := ipBatch(ctx, links.String()); err != nil {
		return fmt.Errorf("plug hosts: %w", err)
	}
	for _, w := range ready {
		if _, err := w.Write([]byte{1}); err != nil {
			return fmt.Errorf("release host: %w", err)
		}
	}
	return nil
}

// startHost starts one host's PID 1 and returns the pipe that releases
// it. Setsid: the host outlives the caller's process group (and haplay
// lab up itself).
func (l *Lab) startHost(h *Host) (*os.File, error) {
	d := l.hostDir(h.Name)
	logf, err := os.OpenFile(filepath.Join(d, "console.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	cmd := exec.Command("/proc/self/exe", initArg, d)
	cmd.Dir = "/"
	cmd.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "LANG=C.UTF-8"}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.ExtraFiles = []*os.File{r}
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setsid: true,
		Cloneflags: syscall.CLONE_NEWNET | syscall.CLONE_NEWUTS | syscall.CLONE_NEWNS |
			syscall.CLONE_NEWPID | syscall.CLONE_NEWIPC,
	}
	if err := cmd.Start(); err != nil {
		w.Close()
		return nil, fmt.Errorf("start %s: %w", h.Name, err)
	}
	h.PID = cmd.Process.Pid
	l.children[h.PID] = cmd
	if err := os.WriteFile(filepath.Join(d, "pid"), []byte(strconv.Itoa(h.PID)+"\n"), 0o644); err != nil {
		w.Close()
		return nil, err
	}
	return w, nil
}

// waitSSH returns once every host's sshd sends its banner, or the first
// host whose PID 1 died, with the end of its console log.
func (l *Lab) waitSSH(ctx context.Context) error {
	errs := make([]error, len(l.hosts))
	var wg sync.WaitGroup
	for i, h := range l.hosts {
		wg.Go(func() {
			for {
				if sshBanner(ctx, h.IP) == nil {
					return
				}
				if !l.alive(h) {
					errs[i] = fmt.Errorf("%s died: %s", h.Name, l.logTail(h.Name))
					return
				}
				select {
				case <-ctx.Done():
					errs[i] = fmt.Errorf("%s: sshd on %s:22 not answering: %w; log: %s", h.Name, h.IP, ctx.Err(), l.logTail(h.Name))
					return
				case <-time.After(20 * time.Millisecond):
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// sshBanner dials ip:22 and reads the "SSH-2.0-..." line.
func sshBanner(ctx context.Context, ip string) error {
	d := net.Dialer{Timeout: time.Second}
	c, err := d.DialContext(ctx, "tcp", net.JoinHostPort(ip, "22"))
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "SSH-") {
		return fmt.Errorf("%s: not an SSH banner: %q", ip, line)
	}
	return nil
}

func (l *Lab) logTail(name string) string {
	b, _ := os.ReadFile(filepath.Join(l.hostDir(name), "console.log"))
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return strings.TrimSpace(string(b))
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
