package modules_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/haplay/haplay/internal/e2e"
)

// uriServer answers on 127.0.0.1 and records what each path received.
type uriServer struct {
	mu   sync.Mutex
	seen map[string]http.Header
	body map[string]string
}

func (s *uriServer) handler(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.seen[r.URL.Path], s.body[r.URL.Path] = r.Header.Clone(), r.Method+" "+string(b)
	s.mu.Unlock()
	switch r.URL.Path {
	case "/gz":
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		_, _ = zw.Write([]byte("unzipped\n"))
		_ = zw.Close()
	case "/redir":
		http.Redirect(w, r, "/final", http.StatusFound)
	case "/named/":
		w.Header().Set("Content-Disposition", `attachment; filename="report.txt"`)
		_, _ = w.Write([]byte("report\n"))
	default:
		if r.Header.Get("If-Modified-Since") != "" {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		_, _ = w.Write([]byte("hello\n"))
	}
}

// uri's file, body and header arguments against a local server, with
// the host's curl: decompress, http_agent, unredirected_headers, src and
// remote_src, dest into a directory with mode, force, and a cipher list
// curl refuses.
func TestURIArgumentsLocal(t *testing.T) {
	if _, err := os.Stat("/usr/bin/curl"); err != nil && os.Getenv("CI") != "true" {
		t.Skip("curl not installed")
	}
	s := &uriServer{seen: map[string]http.Header{}, body: map[string]string{}}
	srv := httptest.NewServer(http.HandlerFunc(s.handler))
	defer srv.Close()
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(s.handler))
	defer tlsSrv.Close()
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	if err := os.MkdirAll(filepath.Join(dir, "files"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "files", "up.bin"), []byte("up\x00load"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	pb := `- hosts: localhost
  connection: local
  gather_facts: false
  vars: {u: "` + srv.URL + `", tu: "` + tlsSrv.URL + `", out: "` + out + `"}
  tasks:
    - name: gz
      uri: {url: "{{ u }}/gz", return_content: true}
      register: gz
    - name: gz kept
      uri: {url: "{{ u }}/gz", return_content: true, decompress: false}
      register: raw
    - name: agent
      uri: {url: "{{ u }}/agent", http_agent: haplay-test}
    - name: redirect
      uri: {url: "{{ u }}/redir", headers: {Authorization: Bearer x, X-Keep: "1"}, unredirected_headers: [authorization]}
      register: redir
    - name: src
      uri: {url: "{{ u }}/src", method: PUT, src: up.bin}
    - name: remote src
      uri: {url: "{{ u }}/rsrc", method: POST, src: "{{ playbook_dir }}/files/up.bin", remote_src: true}
    - name: dest dir
      uri: {url: "{{ u }}/named/", dest: "{{ out }}", mode: "0600"}
    - name: dest again
      uri: {url: "{{ u }}/named/", dest: "{{ out }}", mode: "0600", force: true}
    - name: dest file
      uri: {url: "{{ u }}/plain", dest: "{{ out }}/plain.txt"}
    - name: not modified
      uri: {url: "{{ u }}/plain", dest: "{{ out }}/plain.txt", status_code: [200, 304]}
    - name: ciphers
      uri: {url: "{{ tu }}/c", ciphers: [NO-SUCH-CIPHER], validate_certs: false}
      ignore_errors: true
    - name: show
      debug: {msg: "{{ gz.content }}|{{ raw.content | length }}|{{ redir.url }}|{{ redir.redirected }}"}
`
	if err := os.WriteFile(filepath.Join(dir, "pb.yml"), []byte(pb), 0o644); err != nil {
		t.Fatal(err)
	}
	r := e2e.Run(t, dir, "run", "pb.yml", "-i", "localhost,", "--output", "json")
	for task, want := range map[string]string{"gz": "ok", "agent": "ok", "redirect": "ok", "src": "ok", "remote src": "ok",
		"dest dir": "changed", "dest again": "ok", "dest file": "changed", "not modified": "ok", "ciphers": "failed"} {
		if got := r.Doc.Status(task, "localhost"); got != want {
			t.Errorf("%s: %q, want %q\n%s%s", task, got, want, r.Stdout, r.Stderr)
		}
	}
	if !strings.Contains(r.Stdout, "unzipped\\n|") || !strings.Contains(r.Stdout, "|"+srv.URL+"/final|True") {
		t.Errorf("decompress or redirect result:\n%s", r.Stdout)
	}
	if !strings.Contains(r.Stdout, "curl cannot use the ciphers NO-SUCH-CIPHER") {
		t.Errorf("the cipher failure does not say so:\n%s", r.Stdout)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if got := s.seen["/agent"].Get("User-Agent"); got != "haplay-test" {
		t.Errorf("User-Agent %q", got)
	}
	if got := s.seen["/gz"].Get("User-Agent"); got != "ansible-httpget" {
		t.Errorf("default User-Agent %q", got)
	}
	if h := s.seen["/redir"]; h.Get("Authorization") != "Bearer x" {
		t.Errorf("first hop lacks Authorization: %v", h)
	}
	if h := s.seen["/final"]; h.Get("Authorization") != "" || h.Get("X-Keep") != "1" {
		t.Errorf("redirected hop: %v", h)
	}
	for _, p := range []string{"/src", "/rsrc"} {
		want := map[string]string{"/src": "PUT", "/rsrc": "POST"}[p] + " up\x00load"
		if s.body[p] != want {
			t.Errorf("%s received %q, want %q", p, s.body[p], want)
		}
	}
	if s.seen["/named/"].Get("Cache-Control") != "no-cache" {
		t.Errorf("force sent no Cache-Control: no-cache: %v", s.seen["/named/"])
	}
	st, err := os.Stat(filepath.Join(out, "report.txt"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("dest dir file: %v %v", st, err)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "plain.txt")); !bytes.Equal(b, []byte("hello\n")) {
		t.Errorf("plain.txt = %q", b)
	}
}
