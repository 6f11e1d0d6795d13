package ansiblecfg

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Config is the settings in effect: the file's, under the environment's.
type Config struct {
	// File is the config file used, "" when none was found.
	File string
	// Warnings are what Ansible would warn about on the way (a skipped
	// world-writable ./ansible.cfg).
	Warnings []string
	values   map[string]Value
	// Unsupported are the file's keys and the ANSIBLE_* variables that
	// are no Setting of haplay's.
	Unsupported []Value
	env         Env
}

// Value is one setting's text and where it came from.
type Value struct {
	Setting *Setting // nil for an unsupported key
	Name    string   // the setting's name, or "[section] key", or the variable
	Raw     string
	// Origin is the file's path or "env: NAME", as ansible-config prints
	// it; "default" when nothing set it.
	Origin string
	base   string // the directory relative paths are taken from
}

// Load finds the config file as Ansible does and resolves every setting.
func Load(env Env) (*Config, error) {
	path, warn := Find(env)
	var f *File
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read config file %s: %w", path, err)
		}
		if f, err = Parse(path, data); err != nil {
			return nil, fmt.Errorf("config file: %w", err)
		}
	}
	c := Resolve(f, env)
	if warn != "" {
		c.Warnings = append(c.Warnings, warn)
	}
	return c, c.check()
}

// Resolve computes the settings from f (nil for none) and env: for each
// setting the last ini key found, then the last variable set over it, as
// Ansible's config manager does.
func Resolve(f *File, env Env) *Config {
	c := &Config{values: map[string]Value{}, env: env}
	if f != nil {
		c.File = f.Path
	}
	known := map[IniKey]bool{}
	knownEnv := map[string]bool{}
	for i := range Settings {
		s := &Settings[i]
		v := Value{Setting: s, Name: s.Name, Raw: s.Default, Origin: "default", base: env.Cwd}
		for _, k := range s.Ini {
			known[k] = true
			if raw, _, ok := f.Get(k.Section, k.Key); ok {
				v.Raw, v.Origin, v.base = raw, f.Path, filepath.Dir(f.Path)
			}
		}
		for _, e := range s.Env {
			knownEnv[e] = true
			if raw, ok := env.Getenv(e); ok {
				v.Raw, v.Origin, v.base = raw, "env: "+e, env.Cwd
			}
		}
		c.values[s.Name] = v
	}
	for _, k := range f.Keys() {
		if !known[IniKey{k.Section, k.Name}] {
			c.Unsupported = append(c.Unsupported, Value{Name: "[" + k.Section + "] " + k.Name, Raw: k.Value, Origin: f.Path})
		}
	}
	c.Unsupported = append(c.Unsupported, unsupportedEnv(env, knownEnv)...)
	return c
}

// unsupportedEnv lists the ANSIBLE_* variables that are no setting of
// haplay's, sorted.
func unsupportedEnv(env Env, known map[string]bool) []Value {
	if env.Environ == nil {
		return nil
	}
	var out []Value
	for _, kv := range env.Environ() {
		name, val, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "ANSIBLE_") && !known[name] && !notSetting[name] {
			out = append(out, Value{Name: name, Raw: val, Origin: "env: " + name})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// check reads every typed setting once, so a bad value is an error now,
// naming where it came from, and not when it is used.
func (c *Config) check() error {
	for _, s := range Settings {
		var err error
		switch s.Kind {
		case Int:
			_, _, err = c.Int(s.Name)
		case Bool:
			_, _, err = c.Bool(s.Name)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Value returns setting name's value and whether anything set it.
func (c *Config) Value(name string) (Value, bool) {
	v, ok := c.values[name]
	if !ok {
		panic("ansiblecfg: no setting " + name) // a typo in haplay, not in the file
	}
	return v, v.Origin != "default"
}

// String returns a setting's text (quotes removed) when something set it.
func (c *Config) String(name string) (string, bool) {
	v, set := c.Value(name)
	return unquote(v.Raw), set
}

// Bool returns a setting as Ansible's non-strict boolean.
func (c *Config) Bool(name string) (val, set bool, err error) {
	v, set := c.Value(name)
	if v.Raw == "" && !set {
		return false, false, nil
	}
	switch strings.ToLower(strings.TrimSpace(v.Raw)) {
	case "y", "yes", "on", "1", "true", "t", "1.0":
		return true, set, nil
	}
	return false, set, nil
}

// Int returns a setting as a whole number.
func (c *Config) Int(name string) (int, bool, error) {
	v, set := c.Value(name)
	if v.Raw == "" && !set {
		return 0, false, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v.Raw))
	if err != nil {
		return 0, set, fmt.Errorf("invalid type for configuration option setting: %s (from %s): %q is not a whole number", name, v.Origin, v.Raw)
	}
	return n, set, nil
}

// Path returns a path setting, resolved as Ansible resolves it.
func (c *Config) Path(name string) (string, bool) {
	v, set := c.Value(name)
	if !set || v.Raw == "" {
		return "", set
	}
	return resolvePath(c.env, v.Raw, v.base), true
}

// Paths returns a PathList (comma) or PathSpec (colon) setting, each path
// resolved; a List setting split at commas, each unquoted.
func (c *Config) Paths(name string) ([]string, bool) {
	v, set := c.Value(name)
	if !set {
		return nil, false
	}
	return c.list(v), true
}

func (c *Config) list(v Value) []string {
	var parts []string
	switch v.Setting.Kind {
	case PathSpec:
		parts = strings.Split(v.Raw, string(os.PathListSeparator))
	default:
		parts = strings.Split(v.Raw, ",")
	}
	var out []string
	for _, p := range parts {
		p = strings.TrimSpace(p)
		switch v.Setting.Kind {
		case List:
			if p = unquote(p); p != "" || len(parts) > 1 {
				out = append(out, p)
			}
		default:
			out = append(out, resolvePath(c.env, p, v.base))
		}
	}
	return out
}

// VaultIdentityList is vault_identity_list (ANSIBLE_VAULT_IDENTITY_LIST)
// as vault id specs LABEL@SOURCE, an entry without a label getting
// "default", as Ansible does. Ansible puts them before the --vault-id
// flags.
func (c *Config) VaultIdentityList() []string {
	ids, _ := c.Paths("DEFAULT_VAULT_IDENTITY_LIST")
	var out []string
	for _, id := range ids {
		if id == "" {
			continue
		}
		if !strings.Contains(id, "@") {
			id = "default@" + id
		}
		out = append(out, id)
	}
	return out
}

// VaultPasswordFile is vault_password_file (ANSIBLE_VAULT_PASSWORD_FILE)
// as the vault id spec default@PATH, or "". Ansible adds it after the
// --vault-password-file flags.
func (c *Config) VaultPasswordFile() string {
	if p, _ := c.Path("DEFAULT_VAULT_PASSWORD_FILE"); p != "" {
		return "default@" + p
	}
	return ""
}
