package network

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"os"
	"sort"
	"strings"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules/internal/hostscript"
)

// uriReq is one HTTP request curl makes: the task's, or a hop of a
// redirect haplay follows itself (unredirected_headers).
type uriReq struct {
	url, method string
	follow      bool            // curl follows redirects (location)
	drop        map[string]bool // lowercased header names left out
	dataFile    string          // src on the host, sent as the body
	noBody      bool            // a redirect turned the request into a GET
	ifModified  string          // dest on the host: If-Modified-Since its mtime
}

// curlScript runs curl with the config on stdin and frames what it wrote:
// "NAME SIZE\n" then SIZE bytes, for w (write-out), h (headers), b (body)
// and e (stderr), then "rc N". $1, when given, is a file whose mtime
// makes the request conditional (curl -z), if it is a regular file.
const curlScript = `command -v curl >/dev/null 2>&1 || { echo "curl is not installed on this host" >&2; exit 127; }
t=$(mktemp -d) || exit 1
trap 'rm -rf "$t"' EXIT
z=$1; set --
if [ -n "$z" ] && [ -f "$z" ]; then set -- -z "$z"; fi
curl -K - "$@" -sS -o "$t/b" -D "$t/h" -w '%{http_code} %{num_redirects} %{url_effective}' >"$t/w" 2>"$t/e"
rc=$?
for f in w h b e; do
  [ -e "$t/$f" ] || : >"$t/$f"
  printf '%s %s\n' "$f" $(wc -c <"$t/$f")
  cat "$t/$f"
done
printf 'rc %s\n' $rc
`

// followsRedirects says whether follow_redirects lets method follow one.
func followsRedirects(a module.Args, method string) bool {
	switch a.String("follow_redirects") {
	case "all", "yes":
		return true
	case "safe", "urllib2", "":
		return method == "GET" || method == "HEAD"
	}
	return false
}

// sendRequest makes the task's request: one curl call, or, when
// unredirected_headers must be left off redirects, one per hop. A
// controller src is first copied to a temporary file on the host.
func sendRequest(ctx context.Context, c *module.Call, method string) (curlResponse, *module.Result, error) {
	a := c.Args
	req := uriReq{url: a.String("url"), method: method, follow: followsRedirects(a, method)}
	if d := a.String("dest"); d != "" && !a.Bool("force") {
		req.ifModified = d
	}
	if src := a.String("src"); src != "" {
		f, fail, err := uploadSrc(ctx, c, src)
		if fail != nil || err != nil {
			return curlResponse{}, fail, err
		}
		req.dataFile = f
		if !a.Bool("remote_src") {
			defer func() {
				_, _ = c.Host.Run(context.WithoutCancel(ctx), hostcmd.Cmd{Script: "rm -f " + hostcmd.Quote(f), Become: c.Become})
			}()
		}
	}
	drop := map[string]bool{}
	for _, h := range a.List("unredirected_headers") {
		drop[strings.ToLower(h)] = true
	}
	if len(drop) == 0 || !req.follow {
		resp, fail, err := curlOnce(ctx, c, req)
		return resp, fail, err
	}
	req.follow = false
	for hop := 0; ; hop++ {
		resp, fail, err := curlOnce(ctx, c, req)
		if fail != nil || err != nil {
			return resp, fail, err
		}
		_, hs := parseHeaders(resp.Headers)
		loc := hs["location"]
		if !isRedirect(resp.Status) || loc == "" {
			resp.Redirects, resp.URL = hop, req.url
			return resp, nil, nil
		}
		if hop == 10 {
			return resp, &module.Result{Failed: true, Msg: fmt.Sprintf("uri: more than 10 redirects from %s", a.String("url"))}, nil
		}
		base, err := url.Parse(req.url)
		if err != nil {
			return resp, nil, fmt.Errorf("uri: redirect from %s: %w", req.url, err)
		}
		next, err := base.Parse(loc)
		if err != nil {
			return resp, &module.Result{Failed: true, Msg: fmt.Sprintf("uri: bad Location %q from %s", loc, req.url)}, nil
		}
		req.url, req.drop = next.String(), drop
		if resp.Status != 307 && resp.Status != 308 && req.method != "HEAD" {
			// urllib turns other redirects into a GET without a body.
			req.method, req.noBody, req.dataFile = "GET", true, ""
		}
	}
}

func isRedirect(status int) bool {
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308
}

// uploadSrc gives the host path of src: itself with remote_src, else a
// temporary copy of the controller file (written with a plain command, so
// check mode's GET has it too).
func uploadSrc(ctx context.Context, c *module.Call, src string) (string, *module.Result, error) {
	if c.Args.Bool("remote_src") {
		return src, nil, nil
	}
	local, err := c.Controller.FindFile("files", src)
	if err != nil {
		return "", &module.Result{Failed: true, Msg: fmt.Sprintf("uri: could not find src %s: %v", src, err)}, nil
	}
	data, err := os.ReadFile(local)
	if err != nil {
		return "", &module.Result{Failed: true, Msg: fmt.Sprintf("Unable to open source file %s", local)}, nil
	}
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	tmp := "/tmp/.haplay-uri-" + hex.EncodeToString(rnd[:])
	out, err := c.Host.Run(ctx, hostcmd.Cmd{Script: "umask 077; cat >" + hostcmd.Quote(tmp), Stdin: data, Become: c.Become})
	if err != nil {
		return "", nil, fmt.Errorf("uri: copy src %s to the host: %w", local, err)
	}
	if out.ExitCode != 0 {
		return "", &module.Result{Failed: true, Msg: fmt.Sprintf("uri: copy src %s to %s failed: %s", local, tmp, strings.TrimSpace(string(out.Stderr)))}, nil
	}
	return tmp, nil, nil
}

// curlOnce runs one curl call and reads its frames; curl's failures that
// mean an argument could not be honoured become clear task failures.
func curlOnce(ctx context.Context, c *module.Call, req uriReq) (curlResponse, *module.Result, error) {
	cfg, err := curlConfig(c.Args, req)
	if err != nil {
		return curlResponse{}, &module.Result{Failed: true, Msg: "uri: " + err.Error()}, nil
	}
	argv := curlScript
	if req.ifModified != "" {
		argv = "set -- " + hostcmd.Quote(req.ifModified) + "\n" + curlScript
	}
	out, err := c.Host.Run(ctx, hostcmd.Cmd{Script: argv, Stdin: []byte(cfg), Become: c.Become})
	if err != nil {
		return curlResponse{}, nil, fmt.Errorf("curl %s: %w", req.url, err)
	}
	resp, perr := parseCurlFrames(out.Stdout)
	if perr != nil {
		f := hostscript.Failed(c, "curl "+req.url, out)
		f.Msg += " (" + perr.Error() + ")"
		return resp, &f, nil
	}
	if msg := curlArgFailure(c.Args, resp); msg != "" {
		return resp, &module.Result{Failed: true, Msg: msg}, nil
	}
	if c.Args.Bool("decompress") {
		if err := gunzipBody(&resp); err != nil {
			return resp, &module.Result{Failed: true, Msg: fmt.Sprintf("uri: decompress the gzip response of %s: %v", req.url, err)}, nil
		}
	}
	return resp, nil, nil
}

// curlArgFailure names the argument behind a curl exit that means it
// could not be honoured: 59 the cipher list, 4 a feature curl was built
// without (GSS-API), 26 an unreadable src.
func curlArgFailure(a module.Args, r curlResponse) string {
	switch {
	case r.RC == 59 && a.Has("ciphers"):
		return fmt.Sprintf("uri: curl cannot use the ciphers %s: %s", strings.Join(a.List("ciphers"), ":"), r.Stderr)
	case r.RC == 4 && a.Bool("use_gssapi"):
		return "uri: use_gssapi: this host's curl has no GSS-API/SPNEGO support (curl --negotiate): " + r.Stderr
	case r.RC == 26 && a.Has("src"):
		return fmt.Sprintf("Unable to open source file %s: %s", a.String("src"), r.Stderr)
	}
	return ""
}

// gunzipBody decompresses a body sent with Content-Encoding: gzip.
func gunzipBody(r *curlResponse) error {
	_, hs := parseHeaders(r.Headers)
	if strings.ToLower(hs["content_encoding"]) != "gzip" || len(r.Body) == 0 {
		return nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(r.Body))
	if err != nil {
		return err
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		return err
	}
	r.Body = b
	return nil
}

// curlConfig renders a request as a curl config file.
func curlConfig(a module.Args, req uriReq) (string, error) {
	var b strings.Builder
	opt := func(k, v string) { b.WriteString(k + " = " + curlQuote(v) + "\n") }
	opt("url", req.url)
	if req.method == "HEAD" {
		b.WriteString("head\n")
	} else if req.method != "GET" || (!req.noBody && (a.Has("body") || req.dataFile != "")) {
		// With a body curl would POST: say the method.
		opt("request", req.method)
	}
	headers := map[string]string{"User-Agent": a.String("http_agent")}
	if headers["User-Agent"] == "" {
		delete(headers, "User-Agent")
	}
	if a.Bool("force") {
		headers["Cache-Control"] = "no-cache"
	}
	for k, v := range a.Map("headers") {
		for h := range headers {
			if strings.EqualFold(h, k) {
				delete(headers, h) // the task's header wins
			}
		}
		headers[k] = fmt.Sprint(v)
	}
	hasHeader := func(name string) bool {
		for k := range headers {
			if strings.EqualFold(k, name) {
				return true
			}
		}
		return false
	}
	switch {
	case req.noBody:
	case req.dataFile != "":
		opt("data-binary", "@"+req.dataFile)
	case a.Has("body"):
		body, ctype, err := encodeBody(a["body"], a.String("body_format"))
		if err != nil {
			return "", err
		}
		if ctype != "" && !hasHeader("Content-Type") {
			headers["Content-Type"] = ctype
		}
		// data-raw: no @file interpretation, no newline stripping.
		opt("data-raw", body)
	}
	keys := make([]string, 0, len(headers))
	for k := range headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !req.drop[strings.ToLower(k)] {
			opt("header", k+": "+headers[k])
		}
	}
	curlAuth(a, opt, &b)
	fmt.Fprintf(&b, "max-time = %d\n", max(a.Int("timeout"), 1))
	curlTLS(a, opt, &b)
	if req.follow {
		b.WriteString("location\n")
	}
	if !a.Bool("use_proxy") {
		opt("noproxy", "*")
	}
	return b.String(), nil
}

// curlAuth renders the credentials: basic, GSS-API, or ~/.netrc's.
func curlAuth(a module.Args, opt func(k, v string), b *strings.Builder) {
	u := a.String("url_username")
	switch {
	case a.Bool("use_gssapi"):
		b.WriteString("negotiate\n")
		opt("user", u+":"+a.String("url_password"))
	case u != "":
		opt("user", u+":"+a.String("url_password"))
	case a.Bool("use_netrc"):
		b.WriteString("netrc-optional\n")
	}
}

// curlTLS renders certificate checking, client certificates and ciphers.
func curlTLS(a module.Args, opt func(k, v string), b *strings.Builder) {
	if !a.Bool("validate_certs") {
		b.WriteString("insecure\n")
	}
	for _, k := range []string{"unix_socket", "ca_path", "client_cert", "client_key"} {
		if v := a.String(k); v != "" {
			opt(map[string]string{"unix_socket": "unix-socket", "ca_path": "cacert", "client_cert": "cert", "client_key": "key"}[k], v)
		}
	}
	var tls12, tls13 []string
	for _, ci := range a.List("ciphers") {
		if strings.HasPrefix(ci, "TLS_") {
			tls13 = append(tls13, ci)
		} else {
			tls12 = append(tls12, ci)
		}
	}
	if len(tls12) > 0 {
		opt("ciphers", strings.Join(tls12, ":"))
	}
	if len(tls13) > 0 {
		opt("tls13-ciphers", strings.Join(tls13, ":"))
	}
}

// curlQuote quotes a value for a curl config file.
func curlQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`)
	return `"` + r.Replace(s) + `"`
}
