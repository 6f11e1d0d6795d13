package files

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules/internal/hostscript"
)

// AuthorizedKey adds or removes SSH keys in a user's authorized_keys
// (ansible.posix.authorized_key).
type AuthorizedKey struct{}

var _ module.Module = AuthorizedKey{}

func (AuthorizedKey) Name() string { return "authorized_key" }

func (AuthorizedKey) Spec() module.Spec {
	return module.Spec{
		Short: "Manage SSH authorized keys",
		Description: "Keeps keys in ~USER/.ssh/authorized_keys (or path) as ansible.posix.authorized_key does: a key " +
			"is its base64 blob, a key whose options or comment differ is replaced (and moves to the end), other " +
			"lines stay, exclusive removes every line that is not one of the task's keys. The user, the file and, " +
			"for a key given as an http(s) URL, the keys (downloaded by the host's curl or wget) are read in one " +
			"command. A write makes the directory 0700 and the file 0600, owned by the user (manage_dir). --diff shows the file's change.",
		Args: []module.Arg{
			{Name: "user", Type: module.TypeStr, Required: true, Doc: "whose keys (their home holds .ssh/authorized_keys)"},
			{Name: "key", Type: module.TypeStr, Required: true, Doc: "one key per line (options and comment allowed), or an http(s) URL of such lines"},
			{Name: "path", Type: module.TypePath, Doc: "another keys file"},
			{Name: "manage_dir", Type: module.TypeBool, Default: true, Doc: "create the file's directory (0700) and give it to the user"},
			{Name: "state", Type: module.TypeStr, Default: "present", Choices: []string{"absent", "present"}, Doc: "whether the keys are there"},
			{Name: "key_options", Type: module.TypeStr, Doc: "options for every key (no-port-forwarding,from=\"10.0.0.0/8\")"},
			{Name: "exclusive", Type: module.TypeBool, Default: false, Doc: "remove every other line"},
			{Name: "comment", Type: module.TypeStr, Doc: "the keys' comment instead of their own"},
			{Name: "validate_certs", Type: module.TypeBool, Default: true, Doc: "for a URL key: verify the server's TLS certificate"},
			{Name: "follow", Type: module.TypeBool, Default: false, Doc: "write the file a link points to rather than replace the link"},
		},
		Examples: `- name: The deploy key
  ansible.posix.authorized_key:
    user: deploy
    key: "{{ lookup('file', 'files/deploy.pub') }}"
    key_options: 'no-port-forwarding,from="10.0.0.0/8"'

- name: Only the team's keys, from the directory service
  authorized_key:
    user: ops
    key: https://keys.example.org/ops.keys
    exclusive: true`,
	}
}

// keyState is what the read learned.
type keyState struct {
	UserFound bool
	UID, GID  string
	File      string
	DirMode   string // "" when the directory is missing
	DirUID    string
	DirGID    string
	Exists    bool
	Content   string
	Keys      string // downloaded keys (URL key)
	FetchRC   string
}

func (AuthorizedKey) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	a := c.Args
	r := module.Result{}
	for _, k := range []string{"user", "key", "path", "manage_dir", "state", "key_options", "exclusive", "comment", "validate_certs", "follow"} {
		r.Set(k, a[k])
	}
	err := module.ReadModifyWrite(ctx, "the authorized keys of "+a.String("user"), func() error {
		r.Changed, r.Diffs = false, nil
		return authorizedKeyOnce(ctx, c, &r)
	})
	return hostscript.FailedOr(r, err)
}

func authorizedKeyOnce(ctx context.Context, c *module.Call, r *module.Result) error {
	a := c.Args
	st, err := readKeyState(ctx, c)
	if err != nil {
		return err
	}
	user := a.String("user")
	if !st.UserFound && (!c.Check || !a.Has("path")) {
		if c.Check {
			return hostscript.Failf("Either user must exist or you must provide full path to key file in check mode")
		}
		return hostscript.Failf("Failed to lookup user %s: \"getpwnam(): name not found: '%s'\"", user, user)
	}
	keys := a.String("key")
	if strings.HasPrefix(keys, "http") {
		if st.FetchRC != "0 200" {
			return hostscript.Failf("Error getting key from: %s", keys)
		}
		keys = st.Keys
	}
	fi := module.FileInfo{Path: st.File, Exists: st.Exists, Type: "file", Content: []byte(st.Content), HasData: true}
	if c.Check {
		if fi, err = c.Host.ReadFile(ctx, st.File, true); err != nil {
			return err
		}
		st.Content = string(fi.Content)
	}
	r.Set("keyfile", st.File)
	edit := keyEdit{Keys: keys, Present: a.String("state") == "present", Exclusive: a.Bool("exclusive")}
	if a.Has("key_options") {
		o := a.String("key_options")
		edit.Options = &o
	}
	if a.Has("comment") {
		cm := a.String("comment")
		edit.Comment = &cm
	}
	ks := parseKeyFile(st.Content)
	changed, bad := edit.apply(ks)
	if bad != "" {
		return hostscript.Failf("invalid key specified: %s", bad)
	}
	if !changed {
		return nil
	}
	after := ks.serialize()
	r.Changed = true
	if c.Diff {
		r.Diffs = append(r.Diffs, module.Diff{BeforeHeader: st.File, AfterHeader: st.File, Before: st.Content, After: after})
	}
	if c.Check {
		recordPredicted(c, module.FileInfo{Path: st.File, Exists: true, Type: "file", Mode: 0o600, Content: []byte(after), HasData: true, Size: int64(len(after))})
		return nil
	}
	return writeKeyFile(ctx, c, st, fi, after)
}

// readKeyScript reads the user, the file and its directory, and a URL's
// keys, in one command.
func readKeyScript(a module.Args) string {
	var b strings.Builder
	b.WriteString("if pw=$(getent passwd " + hostcmd.Quote(a.String("user")) + "); then " + hostscript.Mark("pw") + "; printf '%s\\n' \"$pw\"\n" +
		"  IFS=:; set -- $pw; unset IFS; home=$6; fi\n")
	if p := a.String("path"); p != "" {
		b.WriteString("f=" + hostcmd.Quote(p) + "\n")
	} else {
		b.WriteString("f=\"${home:-/nonexistent}/.ssh/authorized_keys\"\n")
	}
	b.WriteString("d=$(dirname -- \"$f\")\n")
	if a.Bool("follow") {
		b.WriteString("f=$(readlink -m -- \"$f\")\n")
	}
	b.WriteString(hostscript.Mark("path") + "\nprintf '%s\\n' \"$f\"\n" +
		"if [ -d \"$d\" ]; then " + hostscript.Mark("dir") + "; stat -c '%a|%u|%g' -- \"$d\" || exit 3; fi\n" +
		"if [ -f \"$f\" ]; then " + hostscript.Mark("file") + "; cat -- \"$f\" || exit 3; fi\n")
	if k := a.String("key"); strings.HasPrefix(k, "http") {
		b.WriteString(`if command -v curl >/dev/null 2>&1; then tool=curl; elif command -v wget >/dev/null 2>&1; then tool=wget; else tool=none; fi
if [ "$tool" != none ]; then t=$(mktemp -d) || exit 1; trap 'rm -rf "$t"' EXIT
` + splitStdinScript + fetchLines(fetchRequest{URL: k}, `"$t/k"`) + hostscript.Mark("fetch") + "\necho \"$rc $st\"\n" +
			hostscript.Mark("keys") + "\n[ ! -f \"$t/k\" ] || cat \"$t/k\"\nfi\n")
	}
	return b.String()
}

func readKeyState(ctx context.Context, c *module.Call) (keyState, error) {
	a := c.Args
	var stdin []byte
	if k := a.String("key"); strings.HasPrefix(k, "http") {
		stdin = fetchStdin(module.Args{"http_agent": "ansible-httpget", "timeout": 10, "validate_certs": a.Bool("validate_certs"),
			"use_proxy": true, "use_netrc": true, "decompress": true}, fetchRequest{URL: k})
	}
	out, err := c.Host.Run(ctx, hostcmd.Cmd{Script: readKeyScript(a), Stdin: stdin, Become: c.Become})
	if err != nil {
		return keyState{}, fmt.Errorf("authorized_key: %w", err)
	}
	if out.ExitCode != 0 {
		return keyState{}, hostscript.Failf("%s: reading the keys of %s failed (exit %d): %s", c.Host.Name(), a.String("user"), out.ExitCode, strings.TrimSpace(string(out.Stderr)))
	}
	return parseKeyState(hostscript.Sections(out.Stdout)), nil
}

func parseKeyState(s map[string]string) keyState {
	st := keyState{File: strings.TrimSuffix(s["path"], "\n"), FetchRC: strings.TrimSpace(s["fetch"]), Keys: s["keys"]}
	if pw, ok := s["pw"]; ok {
		f := strings.Split(strings.TrimSpace(pw), ":")
		if len(f) >= 7 {
			st.UserFound, st.UID, st.GID = true, f[2], f[3]
		}
	}
	if d, ok := s["dir"]; ok {
		f := strings.Split(strings.TrimSpace(d), "|")
		if len(f) == 3 {
			st.DirMode, st.DirUID, st.DirGID = f[0], f[1], f[2]
		}
	}
	st.Content, st.Exists = s["file"]
	return st
}

// writeKeyFile makes the directory as the module does (manage_dir: 0700,
// the user's) and writes the file, 0600 and the user's, atomically.
func writeKeyFile(ctx context.Context, c *module.Call, st keyState, fi module.FileInfo, content string) error {
	dir := hostcmd.Quote(path.Dir(st.File))
	var prep string
	switch {
	case c.Args.Bool("manage_dir"):
		if st.DirMode == "" {
			prep = "mkdir -p -m 0700 -- " + dir + "\n"
		}
		if st.DirMode != "700" || st.DirUID != st.UID || st.DirGID != st.GID {
			prep += "chown " + hostcmd.Quote(st.UID+":"+st.GID) + " -- " + dir + "\nchmod 0700 -- " + dir + "\n"
		}
	case st.DirMode == "":
		prep = "mkdir -p -- " + dir + "\n"
	}
	if prep != "" {
		if _, err := runMutation(ctx, c, "preparing "+path.Dir(st.File), prep); err != nil {
			return err
		}
	}
	err := c.Host.WriteFile(ctx, st.File, []byte(content), hostcmd.WriteOptions{Become: c.Become, Mode: 0o600, Owner: st.UID, Group: st.GID, Unchanged: fi.ReadState()})
	if err != nil && !errors.Is(err, hostcmd.ErrChangedSinceRead) && !hostcmd.IsUnreachable(err) {
		return hostscript.Failf("%s: writing %s failed: %v", c.Host.Name(), st.File, err)
	}
	return err
}
