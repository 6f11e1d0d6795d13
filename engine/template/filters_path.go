package template

// filters_path.go: path and URL filters (os.path and urllib.parse as
// Ansible calls them) and strftime, all evaluated on the controller.

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/haplay/haplay/engine/pyfmt"
	"github.com/haplay/haplay/engine/truth"
)

func pathFilters() map[string]filterFunc {
	return map[string]filterFunc{
		"path_join":  fPathJoin,
		"splitext":   strAny(pySplitext),
		"realpath":   strFilter(pyRealpath),
		"expanduser": strFilter(pyExpanduser),
		"urlsplit":   fURLSplit,
		"strftime":   fStrftime,
	}
}

func strAny(fn func(string) any) filterFunc {
	return func(r *run, in any, args []any, kw kwargs) (any, error) {
		if _, err := strict(in); err != nil {
			return nil, err
		}
		return fn(pyfmt.Str(in)), nil
	}
}

// pyJoin is os.path.join: an absolute part restarts the path.
func pyJoin(parts []string) string {
	out := ""
	for i, p := range parts {
		switch {
		case i == 0 || strings.HasPrefix(p, "/"):
			out = p
		case out == "" || strings.HasSuffix(out, "/"):
			out += p
		default:
			out += "/" + p
		}
	}
	return out
}

func fPathJoin(r *run, in any, args []any, kw kwargs) (any, error) {
	if s, ok := in.(string); ok {
		return s, nil
	}
	l, ok := asList(in)
	if !ok {
		return nil, fmt.Errorf("|path_join expects string or sequence, got %s instead.", typeName(in))
	}
	parts := make([]string, len(l))
	for i, p := range l {
		parts[i] = pyfmt.Str(p)
	}
	return pyJoin(parts), nil
}

// pySplitext is os.path.splitext: leading dots of the name are not an
// extension.
func pySplitext(s string) any {
	base := s[strings.LastIndexByte(s, '/')+1:]
	dot := strings.LastIndexByte(base, '.')
	if dot <= 0 || strings.Trim(base[:dot], ".") == "" {
		return pyfmt.Tuple{s, ""}
	}
	cut := len(s) - len(base) + dot
	return pyfmt.Tuple{s[:cut], s[cut:]}
}

// pyRealpath is os.path.realpath: absolute, symlinks resolved as far as
// the path exists, the rest appended as written.
func pyRealpath(s string) string {
	p, err := filepath.Abs(s)
	if err != nil {
		return s
	}
	rest := ""
	for {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Join(real, rest)
		}
		parent := filepath.Dir(p)
		if parent == p {
			return filepath.Join(p, rest)
		}
		rest = filepath.Join(filepath.Base(p), rest)
		p = parent
	}
}

// pyExpanduser is os.path.expanduser: ~ is $HOME (else the user's home),
// ~name is that user's home; anything else is left as it is.
func pyExpanduser(s string) string {
	if !strings.HasPrefix(s, "~") {
		return s
	}
	name, rest, _ := strings.Cut(s[1:], "/")
	var home string
	if name == "" {
		home = os.Getenv("HOME")
		if home == "" {
			if u, err := user.Current(); err == nil {
				home = u.HomeDir
			}
		}
	} else if u, err := user.Lookup(name); err == nil {
		home = u.HomeDir
	}
	if home == "" {
		return s
	}
	if !strings.Contains(s, "/") {
		return home
	}
	return strings.TrimRight(home, "/") + "/" + rest
}

// fURLSplit is urlsplit(query=”): urllib.parse.urlsplit as a dict, or one
// of its fields.
func fURLSplit(r *run, in any, args []any, kw kwargs) (any, error) {
	parts, err := pyURLSplit(pyfmt.Str(in))
	if err != nil {
		return nil, err
	}
	q := pyfmt.Str(argOr(args, kw, 0, "query", ""))
	if q == "" {
		return parts, nil
	}
	v, ok := parts[q]
	if !ok {
		return nil, fmt.Errorf("urlsplit: unknown URL component: %s", q)
	}
	return v, nil
}

func pyURLSplit(u string) (map[string]any, error) {
	scheme, rest := "", u
	if i := strings.IndexByte(u, ':'); i > 0 && isSchemeText(u[:i]) {
		scheme, rest = strings.ToLower(u[:i]), u[i+1:]
	}
	netloc := ""
	if strings.HasPrefix(rest, "//") {
		end := strings.IndexAny(rest[2:], "/?#")
		if end < 0 {
			end = len(rest) - 2
		}
		netloc, rest = rest[2:2+end], rest[2+end:]
	}
	rest, frag, _ := strings.Cut(rest, "#")
	path, query, _ := strings.Cut(rest, "?")
	out := map[string]any{"scheme": scheme, "netloc": netloc, "path": path, "query": query,
		"fragment": frag, "username": nil, "password": nil, "hostname": nil, "port": nil}
	host := netloc
	if at := strings.LastIndexByte(netloc, '@'); at >= 0 {
		userinfo := netloc[:at]
		host = netloc[at+1:]
		name, pw, hasPw := strings.Cut(userinfo, ":")
		out["username"] = name
		if hasPw {
			out["password"] = pw
		}
	}
	port := ""
	if strings.HasPrefix(host, "[") {
		end := strings.IndexByte(host, ']')
		if end < 0 {
			return nil, errors.New("Invalid IPv6 URL")
		}
		host, port = host[1:end], strings.TrimPrefix(host[end+1:], ":")
	} else if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host, port = host[:i], host[i+1:]
	}
	if host != "" {
		out["hostname"] = strings.ToLower(host)
	}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 0 || n > 65535 {
			return nil, fmt.Errorf("Port could not be cast to integer value as '%s'", port)
		}
		out["port"] = n
	}
	return out, nil
}

func isSchemeText(s string) bool {
	for i, c := range s {
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !letter && (i == 0 || !(c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return true
}

// fStrftime is strftime(string_format, second=None, utc=False): the C
// library's strftime of the time (now by default) in the controller's
// time zone, or UTC.
func fStrftime(r *run, in any, args []any, kw kwargs) (any, error) {
	t := time.Now()
	if sec := argOr(args, kw, 0, "second", nil); sec != nil {
		f, ok := toFloat(sec)
		if !ok {
			if p, err := strconv.ParseFloat(pyfmt.Str(sec), 64); err == nil {
				f, ok = p, true
			}
		}
		if !ok {
			return nil, fmt.Errorf("Invalid value for epoch value (%s)", pyfmt.Str(sec))
		}
		t = time.Unix(int64(f), 0)
	}
	if truth.Truthy(argOr(args, kw, 1, "utc", false)) {
		t = t.UTC()
	} else {
		t = t.Local()
	}
	return cStrftime(pyfmt.Str(in), t), nil
}
