package network

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/jinja"
	"github.com/haplay/haplay/engine/module"
)

// HAProxyConfig manages sections of haproxy.cfg (haplay's own module: no
// Ansible collection manages HAProxy's configuration by sections).
type HAProxyConfig struct{}

var _ module.Module = HAProxyConfig{}

func (HAProxyConfig) Name() string { return "haproxy_config" }

// haproxySectionTypes are the section keywords HAProxy knows. A line whose
// first word is one of them starts a new section.
var haproxySectionTypes = map[string]bool{
	"global": true, "defaults": true, "frontend": true, "backend": true, "listen": true,
	"resolvers": true, "userlist": true, "peers": true, "mailers": true, "cache": true,
	"program": true, "http-errors": true, "ring": true, "log-forward": true, "fcgi-app": true,
}

const haproxyDefaultValidate = "haproxy -c -f %s"

func (HAProxyConfig) Spec() module.Spec {
	return module.Spec{
		Short: "Manage sections of haproxy.cfg, validate and reload gracefully",
		Description: "Reads the HAProxy configuration as a list of sections (global, defaults, frontend NAME, " +
			"backend NAME, listen NAME, and resolvers, userlist, peers, ... passed through as text) and " +
			"replaces each managed section in place, removes those with state=absent and appends new ones at " +
			"the end. Sections the task does not name, and comments between sections, stay as they are. " +
			"A section is given either as raw lines or as options (key: value or key: [values], rendered in " +
			"HAProxy's usual order: bind, mode, log, timeout, balance, no option, option, acl, http-request, " +
			"..., use_backend, default_backend), plus servers. The new file is checked with `haproxy -c -f` " +
			"on the temp file before it replaces the old one. After a change HAProxy is reloaded without " +
			"dropping connections: through the master CLI (master_socket), systemd when it runs the service, " +
			"`haproxy -f CFG -p PIDFILE -D -sf OLDPIDS` when the pidfile names a running process, or " +
			"`service haproxy reload` when an init script reports it running. When HAProxy is not running nothing is started unless start=true.\n\n" +
			"HAProxy 2.1 and later always use HTX: `option http-use-htx` and `no option http-use-htx` are " +
			"rejected by HAProxy 2.6 (\"negation/default is not supported for option 'http-use-htx'\"). " +
			"Drop the line; the equivalent of seed 000's block on current HAProxy is the same block without it.",
		Args: []module.Arg{
			{Name: "path", Type: module.TypePath, Default: "/etc/haproxy/haproxy.cfg", Aliases: []string{"dest"}, Doc: "the configuration file"},
			{Name: "sections", Type: module.TypeRaw, Required: true, Doc: "list of sections: {type, name, state: present|absent, " +
				"lines: [raw lines] | options: {key: value|[values]}, servers: [{name, address, port, options}]}. " +
				"A YAML/JSON string (e.g. built with {% for %}) is accepted as well"},
			{Name: "validate", Type: module.TypeRaw, Default: haproxyDefaultValidate, Doc: "command checking the new file before it " +
				"replaces the old one, %s is the temp file; false or \"\" to skip"},
			{Name: "reload", Type: module.TypeBool, Default: true, Doc: "reload HAProxy gracefully after a change"},
			{Name: "start", Type: module.TypeBool, Default: false, Doc: "start HAProxy (haproxy -D) when it is not running and no service manager handles it"},
			{Name: "pidfile", Type: module.TypePath, Default: "/run/haproxy.pid", Doc: "HAProxy's pidfile, for -sf reloads"},
			{Name: "master_socket", Type: module.TypePath, Doc: "master CLI socket (haproxy -W -S PATH): reload through it"},
			{Name: "backup", Type: module.TypeBool, Default: false, Doc: "keep the old file as PATH.TIMESTAMP~ before replacing it"},
		},
		Check: checkHAProxyConfigArgs,
		Examples: `# Seed 000, step 6: the web load balancer in front of the ELMA365 nodes,
# servers generated from the inventory group.
- name: HAProxy in front of the ELMA365 cluster
  haproxy_config:
    sections:
      - type: listen
        name: elma365_web
        options:
          bind: "*:80"
          mode: http
          balance: leastconn
          # no option http-use-htx: HAProxy >= 2.1 rejects it (HTX is always on)
          option: [forwardfor, httpclose, "httpchk HEAD /"]
        servers: |
          {% for h in groups['elma365'] %}
          - name: {{ h }}
            address: {{ hostvars[h]['ansible_host'] | default(h) }}
            port: 80
            options: check
          {% endfor %}

- name: Global settings and a runtime socket for the haproxy module
  haproxy_config:
    sections:
      - type: global
        lines:
          - log /dev/log local0
          - stats socket /var/run/haproxy.sock mode 600 level admin
      - type: backend
        name: legacy
        state: absent`,
	}
}

// haproxyServer is one server line.
type haproxyServer struct {
	Name, Address, Port, Options string
}

// haproxyWant is one section as the task asks for it.
type haproxyWant struct {
	Type, Name string
	Absent     bool
	Body       []string // rendered body lines, indented
}

func (w haproxyWant) header() string {
	if w.Name == "" {
		return w.Type
	}
	return w.Type + " " + w.Name
}

func checkHAProxyConfigArgs(a module.Args, final bool) []module.ArgError {
	v, ok := a["sections"]
	if !ok || (!final && jinja.HasTemplate(v)) {
		return nil
	}
	if _, err := parseHAProxySections(v); err != nil {
		return []module.ArgError{{Arg: "sections", Msg: "sections: " + err.Error()}}
	}
	return nil
}

// parseHAProxySections turns the sections argument into wanted sections.
func parseHAProxySections(v any) ([]haproxyWant, error) {
	if s, ok := v.(string); ok {
		var x any
		if err := yaml.Unmarshal([]byte(s), &x); err != nil {
			return nil, fmt.Errorf("not a YAML list: %w", err)
		}
		v = x
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("expected a list of sections, got %s", module.KindOf(v))
	}
	var out []haproxyWant
	seen := map[string]bool{}
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("item %d: expected a mapping, got %s", i+1, module.KindOf(e))
		}
		w, err := parseHAProxySection(m)
		if err != nil {
			return nil, fmt.Errorf("item %d: %w", i+1, err)
		}
		if seen[w.header()] {
			return nil, fmt.Errorf("item %d: section %q is given twice", i+1, w.header())
		}
		seen[w.header()] = true
		out = append(out, w)
	}
	return out, nil
}

func parseHAProxySection(m map[string]any) (haproxyWant, error) {
	var w haproxyWant
	for k := range m {
		switch k {
		case "type", "name", "state", "lines", "options", "servers":
		default:
			return w, fmt.Errorf("unknown key %q (type, name, state, lines, options, servers)", k)
		}
	}
	w.Type = strings.TrimSpace(fmt.Sprint(m["type"]))
	if m["type"] == nil || !haproxySectionTypes[w.Type] {
		var types []string
		for t := range haproxySectionTypes {
			types = append(types, t)
		}
		sort.Strings(types)
		return w, fmt.Errorf("type %q is not a section type (%s)", w.Type, strings.Join(types, ", "))
	}
	if n, ok := m["name"]; ok && n != nil {
		w.Name = strings.TrimSpace(fmt.Sprint(n))
		if strings.ContainsAny(w.Name, " \t\n") {
			return w, fmt.Errorf("name %q has blanks", w.Name)
		}
	}
	if w.Type == "global" && w.Name != "" {
		return w, fmt.Errorf("global takes no name")
	}
	if w.Name == "" && w.Type != "global" && w.Type != "defaults" {
		return w, fmt.Errorf("%s needs a name", w.Type)
	}
	switch st := fmt.Sprint(m["state"]); st {
	case "<nil>", "present":
	case "absent":
		w.Absent = true
		return w, nil
	default:
		return w, fmt.Errorf("state %q: choose present or absent", st)
	}
	_, hasLines := m["lines"]
	_, hasOpts := m["options"]
	if hasLines && hasOpts {
		return w, fmt.Errorf("lines and options are mutually exclusive")
	}
	if hasLines {
		ls, ok := m["lines"].([]any)
		if !ok {
			if s, isStr := m["lines"].(string); isStr {
				for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
					ls = append(ls, l)
				}
			} else {
				return w, fmt.Errorf("lines: expected a list of strings, got %s", module.KindOf(m["lines"]))
			}
		}
		for _, l := range ls {
			w.Body = append(w.Body, haproxyIndent(fmt.Sprint(l)))
		}
	}
	if hasOpts {
		om, ok := m["options"].(map[string]any)
		if !ok {
			return w, fmt.Errorf("options: expected a mapping, got %s", module.KindOf(m["options"]))
		}
		body, err := haproxyOptionLines(om)
		if err != nil {
			return w, err
		}
		w.Body = append(w.Body, body...)
	}
	if sv, ok := m["servers"]; ok && sv != nil {
		servers, err := parseHAProxyServers(sv)
		if err != nil {
			return w, err
		}
		if len(servers) > 0 && (w.Type == "global" || w.Type == "defaults" || w.Type == "frontend") {
			return w, fmt.Errorf("servers belong in a backend or listen section, not %s", w.Type)
		}
		for _, s := range servers {
			line := "    server " + s.Name + " " + s.Address
			if s.Port != "" {
				line += ":" + s.Port
			}
			if s.Options != "" {
				line += " " + s.Options
			}
			w.Body = append(w.Body, line)
		}
	}
	return w, nil
}

func haproxyIndent(l string) string {
	t := strings.TrimSpace(l)
	if t == "" {
		return ""
	}
	return "    " + t
}

// haproxyOptionOrder is the order keywords are written in when given as a
// mapping (whose order YAML-to-map loses): the order HAProxy's own
// examples use, routing rules last because they refer to acls above.
var haproxyOptionOrder = []string{
	"description", "disabled", "enabled", "id", "bind", "mode", "log", "maxconn", "timeout", "retries",
	"balance", "hash-type", "cookie", "no option", "option", "http-check", "tcp-check", "default-server",
	"acl", "capture", "http-request", "http-response", "tcp-request", "tcp-response", "redirect", "stats",
	"errorfile",
}

var haproxyOptionLast = []string{"use_backend", "use-server", "default_backend"}

func haproxyOptionRank(k string) (int, string) {
	for i, o := range haproxyOptionOrder {
		if o == k {
			return i, ""
		}
	}
	for i, o := range haproxyOptionLast {
		if o == k {
			return len(haproxyOptionOrder) + 1 + i, ""
		}
	}
	return len(haproxyOptionOrder), k // unknown keywords: alphabetical, before routing
}

func haproxyOptionLines(om map[string]any) ([]string, error) {
	keys := make([]string, 0, len(om))
	for k := range om {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		ri, ni := haproxyOptionRank(keys[i])
		rj, nj := haproxyOptionRank(keys[j])
		if ri != rj {
			return ri < rj
		}
		return ni < nj
	})
	var out []string
	for _, k := range keys {
		if k == "server" {
			return nil, fmt.Errorf("options: give servers under servers, not options.server")
		}
		vals := []any{om[k]}
		if l, ok := om[k].([]any); ok {
			vals = l
		}
		for _, v := range vals {
			switch x := v.(type) {
			case nil:
				out = append(out, "    "+k)
			case bool:
				// `option: true` style flags: true writes the bare keyword, false leaves it out.
				if x {
					out = append(out, "    "+k)
				}
			case map[string]any, []any:
				return nil, fmt.Errorf("options.%s: expected a string or a list of strings, got %s", k, module.KindOf(v))
			default:
				s := strings.TrimSpace(fmt.Sprint(x))
				if s == "" {
					out = append(out, "    "+k)
				} else {
					out = append(out, "    "+k+" "+s)
				}
			}
		}
	}
	return out, nil
}

func parseHAProxyServers(v any) ([]haproxyServer, error) {
	if s, ok := v.(string); ok {
		var x any
		if err := yaml.Unmarshal([]byte(s), &x); err != nil {
			return nil, fmt.Errorf("servers: not a YAML list: %w", err)
		}
		if x == nil {
			return nil, nil // an empty group renders nothing
		}
		v = x
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("servers: expected a list, got %s", module.KindOf(v))
	}
	var out []haproxyServer
	names := map[string]bool{}
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("servers item %d: expected a mapping {name, address, port, options}", i+1)
		}
		var s haproxyServer
		for k, val := range m {
			str := ""
			if val != nil {
				str = strings.TrimSpace(fmt.Sprint(val))
			}
			switch k {
			case "name":
				s.Name = str
			case "address", "host":
				s.Address = str
			case "port":
				s.Port = str
			case "options":
				if l, ok := val.([]any); ok {
					var parts []string
					for _, p := range l {
						parts = append(parts, fmt.Sprint(p))
					}
					str = strings.Join(parts, " ")
				}
				s.Options = str
			default:
				return nil, fmt.Errorf("servers item %d: unknown key %q (name, address, port, options)", i+1, k)
			}
		}
		if s.Name == "" || s.Address == "" {
			return nil, fmt.Errorf("servers item %d: name and address are required", i+1)
		}
		if names[s.Name] {
			return nil, fmt.Errorf("servers item %d: server %q is given twice", i+1, s.Name)
		}
		names[s.Name] = true
		out = append(out, s)
	}
	return out, nil
}

// haproxyFileSection is one section of an existing file: its header line,
// its body, and the comments and blank lines that trail it (which usually
// introduce the next section, so they survive a replacement).
type haproxyFileSection struct {
	Type, Name string
	Header     string
	Body       []string
	Trailer    []string
}

// parseHAProxyFile splits a configuration into a preamble (comments before
// the first section) and sections.
func parseHAProxyFile(text string) (pre []string, secs []*haproxyFileSection) {
	if text == "" {
		return nil, nil
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	var cur *haproxyFileSection
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) > 0 && haproxySectionTypes[f[0]] {
			cur = &haproxyFileSection{Type: f[0], Header: l}
			if len(f) > 1 && !strings.HasPrefix(f[1], "#") {
				cur.Name = f[1]
			}
			secs = append(secs, cur)
			continue
		}
		if cur == nil {
			pre = append(pre, l)
			continue
		}
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "#") {
			cur.Trailer = append(cur.Trailer, l)
			continue
		}
		// A directive after comments: those comments were inside the body.
		cur.Body = append(cur.Body, cur.Trailer...)
		cur.Trailer = nil
		cur.Body = append(cur.Body, l)
	}
	return pre, secs
}

// planHAProxyConfig applies the wanted sections to the file's text and
// returns the new text and what it did, per section.
func planHAProxyConfig(text string, want []haproxyWant) (string, []string) {
	pre, secs := parseHAProxyFile(text)
	var actions []string
	var appended []*haproxyFileSection
	for _, w := range want {
		found := false
		for i := 0; i < len(secs); i++ {
			s := secs[i]
			if s.Type != w.Type || s.Name != w.Name {
				continue
			}
			if w.Absent || found {
				// A second section with the same name is a duplicate the
				// managed one replaces; its trailing comments stay.
				if i > 0 {
					secs[i-1].Trailer = append(secs[i-1].Trailer, s.Trailer...)
				} else {
					pre = append(pre, s.Trailer...)
				}
				secs = append(secs[:i], secs[i+1:]...)
				i--
				actions = append(actions, "removed "+w.header())
				continue
			}
			found = true
			if strings.TrimSpace(s.Header) != w.header() || !equalLines(s.Body, w.Body) {
				actions = append(actions, "updated "+w.header())
			}
			s.Header, s.Body = w.header(), append([]string(nil), w.Body...)
		}
		if !found && !w.Absent {
			appended = append(appended, &haproxyFileSection{Type: w.Type, Name: w.Name, Header: w.header(), Body: w.Body})
			actions = append(actions, "added "+w.header())
		}
	}
	var b strings.Builder
	for _, l := range pre {
		b.WriteString(l + "\n")
	}
	write := func(s *haproxyFileSection) {
		b.WriteString(s.Header + "\n")
		for _, l := range s.Body {
			b.WriteString(l + "\n")
		}
		for _, l := range s.Trailer {
			b.WriteString(l + "\n")
		}
	}
	for _, s := range secs {
		write(s)
	}
	for _, s := range appended {
		// One blank line between sections, as HAProxy's sample files have.
		if out := b.String(); out != "" && !strings.HasSuffix(out, "\n\n") {
			b.WriteString("\n")
		}
		write(s)
	}
	return b.String(), actions
}

func equalLines(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (HAProxyConfig) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	want, err := parseHAProxySections(c.Args["sections"])
	if err != nil {
		return module.Result{Failed: true, Msg: "sections: " + err.Error()}, nil
	}
	path := c.Args.String("path")
	validate := haproxyDefaultValidate
	switch x := c.Args["validate"].(type) {
	case bool:
		if !x {
			validate = ""
		}
	case string:
		validate = x
	case nil:
		validate = ""
	}
	if validate != "" && !strings.Contains(validate, "%s") {
		return module.Result{Failed: true, Msg: fmt.Sprintf("validate %q must contain %%s (the temp file)", validate)}, nil
	}
	var (
		r       module.Result
		actions []string
		done    bool // the result is final: up to date, or failed
	)
	err = module.ReadModifyWrite(ctx, path, func() error {
		var err error
		r, actions, done, err = writeHAProxyConfig(ctx, c, path, want, validate)
		return err
	})
	if err != nil {
		return module.Result{}, fmt.Errorf("haproxy_config: %w", err)
	}
	if done {
		return r, nil
	}
	msg := strings.Join(actions, ", ")
	if !c.Args.Bool("reload") {
		r.Msg = msg
		r.Set("reloaded", false)
		return r, nil
	}
	if c.Check {
		r.Msg = msg + "; would reload HAProxy"
		r.Set("reloaded", false)
		return r, nil
	}
	method, out, err := haproxyReload(ctx, c, path)
	if err != nil {
		return module.Result{}, err
	}
	r.Set("reload_method", method)
	if out.ExitCode != 0 {
		r.Failed = true
		r.Msg = fmt.Sprintf("%s written, but reload (%s) failed with exit code %d: %s", path, method, out.ExitCode, strings.TrimSpace(string(out.Stderr)))
		return r, nil
	}
	r.Set("reloaded", method != "none")
	if method == "none" {
		r.Msg = msg + "; HAProxy is not running, not reloaded"
	} else {
		r.Msg = msg + "; reloaded (" + method + ")"
	}
	return r, nil
}

// writeHAProxyConfig reads path, plans the sections and writes the file
// when it differs, over the file as read only (WriteOptions.Unchanged).
// done means r is final (nothing to write, or a failure); otherwise the
// file was written and the caller goes on to the reload.
func writeHAProxyConfig(ctx context.Context, c *module.Call, path string, want []haproxyWant, validate string) (r module.Result, actions []string, done bool, err error) {
	fi, err := c.Host.ReadFile(ctx, path, true)
	if err != nil {
		return r, nil, true, err
	}
	if fi.Exists && fi.Type != "file" {
		return module.Result{Failed: true, Msg: fmt.Sprintf("%s is a %s, not a file", path, fi.Type)}, nil, true, nil
	}
	before := string(fi.Content)
	after, actions := planHAProxyConfig(before, want)
	r.Set("path", path)
	r.Set("sections", actions)
	if after == before {
		r.Msg = "configuration is up to date"
		r.Set("reloaded", false)
		return r, actions, true, nil
	}
	r.Changed = true
	if c.Diff {
		r.Diffs = []module.Diff{{BeforeHeader: path + " (before)", AfterHeader: path + " (after)", Before: before, After: after}}
	}
	if c.Args.Bool("backup") && fi.Exists && !c.Check {
		out, err := c.Host.Run(ctx, hostcmd.Cmd{Script: "cp -p -- " + hostcmd.Quote(path) + " " + hostcmd.Quote(path) + `."$(date +%Y-%m-%d@%H:%M:%S)~"`, Become: c.Become})
		if err != nil {
			return r, nil, true, err
		}
		if out.ExitCode != 0 {
			return module.Result{Failed: true, Msg: fmt.Sprintf("backup of %s: exit %d: %s", path, out.ExitCode, strings.TrimSpace(string(out.Stderr)))}, nil, true, nil
		}
	}
	opts := hostcmd.WriteOptions{Become: c.Become, Validate: validate, Unchanged: fi.ReadState()}
	if err := c.Host.WriteFile(ctx, path, []byte(after), opts); err != nil {
		if hostcmd.IsUnreachable(err) || errors.Is(err, hostcmd.ErrChangedSinceRead) {
			return r, nil, true, err
		}
		r.Changed = false
		r.Failed = true
		r.Msg = err.Error()
		return r, nil, true, nil
	}
	return r, actions, false, nil
}

// haproxyReload reloads HAProxy the gentlest way the host offers, in one
// remote command that prints which way it took on its first line.
func haproxyReload(ctx context.Context, c *module.Call, cfg string) (string, hostcmd.Output, error) {
	start := "0"
	if c.Args.Bool("start") {
		start = "1"
	}
	script := "cfg=" + hostcmd.Quote(cfg) + "\npid=" + hostcmd.Quote(c.Args.String("pidfile")) +
		"\nms=" + hostcmd.Quote(c.Args.String("master_socket")) + "\nstart=" + start + `
running() { [ -s "$pid" ] && kill -0 $(cat "$pid") 2>/dev/null; }
if [ -n "$ms" ] && [ -S "$ms" ]; then
  echo master-cli
  if command -v socat >/dev/null; then r=$(echo reload | socat stdio "unix-connect:$ms"); else r=$(echo reload | nc -U "$ms"); fi
  rc=$?
  # HAProxy 2.7+ answers "Success=0" when the new worker failed to start.
  case "$r" in *Success=0*) echo "$r" >&2; exit 1;; esac
  exit $rc
elif command -v systemctl >/dev/null && systemctl is-active --quiet haproxy 2>/dev/null; then
  echo systemd; exec systemctl reload haproxy
elif running; then
  # -sf: the new process binds first, then tells the old ones to finish
  # their connections and exit.
  echo sf; exec haproxy -f "$cfg" -p "$pid" -D -sf $(cat "$pid")
elif command -v service >/dev/null && service haproxy status >/dev/null 2>&1; then
  # Run by an init script whose pidfile we were not told about.
  echo service; exec service haproxy reload
elif [ "$start" = 1 ]; then
  echo start; exec haproxy -f "$cfg" -p "$pid" -D
else
  echo none
fi`
	out, err := c.Host.Run(ctx, hostcmd.Cmd{Script: script, Become: c.Become})
	if err != nil {
		return "", out, fmt.Errorf("reload haproxy: %w", err)
	}
	first, _, _ := strings.Cut(string(out.Stdout), "\n")
	return strings.TrimSpace(first), out, nil
}
