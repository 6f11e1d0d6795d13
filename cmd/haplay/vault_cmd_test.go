package main

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haplay/haplay/engine/vault"
	"github.com/haplay/haplay/internal/e2e"
)

// ansibleVault runs the real ansible-vault (skipping without it, failing
// under CI=true) and returns its stdout.
func ansibleVault(t *testing.T, dir string, args ...string) string {
	t.Helper()
	p, err := exec.LookPath("ansible-vault")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("ansible-vault not installed (scripts/deps.sh installs ansible-core)")
		}
		t.Skip("ansible-vault not installed")
	}
	cfg := filepath.Join(t.TempDir(), "ansible.cfg")
	mustWrite(t, cfg, "", 0o600)
	cmd := exec.Command(p, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "ANSIBLE_CONFIG="+cfg)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ansible-vault %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func haplayOK(t *testing.T, dir string, args ...string) string {
	t.Helper()
	r := e2e.Run(t, dir, args...)
	if r.ExitCode != 0 {
		t.Fatalf("haplay %v: exit %d\n%s%s", args, r.ExitCode, r.Stdout, r.Stderr)
	}
	return r.Stdout
}

// TestVaultCommandsWithAnsibleVault: every haplay vault command's output
// is read by ansible-vault, and what ansible-vault writes haplay reads.
func TestVaultCommandsWithAnsibleVault(t *testing.T) {
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "pw"), "pw-one\n", 0o600)
	mustWrite(t, filepath.Join(dir, "pw2"), "pw-two\n", 0o600)
	ansibleVault(t, dir, "--version")

	// encrypt in place (vault id prod), ansible-vault views it.
	mustWrite(t, filepath.Join(dir, "a.yml"), "a: 1\n", 0o640)
	haplayOK(t, dir, "vault", "encrypt", "--vault-id", "prod@pw", "a.yml")
	data, _ := os.ReadFile(filepath.Join(dir, "a.yml"))
	if !strings.HasPrefix(string(data), "$ANSIBLE_VAULT;1.2;AES256;prod\n") {
		t.Errorf("encrypt wrote %q", data)
	}
	if fi, _ := os.Stat(filepath.Join(dir, "a.yml")); fi.Mode().Perm() != 0o640 {
		t.Errorf("encrypt changed the mode to %v", fi.Mode().Perm())
	}
	if got := ansibleVault(t, dir, "view", "--vault-id", "prod@pw", "a.yml"); got != "a: 1\n" {
		t.Errorf("ansible-vault view = %q", got)
	}
	// ansible-vault encrypts, haplay views and decrypts to --output -.
	mustWrite(t, filepath.Join(dir, "b.yml"), "b: 2\n", 0o600)
	ansibleVault(t, dir, "encrypt", "--vault-password-file", "pw", "b.yml")
	if got := haplayOK(t, dir, "vault", "view", "--vault-password-file", "pw", "b.yml"); got != "b: 2\n" {
		t.Errorf("view = %q", got)
	}
	if got := haplayOK(t, dir, "vault", "decrypt", "--vault-password-file", "pw", "--output", "-", "b.yml"); got != "b: 2\n" {
		t.Errorf("decrypt --output - = %q", got)
	}
	// rekey to a new vault id.
	haplayOK(t, dir, "vault", "rekey", "--vault-id", "prod@pw", "--new-vault-id", "next@pw2", "a.yml")
	if got := ansibleVault(t, dir, "view", "--vault-id", "next@pw2", "a.yml"); got != "a: 1\n" {
		t.Errorf("after rekey: %q", got)
	}
	// encrypt_string: the value pasted into a vars file is read by ansible-vault.
	out := haplayOK(t, dir, "vault", "encrypt_string", "--vault-password-file", "pw", "--name", "db_pass", "s3cr3t")
	if !strings.HasPrefix(out, "db_pass: !vault |\n          $ANSIBLE_VAULT;1.1;AES256\n") {
		t.Fatalf("encrypt_string printed %q", out)
	}
	var body strings.Builder
	for _, l := range strings.Split(out, "\n")[1:] {
		body.WriteString(strings.TrimPrefix(l, "          ") + "\n")
	}
	mustWrite(t, filepath.Join(dir, "s.vault"), body.String(), 0o600)
	// view ends a value that lacks one with a newline.
	if got := ansibleVault(t, dir, "view", "--vault-password-file", "pw", "s.vault"); got != "s3cr3t\n" {
		t.Errorf("ansible-vault view of encrypt_string = %q", got)
	}
}

// TestEncryptStringStdin: --stdin-name names the value read from stdin,
// which is encrypted as it is (its newline included).
func TestEncryptStringStdin(t *testing.T) {
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "pw"), "pw-one\n", 0o600)
	var out strings.Builder
	o := &vaultEncryptStringOptions{stdinName: "y"}
	o.stdin, o.stdout, o.stderr = strings.NewReader("from stdin\n"), &out, io.Discard
	o.vault.passwordFiles = []string{filepath.Join(dir, "pw")}
	if err := runVaultEncryptString(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "y: !vault |\n          $ANSIBLE_VAULT;1.1;AES256\n") {
		t.Fatalf("printed %q", out.String())
	}
	var body strings.Builder
	for _, l := range strings.Split(out.String(), "\n")[1:] {
		body.WriteString(strings.TrimSpace(l) + "\n")
	}
	pt, _, err := vault.NewKeyring(vault.Secret{ID: vault.DefaultID, Password: []byte("pw-one")}).Decrypt([]byte(body.String()))
	if err != nil || string(pt) != "from stdin\n" {
		t.Errorf("decrypted %q, %v", pt, err)
	}
}

// TestVaultCreateAndEdit: $EDITOR gets a private temp file (0600 in a
// 0700 directory) that is gone afterwards; the result is vault text that
// ansible-vault opens; edit keeps the vault id.
func TestVaultCreateAndEdit(t *testing.T) {
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "pw"), "pw-one\n", 0o600)
	log := filepath.Join(dir, "editor.log")
	editor := filepath.Join(dir, "editor.sh")
	mustWrite(t, editor, "#!/bin/sh\nstat -c '%a' \"$1\" \"$(dirname \"$1\")\" >> "+log+"\necho \"$1\" >> "+log+
		"\necho \"line: $(wc -l < \"$1\")\" >> \"$1\"\n", 0o700)
	t.Setenv("EDITOR", editor)
	haplayOK(t, dir, "vault", "create", "--vault-id", "prod@pw", "new/secret.yml")
	// Opened with the default id's password, the file keeps its vault id.
	haplayOK(t, dir, "vault", "edit", "--vault-password-file", "pw", "new/secret.yml")
	data, _ := os.ReadFile(filepath.Join(dir, "new/secret.yml"))
	if !strings.HasPrefix(string(data), "$ANSIBLE_VAULT;1.2;AES256;prod\n") {
		t.Errorf("edit wrote %q", data)
	}
	if got := ansibleVault(t, dir, "view", "--vault-id", "prod@pw", "new/secret.yml"); got != "line: 0\nline: 1\n" {
		t.Errorf("after create and edit: %q", got)
	}
	lines := strings.Split(strings.TrimSpace(readString(t, log)), "\n")
	if len(lines) != 6 || lines[0] != "600" || lines[1] != "700" {
		t.Fatalf("editor log %q: want the temp file 0600 in a 0700 directory, twice", lines)
	}
	for _, p := range []string{lines[2], lines[5]} {
		if _, err := os.Stat(filepath.Dir(p)); !os.IsNotExist(err) {
			t.Errorf("temp dir of %s is still there (%v)", p, err)
		}
	}
	if r := e2e.Run(t, dir, "vault", "create", "--vault-id", "prod@pw", "new/secret.yml"); r.ExitCode != 5 || !strings.Contains(r.Stderr, "exists, please use 'edit' instead") {
		t.Errorf("create over a file: exit %d %s", r.ExitCode, r.Stderr)
	}
}

func readString(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestVaultCommandErrors(t *testing.T) {
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "pw"), "pw-one\n", 0o600)
	mustWrite(t, filepath.Join(dir, "p.txt"), "plain\n", 0o600)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"vault", "encrypt", "--vault-id", "a@pw", "--vault-id", "b@pw", "p.txt"}, 5, "choose one with --encrypt-vault-id"},
		{[]string{"vault", "view", "--vault-password-file", "pw", "p.txt"}, 1, "p.txt: input is not vault encrypted data"},
		{[]string{"vault", "view", "p.txt"}, 5, "no terminal to ask for the vault password on"},
	}
	for _, c := range cases {
		r := e2e.Run(t, dir, c.args...)
		if r.ExitCode != c.code || !strings.Contains(r.Stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, r.ExitCode, r.Stderr, c.code, c.want)
		}
	}
}
