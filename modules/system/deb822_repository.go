package system

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io/fs"
	"regexp"
	"strconv"
	"strings"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules/internal/hostscript"
)

// Deb822Repository writes one .sources file in deb822 format
// (ansible.builtin.deb822_repository, ansible-core 2.15).
type Deb822Repository struct{}

var _ module.Module = Deb822Repository{}

func (Deb822Repository) Name() string { return "deb822_repository" }

const aptKeyringsDir = "/etc/apt/keyrings"

// deb822Fields are the arguments that become fields, in the order Ansible
// writes them (its argument spec's, alphabetical).
var deb822Fields = []struct {
	arg  string
	typ  module.Type
	doc  string
	list bool
}{
	{"allow_downgrade_to_insecure", module.TypeBool, "Allow-Downgrade-To-Insecure: allow downgrading a package that was authenticated to one that is not", false},
	{"allow_insecure", module.TypeBool, "Allow-Insecure: allow insecure repositories", false},
	{"allow_weak", module.TypeBool, "Allow-Weak: allow repositories signed with a weak digest", false},
	{"architectures", module.TypeList, "Architectures: the architectures to search", true},
	{"by_hash", module.TypeBool, "By-Hash: fetch indexes by their hash", false},
	{"check_date", module.TypeBool, "Check-Date: check Release file dates against the clock", false},
	{"check_valid_until", module.TypeBool, "Check-Valid-Until: detect replay attacks", false},
	{"components", module.TypeList, "Components: the sections of the suite", true},
	{"date_max_future", module.TypeInt, "Date-Max-Future: how far in the future a Release file may be dated (seconds)", false},
	{"enabled", module.TypeBool, "Enabled: whether apt uses the source", false},
	{"inrelease_path", module.TypeStr, "Inrelease-Path: the InRelease file's path", false},
	{"languages", module.TypeList, "Languages: which translations to fetch", true},
	{"name", module.TypeStr, "X-Repolib-Name; also names the file (/etc/apt/sources.list.d/SLUG.sources) and a downloaded key (/etc/apt/keyrings/SLUG.asc or .gpg)", false},
	{"pdiffs", module.TypeBool, "Pdiffs: update indexes with diffs", false},
	{"signed_by", module.TypeStr, "Signed-By: a key file on the host, a URL to download the key from (into /etc/apt/keyrings), fingerprints, or an armored key block", false},
	{"suites", module.TypeList, "Suites: codenames, or an exact path ending in / (then no components)", true},
	{"targets", module.TypeList, "Targets: the download targets", true},
	{"trusted", module.TypeBool, "Trusted: trust the source without signatures", false},
	{"types", module.TypeList, "Types: deb and/or deb-src", true},
	{"uris", module.TypeList, "URIs: the archive's base URIs", true},
}

func (Deb822Repository) Spec() module.Spec {
	var args []module.Arg
	for _, f := range deb822Fields {
		a := module.Arg{Name: f.arg, Type: f.typ, Doc: f.doc}
		if f.list {
			a.Elements = module.TypeStr
		}
		switch f.arg {
		case "name":
			a.Required = true
		case "types":
			a.Default, a.Choices = []any{"deb"}, []string{"deb", "deb-src"}
		}
		args = append(args, a)
	}
	args = append(args,
		module.Arg{Name: "mode", Type: module.TypeMode, Default: "0644", Doc: "the .sources file's mode"},
		module.Arg{Name: "state", Type: module.TypeStr, Default: "present", Choices: []string{"absent", "present"}, Doc: "absent removes the .sources file and the downloaded key"},
		module.Arg{Name: "install_python_debian", Type: module.TypeBool, Default: true, Doc: "accepted for compatibility: haplay needs no Python debian library"},
	)
	return module.Spec{
		Short: "Add and remove deb822 formatted repositories (.sources files)",
		Description: "Renders the arguments as one deb822 stanza, in Ansible's field order, into " +
			"/etc/apt/sources.list.d/SLUG.sources (SLUG: name lower-cased, spaces and _ as -, other " +
			"characters dropped). A signed_by URL is downloaded by the host (curl or wget) to " +
			"/etc/apt/keyrings/SLUG.asc (armored) or .gpg; a file on the host is named as it is; " +
			"anything else (fingerprints, an armored key) goes into the field, a key block indented " +
			"with '.' for empty lines. State, the key's checksum and the download are read in one " +
			"command; writes are atomic; --diff shows the .sources file and an armored key. As in " +
			"Ansible, the package lists are not updated: run apt with update_cache after a change.",
		Args: args,
		Examples: `- name: A local repository, its key downloaded into /etc/apt/keyrings/internal.asc
  ansible.builtin.deb822_repository:
    name: internal
    uris: http://127.0.0.1:8080/debian
    suites: bookworm
    components: [main]
    signed_by: http://127.0.0.1:8080/debian/key.asc
  register: repo

- name: Refresh the lists when the repository changed
  apt: {update_cache: true}
  when: repo.changed

- name: Remove it, key included
  deb822_repository: {name: internal, state: absent}`,
	}
}

var (
	slugSpaceRe = regexp.MustCompile(`[_\s]+`)
	slugDropRe  = regexp.MustCompile(`[^a-z0-9-]+`)
	schemeRe    = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)
)

func deb822Slug(name string) string {
	return slugDropRe.ReplaceAllString(slugSpaceRe.ReplaceAllString(strings.ToLower(name), "-"), "")
}

// deb822Value formats one argument as Ansible does: yes/no, a list joined
// by spaces, a multi-line value on indented lines with "." for empty ones.
func deb822Value(a module.Args, arg string, typ module.Type) string {
	var v string
	switch typ {
	case module.TypeBool:
		v = "no"
		if a.Bool(arg) {
			v = "yes"
		}
	case module.TypeInt:
		v = strconv.Itoa(a.Int(arg))
	case module.TypeList:
		v = strings.Join(a.List(arg), " ")
	default:
		v = a.String(arg)
	}
	if !strings.Contains(v, "\n") {
		return v
	}
	var b strings.Builder
	for _, ln := range strings.Split(strings.TrimSpace(v), "\n") {
		if ln = strings.TrimSpace(ln); ln == "" {
			ln = "."
		}
		b.WriteString("\n    " + ln)
	}
	return b.String()
}

// renderDeb822 is the stanza; signedBy replaces signed_by's value when
// the key was downloaded to a file.
func renderDeb822(a module.Args, signedBy string) string {
	var b strings.Builder
	for _, f := range deb822Fields {
		if !a.Has(f.arg) {
			continue
		}
		v := deb822Value(a, f.arg, f.typ)
		if f.arg == "signed_by" && signedBy != "" {
			v = signedBy
		}
		if v == "" || v[0] == '\n' {
			fmt.Fprintf(&b, "%s:%s\n", deb822FieldName(f.arg), v)
		} else {
			fmt.Fprintf(&b, "%s: %s\n", deb822FieldName(f.arg), v)
		}
	}
	return b.String()
}

func deb822FieldName(arg string) string {
	switch arg {
	case "name":
		return "X-Repolib-Name"
	case "uris":
		return "URIs"
	}
	parts := strings.Split(arg, "_")
	for i, p := range parts {
		parts[i] = strings.ToUpper(p[:1]) + p[1:]
	}
	return strings.Join(parts, "-")
}

// deb822State is what one command read.
type deb822State struct {
	sources  module.FileInfo
	keyFile  bool               // signed_by names a file on the host
	keyTmp   string             // the downloaded key, in a temp dir on the host
	keyData  []byte             // its content
	keys     [2]module.FileInfo // SLUG.asc, SLUG.gpg
	keyrings module.FileInfo    // /etc/apt/keyrings (a directory)
}

// Run reads the .sources file, the key files and (for a URL) the key in
// one command, then writes what differs.
func (Deb822Repository) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	r, err := deb822Run(ctx, c)
	return hostscript.FailedOr(r, err)
}

func deb822Run(ctx context.Context, c *module.Call) (module.Result, error) {
	a := c.Args
	slug := deb822Slug(a.String("name"))
	dest := aptSourcesDir + "/" + slug + ".sources"
	keyPaths := [2]string{aptKeyringsDir + "/" + slug + ".asc", aptKeyringsDir + "/" + slug + ".gpg"}
	signedBy := a.String("signed_by")
	url := a.String("state") == "present" && schemeRe.MatchString(signedBy)
	st, err := readDeb822(ctx, c, dest, keyPaths, signedBy, url)
	if err != nil {
		return module.Result{}, err
	}
	if st.keyTmp != "" {
		// A failed cleanup leaves a temp dir behind, nothing more.
		defer func() { _, _ = hostscript.Run(ctx, c, "rm -rf -- "+hostcmd.Quote(st.keyTmp), nil) }()
	}
	r := module.Result{}
	r.Set("dest", dest)
	if a.String("state") == "absent" {
		return deb822Absent(ctx, c, r, st, dest, keyPaths)
	}
	var keyPath string
	if url && len(st.keyData) > 0 {
		keyPath = keyPaths[1]
		if strings.Contains(string(st.keyData), "-----BEGIN PGP PUBLIC KEY BLOCK-----") {
			keyPath = keyPaths[0]
		}
		kf := st.keys[1]
		if keyPath == keyPaths[0] {
			kf = st.keys[0]
		}
		changed, err := deb822Key(ctx, c, &r, st, kf, keyPath)
		if err != nil {
			return module.Result{}, err
		}
		r.Changed = changed
	} else if st.keyFile || url {
		keyPath = signedBy // a file on the host, or a URL that served nothing: as Ansible, the text itself
	}
	r.Set("key_filename", nilIfEmpty(keyPath))
	body := renderDeb822(a, keyPath)
	r.Set("repo", body)
	mode, err := module.ParseMode(a.String("mode"), st.sources.Mode, false)
	if err != nil {
		return module.Result{}, hostscript.Failf("%s: deb822_repository: %v", c.Host.Name(), err)
	}
	if st.sources.Exists && string(st.sources.Content) == body && st.sources.Mode == mode {
		return r, nil
	}
	r.Changed = true
	if c.Diff && (!st.sources.Exists || string(st.sources.Content) != body) {
		r.Diffs = append(r.Diffs, fileDiff(st.sources, dest, body))
	}
	err = c.Host.WriteFile(ctx, dest, []byte(body), hostcmd.WriteOptions{Mode: mode, Become: c.Become, Unchanged: st.sources.ReadState()})
	if err != nil {
		return module.Result{}, fmt.Errorf("write %s: %w", dest, err)
	}
	return r, nil
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func fileDiff(f module.FileInfo, path, after string) module.Diff {
	d := module.Diff{BeforeHeader: path, AfterHeader: path, After: after}
	if f.Exists {
		d.Before = string(f.Content)
	} else {
		d.BeforeHeader = "/dev/null"
	}
	return d
}

// deb822Key writes the downloaded key when its checksum differs, and
// creates /etc/apt/keyrings (0755) first when it is missing.
func deb822Key(ctx context.Context, c *module.Call, r *module.Result, st deb822State, kf module.FileInfo, keyPath string) (bool, error) {
	if kf.Exists && sha(kf.Content) == sha(st.keyData) && kf.Mode == 0o644 {
		return false, nil
	}
	if !st.keyrings.Exists {
		if err := deb822Mkdir(ctx, c); err != nil {
			return false, err
		}
	}
	if c.Diff && !strings.Contains(keyPath, ".gpg") {
		r.Diffs = append(r.Diffs, fileDiff(kf, keyPath, string(st.keyData)))
	}
	if err := c.Host.WriteFile(ctx, keyPath, st.keyData, hostcmd.WriteOptions{Mode: 0o644, Become: c.Become}); err != nil {
		return false, fmt.Errorf("write %s: %w", keyPath, err)
	}
	return true, nil
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func deb822Mkdir(ctx context.Context, c *module.Call) error {
	if c.Check {
		if p, ok := c.Host.(module.Predictor); ok {
			p.RecordPredicted(module.FileInfo{Path: aptKeyringsDir, Exists: true, Type: "directory", Mode: 0o755 | fs.ModeDir, Owner: "root", Group: "root"})
		}
		return nil
	}
	out, err := hostscript.Run(ctx, c, "mkdir -m 0755 -p "+aptKeyringsDir, nil)
	if err != nil {
		return fmt.Errorf("mkdir %s: %w", aptKeyringsDir, err)
	}
	if out.ExitCode != 0 {
		return hostscript.Failf("%s: mkdir %s failed (exit %d): %s", c.Host.Name(), aptKeyringsDir, out.ExitCode, strings.TrimSpace(string(out.Stderr)))
	}
	return nil
}

// deb822Absent removes the .sources file and both key files.
func deb822Absent(ctx context.Context, c *module.Call, r module.Result, st deb822State, dest string, keyPaths [2]string) (module.Result, error) {
	r.Set("repo", nil)
	r.Set("key_filename", keyPaths[1]) // as Ansible: the last path it looked at
	files := []module.FileInfo{st.sources, st.keys[0], st.keys[1]}
	for i, p := range []string{dest, keyPaths[0], keyPaths[1]} {
		if !files[i].Exists {
			continue
		}
		r.Changed = true
		if c.Diff && files[i].HasData && !strings.HasSuffix(p, ".gpg") {
			r.Diffs = append(r.Diffs, module.Diff{BeforeHeader: p, AfterHeader: "/dev/null", Before: string(files[i].Content)})
		}
		if err := removeSourcesFile(ctx, c, p); err != nil {
			return module.Result{}, err
		}
	}
	return r, nil
}

// readDeb822 reads the .sources file and both key files (as
// sourcesReadScript does), whether /etc/apt/keyrings and signed_by exist,
// and downloads a signed_by URL into a temp dir, in one command. In check
// mode what earlier tasks predicted replaces what the host has.
func readDeb822(ctx context.Context, c *module.Call, dest string, keyPaths [2]string, signedBy string, url bool) (deb822State, error) {
	var b strings.Builder
	b.WriteString(`fail() { ` + hostscript.Mark("fail") + `; printf '%s\n' "$*"; exit 0; }
for f in ` + hostscript.QuoteAll([]string{dest, keyPaths[0], keyPaths[1]}) + `; do
  [ -f "$f" ] || continue
  printf '@@haplay:file %s\n' "$f"
  stat -c %a -- "$f" && cat -- "$f" && echo
done
` + hostscript.Mark("keyrings") + "\n[ -d " + aptKeyringsDir + " ] && echo dir\n")
	if signedBy != "" && !url {
		b.WriteString(hostscript.Mark("keyfile") + "\n[ -f " + hostcmd.Quote(signedBy) + " ] && echo file\n")
	}
	if url {
		u := hostcmd.Quote(signedBy)
		fmt.Fprintf(&b, `T=$(mktemp -d /tmp/haplay-deb822.XXXXXX) || fail 'mktemp failed'
%s
echo "$T"
if command -v curl >/dev/null; then e=$(curl -fsSL -o "$T/key" %s 2>&1)
elif command -v wget >/dev/null; then e=$(wget -q -O "$T/key" %s 2>&1)
else fail "deb822_repository signed_by: neither curl nor wget is on the host"; fi || fail "Could not fetch signed_by key: "%s": $e"
%s
base64 -w0 "$T/key"; echo
`, hostscript.Mark("tmp"), u, u, u, hostscript.Mark("keydata"))
	}
	b.WriteString("exit 0\n")
	out, err := hostscript.Run(ctx, c, b.String(), map[string]string{"LC_ALL": "C"})
	if err != nil {
		return deb822State{}, fmt.Errorf("read %s: %w", dest, err)
	}
	sec := hostscript.Sections(out.Stdout)
	st := deb822State{keyTmp: strings.TrimSpace(sec["tmp"])}
	if msg := strings.TrimSpace(sec["fail"]); msg != "" || out.ExitCode != 0 {
		if msg == "" {
			msg = fmt.Sprintf("read %s failed (exit %d): %s", dest, out.ExitCode, strings.TrimSpace(string(out.Stderr)))
		}
		return st, hostscript.Failf("%s: %s", c.Host.Name(), msg)
	}
	files, err := parseSourcesRead(out.Stdout)
	if err != nil {
		return st, hostscript.Failf("%s: %v", c.Host.Name(), err)
	}
	st.keyrings = module.FileInfo{Path: aptKeyringsDir, Exists: strings.TrimSpace(sec["keyrings"]) == "dir", Type: "directory"}
	st.keyFile = strings.TrimSpace(sec["keyfile"]) == "file"
	if d := strings.TrimSpace(sec["keydata"]); d != "" {
		if st.keyData, err = base64Decode(d); err != nil {
			return st, hostscript.Failf("%s: read the downloaded key: %v", c.Host.Name(), err)
		}
	}
	if pl, ok := c.Host.(module.PredictionLister); ok {
		for _, dir := range []string{aptSourcesDir, aptKeyringsDir, "/etc/apt"} {
			for _, f := range pl.PredictedIn(dir) {
				if f.Path == aptKeyringsDir {
					st.keyrings = f
				} else {
					files[f.Path] = f
				}
			}
		}
	}
	st.sources, st.keys = files[dest], [2]module.FileInfo{files[keyPaths[0]], files[keyPaths[1]]}
	return st, nil
}

func base64Decode(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }
