package files

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/jinja"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules/internal/hostscript"
)

// GetURL downloads a file on the host, with the host's curl (or wget)
// (ansible.builtin.get_url). The body never passes through the
// controller.
type GetURL struct{}

var _ module.Module = GetURL{}

func (GetURL) Name() string { return "get_url" }

func (GetURL) Spec() module.Spec {
	args := []module.Arg{
		{Name: "url", Type: module.TypeStr, Required: true, Doc: "http, https, ftp or file URL to download"},
		{Name: "dest", Type: module.TypePath, Required: true, Doc: "the file to write; a directory receives the URL's last path part (index.html when it has none)"},
		{Name: "tmp_dest", Type: module.TypePath, Doc: "an existing directory for the download before it is renamed onto dest (default: dest's directory, so the rename is atomic)"},
		{Name: "backup", Type: module.TypeBool, Default: false, Doc: "keep a timestamped copy of the old file"},
		{Name: "checksum", Type: module.TypeStr, Default: "", Doc: "ALGO:HEX, or ALGO:URL of a checksum file (sha256sum's format); with a match on an existing dest nothing is downloaded, a download that does not match fails and leaves dest alone"},
		{Name: "force", Type: module.TypeBool, Default: false, Aliases: []string{"thirsty"}, Doc: "download every time (Cache-Control: no-cache); without it an existing dest is asked for with If-Modified-Since, or kept when checksum matches it"},
		{Name: "timeout", Type: module.TypeInt, Default: 10, Doc: "seconds to connect, and seconds without data before the download is given up"},
		{Name: "headers", Type: module.TypeDict, Doc: "request headers"},
		{Name: "http_agent", Type: module.TypeStr, Default: "ansible-httpget", Doc: "the User-Agent header"},
		{Name: "url_username", Type: module.TypeStr, Aliases: []string{"username"}, Doc: "user for basic authentication"},
		{Name: "url_password", Type: module.TypeStr, Aliases: []string{"password"}, NoLog: true, Doc: "password for basic authentication (sent on the command's stdin, never on a command line)"},
		{Name: "force_basic_auth", Type: module.TypeBool, Default: false, Doc: "curl and wget send basic credentials up front in any case"},
		{Name: "use_proxy", Type: module.TypeBool, Default: true, Doc: "false: ignore the host's proxy variables"},
		{Name: "validate_certs", Type: module.TypeBool, Default: true, Doc: "verify the server's TLS certificate"},
		{Name: "client_cert", Type: module.TypePath, Doc: "client certificate (PEM)"},
		{Name: "client_key", Type: module.TypePath, Doc: "client key (PEM)"},
		{Name: "use_netrc", Type: module.TypeBool, Default: true, Doc: "read credentials from ~/.netrc when the task gives none"},
		{Name: "decompress", Type: module.TypeBool, Default: true, Doc: "ask for a compressed transfer and store it decompressed (curl only)"},
		{Name: "ciphers", Type: module.TypeList, Elements: module.TypeStr, Doc: "TLS ciphers (curl only)"},
		{Name: "use_gssapi", Type: module.TypeBool, Default: false, Doc: "not supported: true is refused at load time"},
		{Name: "unredirected_headers", Type: module.TypeList, Elements: module.TypeStr, Default: []any{}, Doc: "not supported: a non-empty list is refused at load time"},
	}
	return module.Spec{
		Short: "Download a file on the host",
		Description: "Downloads url to dest on the host with its curl, or wget where curl is missing (neither: a " +
			"clear error). The download goes to a temp file beside dest and is renamed onto it only when its " +
			"content differs, so dest is always the old file or the new one. Check mode downloads to the temp " +
			"file too and removes it, so it predicts exactly whether dest would change. The result has " +
			"Ansible's keys: dest, url, status_code, checksum_src, checksum_dest, md5sum, msg, elapsed, size, mode, owner, group.",
		Args:  append(args, attrArgs()...),
		Check: checkGetURL,
		Examples: `- name: Download the installer, checked against its published sum
  ansible.builtin.get_url:
    url: https://example.org/tool-1.2.tar.gz
    dest: /opt/tool-1.2.tar.gz
    checksum: sha256:https://example.org/tool-1.2.tar.gz.sha256
    mode: "0644"

- name: A private artifact
  get_url:
    url: https://artifacts.example.org/app.jar
    dest: /srv/app/
    url_username: deploy
    url_password: "{{ vault_artifacts_password }}"
    headers: {X-Team: ops}
    force: true
    timeout: 30`,
	}
}

func checkGetURL(a module.Args, _ bool) []module.ArgError {
	var errs []module.ArgError
	if v, ok := a["use_gssapi"].(bool); ok && v {
		errs = append(errs, module.ArgError{Arg: "use_gssapi", Msg: "use_gssapi: GSSAPI (Kerberos) authentication is not supported by haplay"})
	}
	if l, ok := a["unredirected_headers"].([]any); ok && len(l) > 0 {
		errs = append(errs, module.ArgError{Arg: "unredirected_headers", Msg: "unredirected_headers is not supported by haplay (curl and wget send the task's headers on redirects too)"})
	}
	if s, ok := a["checksum"].(string); ok && !jinja.IsTemplated(s) {
		if _, err := parseChecksum(s); err != nil {
			errs = append(errs, module.ArgError{Arg: "checksum", Msg: "checksum: " + err.Error()})
		}
	}
	return errs
}

// urlState is what get_url's first command learns on the host.
type urlState struct {
	Tool      string // curl, wget or none
	Dir       bool   // dest is a directory
	Dest      string // the file that is compared and written
	Cur       module.FileInfo
	SHA1      string
	Sum       string // the checksum algorithm's digest of Cur
	ParentOK  bool
	SumsText  string // the checksum file
	SumsFetch string // "RC STATUS" of its download
	SumsErr   string
}

type getURL struct {
	c    *module.Call
	url  string
	dest string
	sum  urlChecksum
	at   attrs
}

func (GetURL) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	r := module.Result{}
	err := func() error {
		g := &getURL{c: c, url: c.Args.String("url"), dest: c.Args.String("dest")}
		var err error
		if g.sum, err = parseChecksum(c.Args.String("checksum")); err != nil {
			return &hostscript.Failure{Msg: err.Error()}
		}
		if g.at, err = attrsOf(c.Args); err != nil {
			return &hostscript.Failure{Msg: err.Error()}
		}
		return g.run(ctx, &r)
	}()
	return asResult(r, err)
}

func (g *getURL) run(ctx context.Context, r *module.Result) error {
	r.Set("url", g.url)
	r.Set("dest", g.dest)
	r.Set("checksum_dest", nil)
	r.Set("checksum_src", nil)
	r.Set("elapsed", 0)
	st, err := g.readState(ctx)
	if err != nil {
		return err
	}
	if st.Tool == "none" {
		return hostscript.Failf("%s: neither curl nor wget on the host: get_url downloads with one of them", g.c.Host.Name())
	}
	if g.sum.URL != "" {
		if g.sum.Value, err = g.sumFromFile(st); err != nil {
			return err
		}
	}
	r.Set("dest", st.Dest)
	if !st.Dir && st.Cur.Exists && !g.c.Args.Bool("force") && g.sum.Value != "" && st.Sum == g.sum.Value {
		return g.keepExisting(ctx, st, r)
	}
	if !st.Cur.Exists && !st.ParentOK {
		// In check mode an earlier task may have made it.
		dir := path.Dir(st.Dest)
		if fi, err := g.c.Host.ReadFile(ctx, dir, false); err != nil {
			return err
		} else if !g.c.Check || fi.Type != "directory" {
			return hostscript.Failf("Destination %s does not exist", dir)
		}
	}
	return g.download(ctx, st, r)
}

// keepExisting is dest already there with the right checksum: only its
// attributes may change.
func (g *getURL) keepExisting(ctx context.Context, st urlState, r *module.Result) error {
	ch, err := planAttrs(st.Cur, g.at)
	if err != nil {
		return &hostscript.Failure{Msg: err.Error()}
	}
	final := st.Cur
	r.Msg = "file already exists"
	if ch.changed() {
		r.Msg = "file already exists but file attributes changed"
		r.Changed = true
		if g.c.Diff {
			r.Diffs = append(r.Diffs, ch.diff())
		}
		if !g.c.Check {
			if _, err := runMutation(ctx, g.c, "changing attributes of "+st.Dest, ch.script()); err != nil {
				return err
			}
		}
		final = ch.apply(st.Cur)
		recordPredicted(g.c, final)
	}
	setPathKeys(r, final)
	return nil
}

// setPathKeys are the keys Ansible adds about the file a result names.
func setPathKeys(r *module.Result, f module.FileInfo) {
	r.Set("mode", module.FormatMode(f.Mode))
	r.Set("owner", f.Owner)
	r.Set("group", f.Group)
	r.Set("uid", f.UID)
	r.Set("gid", f.GID)
	r.Set("size", f.Size)
	r.Set("state", "file")
}

func (g *getURL) stdin(req fetchRequest) []byte { return fetchStdin(g.c.Args, req) }

// readState reads, in one command, the download tool, dest (its type,
// attributes and digests) and, for a checksum URL, the checksum file.
func (g *getURL) readState(ctx context.Context) (urlState, error) {
	q := hostcmd.Quote(g.dest)
	cand := hostcmd.Quote(path.Join(g.dest, urlFilename(g.url)))
	var b strings.Builder
	b.WriteString(`if command -v curl >/dev/null 2>&1; then tool=curl; elif command -v wget >/dev/null 2>&1; then tool=wget; else tool=none; fi
` + hostscript.Mark("tool") + "\necho \"$tool\"\nd=" + q + "\nif [ -d \"$d\" ]; then " + hostscript.Mark("dir") + "; d=" + cand + "; fi\n" +
		hostscript.Mark("dest") + "\nif [ -e \"$d\" ]; then stat -L -c '%F|%a|%U|%G|%u|%g|%s' -- \"$d\" || exit 3\n" +
		"  if [ -f \"$d\" ]; then sha1sum <\"$d\" || exit 3")
	if g.sum.Algo != "" && g.sum.Algo != "sha1" {
		b.WriteString("; " + checksumTools[g.sum.Algo] + " <\"$d\" || exit 3")
	}
	b.WriteString("; fi\nelse echo ABSENT; fi\n" + hostscript.Mark("parent") + "\n[ ! -d " + hostcmd.Quote(path.Dir(g.dest)) + " ] || echo yes\n")
	var stdin []byte
	if g.sum.URL != "" {
		stdin = g.stdin(fetchRequest{URL: g.sum.URL})
		b.WriteString("if [ \"$tool\" != none ]; then\nt=$(mktemp -d) || exit 1\ntrap 'rm -rf \"$t\"' EXIT\n" + splitStdinScript +
			fetchLines(fetchRequest{URL: g.sum.URL}, `"$t/sums"`) + hostscript.Mark("sumsfetch") + "\necho \"$rc $st\"\n" +
			hostscript.Mark("sumserr") + "\ncat \"$t/e\"\n" + hostscript.Mark("sums") + "\n[ ! -f \"$t/sums\" ] || cat \"$t/sums\"\nfi\n")
	}
	out, err := g.c.Host.Run(ctx, hostcmd.Cmd{Script: b.String(), Stdin: stdin, Become: g.c.Become})
	if err != nil {
		return urlState{}, fmt.Errorf("get_url: read %s: %w", g.dest, err)
	}
	if out.ExitCode != 0 {
		return urlState{}, hostscript.Failf("%s: reading %s failed (exit %d): %s", g.c.Host.Name(), g.dest, out.ExitCode, strings.TrimSpace(string(out.Stderr)))
	}
	return parseURLState(g.dest, g.url, hostscript.Sections(out.Stdout))
}

func parseURLState(dest, url string, s map[string]string) (urlState, error) {
	st := urlState{Tool: strings.TrimSpace(s["tool"]), Dest: dest, SumsText: s["sums"],
		SumsFetch: strings.TrimSpace(s["sumsfetch"]), SumsErr: strings.TrimSpace(s["sumserr"])}
	if _, ok := s["dir"]; ok {
		st.Dir, st.Dest = true, path.Join(dest, urlFilename(url))
	}
	st.ParentOK = strings.TrimSpace(s["parent"]) == "yes"
	lines := strings.Split(strings.TrimRight(s["dest"], "\n"), "\n")
	st.Cur = module.FileInfo{Path: st.Dest}
	if lines[0] == "ABSENT" || lines[0] == "" {
		return st, nil
	}
	f := strings.Split(lines[0], "|")
	if len(f) != 7 {
		return st, fmt.Errorf("get_url: unexpected stat output %q", lines[0])
	}
	m, err := strconv.ParseUint(f[1], 8, 32)
	if err != nil {
		return st, fmt.Errorf("get_url: bad mode %q", f[1])
	}
	st.Cur.Exists, st.Cur.Type, st.Cur.Mode = true, "other", module.OctalToMode(uint32(m))
	if strings.HasPrefix(f[0], "regular") {
		st.Cur.Type = "file"
	} else if f[0] == "directory" {
		st.Cur.Type = "directory"
	}
	st.Cur.UID, _ = strconv.Atoi(f[4])
	st.Cur.GID, _ = strconv.Atoi(f[5])
	st.Cur.Owner, st.Cur.Group = numericIfUnknown(f[2], st.Cur.UID), numericIfUnknown(f[3], st.Cur.GID)
	st.Cur.Size, _ = strconv.ParseInt(f[6], 10, 64)
	if len(lines) > 1 {
		st.SHA1 = strings.Fields(lines[1] + " ")[0]
		st.Sum = st.SHA1
	}
	if len(lines) > 2 {
		st.Sum = strings.Fields(lines[2] + " ")[0]
	}
	return st, nil
}

// numericIfUnknown is a user or group name as Ansible reports it: the
// number when the host has no name for the id.
func numericIfUnknown(name string, id int) string {
	if name == "" || name == "UNKNOWN" {
		return strconv.Itoa(id)
	}
	return name
}

// sumFromFile is the checksum for the URL's file in the checksum file
// the state read fetched.
func (g *getURL) sumFromFile(st urlState) (string, error) {
	rc, status, _ := strings.Cut(st.SumsFetch, " ")
	if rc != "0" || (isHTTP(g.sum.URL) && status != "200") {
		return "", hostscript.Failf("%s: fetching the checksum file %s failed (%s exit %s, HTTP status %s): %s",
			g.c.Host.Name(), g.sum.URL, st.Tool, rc, status, st.SumsErr)
	}
	return checksumFromFile(st.SumsText, urlFilename(g.url), g.sum.URL)
}

func isHTTP(u string) bool {
	return strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://")
}

// tempName is the download's temp file: beside dest (or in tmp_dest),
// named as WriteFile names its temps so a killed run's is swept.
func (g *getURL) tempName(dest string) string {
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	dir := path.Dir(dest)
	if t := g.c.Args.String("tmp_dest"); t != "" {
		dir = t
	}
	return path.Join(dir, "."+path.Base(dest)+hostcmd.TempMarker+hex.EncodeToString(rnd[:]))
}

// elapsed is whole seconds, as Ansible reports it.
func elapsed(start time.Time) int { return int(time.Since(start) / time.Second) }
