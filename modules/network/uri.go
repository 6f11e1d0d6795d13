package network

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules/files"
	"github.com/haplay/haplay/modules/internal/hostscript"
)

// URI makes an HTTP request from the host with curl (ansible.builtin.uri).
// With delegate_to: localhost the runner hands the module the controller,
// so the same curl call runs there.
type URI struct{}

var _ module.Module = URI{}

func (URI) Name() string { return "uri" }

func (URI) Spec() module.Spec {
	return module.Spec{
		Short: "Make an HTTP request from the host",
		Description: "Runs one curl call on the host. The request (URL, headers, credentials, body) " +
			"travels on curl's stdin as a config file, so no secret appears in a process list; " +
			"status, headers and body come back framed in the same command's output. The " +
			"result has Ansible's keys: status, url, redirected, content_type, msg, content " +
			"(return_content), json (JSON responses) and every response header, lowercased " +
			"with - as _. In check mode GET and HEAD requests run (they only read); other " +
			"methods are skipped because their effect cannot be predicted.",
		Args: append([]module.Arg{
			{Name: "url", Type: module.TypeStr, Required: true, Doc: "the URL (http, https)"},
			{Name: "method", Type: module.TypeStr, Default: "GET", Doc: "the HTTP method"},
			{Name: "status_code", Type: module.TypeList, Elements: module.TypeInt, Default: []any{200}, Doc: "the statuses that mean success"},
			{Name: "return_content", Type: module.TypeBool, Default: false, Doc: "return the body as content"},
			{Name: "body", Type: module.TypeRaw, Doc: "the request body; a mapping or list with body_format json or form-urlencoded"},
			{Name: "body_format", Type: module.TypeStr, Default: "raw", Choices: []string{"form-urlencoded", "json", "raw"}, Doc: "how to encode body (sets Content-Type unless headers do)"},
			{Name: "headers", Type: module.TypeDict, Doc: "request headers"},
			{Name: "timeout", Type: module.TypeInt, Default: 30, Doc: "seconds for the whole request"},
			{Name: "validate_certs", Type: module.TypeBool, Default: true, Doc: "verify the server's TLS certificate"},
			{Name: "url_username", Type: module.TypeStr, Aliases: []string{"user"}, Doc: "user for basic authentication"},
			{Name: "url_password", Type: module.TypeStr, Aliases: []string{"password"}, NoLog: true, Doc: "password for basic authentication"},
			{Name: "force_basic_auth", Type: module.TypeBool, Default: false, Doc: "accepted for compatibility; curl always sends basic credentials up front"},
			{Name: "follow_redirects", Type: module.TypeStr, Default: "safe", Choices: []string{"all", "no", "none", "safe", "urllib2", "yes"},
				Doc: "safe follows redirects for GET and HEAD only; all/yes always; none/no never"},
			{Name: "dest", Type: module.TypePath, Doc: "write the body to this file on the host (changed when its content or the attributes below differ); a directory gets the file named by Content-Disposition or the URL's last segment (index.html)"},
			{Name: "creates", Type: module.TypePath, Doc: "skip the request when this path exists on the host"},
			{Name: "removes", Type: module.TypePath, Doc: "make the request only when this path exists on the host"},
			{Name: "unix_socket", Type: module.TypePath, Doc: "connect through this Unix socket"},
			{Name: "ca_path", Type: module.TypePath, Doc: "CA certificate file to verify the server with"},
			{Name: "client_cert", Type: module.TypePath, Doc: "client certificate (PEM)"},
			{Name: "client_key", Type: module.TypePath, Doc: "client key (PEM)"},
			{Name: "src", Type: module.TypePath, Doc: "send this file as the body: on the controller (found under files/), or on the host with remote_src; curl reads it (--data-binary @FILE)"},
			{Name: "remote_src", Type: module.TypeBool, Default: false, Doc: "src is a path on the host, not on the controller"},
			{Name: "force", Type: module.TypeBool, Default: false, Doc: "send Cache-Control: no-cache; without it an existing dest file is asked for only if newer (If-Modified-Since its mtime: a 304 then fails unless status_code lists it, as in Ansible)"},
			{Name: "http_agent", Type: module.TypeStr, Default: "ansible-httpget", Doc: "the User-Agent header"},
			{Name: "decompress", Type: module.TypeBool, Default: true, Doc: "gunzip a response sent with Content-Encoding: gzip (no Accept-Encoding is asked for, as in Ansible)"},
			{Name: "unredirected_headers", Type: module.TypeList, Elements: module.TypeStr, Default: []any{}, Doc: "headers (any case) not sent again on a redirect: haplay then follows redirects itself, one curl call per hop (at most 10)"},
			{Name: "ciphers", Type: module.TypeList, Elements: module.TypeStr, Doc: "OpenSSL cipher list (curl --ciphers; names starting TLS_ go to --tls13-ciphers); one curl cannot use fails the task naming them"},
			{Name: "use_gssapi", Type: module.TypeBool, Default: false, Doc: "authenticate with GSS-API/SPNEGO (curl --negotiate); fails clearly if the host's curl lacks it"},
			{Name: "use_netrc", Type: module.TypeBool, Default: true, Doc: "take credentials from ~/.netrc of the remote user when the task gives none (curl --netrc-optional)"},
			{Name: "use_proxy", Type: module.TypeBool, Default: true, Doc: "false: no proxy, even if the host's environment names one (curl --noproxy '*')"},
		}, files.AttrArgs()...),
		MutuallyExclusive: [][]string{{"body", "src"}},
		Examples: `- name: Check that the IRIS management portal answers (seed 004)
  ansible.builtin.uri:
    url: "http://{{ iris_ip }}:52773/csp/sys/%25CSP.Portal.Home.zen"
    status_code: [200, 302]

- name: Post a JSON document from the controller
  uri:
    url: http://10.0.0.5:8080/api/nodes
    method: POST
    body_format: json
    body: {name: node1}
    status_code: 201
  delegate_to: localhost`,
	}
}

// curlResponse is one framed curl run.
type curlResponse struct {
	RC          int    // curl's exit code
	Status      int    // %{http_code}; 0 when no response
	Redirects   int    // %{num_redirects}
	URL         string // %{url_effective}
	Headers     []byte // the last header block (after redirects, 100 Continue)
	Body        []byte
	Stderr      string
	ContentType string
}

func (URI) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	a := c.Args
	method := strings.ToUpper(a.String("method"))
	readOnly := method == "GET" || method == "HEAD"
	if c.Check && !readOnly {
		return module.Result{Skipped: true, SkipReason: "cannot predict: uri with method " + method + " may change the remote side, so check mode does not send it"}, nil
	}
	if p, k := a.String("creates"), a.String("removes"); p != "" || k != "" {
		script := ""
		if p != "" {
			script = "[ -e " + hostcmd.Quote(p) + " ] && echo creates\n"
		}
		if k != "" {
			script += "[ -e " + hostcmd.Quote(k) + " ] || echo removes\n"
		}
		out, err := hostscript.Run(ctx, c, script+"exit 0", nil)
		if err != nil {
			return module.Result{}, err
		}
		switch strings.TrimSpace(string(out.Stdout)) {
		case "creates":
			return module.Result{Msg: fmt.Sprintf("%s exists, request not sent", p)}, nil
		case "removes":
			return module.Result{Msg: fmt.Sprintf("%s does not exist, request not sent", k)}, nil
		}
	}
	start := time.Now()
	resp, fail, err := sendRequest(ctx, c, method)
	if err != nil || fail != nil {
		if fail != nil {
			return *fail, nil
		}
		return hostscript.FailedOr(module.Result{}, err)
	}
	return uriResult(ctx, c, resp, time.Since(start))
}

// encodeBody encodes body for body_format and returns the Content-Type
// to send unless the task sets one.
func encodeBody(body any, format string) (string, string, error) {
	switch format {
	case "json":
		if s, ok := body.(string); ok {
			return s, "application/json", nil
		}
		j, err := json.Marshal(body)
		if err != nil {
			return "", "", fmt.Errorf("body: %w", err)
		}
		return string(j), "application/json", nil
	case "form-urlencoded":
		switch x := body.(type) {
		case string:
			return x, "application/x-www-form-urlencoded", nil
		case map[string]any:
			v := url.Values{}
			for k, val := range x {
				v.Set(k, fmt.Sprint(val))
			}
			return v.Encode(), "application/x-www-form-urlencoded", nil
		case []any:
			v := url.Values{}
			for _, p := range x {
				pair, ok := p.([]any)
				if !ok || len(pair) != 2 {
					return "", "", fmt.Errorf("body: form-urlencoded lists must hold [key, value] pairs")
				}
				v.Add(fmt.Sprint(pair[0]), fmt.Sprint(pair[1]))
			}
			return v.Encode(), "application/x-www-form-urlencoded", nil
		}
		return "", "", fmt.Errorf("body: form-urlencoded needs a mapping or a string")
	}
	switch x := body.(type) {
	case string:
		return x, "", nil
	default:
		// A raw body that is not a string: send it as JSON, as Ansible does.
		j, err := json.Marshal(x)
		return string(j), "", err
	}
}

// parseCurlFrames reads curlScript's output.
func parseCurlFrames(b []byte) (curlResponse, error) {
	var r curlResponse
	frames := map[string][]byte{}
	for len(b) > 0 {
		head, rest, ok := bytes.Cut(b, []byte("\n"))
		if !ok {
			return r, fmt.Errorf("truncated output")
		}
		f := strings.Fields(string(head))
		if len(f) != 2 {
			return r, fmt.Errorf("unexpected frame %q", head)
		}
		n, err := strconv.Atoi(f[1])
		if err != nil {
			return r, fmt.Errorf("unexpected frame %q", head)
		}
		if f[0] == "rc" {
			r.RC = n
			b = rest
			continue
		}
		if n > len(rest) {
			return r, fmt.Errorf("frame %s: want %d bytes, have %d", f[0], n, len(rest))
		}
		frames[f[0]] = rest[:n]
		b = rest[n:]
	}
	if _, ok := frames["w"]; !ok {
		return r, fmt.Errorf("no curl output")
	}
	w := strings.SplitN(string(frames["w"]), " ", 3)
	if len(w) == 3 {
		r.Status, _ = strconv.Atoi(w[0])
		r.Redirects, _ = strconv.Atoi(w[1])
		r.URL = w[2]
	}
	r.Headers = lastHeaderBlock(frames["h"])
	r.Body = frames["b"]
	r.Stderr = strings.TrimSpace(string(frames["e"]))
	return r, nil
}

// lastHeaderBlock keeps the final response's headers from curl -D, which
// writes one block per response (redirects, 100 Continue).
func lastHeaderBlock(h []byte) []byte {
	s := strings.ReplaceAll(string(h), "\r\n", "\n")
	blocks := strings.Split(strings.TrimRight(s, "\n"), "\n\n")
	return []byte(blocks[len(blocks)-1])
}

// parseHeaders returns the status line's reason and the headers in
// Ansible's form: lowercased, - as _, repeated headers joined with ", ".
func parseHeaders(h []byte) (reason string, out map[string]string) {
	out = map[string]string{}
	for i, ln := range strings.Split(string(h), "\n") {
		if i == 0 && strings.HasPrefix(ln, "HTTP/") {
			if f := strings.SplitN(ln, " ", 3); len(f) == 3 {
				reason = strings.TrimSpace(f[2])
			}
			continue
		}
		k, v, ok := strings.Cut(ln, ":")
		if !ok {
			continue
		}
		k = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(k)), "-", "_")
		v = strings.TrimSpace(v)
		if prev, dup := out[k]; dup {
			v = prev + ", " + v
		}
		out[k] = v
	}
	return reason, out
}

func uriResult(ctx context.Context, c *module.Call, resp curlResponse, took time.Duration) (module.Result, error) {
	a := c.Args
	r := module.Result{}
	reason, headers := parseHeaders(resp.Headers)
	for k, v := range headers {
		r.Set(k, v)
	}
	status := resp.Status
	if resp.RC != 0 || status == 0 {
		status = -1
	}
	r.Set("status", status)
	r.Set("url", firstNonEmpty(resp.URL, a.String("url")))
	r.Set("redirected", resp.Redirects > 0)
	r.Set("elapsed", int(took.Seconds()))
	r.Set("cookies", map[string]any{})
	ctype := headers["content_type"]
	r.Set("content_type", ctype)
	if a.Bool("return_content") {
		r.Set("content", string(resp.Body))
	}
	if isJSONType(ctype) && len(bytes.TrimSpace(resp.Body)) > 0 {
		var j any
		if err := json.Unmarshal(resp.Body, &j); err == nil {
			r.Set("json", j)
		}
	}
	want := a.List("status_code")
	ok := false
	for _, s := range want {
		if s == strconv.Itoa(status) {
			ok = true
		}
	}
	if !ok {
		r.Failed = true
		detail := fmt.Sprintf("HTTP Error %d: %s", status, reason)
		if status == -1 {
			detail = "Request failed: " + firstNonEmpty(resp.Stderr, fmt.Sprintf("curl exited %d", resp.RC))
		}
		r.Msg = fmt.Sprintf("%s: Status code was %d and not [%s]: %s", c.Host.Name(), status, strings.Join(want, ", "), detail)
		return r, nil
	}
	r.Msg = fmt.Sprintf("OK (%d bytes)", len(resp.Body))
	if d := a.String("dest"); d != "" && status != 304 {
		if err := writeDest(ctx, c, d, resp, headers, &r); err != nil {
			return hostscript.FailedOr(module.Result{}, err)
		}
	}
	return r, nil
}

// writeDest writes the body to dest (a directory gets the response's
// file name, as Ansible's get_response_filename) with the task's
// attributes.
func writeDest(ctx context.Context, c *module.Call, d string, resp curlResponse, headers map[string]string, r *module.Result) error {
	cur, err := c.Host.ReadFile(ctx, d, true)
	if err != nil {
		return fmt.Errorf("read %s: %w", d, err)
	}
	if cur.Exists && cur.Type == "directory" {
		d = path.Join(d, responseFilename(resp.URL, headers["content_disposition"]))
		if cur, err = c.Host.ReadFile(ctx, d, true); err != nil {
			return fmt.Errorf("read %s: %w", d, err)
		}
	}
	if err := files.EnsureFile(ctx, c, d, cur, resp.Body, r); err != nil {
		return err
	}
	r.Set("path", d)
	return nil
}

// responseFilename is Content-Disposition's filename, else the URL's last
// path segment, else index.html.
func responseFilename(u, disposition string) string {
	if _, params, err := mime.ParseMediaType(disposition); err == nil && params["filename"] != "" {
		return path.Base(params["filename"])
	}
	if p, err := url.Parse(u); err == nil {
		if b := path.Base(strings.TrimRight(p.Path, "/")); b != "." && b != "/" && b != "" {
			if un, err := url.PathUnescape(b); err == nil {
				return un
			}
			return b
		}
	}
	return "index.html"
}

func isJSONType(ct string) bool {
	ct = strings.ToLower(strings.TrimSpace(strings.Split(ct, ";")[0]))
	return ct == "application/json" || strings.HasSuffix(ct, "+json") || ct == "text/json"
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
