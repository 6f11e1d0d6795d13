package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haplay/haplay/internal/e2e"
)

// noLogOutputs runs pb at -v, -vv and -vvv, with --output json and with
// --log-file at debug level, and returns every output by name.
func noLogOutputs(t *testing.T, dir string, args ...string) map[string]string {
	t.Helper()
	outs := map[string]string{}
	for _, v := range []string{"-v", "-vv", "-vvv"} {
		log := filepath.Join(dir, "log"+v)
		r := e2e.Run(t, dir, append(append([]string{}, args...), v, "--log-file", log, "--log-level", "debug")...)
		b, err := os.ReadFile(log)
		if err != nil {
			t.Fatal(err)
		}
		outs["text "+v] = r.Stdout + r.Stderr
		outs["log "+v] = string(b)
	}
	r := e2e.Run(t, dir, append(append([]string{}, args...), "-vvv", "--output=json")...)
	outs["json"] = r.Stdout + r.Stderr
	return outs
}

// checkNoSecret fails for every output that shows secret, and for a run
// that never got as far as using it (mark must appear).
func checkNoSecret(t *testing.T, outs map[string]string, secret, mark string) {
	t.Helper()
	for name, out := range outs {
		if strings.Contains(out, secret) {
			t.Errorf("%s shows the no_log value:\n%s", name, out)
		}
		if strings.HasPrefix(name, "text") || name == "json" {
			if !strings.Contains(out, mark) {
				t.Errorf("%s lacks %q: the test did not reach the secret:\n%s", name, mark, out)
			}
		}
	}
}

// uri's url_password is no_log: a server that echoes it in its body, in a
// success and in a failure, must not get it printed or logged.
func TestURIPasswordNeverShown(t *testing.T) {
	const secret = "pw-7f3a9c-secret"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, pw, _ := r.BasicAuth()
		fmt.Fprintf(w, "hello, your password is %s", pw)
	}))
	defer srv.Close()
	dir := t.TempDir()
	pb := `- hosts: all
  gather_facts: false
  tasks:
    - name: fetch
      uri: {url: "` + srv.URL + `", url_username: u, url_password: "{{ pw }}", return_content: true}
    - name: wrong status
      uri: {url: "` + srv.URL + `", url_username: u, password: "{{ pw }}", return_content: true, status_code: 201}
      ignore_errors: true
`
	if err := os.WriteFile(filepath.Join(dir, "pb.yml"), []byte(pb), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "hosts"), []byte("localhost ansible_connection=local\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	outs := noLogOutputs(t, dir, "run", "pb.yml", "-i", "hosts", "-e", "pw="+secret)
	checkNoSecret(t, outs, secret, "your password is ********")
}

// A templated no_log (no_log: "{{ hide }}", as real roles write it) hides
// what the task prints on the hosts where it renders true, at every -v,
// in JSON and in the log; a failed render hides too.
func TestTemplatedNoLogNeverShown(t *testing.T) {
	const secret = "tmpl-nolog-5e1d"
	dir := t.TempDir()
	pb := `- hosts: all
  gather_facts: false
  vars:
    hide: true
  tasks:
    - name: shows
      debug: {msg: "open value"}
      no_log: "{{ not hide }}"
    - name: hidden
      command: echo ` + secret + `
      no_log: "{{ hide }}"
    - name: render fails
      command: echo ` + secret + `
      no_log: "{{ undefined_thing }}"
      ignore_errors: true
`
	if err := os.WriteFile(filepath.Join(dir, "pb.yml"), []byte(pb), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "hosts"), []byte("localhost ansible_connection=local\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	outs := noLogOutputs(t, dir, "run", "pb.yml", "-i", "hosts")
	checkNoSecret(t, outs, secret, "open value")
}
