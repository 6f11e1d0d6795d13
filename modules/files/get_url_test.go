package files

import (
	"strings"
	"testing"

	"github.com/haplay/haplay/engine/module"
)

func TestParseChecksum(t *testing.T) {
	for _, tc := range []struct {
		in, algo, value, url, err string
	}{
		{in: ""},
		{in: "sha256:ABCDEF01", algo: "sha256", value: "abcdef01"},
		{in: "md5: ab-cd ", algo: "md5", value: "abcd"},
		{in: "sha256:https://example.org/SUMS", algo: "sha256", url: "https://example.org/SUMS"},
		{in: "sha256:file:///srv/SUMS", algo: "sha256", url: "file:///srv/SUMS"},
		{in: "abcdef", err: "has to be in format <algorithm>:<checksum>"},
		{in: "crc32:abcd", err: `checksum algorithm "crc32" is not supported`},
		{in: "sha1:xyz", err: "The checksum format is invalid"},
	} {
		got, err := parseChecksum(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got.Algo != tc.algo || got.Value != tc.value || got.URL != tc.url {
			t.Errorf("%q: got %+v, %v; want %s %s %s", tc.in, got, err, tc.algo, tc.value, tc.url)
		}
	}
}

func TestChecksumFromFile(t *testing.T) {
	sums := "aaaa  other.tar.gz\nBBBB *./tool.tar.gz\ncccc tool.tar.gz.sig\n"
	if got, err := checksumFromFile(sums, "tool.tar.gz", "u"); err != nil || got != "bbbb" {
		t.Errorf("sha256sum lines: got %q, %v", got, err)
	}
	if got, err := checksumFromFile("DEAD01\n", "whatever", "u"); err != nil || got != "dead01" {
		t.Errorf("bare checksum: got %q, %v", got, err)
	}
	if _, err := checksumFromFile(sums, "missing.tgz", "http://x/SUMS"); err == nil ||
		err.Error() != "Unable to find a checksum for file 'missing.tgz' in 'http://x/SUMS'" {
		t.Errorf("missing file: %v", err)
	}
}

func TestURLFilename(t *testing.T) {
	for in, want := range map[string]string{
		"http://h/a/b.tar.gz?x=1": "b.tar.gz",
		"http://h/":               "index.html",
		"http://h":                "index.html",
		"http://h/dir/":           "index.html",
	} {
		if got := urlFilename(in); got != want {
			t.Errorf("%s: got %q want %q", in, got, want)
		}
	}
}

func TestFetchConfigsCarryTheRequest(t *testing.T) {
	a := module.Args{"url": "http://h/f", "http_agent": "ag", "timeout": 7, "validate_certs": false, "use_proxy": false,
		"use_netrc": true, "decompress": true, "url_username": "u", "url_password": `p"w`,
		"headers": map[string]any{"X-B": "2", "X-A": "1"}}
	c := curlConfig(a, fetchRequest{URL: "http://h/f", TimeCond: "/d", NoCache: false})
	for _, want := range []string{`url = "http://h/f"`, `user = "u:p\"w"`, `header = "X-A: 1"` + "\n" + `header = "X-B: 2"`,
		`time-cond = "/d"`, "connect-timeout = 7", "insecure", `noproxy = "*"`, "netrc-optional", "compressed", `user-agent = "ag"`} {
		if !strings.Contains(c, want) {
			t.Errorf("curl config lacks %q:\n%s", want, c)
		}
	}
	w := wgetConfig(a, fetchRequest{URL: "http://h/f", NoCache: true})
	for _, want := range []string{"user = u", `password = p"w`, "header = Cache-Control: no-cache", "check_certificate = off", "use_proxy = off", "timeout = 7"} {
		if !strings.Contains(w, want) {
			t.Errorf("wgetrc lacks %q:\n%s", want, w)
		}
	}
	// The password travels on stdin; the scripts never hold it.
	st := (&getURL{c: &module.Call{Args: a}, url: "http://h/f", dest: "/d", sum: urlChecksum{Algo: "sha256", URL: "http://h/S"}})
	p := urlPlan{Dest: "/d", Tmp: "/.d.haplay-tmp.x", OldSHA1: "x", Mode: 0o644}
	if s := downloadScript(p, fetchRequest{URL: "http://h/f"}, ""); strings.Contains(s, `p"w`) || strings.Contains(s, "p'\"'\"'w") {
		t.Errorf("download script holds the password:\n%s", s)
	}
	if in := string(st.stdin(fetchRequest{URL: "http://h/f"})); !strings.Contains(in, "@@wgetrc\n") || !strings.Contains(in, "@@url\nhttp://h/f\n") {
		t.Errorf("stdin: %q", in)
	}
}

func TestParseURLState(t *testing.T) {
	s := map[string]string{"tool": "curl\n", "dir": "", "dest": "regular file|640|root|root|0|0|14\nabc  -\ndef  -\n", "parent": "yes\n"}
	st, err := parseURLState("/srv", "http://h/x.tgz", s)
	if err != nil || !st.Dir || st.Dest != "/srv/x.tgz" || !st.Cur.Exists || st.Cur.Mode != 0o640 || st.SHA1 != "abc" || st.Sum != "def" || st.Cur.Size != 14 {
		t.Errorf("got %+v, %v", st, err)
	}
	st, err = parseURLState("/srv/f", "http://h/x", map[string]string{"tool": "none\n", "dest": "ABSENT\n"})
	if err != nil || st.Cur.Exists || st.Tool != "none" || st.ParentOK {
		t.Errorf("absent: got %+v, %v", st, err)
	}
}

func TestCheckGetURLRefusesWhatItCannotHonour(t *testing.T) {
	errs := checkGetURL(module.Args{"use_gssapi": true, "unredirected_headers": []any{"Authorization"}, "checksum": "nope"}, false)
	if len(errs) != 3 {
		t.Fatalf("got %v, want three errors", errs)
	}
	if errs := checkGetURL(module.Args{"checksum": "{{ sum }}"}, false); len(errs) != 0 {
		t.Errorf("templated checksum refused at load: %v", errs)
	}
}
