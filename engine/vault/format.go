// Package vault reads and writes Ansible Vault data, byte-compatible with
// ansible-vault: the 1.1 envelope ($ANSIBLE_VAULT;1.1;AES256) and the 1.2
// one that names its vault id ($ANSIBLE_VAULT;1.2;AES256;ID), AES256 in
// CTR mode with PKCS#7 padding, keys from PBKDF2-SHA256 (10,000 rounds),
// HMAC-SHA256 over the ciphertext, all hexlified twice and cut into lines
// of 80 columns. It also holds the vault ids of a run (Keyring), where
// their passwords come from (Spec, Load), and the decrypted values a run
// must never print (Revealed).
package vault

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Header starts every vault text.
const Header = "$ANSIBLE_VAULT"

// DefaultID is the vault id of a password given without a label, as
// Ansible names it; data encrypted under it gets the 1.1 header.
const DefaultID = "default"

const (
	keyLen     = 32
	ivLen      = aes.BlockSize
	iterations = 10000
	saltLen    = 32
	lineWidth  = 80
)

// FormatError is vault text that cannot be read: a bad header, a
// truncated or corrupt body. Trying another password will not help.
type FormatError struct{ Msg string }

func (e *FormatError) Error() string { return "not a valid vault: " + e.Msg }

func formatErrorf(format string, a ...any) error { return &FormatError{Msg: fmt.Sprintf(format, a...)} }

// ErrWrongPassword is a well-formed vault whose HMAC the password does not
// verify.
var ErrWrongPassword = errors.New("wrong vault password")

// IsEncrypted reports whether data is vault text (it starts with the
// header), as Ansible's is_encrypted decides.
func IsEncrypted(data []byte) bool {
	return bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte(Header+";"))
}

// Envelope is vault text taken apart: the header's fields and the body,
// still hexlified.
type Envelope struct {
	Version string // "1.1" or "1.2"
	Cipher  string // "AES256"
	ID      string // the 1.2 header's vault id; "" for 1.1
	body    []byte
}

// Parse reads the header and joins the body's lines.
func Parse(data []byte) (*Envelope, error) {
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	head := strings.Split(strings.TrimSpace(lines[0]), ";")
	if head[0] != Header {
		return nil, formatErrorf("it does not start with %s", Header)
	}
	if len(head) < 3 {
		return nil, formatErrorf("header %q has no version and cipher", lines[0])
	}
	e := &Envelope{Version: strings.TrimSpace(head[1]), Cipher: strings.TrimSpace(head[2])}
	if e.Version != "1.1" && e.Version != "1.2" {
		return nil, formatErrorf("unknown vault format version %q (1.1 and 1.2 are known)", e.Version)
	}
	if e.Cipher != "AES256" {
		return nil, formatErrorf("unknown cipher %q (AES256 is known)", e.Cipher)
	}
	if len(head) >= 4 {
		e.ID = strings.TrimSpace(head[3])
	}
	var body strings.Builder
	for _, l := range lines[1:] {
		body.WriteString(strings.TrimSpace(l))
	}
	if body.Len() == 0 {
		return nil, formatErrorf("no data after the header (truncated?)")
	}
	e.body = []byte(body.String())
	return e, nil
}

// Decrypt opens the envelope's body with password.
func (e *Envelope) Decrypt(password []byte) ([]byte, error) {
	salt, mac, ct, err := e.parts()
	if err != nil {
		return nil, err
	}
	k1, k2, iv := deriveKeys(password, salt)
	h := hmac.New(sha256.New, k2)
	h.Write(ct)
	if !hmac.Equal(h.Sum(nil), mac) {
		return nil, ErrWrongPassword
	}
	if len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return nil, formatErrorf("ciphertext of %d bytes is not whole AES blocks (truncated?)", len(ct))
	}
	pt := make([]byte, len(ct))
	block, _ := aes.NewCipher(k1)
	cipher.NewCTR(block, iv).XORKeyStream(pt, ct)
	return unpad(pt)
}

// parts unhexlifies the body into salt, HMAC and ciphertext.
func (e *Envelope) parts() (salt, mac, ct []byte, err error) {
	inner, err := unhex(e.body)
	if err != nil {
		return nil, nil, nil, err
	}
	f := bytes.SplitN(inner, []byte("\n"), 3)
	if len(f) != 3 {
		return nil, nil, nil, formatErrorf("the body has %d of its 3 parts (salt, HMAC, ciphertext): truncated?", len(f))
	}
	if salt, err = unhex(f[0]); err != nil {
		return nil, nil, nil, err
	}
	if mac, err = unhex(f[1]); err != nil {
		return nil, nil, nil, err
	}
	if ct, err = unhex(f[2]); err != nil {
		return nil, nil, nil, err
	}
	if len(mac) != sha256.Size {
		return nil, nil, nil, formatErrorf("HMAC of %d bytes, want %d", len(mac), sha256.Size)
	}
	return salt, mac, ct, nil
}

func unhex(b []byte) ([]byte, error) {
	out := make([]byte, hex.DecodedLen(len(b)))
	if _, err := hex.Decode(out, b); err != nil {
		return nil, formatErrorf("hex: %v (corrupt or truncated)", err)
	}
	return out, nil
}

func deriveKeys(password, salt []byte) (k1, k2, iv []byte) {
	// Key never fails for SHA-256 at this length.
	dk, _ := pbkdf2.Key(sha256.New, string(password), salt, iterations, 2*keyLen+ivLen)
	return dk[:keyLen], dk[keyLen : 2*keyLen], dk[2*keyLen:]
}

func unpad(b []byte) ([]byte, error) {
	n := int(b[len(b)-1])
	if n == 0 || n > aes.BlockSize || n > len(b) {
		return nil, formatErrorf("bad padding")
	}
	for _, c := range b[len(b)-n:] {
		if int(c) != n {
			return nil, formatErrorf("bad padding")
		}
	}
	return b[:len(b)-n], nil
}

// Encrypt seals plaintext with password under vault id id: the 1.1
// header for "" and DefaultID, 1.2 with the id otherwise, as
// ansible-vault writes them (a trailing newline included).
func Encrypt(plaintext, password []byte, id string) ([]byte, error) {
	if len(password) == 0 {
		return nil, errors.New("a vault password must not be empty")
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return nil, fmt.Errorf("vault salt: %w", err)
	}
	return encryptWithSalt(plaintext, password, id, salt), nil
}

func encryptWithSalt(plaintext, password []byte, id string, salt []byte) []byte {
	k1, k2, iv := deriveKeys(password, salt)
	n := aes.BlockSize - len(plaintext)%aes.BlockSize
	padded := append(bytes.Clone(plaintext), bytes.Repeat([]byte{byte(n)}, n)...)
	ct := make([]byte, len(padded))
	block, _ := aes.NewCipher(k1)
	cipher.NewCTR(block, iv).XORKeyStream(ct, padded)
	h := hmac.New(sha256.New, k2)
	h.Write(ct)
	inner := hex.EncodeToString(salt) + "\n" + hex.EncodeToString(h.Sum(nil)) + "\n" + hex.EncodeToString(ct)
	body := hex.EncodeToString([]byte(inner))
	var out strings.Builder
	out.WriteString(Header + ";1.1;AES256")
	if id != "" && id != DefaultID {
		out.Reset()
		out.WriteString(Header + ";1.2;AES256;" + id)
	}
	for i := 0; i < len(body); i += lineWidth {
		out.WriteString("\n" + body[i:min(i+lineWidth, len(body))])
	}
	out.WriteString("\n")
	return []byte(out.String())
}
