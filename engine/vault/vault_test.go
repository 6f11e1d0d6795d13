package vault

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// needAnsibleVault returns the path of the real ansible-vault; without it
// the test skips, except under CI=true where that is a failure.
func needAnsibleVault(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("ansible-vault")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("ansible-vault not installed (scripts/deps.sh installs ansible-core)")
		}
		t.Skip("ansible-vault not installed")
	}
	return p
}

func writeFile(t *testing.T, dir, name, data string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(data), mode); err != nil {
		t.Fatal(err)
	}
	return p
}

func ansible(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(needAnsibleVault(t), args...)
	cfg := filepath.Join(t.TempDir(), "ansible.cfg") // no user's config changes the result
	if err := os.WriteFile(cfg, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd.Env = append(os.Environ(), "ANSIBLE_CONFIG="+cfg)
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("ansible-vault %v: %v: %s", args, err, ee.Stderr)
		}
		t.Fatalf("ansible-vault %v: %v", args, err)
	}
	return string(out)
}

// TestAnsibleVaultDecryptsOurs: what haplay encrypts, ansible-vault
// opens, with the 1.1 header (default id) and the 1.2 one (a label).
func TestAnsibleVaultDecryptsOurs(t *testing.T) {
	needAnsibleVault(t)
	dir := t.TempDir()
	pw := writeFile(t, dir, "pw", "s3cret pass\n", 0o600)
	plain := "db_password: hunter2\nlist: [1, 2]\n\u00e9t\u00e9 \x00 binary\n"
	for _, id := range []string{"", DefaultID, "prod"} {
		ct, err := Encrypt([]byte(plain), []byte("s3cret pass"), id)
		if err != nil {
			t.Fatal(err)
		}
		wantHead := "$ANSIBLE_VAULT;1.1;AES256\n"
		if id == "prod" {
			wantHead = "$ANSIBLE_VAULT;1.2;AES256;prod\n"
		}
		if !strings.HasPrefix(string(ct), wantHead) {
			t.Errorf("id %q: header %q, want %q", id, strings.SplitN(string(ct), "\n", 2)[0], wantHead)
		}
		for i, l := range strings.Split(strings.TrimSuffix(string(ct), "\n"), "\n")[1:] {
			if len(l) > 80 {
				t.Errorf("line %d is %d columns", i+2, len(l))
			}
		}
		f := writeFile(t, dir, "v"+id, string(ct), 0o600)
		label := id
		if label == "" {
			label = DefaultID
		}
		if got := ansible(t, "view", "--vault-id", label+"@"+pw, f); got != plain {
			t.Errorf("id %q: ansible-vault view = %q, want %q", id, got, plain)
		}
	}
}

// TestWeDecryptAnsibleVault: what ansible-vault encrypts (files,
// encrypt_string, vault ids), haplay opens.
func TestWeDecryptAnsibleVault(t *testing.T) {
	needAnsibleVault(t)
	dir := t.TempDir()
	pw := writeFile(t, dir, "pw", "other\n", 0o600)
	plain := "a: 1\nb: \"two\"\n" + strings.Repeat("long line ", 30) + "\n"
	f := writeFile(t, dir, "plain.yml", plain, 0o600)
	ansible(t, "encrypt", "--vault-id", "prod@"+pw, f)
	data, _ := os.ReadFile(f)
	if !strings.HasPrefix(string(data), "$ANSIBLE_VAULT;1.2;AES256;prod\n") {
		t.Fatalf("ansible-vault wrote %q", data[:40])
	}
	k := NewKeyring(Secret{ID: "dev", Password: []byte("x")}, Secret{ID: "prod", Password: []byte("other")})
	got, id, err := k.Decrypt(data)
	if err != nil || string(got) != plain || id != "prod" {
		t.Errorf("Decrypt = %q, %q, %v; want %q, prod", got, id, err, plain)
	}
	es := ansible(t, "encrypt_string", "--vault-password-file", pw, "--name", "x", "tv-secret")
	i := strings.Index(es, "$ANSIBLE_VAULT")
	if i < 0 {
		t.Fatalf("encrypt_string printed %q", es)
	}
	got, _, err = NewKeyring(Secret{ID: DefaultID, Password: []byte("other")}).Decrypt([]byte(es[i:]))
	if err != nil || string(got) != "tv-secret" {
		t.Errorf("encrypt_string: %q, %v", got, err)
	}
}

// TestByteForByte pins the format to Ansible's own VaultAES256 with the
// same salt: the outputs are equal byte for byte.
func TestByteForByte(t *testing.T) {
	needAnsibleVault(t)
	salt := bytes.Repeat([]byte{0xab}, 32)
	script := `import sys
from ansible.parsing.vault import VaultAES256, VaultSecret, format_vaulttext_envelope
ct = VaultAES256.encrypt(b"hello vault\n", VaultSecret(b"pw"), salt=b"\xab" * 32)
sys.stdout.write(format_vaulttext_envelope(ct, "AES256", vault_id="prod").decode())
`
	out, err := exec.Command(ansiblePython(t), "-c", script).Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	if got := encryptWithSalt([]byte("hello vault\n"), []byte("pw"), "prod", salt); string(got) != string(out) {
		t.Errorf("haplay:\n%s\nansible:\n%s", got, out)
	}
}

// ansiblePython is the interpreter ansible-vault runs on (its #! line).
func ansiblePython(t *testing.T) string {
	data, err := os.ReadFile(needAnsibleVault(t))
	if err != nil {
		t.Fatal(err)
	}
	line, _, _ := strings.Cut(string(data), "\n")
	f := strings.Fields(strings.TrimPrefix(line, "#!"))
	if len(f) == 0 {
		t.Fatalf("ansible-vault starts with %q", line)
	}
	if filepath.Base(f[0]) == "env" && len(f) > 1 {
		return f[1]
	}
	return f[0]
}

func TestDecryptErrors(t *testing.T) {
	good, err := Encrypt([]byte("x"), []byte("pw"), "")
	if err != nil {
		t.Fatal(err)
	}
	prod, _ := Encrypt([]byte("x"), []byte("prodpw"), "prod")
	lines := strings.Split(string(good), "\n")
	def := NewKeyring(Secret{ID: DefaultID, Password: []byte("pw")})
	cases := []struct {
		name, data string
		keys       *Keyring
		want       string
		format     bool
	}{
		{"wrong password", string(good), NewKeyring(Secret{ID: DefaultID, Password: []byte("nope")}), "wrong vault password (vault ids tried: default)", false},
		{"no password", string(good), nil, "no vault password given: use --vault-password-file FILE", false},
		{"missing vault id", string(prod), def, `vault id "prod" not given: use --vault-id prod@FILE`, false},
		{"truncated", strings.Join(lines[:2], "\n"), def, "not a valid vault: ", true},
		{"header only", lines[0] + "\n", def, "no data after the header (truncated?)", true},
		{"corrupt hex", strings.Replace(string(good), lines[1][:4], "zz"+lines[1][2:4], 1), def, "hex: ", true},
		{"bad header", strings.Replace(string(good), "$ANSIBLE_VAULT", "$ANSIBLE_VALT", 1), def, "does not start with $ANSIBLE_VAULT", true},
		{"bad version", strings.Replace(string(good), "1.1", "9.9", 1), def, `unknown vault format version "9.9"`, true},
		{"bad cipher", strings.Replace(string(good), "AES256", "DES", 1), def, `unknown cipher "DES"`, true},
		{"short header", "$ANSIBLE_VAULT;1.1\nabcd\n", def, "has no version and cipher", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := c.keys.Decrypt([]byte(c.data))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want it to hold %q", err, c.want)
			}
			var fe *FormatError
			if errors.As(err, &fe) != c.format {
				t.Errorf("format error %v, want %v", errors.As(err, &fe), c.format)
			}
		})
	}
	// A 1.2 vault is still tried with the other ids, as Ansible does.
	other := NewKeyring(Secret{ID: "x", Password: []byte("no")}, Secret{ID: DefaultID, Password: []byte("prodpw")})
	if pt, id, err := other.Decrypt(prod); err != nil || string(pt) != "x" || id != DefaultID {
		t.Errorf("prod vault with the default id's password: %q, %q, %v", pt, id, err)
	}
}

func TestPasswordSources(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	plain := writeFile(t, dir, "pw.txt", "  file-pass \n", 0o600)
	script := writeFile(t, dir, "pw.sh", "#!/bin/sh\necho script-pass\n", 0o700)
	client := writeFile(t, dir, "pw-client.sh", "#!/bin/sh\n[ \"$1 $2\" = \"--vault-id prod\" ] && { echo client-$2; exit 0; }\necho no such id >&2; exit 2\n", 0o700)
	failing := writeFile(t, dir, "bad.sh", "#!/bin/sh\necho oops >&2; exit 3\n", 0o700)
	empty := writeFile(t, dir, "empty", "\n", 0o600)
	k, err := Load(ctx, []Spec{ParseSpec(plain), ParseSpec("s@" + script), ParseSpec("prod@" + client),
		ParseSpec("ask@prompt")}, func(p string) (string, error) { return "typed:" + p, nil })
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{DefaultID: "file-pass", "s": "script-pass", "prod": "client-prod", "ask": "typed:Vault password (ask): "}
	for id, pw := range want {
		if s, ok := k.Secret(id); !ok || string(s.Password) != pw {
			t.Errorf("vault id %s: %q, want %q", id, s.Password, pw)
		}
	}
	for _, c := range []struct{ spec, want string }{
		{"dev@" + client, "has no password for vault id dev: no such id"},
		{failing, "exited with 3: oops"},
		{empty, "the password is empty"},
		{filepath.Join(dir, "absent"), "no such file or directory"},
		{"x@prompt", "cannot ask for a vault password here"},
	} {
		if _, err := Load(ctx, []Spec{ParseSpec(c.spec)}, nil); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.spec, err, c.want)
		}
	}
}

func TestEncryptSecretChoice(t *testing.T) {
	k := NewKeyring(Secret{ID: "a", Password: []byte("1")}, Secret{ID: "b", Password: []byte("2")})
	if _, err := k.EncryptSecret(""); err == nil || !strings.Contains(err.Error(), "--encrypt-vault-id") {
		t.Errorf("two ids, none chosen: %v", err)
	}
	if s, err := k.EncryptSecret("b"); err != nil || s.ID != "b" {
		t.Errorf("chosen b: %v %v", s, err)
	}
	if _, err := k.EncryptSecret("c"); err == nil {
		t.Error("unknown --encrypt-vault-id accepted")
	}
}

func TestRevealedLongestFirst(t *testing.T) {
	var k *Keyring
	k.Reveal("x") // a nil keyring records nothing and does not panic
	k = NewKeyring()
	k.Reveal("ab", "", "abcd", "ab")
	if got := strings.Join(k.Revealed(), ","); got != "abcd,ab" {
		t.Errorf("Revealed = %s", got)
	}
}
