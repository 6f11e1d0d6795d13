package lab

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// genKey writes an ed25519 key pair at path and path.pub and returns the
// public key line. ssh-keygen is already a dependency of sshd, and its
// output is exactly what sshd and ssh expect.
func genKey(ctx context.Context, path, comment string) (string, error) {
	out, err := exec.CommandContext(ctx, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("ssh-keygen %s: %v: %s", path, err, out)
	}
	pub, err := os.ReadFile(path + ".pub")
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(pub)), nil
}

// sshdConfig is a host's whole sshd configuration: root by key only, no
// PAM (PAM costs most of a connection's time), no DNS lookups.
func sshdConfig(ip string) string {
	return `ListenAddress ` + ip + `:22
HostKey /etc/haplay-lab/ssh_host_ed25519_key
AuthorizedKeysFile /etc/haplay-lab/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
UseDNS no
PidFile none
MaxStartups 100:30:200
MaxSessions 100
Subsystem sftp internal-sftp
`
}

// inventoryINI renders an Ansible INI inventory: the first three hosts are
// managers, the rest workers.
func inventoryINI(hosts []Host, keyPath string) string {
	var b strings.Builder
	group := func(name string, hs []Host) {
		fmt.Fprintf(&b, "[%s]\n", name)
		for _, h := range hs {
			fmt.Fprintf(&b, "%s ansible_host=%s ansible_user=root ansible_ssh_private_key_file=%s\n", h.Name, h.IP, keyPath)
		}
		b.WriteString("\n")
	}
	m := min(3, len(hosts))
	group("managers", hosts[:m])
	group("workers", hosts[m:])
	return b.String()
}

// knownHosts renders one line per host, naming it by IP and by name, so
// strict host key checking works whichever the client dials.
func knownHosts(hosts []Host, hostKeys map[string]string) string {
	var b strings.Builder
	for _, h := range hosts {
		// "ssh-ed25519 AAAA... comment": keep type and key only.
		f := strings.Fields(hostKeys[h.Name])
		if len(f) < 2 {
			continue
		}
		fmt.Fprintf(&b, "%s,%s %s %s\n", h.IP, h.Name, f[0], f[1])
	}
	return b.String()
}

// etcHosts is every lab host's /etc/hosts, so hosts reach each other by
// name (ssh node2 from node1, or a playbook's delegate_to).
func etcHosts(hosts []Host) string {
	var b strings.Builder
	b.WriteString("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n")
	for _, h := range hosts {
		fmt.Fprintf(&b, "%s\t%s\n", h.IP, h.Name)
	}
	return b.String()
}
