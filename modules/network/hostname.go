package network

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/jinja"
	"github.com/haplay/haplay/engine/module"
)

// Hostname sets a host's name (ansible.builtin.hostname): the running name,
// /etc/hostname, and, unlike Ansible, the 127.0.1.1 line of /etc/hosts,
// which Debian and Ubuntu use to resolve their own name (seed 001 edits it
// by hand right after hostnamectl).
type Hostname struct{}

var _ module.Module = Hostname{}

func (Hostname) Name() string { return "hostname" }

// hostnameRe is RFC 1123: labels of letters, digits and hyphens.
var hostnameRe = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$`)

func (Hostname) Spec() module.Spec {
	return module.Spec{
		Short: "Set the system's hostname",
		Description: "Sets the running hostname (hostnamectl set-hostname where systemd runs, hostname NAME " +
			"elsewhere) and /etc/hostname. With update_etc_hosts (default true) it also keeps the 127.0.1.1 " +
			"line of /etc/hosts naming the host: the old name on that line is replaced, or the line is set to " +
			"the new name, or one is added after the 127.0.0.1 line. use picks the strategy; by default " +
			"systemd when /run/systemd/system exists, else debian (hostname command plus /etc/hostname).",
		Args: []module.Arg{
			{Name: "name", Type: module.TypeStr, Required: true, Doc: "the hostname"},
			{Name: "use", Type: module.TypeStr, Choices: []string{"systemd", "debian", "generic"}, Doc: "strategy (default: detected)"},
			{Name: "update_etc_hosts", Type: module.TypeBool, Default: true, Doc: "haplay: keep the 127.0.1.1 line of /etc/hosts on the new name"},
		},
		Check: func(a module.Args, _ bool) []module.ArgError {
			n := a.String("name")
			if jinja.IsTemplated(n) {
				return nil
			}
			if !hostnameRe.MatchString(n) || len(n) > 253 {
				return []module.ArgError{{Arg: "name", Msg: fmt.Sprintf("name %q is not a valid hostname (letters, digits, hyphens, dots)", n)}}
			}
			return nil
		},
		Examples: `# Seed 001: sudo hostnamectl set-hostname k8s-vm-<X>
- name: Set the hostname
  ansible.builtin.hostname:
    name: "k8s-vm-{{ node_index }}"`,
	}
}

// setLoopbackName puts name on the 127.0.1.1 line of an /etc/hosts text:
// the old names are replaced where they appear (keeping an FQDN beside a
// short name); a line with neither gets name alone; a file without such a
// line gets one after 127.0.0.1 (or at the top).
func setLoopbackName(content string, old []string, name string) string {
	lines := splitLines(content)
	parsed := make([]hostsLine, len(lines))
	for i, s := range lines {
		parsed[i] = parseHostsLine(s)
	}
	for i, l := range parsed {
		if l.ip != "127.0.1.1" {
			continue
		}
		names := make([]string, 0, len(l.names))
		for _, n := range l.names {
			if slices.Contains(old, n) {
				n = name
			}
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
		found := false
		for _, n := range names {
			if n == name {
				found = true
			}
		}
		if !found {
			names = []string{name}
		}
		l.names = names
		parsed[i] = l
		return joinLines(parsed)
	}
	at := 0
	for i, l := range parsed {
		if l.ip == "127.0.0.1" {
			at = i + 1
			break
		}
	}
	nl := hostsLine{ip: "127.0.1.1", sep: " ", names: []string{name}}
	if at > 0 && parsed[at-1].sep != "" {
		nl.sep = parsed[at-1].sep
	}
	parsed = append(parsed[:at], append([]hostsLine{nl}, parsed[at:]...)...)
	return joinLines(parsed)
}

func (Hostname) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	name := c.Args.String("name")
	if !hostnameRe.MatchString(name) {
		return module.Result{Failed: true, Msg: fmt.Sprintf("name %q is not a valid hostname", name)}, nil
	}
	out, err := c.Host.Run(ctx, hostcmd.Cmd{Script: `hostname; if [ -d /run/systemd/system ]; then echo systemd; else echo none; fi`, Become: c.Become})
	if err != nil {
		return module.Result{}, fmt.Errorf("hostname: read state: %w", err)
	}
	if out.ExitCode != 0 {
		return module.Result{Failed: true, Msg: fmt.Sprintf("hostname: reading the current name failed (exit %d): %s", out.ExitCode, strings.TrimSpace(string(out.Stderr)))}, nil
	}
	f := strings.Fields(string(out.Stdout))
	current, init := "", "none"
	if len(f) >= 2 {
		current, init = f[0], f[1]
	}
	use := c.Args.String("use")
	if use == "" {
		use = map[bool]string{true: "systemd", false: "debian"}[init == "systemd"]
	}
	r := module.Result{}
	// Files first, through Host.WriteFile so check mode predicts them.
	var hn module.FileInfo
	err = module.ReadModifyWrite(ctx, "/etc/hostname", func() error {
		var err error
		if hn, err = c.Host.ReadFile(ctx, "/etc/hostname", true); err != nil {
			return err
		}
		return mergeFileResult(&r, func() (module.Result, error) {
			return writeIfChanged(ctx, c, "/etc/hostname", hn, string(hn.Content), name+"\n")
		})
	})
	if err != nil || r.Failed {
		return r, hostnameErr(err)
	}
	if c.Args.Bool("update_etc_hosts") {
		// The line may carry the running name or the one in /etc/hostname.
		old := []string{current, strings.TrimSpace(string(hn.Content))}
		err = module.ReadModifyWrite(ctx, "/etc/hosts", func() error {
			hosts, err := c.Host.ReadFile(ctx, "/etc/hosts", true)
			if err != nil {
				return err
			}
			return mergeFileResult(&r, func() (module.Result, error) {
				return writeIfChanged(ctx, c, "/etc/hosts", hosts, string(hosts.Content), setLoopbackName(string(hosts.Content), old, name))
			})
		})
		if err != nil || r.Failed {
			return r, hostnameErr(err)
		}
	}
	if current != name {
		r.Changed = true
		if c.Diff {
			r.Diffs = append(r.Diffs, module.Diff{BeforeHeader: "hostname (running)", AfterHeader: "hostname (running)",
				Before: "hostname: " + current + "\n", After: "hostname: " + name + "\n"})
		}
		if !c.Check {
			cmd := "hostname " + hostcmd.Quote(name)
			if use == "systemd" {
				cmd = "hostnamectl set-hostname " + hostcmd.Quote(name)
			}
			o, err := c.Host.Run(ctx, hostcmd.Cmd{Script: cmd, Become: c.Become})
			if err != nil {
				return module.Result{}, fmt.Errorf("hostname: %w", err)
			}
			if o.ExitCode != 0 {
				return module.Result{Failed: true, Msg: fmt.Sprintf("%s failed (exit %d): %s", cmd, o.ExitCode, strings.TrimSpace(string(o.Stderr)))}, nil
			}
		}
	}
	short, domain, _ := strings.Cut(name, ".")
	r.Facts = map[string]any{"ansible_hostname": short, "ansible_nodename": name, "ansible_fqdn": name, "ansible_domain": domain}
	r.Set("name", name)
	r.Set("use", use)
	return r, nil
}

// mergeFileResult adds one file's write (writeIfChanged) to the hostname
// result r: its change and diffs, or its failure in place of r.
func mergeFileResult(r *module.Result, write func() (module.Result, error)) error {
	sub, err := write()
	switch {
	case err != nil:
		return err
	case sub.Failed:
		*r = sub
	case sub.Changed:
		r.Changed = true
		r.Diffs = append(r.Diffs, sub.Diffs...)
	}
	return nil
}

// hostnameErr names the module in a transport error; nil stays nil.
func hostnameErr(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("hostname: %w", err)
}
