package template

// lookups_url.go is the url lookup: an HTTP GET from the controller, its
// body as lines (split_lines, the default) or whole.

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/haplay/haplay/engine/pyfmt"
	"github.com/haplay/haplay/engine/truth"
)

// maxURLBody bounds what one url lookup reads, as a template may not
// build values without bound either.
const maxURLBody = 64 << 20

func lookupURL(r *run, terms []any, kw kwargs) ([]any, error) {
	client, err := urlClient(kw)
	if err != nil {
		return nil, err
	}
	urls, err := termStrings("url", terms)
	if err != nil {
		return nil, err
	}
	var out []any
	for _, u := range urls {
		body, err := urlGet(client, u, kw)
		if err != nil {
			return nil, err
		}
		if kwBool(kw, "split_lines", true) {
			for _, l := range splitLines(body) {
				out = append(out, l)
			}
		} else {
			out = append(out, body)
		}
	}
	return out, nil
}

// urlClient builds the client the options ask for: certificate checks,
// timeout, proxies and redirects.
func urlClient(kw kwargs) (*http.Client, error) {
	timeout := 10.0
	if v, ok := kw["timeout"]; ok {
		f, ok := toFloat(v)
		if !ok {
			return nil, fmt.Errorf("url: timeout must be a number of seconds, got %s", pyfmt.Str(v))
		}
		timeout = f
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if !kwBool(kw, "validate_certs", true) {
		tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // the user asked for validate_certs=False
	}
	if !kwBool(kw, "use_proxy", true) {
		tr.Proxy = nil
	}
	c := &http.Client{Transport: tr, Timeout: time.Duration(timeout * float64(time.Second))}
	switch fr := pyfmt.Str(kw["follow_redirects"]); fr {
	case "none", "no", "False", "false":
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	case "None", "urllib2", "all", "safe", "yes", "True", "true":
	default:
		return nil, fmt.Errorf("url: follow_redirects %q: use urllib2, all, safe or none", fr)
	}
	return c, nil
}

func urlGet(c *http.Client, u string, kw kwargs) (string, error) {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return "", fmt.Errorf("Failed lookup url for %s : %w", u, err)
	}
	agent := "ansible-httpget"
	if v, ok := kw["http_agent"]; ok {
		agent = pyfmt.Str(v)
	}
	req.Header.Set("User-Agent", agent)
	if h, ok := asMap(kw["headers"]); ok {
		for k, v := range h {
			req.Header.Set(k, pyfmt.Str(v))
		}
	} else if kw["headers"] != nil {
		return "", errors.New("url: headers must be a dict")
	}
	if user, ok := kw["username"]; ok {
		req.SetBasicAuth(pyfmt.Str(user), pyfmt.Str(kw["password"]))
	}
	if truth.Truthy(kw["force"]) {
		req.Header.Set("Cache-Control", "no-cache")
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", fmt.Errorf("Failed lookup url for %s : %w", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		return "", fmt.Errorf("Received HTTP error for %s : HTTP Error %d: %s", u, resp.StatusCode,
			strings.TrimPrefix(resp.Status, fmt.Sprintf("%d ", resp.StatusCode)))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxURLBody+1))
	if err != nil {
		return "", fmt.Errorf("Failed lookup url for %s : %w", u, err)
	}
	if len(body) > maxURLBody {
		return "", fmt.Errorf("url %s: the body is over %d bytes", u, maxURLBody)
	}
	return string(body), nil
}
