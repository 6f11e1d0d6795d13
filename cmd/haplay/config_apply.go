package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/haplay/haplay/engine/ansiblecfg"
	"github.com/haplay/haplay/engine/run"
)

// applyConfig sets every flag the command line did not give from
// ansible.cfg and its ANSIBLE_* variables (c resolves those two), so the
// precedence is Ansible's: flag, then environment, then file, then
// haplay's default.
func (o *playbookOptions) applyConfig(cmd *cobra.Command, c *ansiblecfg.Config) error {
	free := func(flag string) bool { f := cmd.Flags().Lookup(flag); return f != nil && !f.Changed }
	if p, set := c.Paths("DEFAULT_HOST_LIST"); set && free("inventory") {
		o.inventories = p
	}
	if n, set, _ := c.Int("DEFAULT_FORKS"); set && free("forks") {
		o.forks = n
	}
	if p, set := c.Paths("DEFAULT_ROLES_PATH"); set && free("roles-path") {
		o.rolesPath = p
	}
	o.collectionsPaths, _ = c.Paths("COLLECTIONS_PATHS")
	if free("host-key-checking") {
		on, set, _ := c.Bool("HOST_KEY_CHECKING")
		if sshOn, sshSet, _ := c.Bool("ssh_connection.host_key_checking"); sshSet {
			on, set = sshOn, true
		}
		if set && !on {
			o.hostKeyChecking = "off"
		}
	}
	if err := o.applyTimeout(c, free); err != nil {
		return err
	}
	if p, set := c.Path("DEFAULT_LOG_PATH"); set && free("log-file") {
		o.global.logFile = p
	}
	if p, set := c.Path("RETRY_FILES_SAVE_PATH"); set && free("resume-dir") {
		o.resumeDir = p
	}
	o.noColor, _, _ = c.Bool("ANSIBLE_NOCOLOR")
	o.applyStdoutCallback(c, free)
	if err := o.applyFacts(c); err != nil {
		return err
	}
	if o.conn != nil {
		o.conn.applyConfig(c, free)
	}
	return nil
}

// applyTimeout: [ssh_connection] timeout (ANSIBLE_SSH_TIMEOUT) over
// [defaults] timeout (ANSIBLE_TIMEOUT), as the ssh plugin reads them.
func (o *playbookOptions) applyTimeout(c *ansiblecfg.Config, free func(string) bool) error {
	n, set, _ := c.Int("DEFAULT_TIMEOUT")
	name := "DEFAULT_TIMEOUT"
	if sn, sset, _ := c.Int("ssh_connection.timeout"); sset {
		n, set, name = sn, true, "ssh_connection.timeout"
	}
	if !set || !free("timeout") {
		return nil
	}
	if n <= 0 {
		v, _ := c.Value(name)
		return usageErrorf("%s (from %s): %d is not a positive number of seconds", name, v.Origin, n)
	}
	o.timeout = time.Duration(n) * time.Second
	return nil
}

// applyStdoutCallback maps stdout_callback onto --output: default is
// text, json (ansible.posix.json) is json, and any other callback is
// warned about, since haplay has only these two.
func (o *playbookOptions) applyStdoutCallback(c *ansiblecfg.Config, free func(string) bool) {
	cb, set := c.String("DEFAULT_STDOUT_CALLBACK")
	// Ansible's ad-hoc command reads stdout_callback only under
	// bin_ansible_callbacks, which haplay does not read: exec keeps its
	// own output.
	if !set || !free("output") || o.adhoc != nil {
		return
	}
	switch cb {
	case "default", "ansible.builtin.default":
	case "json", "ansible.posix.json":
		o.output = "json"
	default:
		v, _ := c.Value("DEFAULT_STDOUT_CALLBACK")
		o.configWarnings = append(o.configWarnings, fmt.Sprintf(
			"stdout_callback %q (from %s) is not supported by haplay: it prints its own text output (--output json for JSON)", cb, v.Origin))
	}
}

// applyConfig sets the connection flags not given from the config.
func (c *connectionOptions) applyConfig(cfg *ansiblecfg.Config, free func(string) bool) {
	str := func(name, flag string, dst *string) {
		if v, set := cfg.String(name); set && free(flag) {
			*dst = v
		}
	}
	boolean := func(name, flag string, dst *bool) {
		if v, set, _ := cfg.Bool(name); set && free(flag) {
			*dst = v
		}
	}
	str("DEFAULT_REMOTE_USER", "user", &c.user)
	str("DEFAULT_TRANSPORT", "connection", &c.connection)
	if p, set := cfg.Path("BECOME_PASSWORD_FILE"); set && free("become-password-file") {
		c.becomePasswordFile = p
	}
	if p, set := cfg.Path("CONNECTION_PASSWORD_FILE"); set && free("connection-password-file") {
		c.passwordFile = p
	}
	str("DEFAULT_BECOME_USER", "become-user", &c.becomeUser)
	str("DEFAULT_BECOME_METHOD", "become-method", &c.becomeMethod)
	str("ssh_connection.ssh_common_args", "ssh-common-args", &c.sshCommonArgs)
	str("ssh_connection.ssh_extra_args", "ssh-extra-args", &c.sshExtraArgs)
	c.sshArgs, _ = cfg.String("ssh_connection.ssh_args")
	boolean("DEFAULT_BECOME", "become", &c.become)
	boolean("DEFAULT_BECOME_ASK_PASS", "ask-become-pass", &c.askBecomePass)
	boolean("DEFAULT_ASK_PASS", "ask-pass", &c.askPass)
	boolean("DEFAULT_FORCE_HANDLERS", "force-handlers", &c.forceHandlers)
	if p, set := cfg.Path("DEFAULT_PRIVATE_KEY_FILE"); set && free("private-key") {
		c.privateKey = p
	}
}

// applyFacts reads the gathering and fact cache settings. A cache plugin
// haplay does not have is an error: facts would silently not be kept.
func (o *playbookOptions) applyFacts(c *ansiblecfg.Config) error {
	o.facts = run.FactOptions{}
	if g, set := c.String("DEFAULT_GATHERING"); set {
		if g != "implicit" && g != "explicit" && g != "smart" {
			v, _ := c.Value("DEFAULT_GATHERING")
			return usageErrorf("gathering %q (from %s): use implicit, explicit or smart", g, v.Origin)
		}
		o.facts.Gathering = g
	}
	o.facts.GatherSubset, _ = c.Paths("DEFAULT_GATHER_SUBSET") // a List: split at commas
	if n, set, _ := c.Int("DEFAULT_GATHER_TIMEOUT"); set {
		o.facts.GatherTimeout = &n
	}
	o.facts.FactPath, _ = c.Path("DEFAULT_FACT_PATH")
	plugin, _ := c.String("CACHE_PLUGIN")
	switch plugin {
	case "", "memory", "ansible.builtin.memory":
		return nil
	case "jsonfile", "ansible.builtin.jsonfile":
	default:
		v, _ := c.Value("CACHE_PLUGIN")
		return usageErrorf("fact_caching %q (from %s) is not supported by haplay: use memory or jsonfile", plugin, v.Origin)
	}
	dir, set := c.String("CACHE_PLUGIN_CONNECTION")
	dir = expandUser(os.ExpandEnv(dir))
	if !set || dir == "" {
		return usageErrorf("fact_caching = jsonfile needs fact_caching_connection (ANSIBLE_CACHE_PLUGIN_CONNECTION): the cache directory")
	}
	o.facts.CacheDir = dir
	o.facts.CachePrefix, _ = c.String("CACHE_PLUGIN_PREFIX")
	timeout, _, err := c.Int("CACHE_PLUGIN_TIMEOUT")
	if err != nil {
		return usageErrorf("fact_caching_timeout: %v", err)
	}
	o.facts.CacheTimeout = time.Duration(timeout) * time.Second
	return nil
}

// expandUser is Python's os.path.expanduser for the current user.
func expandUser(p string) string {
	if p != "~" && !strings.HasPrefix(p, "~/") {
		return p
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return p
	}
	return filepath.Join(home, strings.TrimPrefix(p, "~"))
}
