package template

// filters_crypt.go: password_hash, as Ansible 2.14 computes it with
// Python's crypt module (passlib absent, as on Debian): SHA-crypt with
// 5000 rounds unless rounds= is given, "$6$salt$..." and "$5$salt$...",
// and MD5-crypt, "$1$salt$...".

import (
	crand "crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"regexp"

	"github.com/haplay/haplay/engine/pyfmt"
)

var badSaltChar = regexp.MustCompile(`[^./0-9A-Za-z]`)

// fPasswordHash is password_hash(hashtype='sha512', salt=None,
// salt_size=None, rounds=None, ident=None).
func fPasswordHash(r *run, in any, args []any, kw kwargs) (any, error) {
	if _, err := strict(in); err != nil {
		return nil, err
	}
	hashtype := pyfmt.Str(argOr(args, kw, 0, "hashtype", "sha512"))
	isMD5 := hashtype == "md5" || hashtype == "md5_crypt"
	kind, implicit, err := cryptKind(hashtype)
	if err != nil && !isMD5 {
		return nil, err
	}
	maxSalt := 16
	if isMD5 {
		maxSalt = 8
	}
	if ident := argOr(args, kw, 4, "ident", nil); ident != nil && pyfmt.Str(ident) != "" {
		return nil, errors.New("ident is only used with bcrypt, which haplay does not implement")
	}
	salt := ""
	if s := argOr(args, kw, 1, "salt", nil); s != nil {
		salt = pyfmt.Str(s)
	}
	if salt == "" {
		size := maxSalt
		if n, ok := toInt(argOr(args, kw, 2, "salt_size", nil)); ok && n > 0 {
			size = n
		}
		if salt, err = randomSalt(size); err != nil {
			return nil, err
		}
	}
	if badSaltChar.MatchString(salt) {
		return nil, errors.New("invalid characters in salt")
	}
	if len(salt) > maxSalt {
		return nil, errors.New("invalid salt size")
	}
	if isMD5 {
		if argOr(args, kw, 3, "rounds", nil) != nil {
			return nil, errors.New("md5_crypt has no rounds")
		}
		return md5Crypt(pyfmt.Str(in), salt), nil
	}
	rounds, explicit := 5000, false
	if v := argOr(args, kw, 3, "rounds", nil); v != nil {
		n, ok := toInt(v)
		if !ok {
			return nil, fmt.Errorf("rounds must be an integer, got %s", typeName(v))
		}
		// Ansible drops rounds equal to passlib's default, so crypt uses
		// its own 5000.
		if n != implicit {
			if n < 1000 || n > 999999999 {
				// libxcrypt returns the failure token "*0", which Ansible
				// would hand on as the hash.
				return nil, fmt.Errorf("rounds must be from 1000 to 999999999, not %d", n)
			}
			rounds, explicit = n, true
		}
	}
	return shaCrypt(kind, pyfmt.Str(in), salt, rounds, explicit), nil
}

func cryptKind(name string) (shaCryptKind, int, error) {
	switch name {
	case "sha512", "sha512_crypt":
		return sha512Crypt, 656000, nil
	case "sha256", "sha256_crypt":
		return sha256Crypt, 535000, nil
	}
	return shaCryptKind{}, 0, fmt.Errorf("password_hash: haplay implements sha512_crypt, sha256_crypt and md5_crypt, not %q", name)
}

func randomSalt(n int) (string, error) {
	const chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789./"
	b := make([]byte, n)
	for i := range b {
		j, err := crand.Int(crand.Reader, big.NewInt(int64(len(chars))))
		if err != nil {
			return "", err
		}
		b[i] = chars[j.Int64()]
	}
	return string(b), nil
}
