package system

import (
	"context"
	"fmt"
	"strings"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/jinja"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules/internal/hostscript"
)

// AptKey adds and removes keys of apt's keyrings with apt-key
// (ansible.builtin.apt_key).
type AptKey struct{}

var _ module.Module = AptKey{}

func (AptKey) Name() string { return "apt_key" }

func (AptKey) Spec() module.Spec {
	return module.Spec{
		Short: "Add or remove an apt key (apt-key)",
		Description: "Adds a key to /etc/apt/trusted.gpg (or keyring) with apt-key, from a file on the host, " +
			"inline data, a URL the host downloads (curl or wget) or a keyserver; removes one by id. " +
			"The key's id comes from gpg --with-colons when id is not given; the keyring's keys are " +
			"listed (apt-key adv --list-public-keys) in the same command, so a key already there costs " +
			"one round trip, and check mode predicts exactly by key id. --diff shows the keyring's " +
			"key ids before and after. apt-key is deprecated: newer roles put the key in a file and " +
			"name it with signed-by= (apt_repository, deb822_repository).",
		Args: []module.Arg{
			{Name: "id", Type: module.TypeStr, Doc: "the key id: 8 or 16 hex digits, or the whole fingerprint (0x prefix allowed); required with keyserver and for state=absent without data, file or url"},
			{Name: "url", Type: module.TypeStr, Doc: "a URL the host downloads the key from"},
			{Name: "data", Type: module.TypeStr, Doc: "the key itself (armored or binary)"},
			{Name: "file", Type: module.TypePath, Doc: "a key file on the host"},
			{Name: "keyring", Type: module.TypePath, Doc: "the keyring to use instead of /etc/apt/trusted.gpg"},
			{Name: "keyserver", Type: module.TypeStr, Doc: "a keyserver to receive the key from (apt-key adv --recv)"},
			{Name: "validate_certs", Type: module.TypeBool, Default: true, Doc: "check the url's TLS certificate"},
			{Name: "state", Type: module.TypeStr, Default: "present", Choices: []string{"absent", "present"}, Doc: "present adds the key, absent removes it"},
		},
		MutuallyExclusive: [][]string{{"data", "file", "keyserver", "url"}},
		Check: func(a module.Args, final bool) []module.ArgError {
			id := a.String("id")
			if id != "" && !jinja.IsTemplated(id) {
				if _, _, _, err := parseAptKeyID(id); err != nil {
					return []module.ArgError{{Arg: "id", Msg: err.Error()}}
				}
			}
			if id == "" && a.Has("keyserver") {
				return []module.ArgError{{Arg: "keyserver", Msg: "Missing key_id, required with keyserver."}}
			}
			if id == "" && !a.Has("data") && !a.Has("file") && !a.Has("url") {
				return []module.ArgError{{Msg: "one of id, data, file or url is required"}}
			}
			return nil
		},
		Examples: `- name: Add a repository's key from a URL
  ansible.builtin.apt_key:
    url: http://127.0.0.1:8080/debian/key.asc
    state: present

- name: Add a key from a file on the host, into a keyring of its own
  apt_key:
    file: /tmp/internal.asc
    keyring: /etc/apt/trusted.gpg.d/internal.gpg

- name: Remove a key by its id
  apt_key:
    id: 9FED2BCBDCD29CDF762678CBAED4B06F473041FA
    state: absent`,
	}
}

// parseAptKeyID validates a key id as Ansible's parse_key_id does and
// returns its last 8 digits (for apt-key del), its last 16 (compared with
// the listing) and the whole id, upper-cased without 0x.
func parseAptKeyID(id string) (short, fp, full string, err error) {
	full = strings.ToUpper(strings.TrimSpace(id))
	full = strings.TrimPrefix(full, "0X")
	if full == "" || strings.Trim(full, "0123456789ABCDEF") != "" {
		return "", "", "", fmt.Errorf("Invalid key_id %q: not hexadecimal", id)
	}
	if n := len(full); n != 8 && n != 16 && n <= 16 {
		return "", "", "", fmt.Errorf("Invalid key_id %q: key_id must be 8, 16, or 16+ hexadecimal characters in length", id)
	}
	short, fp = full[len(full)-8:], full
	if len(full) > 16 {
		fp = full[len(full)-16:]
	}
	return short, fp, full, nil
}

// parseKeyListing reads pub and sub key ids from apt-key's listing
// ("pub   rsa3072/0123456789ABCDEF 2020-01-01 [SC]") or gpg's colons
// ("pub:-:3072:1:0123456789ABCDEF:..."), skipping expired keys, as
// Ansible's parse_output_for_keys does.
func parseKeyListing(out string, short bool) []string {
	found := []string{}
	for _, ln := range strings.Split(out, "\n") {
		if !(strings.HasPrefix(ln, "pub") || strings.HasPrefix(ln, "sub")) || strings.Contains(ln, "expired") {
			continue
		}
		var code string
		if f := strings.Fields(ln); len(f) > 1 && strings.Count(f[1], "/") == 1 {
			code = strings.SplitN(f[1], "/", 2)[1]
		} else if c := strings.Split(ln, ":"); len(c) > 4 {
			code = c[4]
		} else {
			continue
		}
		if short && len(code) > 8 {
			code = code[len(code)-8:]
		}
		found = append(found, code)
	}
	return found
}

// aptKeyState is what one command read: the key's own id (from its
// data) and the keyring's keys.
type aptKeyState struct {
	keyFile string // the downloaded or inline key, on the host ("" for file)
	keys    []string
}

// Run reads the key's id and the keyring in one command, then adds or
// removes the key when the keyring differs.
func (AptKey) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	r, err := aptKeyRun(ctx, c)
	return hostscript.FailedOr(r, err)
}

func aptKeyRun(ctx context.Context, c *module.Call) (module.Result, error) {
	a := c.Args
	out, err := hostscript.Run(ctx, c, aptKeyReadScript(a), aptEnv)
	if err != nil {
		return module.Result{}, fmt.Errorf("read apt keys: %w", err)
	}
	sec := hostscript.Sections(out.Stdout)
	tmp := strings.TrimSpace(sec["tmp"])
	if tmp != "" {
		// A failed cleanup leaves a temp dir behind, nothing more.
		defer func() { _, _ = hostscript.Run(ctx, c, "rm -rf -- "+hostcmd.Quote(tmp), nil) }()
	}
	if msg := strings.TrimSpace(sec["fail"]); msg != "" {
		return module.Result{}, hostscript.Failf("%s: %s", c.Host.Name(), msg)
	}
	id := a.String("id")
	if id == "" {
		if ids := parseKeyListing(sec["keyid"], false); len(ids) > 0 {
			id = ids[0]
		}
	}
	r := module.Result{}
	r.Set("id", id)
	short, fp, full, err := parseAptKeyID(id)
	if err != nil {
		r.Failed, r.Msg = true, "Invalid key_id"
		return r, nil
	}
	r.Set("short_id", short)
	r.Set("fp", fp)
	r.Set("key_id", full)
	shortFormat := len(full) == 8
	keys := parseKeyListing(sec["list"], shortFormat)
	r.Set("before", anyStrings(keys))
	want, have := fp, false
	if shortFormat {
		want = short
	}
	for _, k := range keys {
		have = have || k == want
	}
	present := a.String("state") == "present"
	if have == present {
		return r, nil
	}
	r.Changed = true
	after := aptKeyAfter(keys, want, present)
	if c.Diff {
		r.Diffs = []module.Diff{{BeforeHeader: aptKeyring(a) + " (key ids before)", AfterHeader: aptKeyring(a) + " (key ids after)",
			Before: linesText(keys), After: linesText(after)}}
	}
	if c.Check {
		return r, nil
	}
	return aptKeyApply(ctx, c, r, aptKeyState{keyFile: tmp + "/key"}, short, want, present, shortFormat)
}

func aptKeyring(a module.Args) string {
	if k := a.String("keyring"); k != "" {
		return k
	}
	return "apt keyring"
}

func aptKeyAfter(keys []string, want string, present bool) []string {
	if present {
		return append(append([]string(nil), keys...), want)
	}
	var out []string
	for _, k := range keys {
		if k != want {
			out = append(out, k)
		}
	}
	return out
}

func linesText(ss []string) string {
	if len(ss) == 0 {
		return ""
	}
	return strings.Join(ss, "\n") + "\n"
}

func anyStrings(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// aptKeyCmd is "apt-key [--keyring K]" quoted for the shell.
func aptKeyCmd(a module.Args) string {
	if k := a.String("keyring"); k != "" {
		return "apt-key --keyring " + hostcmd.Quote(k)
	}
	return "apt-key"
}

// aptKeyReadScript checks for apt-key and gpg, fetches the key (url,
// data) into a temp dir, prints its id when id is not given, and lists
// the keyring. A problem is printed under "fail".
func aptKeyReadScript(a module.Args) string {
	var b strings.Builder
	b.WriteString(`fail() { ` + hostscript.Mark("fail") + `; printf '%s\n' "$*"; exit 0; }
command -v apt-key >/dev/null || fail "apt_key needs apt-key on the host (Debian 13 dropped it): put the key in a file and name it with signed-by="
command -v gpg >/dev/null || fail "apt_key needs gpg on the host"
`)
	src := ""
	if a.Has("url") || a.Has("data") {
		b.WriteString("T=$(mktemp -d /tmp/haplay-aptkey.XXXXXX) || fail 'mktemp failed'\n" + hostscript.Mark("tmp") + "\necho \"$T\"\n")
		src = `"$T/key"`
	}
	switch {
	case a.Has("url"):
		u, k, w := hostcmd.Quote(a.String("url")), "", ""
		if !a.Bool("validate_certs") {
			k, w = " -k", " --no-check-certificate"
		}
		fmt.Fprintf(&b, `if command -v curl >/dev/null; then e=$(curl -fsSL%s -o "$T/key" %s 2>&1)
elif command -v wget >/dev/null; then e=$(wget -q%s -O "$T/key" %s 2>&1)
else fail "apt_key url: neither curl nor wget is on the host"; fi || fail "Failed to download key at "%s": $e"
`, k, u, w, u, u)
	case a.Has("data"):
		fmt.Fprintf(&b, "printf '%%s' %s >\"$T/key\"\n", hostcmd.Quote(a.String("data")))
	case a.Has("file"):
		src = hostcmd.Quote(a.String("file"))
	}
	if src != "" && a.String("id") == "" {
		b.WriteString("src=" + src + "\nk=$(gpg --with-colons \"$src\" 2>&1) || fail \"Unable to extract key from $src: $k\"\n" +
			hostscript.Mark("keyid") + "\nprintf '%s\\n' \"$k\"\n")
	}
	b.WriteString("l=$(" + aptKeyCmd(a) + " adv --list-public-keys --keyid-format=long 2>&1) || fail \"Unable to list public keys: $l\"\n" +
		hostscript.Mark("list") + "\nprintf '%s\\n' \"$l\"\n")
	return b.String()
}

// aptKeyApply adds or removes the key, then lists the keyring again in the
// same command and checks the key is (or is no longer) there.
func aptKeyApply(ctx context.Context, c *module.Call, r module.Result, st aptKeyState, short, want string, present, shortFormat bool) (module.Result, error) {
	a := c.Args
	var act, display string
	switch {
	case !present:
		act, display = aptKeyCmd(a)+" del "+hostcmd.Quote(short), "apt-key del "+short
	case a.Has("file"):
		act, display = aptKeyCmd(a)+" add "+hostcmd.Quote(a.String("file")), "apt-key add "+a.String("file")
	case a.Has("keyserver"):
		act = aptKeyCmd(a) + " adv --no-tty --keyserver " + hostcmd.Quote(a.String("keyserver")) + " --recv " + hostcmd.Quote(r.Values["key_id"].(string))
		act = "i=0; until " + act + "; do i=$((i+1)); [ $i -ge 5 ] && exit 1; done"
		display = "apt-key adv --keyserver " + a.String("keyserver") + " --recv " + r.Values["key_id"].(string)
	default:
		act, display = aptKeyCmd(a)+" add "+hostcmd.Quote(st.keyFile), "apt-key add -"
	}
	script := act + " >&2 || exit $?\n" + hostscript.Mark("list") + "\n" + aptKeyCmd(a) + " adv --list-public-keys --keyid-format=long\n"
	out, err := hostscript.Run(ctx, c, script, aptEnv)
	if err != nil {
		return module.Result{}, fmt.Errorf("%s: %w", display, err)
	}
	if out.ExitCode != 0 && !strings.Contains(string(out.Stdout), "@@haplay:list") {
		return hostscript.Failed(c, display, out), nil
	}
	after := parseKeyListing(hostscript.Sections(out.Stdout)["list"], shortFormat)
	r.Set("after", anyStrings(after))
	found := false
	for _, k := range after {
		found = found || k == want
	}
	if found != present {
		what := "failed to add the key"
		if !present {
			what = "the key was not removed"
		}
		r.Failed, r.Msg = true, fmt.Sprintf("%s: apt-key did not return an error, but %s (check that the id is correct and *not* a subkey)", c.Host.Name(), what)
	}
	return r, nil
}
