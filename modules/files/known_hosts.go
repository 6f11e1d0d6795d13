package files

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules/internal/hostscript"
)

// KnownHosts adds or removes a host's key in a known_hosts file
// (ansible.builtin.known_hosts).
type KnownHosts struct{}

var _ module.Module = KnownHosts{}

func (KnownHosts) Name() string { return "known_hosts" }

func (KnownHosts) Spec() module.Spec {
	return module.Spec{
		Short: "Manage host keys in a known_hosts file",
		Description: "Finds the host's lines as ssh-keygen -F does (names, [name]:port, hashed |1| entries, wildcards) " +
			"and, as ansible.builtin.known_hosts, keeps the given key: the same key is no change, another key of the " +
			"same type is replaced where it was, a new one is appended (hash_host hashes its name). state=absent " +
			"removes the key, or with no key every line of the host (ssh-keygen -R, which keeps FILE.old). The file is " +
			"read in one command (no program needed for it); --diff shows the change.",
		Args: []module.Arg{
			{Name: "name", Type: module.TypeStr, Required: true, Aliases: []string{"host"}, Doc: "the host, as ssh looks it up ([name]:port for another port)"},
			{Name: "key", Type: module.TypeStr, Doc: "the line: HOST TYPE BASE64 (required with state=present)"},
			{Name: "path", Type: module.TypePath, Default: "~/.ssh/known_hosts", Doc: "the file (~ is the remote user's home)"},
			{Name: "hash_host", Type: module.TypeBool, Default: false, Doc: "hash the host name of a key added"},
			{Name: "state", Type: module.TypeStr, Default: "present", Choices: []string{"absent", "present"}, Doc: "whether the key is there"},
		},
		Examples: `- name: Trust the git server
  ansible.builtin.known_hosts:
    name: git.example.org
    key: "git.example.org ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI..."
    path: /etc/ssh/ssh_known_hosts

- name: Forget a rebuilt host
  known_hosts: {name: old.example.org, state: absent}`,
	}
}

// hostPatternMatches is one host field against name, as ssh matches it.
func hostFieldMatches(field, name string) bool {
	if strings.HasPrefix(field, "|1|") {
		parts := strings.Split(field, "|")
		if len(parts) != 4 {
			return false
		}
		salt, err1 := base64.StdEncoding.DecodeString(parts[2])
		want, err2 := base64.StdEncoding.DecodeString(parts[3])
		if err1 != nil || err2 != nil {
			return false
		}
		m := hmac.New(sha1.New, salt)
		m.Write([]byte(name))
		return hmac.Equal(m.Sum(nil), want)
	}
	matched := false
	for _, p := range strings.Split(field, ",") {
		neg := strings.HasPrefix(p, "!")
		p = strings.TrimPrefix(p, "!")
		re := "(?i)^" + strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(regexp.QuoteMeta(p)) + "$"
		if ok, _ := regexp.MatchString(re, name); ok {
			if neg {
				return false
			}
			matched = true
		}
	}
	return matched
}

// knownKey is a known_hosts line split as the module normalizes it.
type knownKey struct{ Options, Host, Type, Key string }

func normalizeKnownKey(line string) (knownKey, bool) {
	f := strings.Fields(line)
	if len(f) > 0 && strings.HasPrefix(f[0], "@") {
		if len(f) < 4 {
			return knownKey{}, false
		}
		return knownKey{Options: f[0], Host: f[1], Type: f[2], Key: f[3]}, true
	}
	if len(f) < 3 {
		return knownKey{}, false
	}
	return knownKey{Host: f[0], Type: f[1], Key: f[2]}, true
}

// searchKnownHosts is the module's search_for_host_key on the file's text.
func searchKnownHosts(content, host, key string) (found, replace bool, line int) {
	nk, _ := normalizeKnownKey(key)
	for i, l := range strings.SplitAfter(content, "\n") {
		k, ok := normalizeKnownKey(l)
		if strings.HasPrefix(strings.TrimSpace(l), "#") || !ok || !hostFieldMatches(k.Host, host) {
			continue
		}
		found = true
		if key == "" {
			return true, false, 0
		}
		if strings.HasPrefix(nk.Host, "|1|") && strings.HasPrefix(k.Host, "|1|") {
			nk.Host = k.Host
		}
		if nk == k {
			return true, false, i + 1
		}
		if nk.Type == k.Type {
			return true, true, i + 1
		}
	}
	return found, found, 0
}

func hashKnownHost(host, key string) string {
	salt := make([]byte, 20)
	_, _ = rand.Read(salt)
	m := hmac.New(sha1.New, salt)
	m.Write([]byte(host))
	parts := strings.Fields(key)
	i := 0
	if strings.HasPrefix(parts[0], "@") {
		i = 1
	}
	parts[i] = "|1|" + base64.StdEncoding.EncodeToString(salt) + "|" + base64.StdEncoding.EncodeToString(m.Sum(nil))
	return strings.Join(parts, " ")
}

// knownHostsEdit is the file after the change (Ansible's compute_diff).
func knownHostsEdit(content string, line int, replace, present bool, key string) string {
	lines := strings.SplitAfter(content, "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if (replace || !present) && line >= 1 && line <= len(lines) {
		lines = append(lines[:line-1], lines[line:]...)
	}
	if present && (replace || line == 0) {
		lines = append(lines, key)
	}
	return strings.Join(lines, "")
}

func (KnownHosts) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	a := c.Args
	var r module.Result
	err := module.ReadModifyWrite(ctx, a.String("path"), func() error {
		var err error
		r, err = knownHostsOnce(ctx, c)
		return err
	})
	return hostscript.FailedOr(r, err)
}

func knownHostsCheck(a module.Args, host, key string) error {
	if key == "" {
		if a.String("state") != "absent" {
			return hostscript.Failf("No key specified when adding a host")
		}
		return nil
	}
	if regexp.MustCompile(`\S+(\s+)?,(\s+)?`).MatchString(host) {
		return hostscript.Failf("Comma separated list of names is not supported. Please pass a single name to lookup in the known_hosts file.")
	}
	k, ok := normalizeKnownKey(key)
	if !ok || !hostFieldMatches(k.Host, host) {
		return hostscript.Failf("Host parameter does not match hashed host field in supplied key")
	}
	return nil
}

func knownHostsOnce(ctx context.Context, c *module.Call) (module.Result, error) {
	a := c.Args
	host, key, present := strings.ToLower(a.String("name")), a.String("key"), a.String("state") == "present"
	if key != "" && a.Bool("hash_host") {
		key = hashKnownHost(host, key)
	}
	if key != "" && !strings.HasSuffix(key, "\n") {
		key += "\n"
	}
	if err := knownHostsCheck(a, host, key); err != nil {
		return module.Result{}, err
	}
	p := a.String("path")
	q := hostcmd.Quote(p)
	if strings.HasPrefix(p, "~/") {
		q = `"$HOME"/` + hostcmd.Quote(p[2:])
	}
	out, err := hostscript.Run(ctx, c, "f="+q+"\nprintf '%s\\n' \"$f\"\nif [ -f \"$f\" ]; then "+hostscript.Mark("file")+"; cat -- \"$f\" || exit 3; fi", nil)
	if err != nil {
		return module.Result{}, fmt.Errorf("known_hosts: read %s: %w", p, err)
	}
	if out.ExitCode != 0 {
		return module.Result{}, hostscript.Failf("%s: reading %s failed: %s", c.Host.Name(), p, strings.TrimSpace(string(out.Stderr)))
	}
	s := hostscript.Sections(out.Stdout)
	file := strings.TrimSuffix(s[""], "\n")
	content, exists := s["file"]
	fi := module.FileInfo{Path: file, Exists: exists, Type: "file", Content: []byte(content), HasData: true}
	if !exists {
		fi.Content = nil
	}
	if c.Check {
		if fi, err = c.Host.ReadFile(ctx, file, true); err != nil {
			return module.Result{}, err
		}
	}
	return knownHostsApply(ctx, c, fi, host, key, present)
}

func knownHostsApply(ctx context.Context, c *module.Call, fi module.FileInfo, host, key string, present bool) (module.Result, error) {
	content := string(fi.Content)
	found, replace, line := false, false, 0
	if fi.Exists {
		found, replace, line = searchKnownHosts(content, host, key)
	}
	r := module.Result{}
	for _, k := range []string{"name", "key", "path", "hash_host", "state"} {
		r.Set(k, c.Args[k])
	}
	after := knownHostsEdit(content, line, replace, present, key)
	if !present && line == 0 && key != "" {
		return r, nil
	}
	r.Changed = replace || present != found
	if r.Changed && c.Diff {
		bh := fi.Path
		if !fi.Exists {
			bh = "/dev/null"
		}
		if found && key == "" && !present {
			after = removeHostLines(content, host)
		}
		r.Diffs = append(r.Diffs, module.Diff{BeforeHeader: bh, AfterHeader: fi.Path, Before: content, After: after})
	}
	if c.Check && r.Changed {
		if found && key == "" && !present {
			after = removeHostLines(content, host)
		}
		recordPredicted(c, predictedWrite(fi, []byte(after)))
	}
	if c.Check || !r.Changed {
		return r, nil
	}
	if found && key == "" && !present {
		_, err := runMutation(ctx, c, "ssh-keygen -R "+host, "ssh-keygen -R "+hostcmd.Quote(host)+" -f "+hostcmd.Quote(fi.Path)+" >/dev/null")
		return r, err
	}
	err := c.Host.WriteFile(ctx, fi.Path, []byte(after), hostcmd.WriteOptions{Become: c.Become, Unchanged: fi.ReadState()})
	if err != nil && !errors.Is(err, hostcmd.ErrChangedSinceRead) && !hostcmd.IsUnreachable(err) {
		return r, hostscript.Failf("Failed to write to file %s: %v", fi.Path, err)
	}
	return r, err
}

// removeHostLines is what ssh-keygen -R leaves: every line of host gone.
func removeHostLines(content, host string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(content, "\n") {
		if k, ok := normalizeKnownKey(l); ok && !strings.HasPrefix(strings.TrimSpace(l), "#") && hostFieldMatches(k.Host, host) {
			continue
		}
		b.WriteString(l)
	}
	return b.String()
}

// predictedWrite is fi as a write of data leaves it: its attributes kept,
// a new file's 0644.
func predictedWrite(fi module.FileInfo, data []byte) module.FileInfo {
	if !fi.Exists {
		fi.Exists, fi.Type, fi.Mode = true, "file", 0o644
	}
	fi.Content, fi.HasData, fi.Size = data, true, int64(len(data))
	return fi
}
