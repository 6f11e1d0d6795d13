package network

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/haplay/haplay/engine/module"
)

func TestParseCurlFrames(t *testing.T) {
	hdr := "HTTP/1.1 301 Moved Permanently\r\nLocation: /x\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Thing: a\r\nX-Thing: b\r\n\r\n"
	body := `{"a": [1, 2]}`
	w := "200 1 http://h:8080/x"
	out := "w " + itoa(len(w)) + "\n" + w + "h " + itoa(len(hdr)) + "\n" + hdr + "b " + itoa(len(body)) + "\n" + body + "e 0\nrc 0\n"
	r, err := parseCurlFrames([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != 200 || r.Redirects != 1 || r.URL != "http://h:8080/x" || string(r.Body) != body || r.RC != 0 {
		t.Fatalf("%+v", r)
	}
	reason, h := parseHeaders(r.Headers)
	if reason != "OK" || h["content_type"] != "application/json" || h["x_thing"] != "a, b" || h["location"] != "" {
		t.Fatalf("%q %v", reason, h)
	}
	if _, err := parseCurlFrames([]byte("w 99\nshort")); err == nil {
		t.Fatal("want error for a truncated frame")
	}
	if !isJSONType("application/problem+json; charset=utf-8") || isJSONType("text/html") {
		t.Fatal("isJSONType")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestCurlConfig(t *testing.T) {
	a := module.Args{"url": "http://h/p", "body": map[string]any{"name": "x\"y"}, "body_format": "json", "timeout": 5,
		"validate_certs": false, "url_username": "u", "url_password": "p w", "follow_redirects": "safe",
		"headers": map[string]any{"X-A": "1"}, "http_agent": "ansible-httpget", "use_netrc": true, "use_proxy": true}
	got, err := curlConfig(a, uriReq{url: "http://h/p", method: "POST"})
	if err != nil {
		t.Fatal(err)
	}
	want := `url = "http://h/p"
request = "POST"
data-raw = "{\"name\":\"x\\\"y\"}"
header = "Content-Type: application/json"
header = "User-Agent: ansible-httpget"
header = "X-A: 1"
user = "u:p w"
max-time = 5
insecure
`
	if got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
	b, ct, _ := encodeBody(map[string]any{"b": "2", "a": "x y"}, "form-urlencoded")
	if b != "a=x+y&b=2" || ct != "application/x-www-form-urlencoded" {
		t.Fatal(b, ct)
	}
	if curlQuote("a\nb\\") != `"a\nb\\"` {
		t.Fatal(curlQuote("a\nb\\"))
	}
}

func TestCurlConfigArguments(t *testing.T) {
	base := func() module.Args {
		return module.Args{"url": "https://h/p", "timeout": 30, "validate_certs": true, "follow_redirects": "safe",
			"http_agent": "ansible-httpget", "use_netrc": true, "use_proxy": true}
	}
	cases := []struct {
		name string
		args module.Args
		req  uriReq
		want []string // lines the config must hold
		not  []string // lines it must not
	}{
		{"netrc by default, curl's default agent replaced", base(), uriReq{url: "https://h/p", method: "GET", follow: true},
			[]string{"netrc-optional", `header = "User-Agent: ansible-httpget"`, "location"}, []string{"request"}},
		{"force, no proxy, agent from headers", func() module.Args {
			a := base()
			a["force"], a["use_proxy"], a["headers"] = true, false, map[string]any{"user-agent": "mine"}
			return a
		}(), uriReq{url: "https://h/p", method: "GET"},
			[]string{`header = "Cache-Control: no-cache"`, `noproxy = "*"`, `header = "user-agent: mine"`}, []string{"ansible-httpget", "location"}},
		{"ciphers split between TLS 1.2 and 1.3", func() module.Args {
			a := base()
			a["ciphers"] = []any{"ECDHE-RSA-AES128-GCM-SHA256", "TLS_AES_128_GCM_SHA256", "!aNULL"}
			return a
		}(), uriReq{url: "https://h/p", method: "GET"},
			[]string{`ciphers = "ECDHE-RSA-AES128-GCM-SHA256:!aNULL"`, `tls13-ciphers = "TLS_AES_128_GCM_SHA256"`}, nil},
		{"src sent as a file, GET kept as GET", func() module.Args { a := base(); a["src"] = "x"; return a }(),
			uriReq{url: "https://h/p", method: "GET", dataFile: "/tmp/f"},
			[]string{`data-binary = "@/tmp/f"`, `request = "GET"`}, nil},
		{"a redirect hop drops the unredirected headers and the body", func() module.Args {
			a := base()
			a["headers"], a["body"] = map[string]any{"Authorization": "Bearer t", "X-Keep": "1"}, "data"
			return a
		}(), uriReq{url: "https://other/p", method: "GET", noBody: true, drop: map[string]bool{"authorization": true}},
			[]string{`header = "X-Keep: 1"`}, []string{"Authorization", "data-raw", "request"}},
		{"gssapi", func() module.Args { a := base(); a["use_gssapi"] = true; return a }(), uriReq{url: "https://h/p", method: "GET"},
			[]string{"negotiate", `user = ":"`}, []string{"netrc"}},
	}
	for _, c := range cases {
		got, err := curlConfig(c.args, c.req)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		lines := strings.Split(got, "\n")
		for _, w := range c.want {
			if !slices.Contains(lines, w) {
				t.Errorf("%s: no line %q in\n%s", c.name, w, got)
			}
		}
		for _, n := range c.not {
			if strings.Contains(got, n) {
				t.Errorf("%s: %q in\n%s", c.name, n, got)
			}
		}
	}
}
