package run

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/haplay/haplay/engine/connection"
	"github.com/haplay/haplay/engine/connspec"
	"github.com/haplay/haplay/engine/inventory"
	"github.com/haplay/haplay/engine/jinja"
)

// inventoryKnownHosts returns the known_hosts files the inventory names
// the way Ansible passes them to ssh: `-o UserKnownHostsFile=FILE` in
// ansible_ssh_common_args or ansible_ssh_extra_args. haplay checks host
// keys in-process, so these files join --known-hosts (and
// ~/.ssh/known_hosts) for the whole run. Templated values are left out
// (they are not rendered before connecting); so are files that do not
// exist (a lab that is down), which then cannot vouch for any host.
func inventoryKnownHosts(inv *inventory.Inventory) []string {
	var out []string
	for _, h := range inv.Hosts() {
		vars := inv.HostVars(h)
		for _, k := range []string{"ansible_ssh_common_args", "ansible_ssh_extra_args"} {
			v, ok := vars[k]
			if !ok || v == nil {
				continue
			}
			for _, f := range KnownHostsFromSSHArgs(fmt.Sprint(v)) {
				if _, err := os.Stat(f); err == nil && !slices.Contains(out, f) {
					out = append(out, f)
				}
			}
		}
	}
	return out
}

// defaultsKnownHosts returns the known_hosts files named in the ssh
// arguments of the command line and ansible.cfg (ssh_args,
// --ssh-common-args, --ssh-extra-args), as inventoryKnownHosts does for
// the inventory's.
func defaultsKnownHosts(d connspec.Defaults) []string {
	var out []string
	for _, args := range []string{d.SSHArgs, d.SSHCommonArgs, d.SSHExtraArgs} {
		for _, f := range KnownHostsFromSSHArgs(args) {
			if _, err := os.Stat(f); err == nil && !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
	}
	return out
}

// KnownHostsFromSSHArgs reads the UserKnownHostsFile options of an ssh
// argument string: -o UserKnownHostsFile=F, -oUserKnownHostsFile=F, or
// -o "UserKnownHostsFile F1 F2" (ssh takes several, space-separated).
func KnownHostsFromSSHArgs(args string) []string {
	if jinja.IsTemplated(args) {
		return nil
	}
	opts, err := connection.SSHOptionArgs(args)
	if err != nil {
		return nil
	}
	var out []string
	for _, o := range opts {
		if o.Key != "userknownhostsfile" {
			continue
		}
		val := o.Value
		for _, f := range strings.Fields(val) {
			if f == "/dev/null" || f == "none" {
				continue
			}
			if strings.HasPrefix(f, "~/") {
				if home, err := os.UserHomeDir(); err == nil {
					f = filepath.Join(home, f[2:])
				}
			}
			out = append(out, f)
		}
	}
	return out
}
