package requirements

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5/plumbing/transport/client"
	"github.com/go-git/go-git/v5/plumbing/transport/server"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	"golang.org/x/crypto/ssh"
)

// testScheme serves local repositories through go-git's in-process
// server, so the remote code path (remote.List, fetch) runs without a
// network and without a git binary.
const testScheme = "haplaytest"

func TestMain(m *testing.M) {
	client.InstallProtocol(testScheme, server.NewClient(server.NewFilesystemLoader(osfs.New("/"))))
	os.Exit(m.Run())
}

func TestRemoteSourceWithCredentialsInURL(t *testing.T) {
	f := newFixture(t)
	f.r.tag("rel", f.c1, true)
	const secret = "s3cretTOKEN-42"
	// The in-process server opens a repository at its git directory.
	gitDir := filepath.Join(f.r.dir, ".git")
	src := testScheme + "://deploy:" + secret + "@localhost" + gitDir
	env := writeEnv(t, filepath.Join(t.TempDir(), "env"),
		"- name: web\n  src: "+src+"\n  version: rel\n- name: dev\n  src: "+src+"\n  version: dev\n")
	out := mustVendor(t, Options{EnvDir: env})
	lockText := readFile(t, filepath.Join(env, LockFileName))
	for what, text := range map[string]string{"output": out, "lock": lockText, "sums": readFile(t, filepath.Join(env, "vendor", SumFileName))} {
		if strings.Contains(text, secret) || strings.Contains(text, "deploy:") {
			t.Errorf("%s shows the credentials:\n%s", what, text)
		}
	}
	if got := lockOf(t, env)["web"]; got.Src != testScheme+"://localhost"+gitDir || got.Commit != f.c1.String() {
		t.Errorf("lock entry %+v", got)
	}
	if !strings.Contains(roleTask(t, env, "web"), "one") || !strings.Contains(roleTask(t, env, "dev"), "three") {
		t.Errorf("remote trees wrong")
	}
	// Verify lists the remote (no peeled tags from this server: the tag
	// object itself is compared).
	mustVendor(t, Options{EnvDir: env, Verify: true})
	f.r.moveTag("rel", f.c2, true)
	vout, err := vendorRun(t, Options{EnvDir: env, Verify: true})
	if err == nil || !strings.Contains(err.Error(), "role web: tag rel moved upstream") {
		t.Fatalf("verify after moving the tag: %v\n%s", err, vout)
	}
	if strings.Contains(err.Error()+vout, secret) {
		t.Errorf("verify shows the secret: %v\n%s", err, vout)
	}
	// Reinstall from the lock over the remote: the old commit is still
	// reachable from dev, so it is installed exactly.
	if err := os.RemoveAll(filepath.Join(env, "vendor")); err != nil {
		t.Fatal(err)
	}
	out = mustVendor(t, Options{EnvDir: env})
	if !strings.Contains(roleTask(t, env, "web"), "one") || strings.Contains(out, secret) {
		t.Errorf("reinstall from lock: %s", out)
	}
}

// authServer answers every git request with 401 and records the basic
// auth it was offered.
func authServer(t *testing.T) (*httptest.Server, func() (user, pass string, seen bool)) {
	var mu sync.Mutex
	var u, p string
	var ok bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		u, p, ok = r.BasicAuth()
		mu.Unlock()
		w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
		http.Error(w, "authentication required", http.StatusUnauthorized)
	}))
	t.Cleanup(srv.Close)
	return srv, func() (string, string, bool) {
		mu.Lock()
		defer mu.Unlock()
		return u, p, ok
	}
}

func TestTokenFromEnvironmentIsSentAndNeverShown(t *testing.T) {
	tests := []struct {
		name     string
		env      map[string]string
		userinfo string
		wantUser string
		wantPass string
	}{
		{"HAPLAY_GIT_TOKEN", map[string]string{EnvToken: "tok-haplay-123456"}, "", "x-access-token", "tok-haplay-123456"},
		{"GITHUB_TOKEN fallback", map[string]string{EnvGitHubToken: "ghp_fallback987654"}, "", "x-access-token", "ghp_fallback987654"},
		{"token user", map[string]string{EnvToken: "glpat-abcdef", EnvTokenUser: "oauth2"}, "", "oauth2", "glpat-abcdef"},
		{"password in URL", nil, "bob:pw-in-url-555@", "bob", "pw-in-url-555"},
		{"token as URL user", map[string]string{}, "ghp_userinfotoken1@", "ghp_userinfotoken1", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, seen := authServer(t)
			host := strings.TrimPrefix(srv.URL, "http://")
			src := "http://" + tt.userinfo + host + "/org/private-role.git"
			env := writeEnv(t, filepath.Join(t.TempDir(), "env"), "- name: private\n  src: "+src+"\n  version: v1\n")
			getenv := func(k string) string { return tt.env[k] }
			out, err := vendorRun(t, Options{EnvDir: env, Getenv: getenv})
			if err == nil {
				t.Fatalf("vendor against a 401 server succeeded:\n%s", out)
			}
			u, p, ok := seen()
			if !ok || u != tt.wantUser || p != tt.wantPass {
				t.Errorf("server saw basic auth %q:%q (%v), want %q:%q", u, p, ok, tt.wantUser, tt.wantPass)
			}
			secret := tt.wantPass
			if secret == "" {
				secret = tt.wantUser
			}
			if strings.Contains(err.Error(), secret) || strings.Contains(out, secret) {
				t.Errorf("secret shown: err=%v out=%s", err, out)
			}
			if !strings.Contains(err.Error(), "role private") || !strings.Contains(err.Error(), host+"/org/private-role.git") {
				t.Errorf("error does not name the entry and source: %v", err)
			}
			if lock, err := os.ReadFile(filepath.Join(env, LockFileName)); err == nil && strings.Contains(string(lock), secret) {
				t.Errorf("lock shows the secret:\n%s", lock)
			}
		})
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://user:tok@github.com/o/r.git": "https://github.com/o/r.git",
		"https://tok@github.com/o/r.git":      "https://github.com/o/r.git",
		"ssh://git@github.com/o/r.git":        "ssh://github.com/o/r.git",
		"git@github.com:o/r.git":              "git@github.com:o/r.git",
		"/srv/git/r":                          "/srv/git/r",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSSHAuthFromEnvironment(t *testing.T) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	pemText := string(pem.EncodeToMemory(block))
	keyFile := filepath.Join(t.TempDir(), "id_ed25519")
	if err := os.WriteFile(keyFile, []byte(pemText), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, key := range map[string]string{"file": keyFile, "pem text": pemText} {
		getenv := func(k string) string {
			if k == EnvSSHKey {
				return key
			}
			return ""
		}
		for _, src := range []string{"git@git.example.com:ops/role.git", "ssh://deploy@git.example.com/ops/role.git"} {
			s, err := openSource(src, "/", getenv, &redactor{})
			if err != nil {
				t.Fatalf("%s %s: %v", name, src, err)
			}
			pk, ok := s.auth.(*gitssh.PublicKeys)
			if !ok {
				t.Fatalf("%s %s: auth %T, want public keys", name, src, s.auth)
			}
			if want := map[bool]string{true: "git", false: "deploy"}[strings.HasPrefix(src, "git@")]; pk.User != want {
				t.Errorf("%s: user %q, want %q", src, pk.User, want)
			}
			if strings.Contains(s.display, "BEGIN") {
				t.Errorf("display shows the key")
			}
		}
	}
	if _, err := openSource("git@h:r.git", "/", func(k string) string {
		return map[string]string{EnvSSHKey: "/nonexistent/key"}[k]
	}, &redactor{}); err == nil || !strings.Contains(err.Error(), EnvSSHKey) {
		t.Errorf("missing key file: %v", err)
	}
}
