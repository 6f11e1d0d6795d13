package ansiblecfg

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func envOf(vars map[string]string, cwd, home string) Env {
	return Env{Getenv: func(k string) (string, bool) { v, ok := vars[k]; return v, ok }, Cwd: cwd, Home: home,
		Environ: func() []string {
			var out []string
			for k, v := range vars {
				out = append(out, k+"="+v)
			}
			return out
		}}
}

// Parse reads what Ansible's configparser reads (each case checked with
// ansible-config dump --only-changed, ansible-core 2.14).
func TestParse(t *testing.T) {
	for _, c := range []struct {
		text, section, key, want, err string
	}{
		{text: "[defaults]\nremote_user = a ; comment\n", section: "defaults", key: "remote_user", want: "a"},
		{text: "[defaults]\nremote_user = a # b\n", section: "defaults", key: "remote_user", want: "a # b"},
		{text: "[defaults]\nremote_user = a;b\n", section: "defaults", key: "remote_user", want: "a;b"},
		{text: "[defaults]\nremote_user: deploy\n", section: "defaults", key: "remote_user", want: "deploy"},
		{text: "[defaults]\nRemote_User = x\n", section: "defaults", key: "remote_user", want: "x"},
		{text: "[defaults]\nremote_user = a\n  continued\n", section: "defaults", key: "remote_user", want: "a\ncontinued"},
		{text: "[defaults]\n  ; indented comment\n# c\nremote_user =\n", section: "defaults", key: "remote_user", want: ""},
		{text: "[defaults]\nremote_user = %(foo)s\n", section: "defaults", key: "remote_user", want: "%(foo)s"},
		{text: "[DEFAULT]\nforks = 3\n[defaults]\n", section: "defaults", key: "forks", want: "3"},
		{text: "[Defaults]\nremote_user = a\n", section: "defaults", key: "remote_user"},
		{text: "[defaults]\nremote_user = a\nremote_user = b\n", err: `cfg:3: option "remote_user" in section "defaults" already exists`},
		{text: "remote_user = a\n", err: "cfg:1: \"remote_user = a\" comes before any [section] header"},
		{text: "[defaults]\nremote_user\n", err: `cfg:2: "remote_user" is not a section header, a comment or key = value`},
	} {
		f, err := Parse("cfg", []byte(c.text))
		if c.err != "" {
			if err == nil || err.Error() != c.err {
				t.Errorf("%q: error %v, want %q", c.text, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.text, err)
			continue
		}
		got, _, ok := f.Get(c.section, c.key)
		if got != c.want || ok != (c.want != "" || strings.Contains(c.text, "remote_user =\n")) {
			t.Errorf("%q: [%s] %s = %q (%v), want %q", c.text, c.section, c.key, got, ok, c.want)
		}
	}
}

// Find looks where Ansible looks, in its order, and skips (with Ansible's
// warning) ./ansible.cfg in a world-writable directory.
func TestFind(t *testing.T) {
	root := t.TempDir()
	cwd, home, other := filepath.Join(root, "project"), filepath.Join(root, "home"), filepath.Join(root, "other")
	for _, d := range []string{cwd, home, other} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "ansible.cfg"), []byte("[defaults]\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(home, ".ansible.cfg"), []byte("[defaults]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	check := func(name string, env Env, want string, warns bool) {
		t.Helper()
		got, warn := Find(env)
		if got != want || (warn != "") != warns {
			t.Errorf("%s: %q (warning %q), want %q (warning %v)", name, got, warn, want, warns)
		}
	}
	check("cwd", envOf(nil, cwd, home), filepath.Join(cwd, "ansible.cfg"), false)
	check("ANSIBLE_CONFIG file", envOf(map[string]string{"ANSIBLE_CONFIG": filepath.Join(other, "ansible.cfg")}, cwd, home), filepath.Join(other, "ansible.cfg"), false)
	check("ANSIBLE_CONFIG dir", envOf(map[string]string{"ANSIBLE_CONFIG": other}, cwd, home), filepath.Join(other, "ansible.cfg"), false)
	check("ANSIBLE_CONFIG missing", envOf(map[string]string{"ANSIBLE_CONFIG": filepath.Join(other, "nope.cfg")}, cwd, home), filepath.Join(cwd, "ansible.cfg"), false)
	check("home", envOf(nil, root, home), filepath.Join(home, ".ansible.cfg"), false)
	if err := os.Chmod(cwd, 0o777); err != nil {
		t.Fatal(err)
	}
	got, warn := Find(envOf(nil, cwd, home))
	if got != filepath.Join(home, ".ansible.cfg") || warn != sprintf(WorldWritableWarning, cwd) {
		t.Errorf("world-writable cwd: %q, warning %q", got, warn)
	}
	check("world-writable cwd, ANSIBLE_CONFIG", envOf(map[string]string{"ANSIBLE_CONFIG": other}, cwd, home), filepath.Join(other, "ansible.cfg"), false)
}

// The environment beats the file; paths are taken from the file's
// directory; bad numbers are errors that say where they came from.
func TestResolve(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "ansible.cfg")
	text := "[defaults]\ninventory = hosts, /abs/inv\nforks = 7\nremote_user = 'deploy'\nroles_path = roles:~/r\ninterpreter_python = auto\n" +
		"vault_identity_list = dev@~/.dev, prod@prompt, plain\nvault_password_file = .vault_pass\nhost_key_checking = no\n" +
		"[privilege_escalation]\nbecome = yes\n[ssh_connection]\npipelining = True\nssh_args = -o ServerAliveInterval=5\n"
	if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Load(envOf(map[string]string{"ANSIBLE_CONFIG": cfg, "ANSIBLE_FORKS": "9", "ANSIBLE_POLL_INTERVAL": "3"}, "/cwd", "/home/u"))
	if err != nil {
		t.Fatal(err)
	}
	if n, set, _ := c.Int("DEFAULT_FORKS"); n != 9 || !set {
		t.Errorf("forks %d, want ANSIBLE_FORKS' 9", n)
	}
	if inv, _ := c.Paths("DEFAULT_HOST_LIST"); !slices.Equal(inv, []string{filepath.Join(dir, "hosts"), "/abs/inv"}) {
		t.Errorf("inventory %q", inv)
	}
	if r, _ := c.Paths("DEFAULT_ROLES_PATH"); !slices.Equal(r, []string{filepath.Join(dir, "roles"), "/home/u/r"}) {
		t.Errorf("roles_path %q", r)
	}
	if u, _ := c.String("DEFAULT_REMOTE_USER"); u != "deploy" {
		t.Errorf("remote_user %q", u)
	}
	if b, _, _ := c.Bool("DEFAULT_BECOME"); !b {
		t.Error("become not read from [privilege_escalation]")
	}
	if b, set, _ := c.Bool("HOST_KEY_CHECKING"); b || !set {
		t.Error("host_key_checking = no not read")
	}
	if ids := c.VaultIdentityList(); !slices.Equal(ids, []string{"dev@~/.dev", "prod@prompt", "default@plain"}) {
		t.Errorf("vault ids %q", ids)
	}
	if pf := c.VaultPasswordFile(); pf != "default@"+filepath.Join(dir, ".vault_pass") {
		t.Errorf("vault password file %q", pf)
	}
	dump := strings.Join(c.Dump(true), "\n")
	for _, want := range []string{"DEFAULT_FORKS(env: ANSIBLE_FORKS) = 9", "CONFIG_FILE() = " + cfg,
		"DEFAULT_HOST_LIST(" + cfg + ") = ['" + filepath.Join(dir, "hosts") + "', '/abs/inv']",
		"ssh_connection.pipelining(" + cfg + ") = True (accepted, no effect: haplay always pipelines)",
		"[defaults] interpreter_python(" + cfg + ") = auto (not supported by haplay)",
		"ANSIBLE_POLL_INTERVAL(env: ANSIBLE_POLL_INTERVAL) = 3 (not supported by haplay)"} {
		if !strings.Contains(dump, want+"\n") && !strings.HasSuffix(dump, want) {
			t.Errorf("dump lacks %q:\n%s", want, dump)
		}
	}
	if strings.Contains(dump, "DEFAULT_TIMEOUT") {
		t.Errorf("--only-changed lists an unchanged setting:\n%s", dump)
	}
	if err := os.WriteFile(cfg, []byte("[defaults]\nforks = many\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Load(envOf(map[string]string{"ANSIBLE_CONFIG": cfg}, "/cwd", "/home/u"))
	if err == nil || !strings.Contains(err.Error(), "DEFAULT_FORKS (from "+cfg+`): "many" is not a whole number`) {
		t.Errorf("bad forks: %v", err)
	}
}
