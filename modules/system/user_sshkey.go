package system

import (
	"context"
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules/internal/hostscript"
)

// userSSHKeyArgs generate a key pair for the user with ssh-keygen on the
// host, as Ansible's user does.
var userSSHKeyArgs = []module.Arg{
	{Name: "generate_ssh_key", Type: module.TypeBool, Doc: "make an SSH key pair for the user with ssh-keygen on the host (after creating the account); an existing key file (private or .pub) is left alone unless force is set, as in Ansible; the result has ssh_key_file, ssh_public_key and ssh_fingerprint"},
	{Name: "ssh_key_bits", Type: module.TypeInt, Default: 0, Doc: "key size (ssh-keygen -b); 0: ssh-keygen's default for the type"},
	{Name: "ssh_key_type", Type: module.TypeStr, Default: "rsa", Doc: "key type (ssh-keygen -t): rsa, ed25519, ecdsa..."},
	{Name: "ssh_key_file", Type: module.TypePath, Doc: "the private key's path, relative to the user's home (default .ssh/id_TYPE)"},
	{Name: "ssh_key_comment", Type: module.TypeStr, Doc: "the key's comment (default \"ansible-generated on HOSTNAME\", the host's name)"},
	{Name: "ssh_key_passphrase", Type: module.TypeStr, NoLog: true, Doc: "the key's passphrase; given to ssh-keygen on its standard input, never on a command line (default: none)"},
}

// sshKeyPath is the key file: absolute as given, else under home.
func sshKeyPath(a module.Args, home string) string {
	f := a.String("ssh_key_file")
	if f == "" {
		f = path.Join(".ssh", "id_"+a.String("ssh_key_type"))
	}
	if path.IsAbs(f) {
		return f
	}
	return path.Join(home, f)
}

// sshKeyScript makes the key pair unless one of its files exists (or, with
// force, replaces it), then prints sections: state (created, exists, or
// missing in check mode), fp (ssh-keygen -l), pub. The passphrase, if
// any, comes on stdin.
func sshKeyScript(a module.Args, file string, uid, gid int, check bool) string {
	q := hostcmd.Quote(file)
	owner := strconv.Itoa(uid) + ":" + strconv.Itoa(gid)
	gen := []string{"ssh-keygen", "-q", "-t", hostcmd.Quote(a.String("ssh_key_type"))}
	if b := a.Int("ssh_key_bits"); b > 0 {
		gen = append(gen, "-b", strconv.Itoa(b))
	}
	comment := `"ansible-generated on $(uname -n)"`
	if a.Has("ssh_key_comment") {
		comment = hostcmd.Quote(a.String("ssh_key_comment"))
	}
	gen = append(gen, "-C", comment, "-f", q)
	if a.Has("ssh_key_passphrase") {
		// Without a terminal ssh-keygen reads the passphrase (twice) from
		// stdin; setsid -w drops any controlling terminal.
		gen = append([]string{"setsid", "-w"}, gen...)
	} else {
		gen = append(gen, "-N", "''", "</dev/null")
	}
	var s strings.Builder
	s.WriteString("f=" + q + "\nd=$(dirname \"$f\")\nstate=exists\n")
	if a.Bool("force") && !check {
		s.WriteString("rm -f -- \"$f\" \"$f.pub\"\n")
	}
	s.WriteString("if [ ! -e \"$f\" ] && [ ! -e \"$f.pub\" ] || [ " + strconv.Quote(strconv.FormatBool(a.Bool("force"))) + " = true ]; then\n")
	if check {
		s.WriteString("  state=missing\n")
	} else {
		s.WriteString("  command -v ssh-keygen >/dev/null || { echo 'ssh-keygen not found: install openssh-client' >&2; exit 127; }\n")
		s.WriteString("  if [ ! -d \"$d\" ]; then mkdir -m 0700 -- \"$d\" && chown " + owner + " -- \"$d\" || exit 1; fi\n")
		s.WriteString("  " + strings.Join(gen, " ") + " >&2 || exit $?\n")
		s.WriteString("  chown " + owner + " -- \"$f\" \"$f.pub\" || exit 1\n  state=created\n")
	}
	s.WriteString("fi\necho @@haplay:state; echo \"$state\"\n")
	s.WriteString("echo @@haplay:fp; if [ -e \"$f\" ]; then ssh-keygen -l -f \"$f\" 2>&1; else echo \"SSH Key file $f does not exist\"; fi\n")
	s.WriteString("echo @@haplay:pub; cat -- \"$f.pub\" 2>/dev/null\nexit 0\n")
	return s.String()
}

// ensureSSHKey runs sshKeyScript for the user and sets the result: changed
// when a key was (or, in check mode, would be) made.
func ensureSSHKey(ctx context.Context, c *module.Call, e passwdEntry, r *module.Result) error {
	file := sshKeyPath(c.Args, e.Home)
	var stdin []byte
	if c.Args.Has("ssh_key_passphrase") && !c.Check {
		p := c.Args.String("ssh_key_passphrase")
		stdin = []byte(p + "\n" + p + "\n")
	}
	out, err := c.Host.Run(ctx, hostcmd.Cmd{Script: sshKeyScript(c.Args, file, e.UID, e.GID, c.Check), Stdin: stdin, Become: c.Become})
	if err != nil {
		return fmt.Errorf("ssh key %s: %w", file, err)
	}
	if out.ExitCode != 0 {
		return hostscript.Failf("ssh-keygen for %s (%s) failed (exit %d): %s", e.Name, file, out.ExitCode, strings.TrimSpace(string(out.Stderr)))
	}
	sec := hostscript.Sections(out.Stdout)
	state := strings.TrimSpace(sec["state"])
	r.Set("ssh_key_file", file)
	r.Set("ssh_fingerprint", strings.TrimSpace(sec["fp"]))
	if pub := strings.TrimSpace(sec["pub"]); pub != "" {
		r.Set("ssh_public_key", pub)
	} else {
		r.Set("ssh_public_key", nil)
	}
	if state == "created" || state == "missing" {
		r.Changed = true
		if c.Diff {
			r.Diffs = append(r.Diffs, module.Diff{BeforeHeader: file + " (before)", AfterHeader: file + " (after)",
				Before: "ssh key: absent\n", After: "ssh key: present (" + c.Args.String("ssh_key_type") + ")\n"})
		}
	}
	return nil
}

// withSSHKey adds the key pair to a present user's result when
// generate_ssh_key asks for it. A user check mode would create has no
// home to look in yet: its creation is the change reported.
func withSSHKey(ctx context.Context, c *module.Call, r module.Result, e passwdEntry, exists bool) (module.Result, error) {
	if c.Args.String("state") != "present" || !c.Args.Bool("generate_ssh_key") || !exists {
		return r, nil
	}
	if err := ensureSSHKey(ctx, c, e, &r); err != nil {
		return hostscript.FailedOr(module.Result{}, err)
	}
	return r, nil
}
