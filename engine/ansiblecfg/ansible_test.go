package ansiblecfg

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// sampleCfg holds every kind of setting, keys Ansible reads that haplay
// does not (interpreter_python), keys haplay accepts without effect (pipelining,
// nocows) and Ansible's INI quirks.
const sampleCfg = `[defaults]
inventory = hosts, /srv/inv ; inline comment
Remote_User: "deploy"
forks=7
# comment
roles_path = roles:~/more_roles
collections_path = ./collections
host_key_checking = False
private_key_file = keys/id_ed25519
timeout = 20
vault_password_file = ~/.vault_pass
vault_identity_list = dev@dev.pass, prod@prompt
log_path = ./ansible.log
retry_files_enabled = False
retry_files_save_path = ~/retries
stdout_callback = json
nocows = 1
nocolor = yes
force_handlers = True
gathering = smart
fact_caching = jsonfile
fact_caching_connection = ./facts
fact_caching_timeout = 600
interpreter_python = auto_silent
ask_pass = False
[privilege_escalation]
become = true
become_user = admin
become_method = su
become_ask_pass = false
[ssh_connection]
ssh_args = -o ServerAliveInterval=5
pipelining = True
control_path = %(directory)s/%%h-%%r
scp_if_ssh = smart
`

// ansibleOnly maps the settings of sampleCfg that haplay lists apart
// (accepted without effect, or not supported) to its name for them.
var ansibleOnly = map[string]string{
	"INTERPRETER_PYTHON":  "[defaults] interpreter_python",
	"ANSIBLE_PIPELINING":  "ssh_connection.pipelining",
	"ANSIBLE_NOCOWS":      "ANSIBLE_NOCOWS",
	"RETRY_FILES_ENABLED": "RETRY_FILES_ENABLED",
}

// haplay config dump --only-changed says what ansible-config dump
// --only-changed says for every setting haplay honours, line for line,
// and lists the others as accepted without effect or not supported.
func TestDumpAgainstAnsibleConfig(t *testing.T) {
	ac, err := exec.LookPath("ansible-config")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but ansible-config is not installed")
		}
		t.Skip("ansible-config not installed")
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "ansible.cfg")
	if err := os.WriteFile(cfg, []byte(sampleCfg), 0o644); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"ANSIBLE_CONFIG": cfg, "HOME": dir, "PATH": os.Getenv("PATH"), "ANSIBLE_TIMEOUT": "33"}
	cmd := exec.Command(ac, "dump", "--only-changed")
	cmd.Dir = dir
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ansible-config: %v\n%s", err, out)
	}
	c, err := Load(envOf(vars, dir, dir))
	if err != nil {
		t.Fatal(err)
	}
	ours := c.Dump(true)
	has := func(prefix string) bool {
		for _, l := range ours {
			if strings.HasPrefix(l, prefix) {
				return true
			}
		}
		return false
	}
	theirs := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		name, _, _ := strings.Cut(line, "(")
		theirs[name] = true
		if alt, ok := ansibleOnly[name]; ok {
			if !has(alt + "(") {
				t.Errorf("ansible-config: %s\nhaplay lists no %s:\n%s", line, alt, strings.Join(ours, "\n"))
			}
			continue
		}
		if !has(line) || has(line+" (") {
			t.Errorf("ansible-config: %s\nhaplay differs:\n%s", line, strings.Join(ours, "\n"))
		}
	}
	for _, l := range ours {
		name, _, _ := strings.Cut(l, "(")
		if !strings.Contains(l, ") = ") || strings.HasPrefix(name, "ssh_connection.") || strings.Contains(l, " (not supported") || strings.Contains(l, " (accepted") {
			continue
		}
		if !theirs[name] {
			t.Errorf("haplay lists %s, ansible-config does not", l)
		}
	}
}
