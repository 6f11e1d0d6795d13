package system

import (
	"context"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules/internal/hostscript"
)

// WaitFor waits on the host for a port, a file or a string in either
// (ansible.builtin.wait_for).
type WaitFor struct{}

var _ module.Module = WaitFor{}

func (WaitFor) Name() string { return "wait_for" }

func (WaitFor) Spec() module.Spec {
	return module.Spec{
		Short: "Wait for a port, a file or a string to appear or go away",
		Description: "Runs one shell loop on the host: it probes the port (bash's /dev/tcp, else nc, " +
			"else busybox nc, detected once), the file, or the established connections (drained, " +
			"from /proc/net/tcp) every sleep seconds until the condition holds or timeout passes. " +
			"search_regex is matched with grep -P (Python-compatible groups) and its groups are " +
			"returned. Never changes anything, and runs in check mode too, as Ansible does.",
		Args: []module.Arg{
			{Name: "host", Type: module.TypeStr, Default: "127.0.0.1", Doc: "the host to connect to, as seen from the target"},
			{Name: "port", Type: module.TypeInt, Doc: "the TCP port to wait for"},
			{Name: "path", Type: module.TypePath, Doc: "the file to wait for"},
			{Name: "search_regex", Type: module.TypeStr, Doc: "a regular expression the file or the port's data must contain"},
			{Name: "state", Type: module.TypeStr, Default: "started", Choices: []string{"absent", "drained", "present", "started", "stopped"},
				Doc: "started/present: open or existing; stopped/absent: closed or gone; drained: no active connections"},
			{Name: "delay", Type: module.TypeInt, Default: 0, Doc: "seconds to wait before the first check"},
			{Name: "timeout", Type: module.TypeInt, Default: 300, Doc: "seconds to wait at most"},
			{Name: "sleep", Type: module.TypeInt, Default: 1, Doc: "seconds between checks"},
			{Name: "connect_timeout", Type: module.TypeInt, Default: 5, Doc: "seconds to wait for one connection"},
			{Name: "msg", Type: module.TypeStr, Doc: "the failure message instead of the default one"},
			{Name: "exclude_hosts", Type: module.TypeList, Elements: module.TypeStr, Doc: "drained: IPv4 addresses whose connections do not count"},
			{Name: "active_connection_states", Type: module.TypeList, Elements: module.TypeStr,
				Default: []any{"ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2", "SYN_RECV", "SYN_SENT", "TIME_WAIT"},
				Doc:     "drained: the TCP states that count as active"},
		},
		MutuallyExclusive: [][]string{{"port", "path"}},
		Examples: `- name: Wait for the MSA API to listen (seed 002)
  ansible.builtin.wait_for:
    port: 443
    delay: 5
    timeout: 600

- name: Wait until the installer has written its log line
  wait_for:
    path: /var/log/elma365-install.log
    search_regex: 'installed version (?P<version>[0-9.]+)'`,
	}
}

// tcpStates are /proc/net/tcp's state codes.
var tcpStates = map[string]string{
	"ESTABLISHED": "01", "SYN_SENT": "02", "SYN_RECV": "03", "FIN_WAIT1": "04", "FIN_WAIT2": "05",
	"TIME_WAIT": "06", "CLOSE": "07", "CLOSE_WAIT": "08", "LAST_ACK": "09", "LISTEN": "0A", "CLOSING": "0B",
}

func (WaitFor) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	a := c.Args
	state := a.String("state")
	start := time.Now()
	r := module.Result{}
	r.Set("state", state)
	if !a.Has("port") && !a.Has("path") && state != "drained" {
		// Nothing to watch: wait for the timeout, as Ansible does.
		select {
		case <-ctx.Done():
			return module.Result{}, ctx.Err()
		case <-time.After(time.Duration(a.Int("delay")+a.Int("timeout")) * time.Second):
		}
		r.Set("elapsed", int(time.Since(start).Seconds()))
		return r, nil
	}
	if state == "drained" && !a.Has("port") {
		return module.Result{Failed: true, Msg: "wait_for: state=drained needs port"}, nil
	}
	var re *regexp.Regexp
	if s := a.String("search_regex"); s != "" {
		var err error
		if re, err = regexp.Compile("(?m)" + s); err != nil {
			return module.Result{Failed: true, Msg: fmt.Sprintf("wait_for: search_regex %q: %v", s, err)}, nil
		}
	}
	script, err := waitForScript(a)
	if err != nil {
		return module.Result{Failed: true, Msg: "wait_for: " + err.Error()}, nil
	}
	out, err := hostscript.Run(ctx, c, script, nil)
	if err != nil {
		return module.Result{}, fmt.Errorf("wait_for loop: %w", err)
	}
	elapsed := int(time.Since(start).Seconds())
	r.Set("elapsed", elapsed)
	if a.Has("port") {
		r.Set("port", a.Int("port"))
	}
	if a.Has("path") {
		r.Set("path", a.String("path"))
	}
	sec := hostscript.Sections(out.Stdout)
	if _, ok := sec["done"]; !ok {
		if _, timedOut := sec["timeout"]; !timedOut {
			return hostscript.Failed(c, "wait_for loop", out), nil
		}
		r.Failed = true
		r.Msg = waitForTimeoutMsg(a)
		return r, nil
	}
	if re != nil {
		r.Set("search_regex", a.String("search_regex"))
		groups, dict := regexGroups(re, sec["data"])
		r.Set("match_groups", groups)
		r.Set("match_groupdict", dict)
	}
	return r, nil
}

// regexGroups returns the first match's groups, as Python's
// match.groups() and match.groupdict() do.
func regexGroups(re *regexp.Regexp, data string) ([]any, map[string]any) {
	groups, dict := []any{}, map[string]any{}
	m := re.FindStringSubmatch(data)
	if m == nil {
		return groups, dict
	}
	for i, g := range m[1:] {
		groups = append(groups, g)
		if n := re.SubexpNames()[i+1]; n != "" {
			dict[n] = g
		}
	}
	return groups, dict
}

func waitForTimeoutMsg(a module.Args) string {
	if m := a.String("msg"); m != "" {
		return m
	}
	hp := a.String("host") + ":" + strconv.Itoa(a.Int("port"))
	st := a.String("state")
	switch {
	case a.Has("path") && a.Has("search_regex"):
		return fmt.Sprintf("Timeout when waiting for search string %s in %s", a.String("search_regex"), a.String("path"))
	case a.Has("path") && (st == "absent" || st == "stopped"):
		return fmt.Sprintf("Timeout when waiting for %s to be absent.", a.String("path"))
	case a.Has("path"):
		return fmt.Sprintf("Timeout when waiting for file %s", a.String("path"))
	case st == "drained":
		return fmt.Sprintf("Timeout when waiting for %s to drain", hp)
	case st == "absent" || st == "stopped":
		return fmt.Sprintf("Timeout when waiting for %s to stop.", hp)
	case a.Has("search_regex"):
		return fmt.Sprintf("Timeout when waiting for search string %s in %s", a.String("search_regex"), hp)
	}
	return "Timeout when waiting for " + hp
}

// procNetHex is an IPv4 address as /proc/net/tcp prints it (little
// endian hex), and its IPv4-mapped IPv6 form.
func procNetHex(ip string) ([]string, error) {
	p := net.ParseIP(ip).To4()
	if p == nil {
		return nil, fmt.Errorf("exclude_hosts: %q is not an IPv4 address", ip)
	}
	v4 := fmt.Sprintf("%02X%02X%02X%02X", p[3], p[2], p[1], p[0])
	return []string{v4, "0000000000000000FFFF0000" + v4}, nil
}

// waitForScript builds the remote loop. It prints "@@haplay:done" (then
// the matched data under "@@haplay:data") when the condition holds, or
// "@@haplay:timeout" when the time is up.
func waitForScript(a module.Args) (string, error) {
	var b strings.Builder
	set := func(k, v string) { b.WriteString(k + "=" + hostcmd.Quote(v) + "\n") }
	set("H", a.String("host"))
	set("P", strconv.Itoa(a.Int("port")))
	set("F", a.String("path"))
	set("RE", a.String("search_regex"))
	set("CT", strconv.Itoa(max(a.Int("connect_timeout"), 1)))
	var states, excl []string
	for _, s := range a.List("active_connection_states") {
		code, ok := tcpStates[strings.ToUpper(s)]
		if !ok {
			return "", fmt.Errorf("unknown connection state %q", s)
		}
		states = append(states, code)
	}
	for _, h := range a.List("exclude_hosts") {
		hx, err := procNetHex(h)
		if err != nil {
			return "", err
		}
		excl = append(excl, hx...)
	}
	set("ST", " "+strings.Join(states, " ")+" ")
	set("EX", " "+strings.Join(excl, " ")+" ")
	fmt.Fprintf(&b, "sleep %d\nend=$(( $(date +%%s) + %d ))\nSL=%d\n", a.Int("delay"), a.Int("timeout"), max(a.Int("sleep"), 0))
	b.WriteString(`t=$(mktemp) || exit 1
trap 'rm -f "$t"' EXIT
# How to open a TCP connection, found once.
if command -v bash >/dev/null 2>&1; then m=bash
elif command -v nc >/dev/null 2>&1; then m=nc
elif command -v busybox >/dev/null 2>&1; then m=busybox
else m=none; fi
# connect: exit 0 when the port accepts; with RE, what it sends goes to $t.
connect() {
  : >"$t"
  case $m in
  bash)
    if [ -z "$RE" ]; then timeout "$CT" bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$H" "$P" 2>/dev/null
    else timeout "$CT" bash -c 'exec 3<>"/dev/tcp/$0/$1" || exit 1; cat <&3' "$H" "$P" >"$t" 2>/dev/null; [ $? != 1 ]; fi ;;
  nc)
    if [ -z "$RE" ]; then nc -z -w "$CT" "$H" "$P" </dev/null >/dev/null 2>&1
    else timeout "$CT" nc -w "$CT" "$H" "$P" </dev/null >"$t" 2>/dev/null; [ $? != 1 ]; fi ;;
  busybox)
    timeout "$CT" busybox nc -w "$CT" "$H" "$P" </dev/null >"$t" 2>/dev/null; [ $? != 1 ] ;;
  *) echo "wait_for: no bash, nc or busybox on this host to open a connection" >&2; exit 2 ;;
  esac
}
# found FILE: RE occurs in FILE (grep -P understands Python's (?P<name>...)).
found() {
  [ -z "$RE" ] && return 0
  grep -qP -- "$RE" "$1" 2>/dev/null; r=$?
  [ $r = 2 ] && { grep -qE -- "$RE" "$1"; r=$?; }
  return $r
}
active() {
  hp=$(printf ':%04X' "$P")
  awk -v p="$hp" -v st="$ST" -v ex="$EX" 'FNR > 1 {
      l = substr($2, length($2) - 4); split($3, rr, ":")
      if (l == p && index(st, " " $4 " ") && !index(ex, " " rr[1] " ")) n++
    } END { print n + 0 }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}
`)
	var cond, data string
	state := a.String("state")
	switch {
	case a.Has("path") && (state == "absent" || state == "stopped"):
		cond = `[ ! -e "$F" ]`
	case a.Has("path"):
		cond = `[ -e "$F" ] && found "$F"`
		data = `head -c 1048576 "$F"`
	case state == "drained":
		cond = `[ "$(active)" = 0 ]`
	case state == "absent" || state == "stopped":
		cond = `! connect`
	default:
		cond = `connect && found "$t"`
		data = `cat "$t"`
	}
	b.WriteString("while :; do\n  if " + cond + "; then\n    " + hostscript.Mark("done") + "\n")
	if data != "" && a.Has("search_regex") {
		b.WriteString("    " + hostscript.Mark("data") + "\n    " + data + "\n")
	}
	// -gt, not -ge: date +%s counts whole seconds, so a wait that began
	// late in a second would stop before timeout seconds had passed.
	b.WriteString("    exit 0\n  fi\n  if [ $(date +%s) -gt $end ]; then " + hostscript.Mark("timeout") + "; exit 0; fi\n  sleep $SL\ndone\n")
	return b.String(), nil
}
