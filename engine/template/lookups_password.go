package template

// lookups_password.go is the password lookup: a random password kept in
// a controller file, created as Ansible creates it (directories 0700, the
// file 0600, the password and a newline). With seed= the password is
// Python's random.Random(seed) choice, so it equals Ansible's.

import (
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/haplay/haplay/engine/pyfmt"
)

// pyStringSets are the names Python's string module gives to sets of
// characters, which chars= may use.
var pyStringSets = map[string]string{
	"ascii_lowercase": "abcdefghijklmnopqrstuvwxyz",
	"ascii_uppercase": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
	"ascii_letters":   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
	"digits":          "0123456789",
	"hexdigits":       "0123456789abcdefABCDEF",
	"octdigits":       "01234567",
	"punctuation":     "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
	"whitespace":      " \t\n\r\x0b\x0c",
	"printable": "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" +
		"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ \t\n\r\x0b\x0c",
}

var passwordParams = map[string]bool{"length": true, "encrypt": true, "chars": true, "ident": true, "seed": true}

type passwordReq struct {
	path   string
	length int
	chars  string
	seed   any // nil: a random password from the system's generator
}

// parsePasswordTerm reads "PATH [length=N] [chars=a,b] [seed=S]", with the
// lookup's keyword options as defaults.
func parsePasswordTerm(term string, kw kwargs) (passwordReq, error) {
	req := passwordReq{length: 20}
	path, rest, _ := strings.Cut(term, " ")
	free, params := parseKV(rest)
	if free != "" {
		path += " " + free
		if !strings.HasPrefix(term, path) {
			return req, errors.New("Unrecognized value after key=value parameters given to password lookup")
		}
	}
	opts := map[string]any{}
	for k, v := range kw {
		opts[k] = v
	}
	for k, v := range params {
		opts[k] = v
	}
	var bad []string
	for k := range opts {
		if !passwordParams[k] {
			bad = append(bad, k)
		}
	}
	if len(bad) > 0 {
		return req, fmt.Errorf("Unrecognized parameter(s) given to password lookup: %s", strings.Join(bad, ", "))
	}
	if e, ok := opts["encrypt"]; ok && e != nil && pyfmt.Str(e) != "" {
		return req, fmt.Errorf("the password lookup's encrypt=%s is not supported by haplay: store the plain password and hash it where it is used", pyfmt.Str(e))
	}
	if v, ok := opts["length"]; ok {
		n, err := strconv.Atoi(pyfmt.Str(v))
		if err != nil || n < 0 {
			return req, fmt.Errorf("password lookup: length %q is not a count of characters", pyfmt.Str(v))
		}
		req.length = n
	}
	specs := []string{"ascii_letters", "digits", ".,:-_"}
	if c, ok := opts["chars"]; ok && pyfmt.Str(c) != "" {
		cs := pyfmt.Str(c)
		specs = nil
		if strings.Contains(cs, ",,") {
			specs = append(specs, ",")
		}
		for _, s := range strings.Split(strings.ReplaceAll(cs, ",,", ","), ",") {
			if s != "" {
				specs = append(specs, s)
			}
		}
	}
	var b strings.Builder
	for _, s := range specs {
		if set, ok := pyStringSets[s]; ok {
			s = set
		}
		b.WriteString(s)
	}
	req.chars = strings.NewReplacer(`"`, "", "'", "").Replace(b.String())
	if req.chars == "" && req.length > 0 {
		return req, errors.New("password lookup: chars gives no characters to choose from")
	}
	req.seed = opts["seed"]
	req.path = path
	return req, nil
}

func lookupPassword(r *run, terms []any, kw kwargs) ([]any, error) {
	names, err := termStrings("password", terms)
	if err != nil {
		return nil, err
	}
	var out []any
	for _, term := range names {
		req, err := parsePasswordTerm(term, kw)
		if err != nil {
			return nil, err
		}
		pw, err := r.passwordFor(req)
		if err != nil {
			return nil, err
		}
		out = append(out, pw)
	}
	return out, nil
}

// passwordFor reads the password the file keeps, or makes one and keeps
// it there (not for /dev/null, which gives a new one each time).
func (r *run) passwordFor(req passwordReq) (string, error) {
	p := expandUser(req.path)
	if !filepath.IsAbs(p) {
		p = filepath.Join(r.baseDir(), p)
	}
	if p != "/dev/null" {
		if data, err := os.ReadFile(p); err == nil {
			content := strings.TrimRight(string(data), " \t\n\r\v\f")
			if i := strings.LastIndex(content, " salt="); i >= 0 {
				content = content[:i]
			}
			return content, nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("password lookup: read %s: %w", req.path, err)
		}
	}
	pw, err := randomPassword(req)
	if err != nil {
		return "", err
	}
	if p == "/dev/null" {
		return pw, nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return "", fmt.Errorf("password lookup: %w", err)
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return "", fmt.Errorf("password lookup: %w", err)
	}
	if _, err := f.WriteString(pw + "\n"); err != nil {
		f.Close()
		return "", fmt.Errorf("password lookup: write %s: %w", req.path, err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("password lookup: write %s: %w", req.path, err)
	}
	return pw, nil
}

func randomPassword(req passwordReq) (string, error) {
	chars := []rune(req.chars)
	out := make([]rune, req.length)
	if req.seed == nil {
		max := big.NewInt(int64(len(chars)))
		for i := range out {
			n, err := rand.Int(rand.Reader, max)
			if err != nil {
				return "", fmt.Errorf("password lookup: %w", err)
			}
			out[i] = chars[n.Int64()]
		}
		return string(out), nil
	}
	// The plugin's seed option is a str: seed=123 seeds as "123" does.
	g, err := newPyRandom(pyfmt.Str(req.seed))
	if err != nil {
		return "", err
	}
	for i := range out {
		out[i] = chars[g.below(len(chars))]
	}
	return string(out), nil
}
