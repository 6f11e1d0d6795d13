package yamlnode

import (
	"strings"
	"testing"

	"github.com/haplay/haplay/engine/vault"
)

func TestVaultValues(t *testing.T) {
	ct, err := vault.Encrypt([]byte("s3cret"), []byte("pw"), "")
	if err != nil {
		t.Fatal(err)
	}
	src := "a: !vault |\n  " + strings.ReplaceAll(strings.TrimSpace(string(ct)), "\n", "\n  ") + "\nb: plain\n"
	k := vault.NewKeyring(vault.Secret{ID: vault.DefaultID, Password: []byte("pw")})
	n, err := Reader{Vault: k}.ParseOne("v.yml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	m := n.Interface().(map[string]any)
	if m["a"] != "s3cret" || m["b"] != "plain" || n.Get("a").Tag != "!vault" {
		t.Errorf("got %v (tag %q)", m, n.Get("a").Tag)
	}
	if got := strings.Join(k.Revealed(), ","); got != "s3cret" {
		t.Errorf("revealed %q, want only the !vault value", got)
	}
	// Without vault ids the value is an error at its line, never the
	// vault text taken as the value.
	if _, err := ParseOne("v.yml", []byte(src)); err == nil || !strings.Contains(err.Error(), "v.yml:1:4: decrypting !vault value: no vault password given") {
		t.Errorf("no vault ids: %v", err)
	}

	whole, _ := vault.Encrypt([]byte("user: admin\nport: 22\nlist: [x1]\n"), []byte("pw"), "prod")
	k2 := vault.NewKeyring(vault.Secret{ID: "prod", Password: []byte("pw")})
	docs, err := Reader{Vault: k2}.Parse("g.yml", whole)
	if err != nil || docs[0].Interface().(map[string]any)["user"] != "admin" {
		t.Fatalf("whole file: %v %v", docs, err)
	}
	if got := strings.Join(k2.Revealed(), ","); got != "admin,x1" {
		t.Errorf("revealed %q: want the strings, not the keys or numbers", got)
	}
	if _, err := Parse("g.yml", whole); err == nil || !strings.Contains(err.Error(), `g.yml:1:1: decrypting vault file: vault id "prod" not given`) {
		t.Errorf("whole file without ids: %v", err)
	}
}
