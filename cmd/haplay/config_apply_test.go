package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/haplay/haplay/engine/connspec"
)

// ansible.cfg and ANSIBLE_* set every flag not given, with Ansible's
// precedence: flag, then environment, then file.
func TestConfigSetsFlags(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "ansible.cfg")
	text := `[defaults]
inventory = hosts
remote_user = cfguser
forks = 7
roles_path = roles
collections_path = colls
timeout = 25
private_key_file = keys/id
host_key_checking = False
log_path = run.log
retry_files_save_path = retries
stdout_callback = json
nocolor = 1
force_handlers = yes
vault_identity_list = dev@dev.pass
vault_password_file = vault.pass
[privilege_escalation]
become = True
become_user = app
become_method = su
[ssh_connection]
ssh_args = -o ServerAliveInterval=4
ssh_extra_args = -o X=1
`
	if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ANSIBLE_CONFIG", cfg)
	t.Setenv("ANSIBLE_BECOME_USER", "envapp")
	o, stderr, err := parseRun(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	j := func(p string) string { return filepath.Join(dir, p) }
	want := connspec.Defaults{RemoteUser: "cfguser", Become: true, BecomeUser: "envapp", BecomeMethod: "su", KeyFile: j("keys/id"),
		SSHArgs: "-o ServerAliveInterval=4", SSHExtraArgs: "-o X=1"}
	if o.Connection != want {
		t.Errorf("connection %+v\nwant %+v", o.Connection, want)
	}
	if !slices.Equal(o.Inventories, []string{j("hosts")}) || o.Forks != 7 || !slices.Equal(o.RolesPath, []string{j("roles")}) ||
		!slices.Equal(o.CollectionsPaths, []string{j("colls")}) || o.Timeout != 25*time.Second || o.HostKeyChecking != "off" ||
		o.LogFile != j("run.log") || o.ResumeDir != j("retries") || o.Output != "json" || !o.NoColor || !o.ForceHandlers {
		t.Errorf("options %+v", o)
	}
	// vault_identity_list before --vault-id, vault_password_file after
	// --vault-password-file, as Ansible orders them.
	po, _, err := parsePlaybookOptions(t, nil, "--vault-id", "cli@cli.pass", "--vault-password-file", "flag.pass")
	if err != nil || po.vault.config == nil {
		t.Fatalf("vault config %v, %v", po.vault.config, err)
	}
	var specs []string
	for _, s := range po.vault.vaultSpecs(*po.vault.config) {
		specs = append(specs, s.ID+"@"+s.Source)
	}
	// vault_identity_list is a plain list in Ansible, not paths: not made
	// relative to the config file as vault_password_file is.
	if want := []string{"dev@dev.pass", "cli@cli.pass", "default@flag.pass", "default@" + j("vault.pass")}; !slices.Equal(specs, want) {
		t.Errorf("vault ids %q, want %q (stderr %q)", specs, want, stderr)
	}
	// The command line beats both.
	o, _, err = parseRun(t, nil, "-u", "cli", "--become-user", "cliapp", "-f", "3", "-i", "other", "-T", "5", "--host-key-checking", "strict",
		"--output", "text", "--log-file", "x.log")
	if err != nil {
		t.Fatal(err)
	}
	if o.Connection.RemoteUser != "cli" || o.Connection.BecomeUser != "cliapp" || o.Forks != 3 || !slices.Equal(o.Inventories, []string{"other"}) ||
		o.Timeout != 5*time.Second || o.HostKeyChecking != "strict" || o.Output != "text" || o.LogFile != "x.log" {
		t.Errorf("flags lost to the config: %+v", o)
	}
}

// become_ask_pass in the config asks as -K does, so without a terminal it
// is refused; a bad number names where it came from; a callback haplay
// does not have is warned about.
func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "ansible.cfg")
	write := func(s string) {
		if err := os.WriteFile(cfg, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("ANSIBLE_CONFIG", cfg)
	t.Setenv("CI", "true")
	write("[privilege_escalation]\nbecome_ask_pass = true\n")
	if _, _, err := parseRun(t, terminalSecret); err == nil || !strings.Contains(err.Error(), "-K/--ask-become-pass needs a terminal") {
		t.Errorf("become_ask_pass without a terminal: %v", err)
	}
	write("[defaults]\nforks = lots\n")
	if _, _, err := parseRun(t, nil); err == nil || !strings.Contains(err.Error(), "DEFAULT_FORKS (from "+cfg+")") || exitCode(err) != exitBadOptions {
		t.Errorf("bad forks: %v", err)
	}
	write("[defaults]\nstdout_callback = yaml\n")
	if _, stderr, err := parseRun(t, nil); err != nil || !strings.Contains(stderr, `[WARNING]: stdout_callback "yaml" (from `+cfg+") is not supported by haplay") {
		t.Errorf("yaml callback: %v %q", err, stderr)
	}
}
