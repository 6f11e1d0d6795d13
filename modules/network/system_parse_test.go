package network

import (
	"strconv"
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
		"headers": map[string]any{"X-A": "1"}}
	got, err := curlConfig(a, "POST")
	if err != nil {
		t.Fatal(err)
	}
	want := `url = "http://h/p"
request = "POST"
data-raw = "{\"name\":\"x\\\"y\"}"
header = "Content-Type: application/json"
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
