package files

// get_url_fetch.go holds what get_url sends to the host: the request as a
// curl config file and a wgetrc (both on the command's stdin, so no
// credential or header appears in a process list), the checksum argument
// and checksum files as Ansible reads them, and the parsing of the
// scripts' answers.

import (
	"fmt"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/module"
)

// checksumTools maps the checksum algorithms get_url accepts to the
// coreutils program that computes each on the host.
var checksumTools = map[string]string{
	"md5": "md5sum", "sha1": "sha1sum", "sha224": "sha224sum",
	"sha256": "sha256sum", "sha384": "sha384sum", "sha512": "sha512sum",
}

// urlChecksum is the checksum argument, split as Ansible splits it.
type urlChecksum struct {
	Algo  string
	Value string // hex, lowercased; "" when URL is set
	URL   string // a checksum file to fetch
}

// parseChecksum reads "ALGO:HEX" or "ALGO:URL" (http, https, ftp, file).
func parseChecksum(s string) (urlChecksum, error) {
	if s == "" {
		return urlChecksum{}, nil
	}
	algo, v, ok := strings.Cut(s, ":")
	if !ok {
		return urlChecksum{}, fmt.Errorf("The checksum parameter has to be in format <algorithm>:<checksum>")
	}
	if _, ok := checksumTools[algo]; !ok {
		return urlChecksum{}, fmt.Errorf("checksum algorithm %q is not supported (md5, sha1, sha224, sha256, sha384, sha512)", algo)
	}
	if u, err := url.Parse(v); err == nil && slicesContains([]string{"http", "https", "ftp", "file"}, u.Scheme) {
		return urlChecksum{Algo: algo, URL: v}, nil
	}
	hex, err := normalizeChecksum(v)
	if err != nil {
		return urlChecksum{}, err
	}
	return urlChecksum{Algo: algo, Value: hex}, nil
}

func slicesContains(l []string, s string) bool {
	for _, e := range l {
		if e == s {
			return true
		}
	}
	return false
}

var nonWord = regexp.MustCompile(`\W+`)

// normalizeChecksum drops what is not a word character and lowercases, as
// Ansible does, and requires hex digits.
func normalizeChecksum(v string) (string, error) {
	v = strings.ToLower(nonWord.ReplaceAllString(v, ""))
	if v == "" {
		return "", fmt.Errorf("The checksum format is invalid")
	}
	if _, err := strconv.ParseUint(v[:min(len(v), 15)], 16, 64); err != nil || strings.Trim(v, "0123456789abcdef") != "" {
		return "", fmt.Errorf("The checksum format is invalid")
	}
	return v, nil
}

// urlFilename is the last part of the URL's path, or index.html.
func urlFilename(u string) string {
	p := u
	if x, err := url.Parse(u); err == nil {
		p = x.Path
	}
	if b := path.Base(p); b != "/" && b != "." && b != "" && !strings.HasSuffix(p, "/") {
		return b
	}
	return "index.html"
}

// checksumFromFile finds the checksum for file in a checksum file's text
// (one bare checksum, or "SUM  NAME" lines as sha256sum writes them).
func checksumFromFile(text, file, from string) (string, error) {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	var found string
	if len(lines) == 1 && len(strings.Fields(lines[0])) == 1 && !strings.Contains(strings.TrimSpace(lines[0]), " ") {
		found = strings.TrimSpace(lines[0])
	} else {
		for _, l := range lines {
			sum, name, ok := strings.Cut(strings.TrimRight(l, "\r"), " ")
			if !ok {
				continue
			}
			if strings.HasPrefix(name, " ") || strings.HasPrefix(name, "*") {
				name = name[1:]
			}
			if strings.TrimLeft(name, "./") == file {
				found = sum
				break
			}
		}
	}
	if found == "" {
		return "", fmt.Errorf("Unable to find a checksum for file '%s' in '%s'", file, from)
	}
	return normalizeChecksum(found)
}

// curlQuote quotes a value for a curl config file.
func curlQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`)
	return `"` + r.Replace(s) + `"`
}

// fetchRequest is one GET as get_url makes it.
type fetchRequest struct {
	URL      string
	TimeCond string // a file whose mtime goes in If-Modified-Since
	NoCache  bool   // force: Cache-Control: no-cache
}

// sortedHeaders are the task's headers in a stable order.
func sortedHeaders(a module.Args) [][2]string {
	m := a.Map("headers")
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([][2]string, len(keys))
	for i, k := range keys {
		out[i] = [2]string{k, fmt.Sprint(m[k])}
	}
	return out
}

// curlConfig renders the request as a curl config file.
func curlConfig(a module.Args, r fetchRequest) string {
	var b strings.Builder
	opt := func(k, v string) { b.WriteString(k + " = " + curlQuote(v) + "\n") }
	opt("url", r.URL)
	b.WriteString("location\n")
	opt("user-agent", a.String("http_agent"))
	if r.NoCache {
		opt("header", "Cache-Control: no-cache")
	}
	if r.TimeCond != "" {
		opt("time-cond", r.TimeCond)
	}
	for _, h := range sortedHeaders(a) {
		opt("header", h[0]+": "+h[1])
	}
	if u := a.String("url_username"); u != "" {
		opt("user", u+":"+a.String("url_password"))
	}
	t := max(a.Int("timeout"), 1)
	// Ansible's timeout is the socket's: no progress for that long.
	fmt.Fprintf(&b, "connect-timeout = %d\nspeed-time = %d\nspeed-limit = 1\n", t, t)
	if !a.Bool("validate_certs") {
		b.WriteString("insecure\n")
	}
	if !a.Bool("use_proxy") {
		opt("noproxy", "*")
	}
	if a.Bool("use_netrc") {
		b.WriteString("netrc-optional\n")
	}
	if a.Bool("decompress") {
		b.WriteString("compressed\n")
	}
	if c := a.List("ciphers"); len(c) > 0 {
		opt("ciphers", strings.Join(c, ":"))
	}
	for k, o := range map[string]string{"client_cert": "cert", "client_key": "key"} {
		if v := a.String(k); v != "" {
			opt(o, v)
		}
	}
	return b.String()
}

// wgetConfig renders the request as a wgetrc, for hosts without curl.
// The URL travels in a file of its own (wget -i). If-Modified-Since is
// set by the script from the file's mtime.
func wgetConfig(a module.Args, r fetchRequest) string {
	var b strings.Builder
	set := func(k, v string) { b.WriteString(k + " = " + oneLine(v) + "\n") }
	set("tries", "1")
	set("user_agent", a.String("http_agent"))
	if r.NoCache {
		set("header", "Cache-Control: no-cache")
	}
	for _, h := range sortedHeaders(a) {
		set("header", h[0]+": "+h[1])
	}
	if u := a.String("url_username"); u != "" {
		set("user", u)
		set("password", a.String("url_password"))
		set("auth_no_challenge", "on")
	}
	set("timeout", strconv.Itoa(max(a.Int("timeout"), 1)))
	if !a.Bool("validate_certs") {
		set("check_certificate", "off")
	}
	if !a.Bool("use_proxy") {
		set("use_proxy", "off")
	}
	if !a.Bool("use_netrc") {
		set("netrc", "off")
	}
	for k, o := range map[string]string{"client_cert": "certificate", "client_key": "private_key"} {
		if v := a.String(k); v != "" {
			set(o, v)
		}
	}
	return b.String()
}

// oneLine keeps a wgetrc value on its line (a newline would start another
// setting).
func oneLine(s string) string { return strings.NewReplacer("\n", " ", "\r", " ").Replace(s) }

// fetchStdin is what a get_url script reads on stdin: the curl config,
// then "@@wgetrc" and the wgetrc, then "@@url" and the URL; the script
// splits it with the shell's read, starting no program.
func fetchStdin(a module.Args, r fetchRequest) []byte {
	return []byte(curlConfig(a, r) + "@@wgetrc\n" + wgetConfig(a, r) + "@@url\n" + oneLine(r.URL) + "\n")
}

// splitStdinScript writes fetchStdin's three parts to $t/c, $t/w, $t/u.
const splitStdinScript = `f="$t/c"; : >"$t/c"; : >"$t/w"; : >"$t/u"
while IFS= read -r l; do
  case $l in
  @@wgetrc) f="$t/w" ;;
  @@url) f="$t/u" ;;
  *) printf '%s\n' "$l" >>"$f" ;;
  esac
done
`

// fetchLines runs the request with the host's tool ($tool: curl or
// wget), the body going to out (a shell word), and leaves curl's or
// wget's exit code in $rc, the HTTP status in $st and the response
// headers in $t/h.
func fetchLines(r fetchRequest, out string) string {
	ims := ""
	if r.TimeCond != "" {
		ims = `  printf 'header = If-Modified-Since: %s\n' "$(LC_ALL=C date -u -r ` + hostcmd.Quote(r.TimeCond) +
			` '+%a, %d %b %Y %H:%M:%S GMT')" >>"$t/w"` + "\n"
	}
	return `st=0
if [ "$tool" = curl ]; then
  curl -K "$t/c" -sS -o ` + out + ` -D "$t/h" -w '%{http_code}\n' >"$t/st" 2>"$t/e"; rc=$?
  read -r st <"$t/st" || st=0
else
` + ims + `  WGETRC="$t/w" wget -S -q -O ` + out + ` -i "$t/u" 2>"$t/h"; rc=$?
  : >"$t/e"
  st=$(sed -n 's/^ *HTTP\/[0-9.]* \([0-9][0-9][0-9]\).*/\1/p' "$t/h" | tail -n 1)
  if [ -n "$st" ] && [ "$rc" = 8 ]; then rc=0; fi
  [ -n "$st" ] || { cp "$t/h" "$t/e"; st=0; }
fi
`
}

// httpInfo reads what the headers say: the status line's reason and the
// final response's Content-Length.
func httpInfo(headers string) (reason, length string) {
	length = "unknown"
	for _, l := range strings.Split(headers, "\n") {
		l = strings.TrimSpace(strings.TrimRight(l, "\r"))
		if strings.HasPrefix(l, "HTTP/") {
			f := strings.SplitN(l, " ", 3)
			reason, length = "", "unknown"
			if len(f) == 3 {
				reason = f[2]
			}
			continue
		}
		if k, v, ok := strings.Cut(l, ":"); ok && strings.EqualFold(strings.TrimSpace(k), "content-length") {
			length = strings.TrimSpace(v)
		}
	}
	return reason, length
}
