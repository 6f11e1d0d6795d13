// Package report turns a run into output: Ansible-shaped text for people,
// one JSON document for machines, and zerolog lines for the log file.
package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/aymanbagabas/go-udiff"

	"github.com/haplay/haplay/engine/connection"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/engine/playbook"
	"github.com/haplay/haplay/engine/runner"
)

// Censored replaces every value of a no_log task.
const Censored = "the output has been hidden due to the fact that 'no_log: true' was specified for this result"

// Text writes ansible-playbook's output format.
type Text struct {
	mu        sync.Mutex
	w         io.Writer
	verbosity int
	diff      bool
	color     bool
	check     bool
	plan      bool // summarise changes at the end (haplay plan)
	modules   *module.Registry
	prog      progress
}

// TextOptions configure Text.
type TextOptions struct {
	Verbosity int
	Diff      bool
	Color     bool
	Check     bool
	Plan      bool
	// Modules tells which tasks print like debug (module.PrintsLikeDebug):
	// their values are shown at every verbosity.
	Modules *module.Registry
}

// NewText returns a text reporter writing to w.
func NewText(w io.Writer, o TextOptions) *Text {
	t := &Text{w: w, verbosity: o.Verbosity, diff: o.Diff, color: o.Color, check: o.Check, plan: o.Plan, modules: o.Modules}
	if o.Color { // a TTY
		t.startTicker()
	}
	return t
}

func (t *Text) banner(s string) {
	t.clearProgress()
	n := 80 - len(s) - 1
	if n < 3 {
		n = 3
	}
	fmt.Fprintf(t.w, "\n%s %s\n", s, strings.Repeat("*", n))
}

func (t *Text) PlayStart(p *playbook.Play, hosts []string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	name := p.Name
	if name == "" {
		name = p.Hosts
	}
	t.banner("PLAY [" + name + "]")
}

func (t *Text) TaskStart(task *playbook.Task, handler bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	kind := "TASK"
	if handler {
		kind = "RUNNING HANDLER"
	}
	t.banner(kind + " [" + task.DisplayName() + "]")
}

const (
	green  = "\x1b[0;32m"
	yellow = "\x1b[0;33m"
	red    = "\x1b[0;31m"
	cyan   = "\x1b[0;36m"
	reset  = "\x1b[0m"
)

func (t *Text) paint(c, s string) string {
	if !t.color {
		return s
	}
	return c + s + reset
}

func (t *Text) HostResult(r runner.HostResult) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.clearProgress()
	if !r.IsItem && r.Attempt == 0 {
		t.prog.done(r.Host)
	}
	host := r.Host
	if r.Delegated != "" && r.Delegated != r.Host {
		host = r.Host + " -> " + r.Delegated
	}
	item := ""
	if r.IsItem {
		label := r.Label
		if r.NoLog {
			label = "None"
		}
		item = " => (item=" + label + ")"
	}
	if r.Attempt > 0 {
		fmt.Fprintln(t.w, t.paint(red, fmt.Sprintf("FAILED - RETRYING: [%s]: %s (%d retries left).", host, r.Task.DisplayName(), r.Retrying)))
		return
	}
	if r.Status == "included" {
		fmt.Fprintf(t.w, "included: %s for %s\n", r.Msg, r.Host)
		return
	}
	t.writeDiffs(r)
	if !r.IsItem && r.Task.LoopKeyword != "" && r.Result.Values["results"] != nil {
		// As ansible-playbook: a loop shows its items, not their sum.
		if r.Status == runner.StatusFailed && r.Ignored {
			fmt.Fprintln(t.w, t.paint(cyan, "...ignoring"))
		}
		return
	}
	switch r.Status {
	case runner.StatusOK:
		line := fmt.Sprintf("ok: [%s]%s", host, item)
		if body := t.body(r); body != "" {
			line += " => " + body
		}
		fmt.Fprintln(t.w, t.paint(green, line))
	case runner.StatusChanged:
		line := fmt.Sprintf("changed: [%s]%s", host, item)
		if body := t.body(r); body != "" {
			line += " => " + body
		}
		fmt.Fprintln(t.w, t.paint(yellow, line))
	case runner.StatusSkipped:
		line := fmt.Sprintf("skipping: [%s]%s", host, item)
		if r.IsItem {
			line += " " // ansible-playbook prints one here
		}
		if r.CheckSkip {
			line += " (cannot predict in check mode)"
		}
		fmt.Fprintln(t.w, t.paint(cyan, line))
	case runner.StatusFailed:
		if r.IsItem {
			fmt.Fprintln(t.w, t.paint(red, fmt.Sprintf("failed: [%s] (item=%s) => %s", host, itemLabel(r), t.failBody(r))))
			return
		}
		fmt.Fprintln(t.w, t.paint(red, fmt.Sprintf("fatal: [%s]: FAILED! => %s", host, t.failBody(r))))
		if r.Ignored {
			fmt.Fprintln(t.w, t.paint(cyan, "...ignoring"))
		}
	case runner.StatusUnreachable:
		fmt.Fprintln(t.w, t.paint(red, fmt.Sprintf("fatal: [%s]: UNREACHABLE! => %s", host, jsonLine(map[string]any{"changed": false, "msg": r.Msg, "unreachable": true}))))
		if r.Ignored {
			fmt.Fprintln(t.w, t.paint(cyan, "...ignoring"))
		}
	}
}

// body is what follows "ok: [h] =>": debug's message, or the full result
// with -v.
func (t *Text) body(r runner.HostResult) string {
	debug := t.printsLikeDebug(r.Task)
	if r.NoLog {
		if t.verbosity > 0 || debug {
			return jsonIndent(map[string]any{"censored": Censored})
		}
		return ""
	}
	if debug {
		return jsonIndent(debugValues(r.Result.Values))
	}
	if t.verbosity > 0 {
		return jsonLine(resultValues(r))
	}
	return ""
}

// printsLikeDebug reports whether the task's module shows its values at
// every verbosity.
func (t *Text) printsLikeDebug(task *playbook.Task) bool {
	if t.modules == nil || task == nil {
		return false
	}
	m, ok := t.modules.Lookup(task.Action)
	if !ok {
		return false
	}
	_, ok = m.(module.PrintsLikeDebug)
	return ok
}

func debugValues(v map[string]any) map[string]any {
	out := map[string]any{}
	for k, x := range v {
		out[k] = x
	}
	return out
}

func (t *Text) failBody(r runner.HostResult) string {
	if r.NoLog {
		return jsonLine(map[string]any{"censored": Censored})
	}
	return jsonLine(resultValues(r))
}

// resultValues is the JSON shown for a result, as Ansible shows it.
func resultValues(r runner.HostResult) map[string]any {
	v := map[string]any{}
	for k, x := range r.Result.Values {
		v[k] = x
	}
	v["changed"] = r.Status == runner.StatusChanged || r.Result.Changed
	if r.Msg != "" {
		v["msg"] = r.Msg
	}
	return v
}

func (t *Text) writeDiffs(r runner.HostResult) {
	if !t.diff || r.NoLog {
		return
	}
	for _, d := range r.Result.Diffs {
		fmt.Fprint(t.w, t.colorDiff(UnifiedDiff(d)))
	}
}

// UnifiedDiff renders one Diff as a unified diff.
func UnifiedDiff(d module.Diff) string {
	before, after := d.BeforeHeader, d.AfterHeader
	if before == "" {
		before = "before"
	}
	if after == "" {
		after = "after"
	}
	if d.Before == d.After {
		return ""
	}
	out := udiff.Unified(before, after, d.Before, d.After)
	if out != "" && !strings.HasSuffix(out, "\n") {
		out += "\n"
	}
	return out
}

func (t *Text) colorDiff(s string) string {
	if !t.color || s == "" {
		return s
	}
	return colorizeDiff(s)
}

// colorizeDiff paints a unified diff's lines as Ansible does.
func colorizeDiff(s string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(s, "\n") {
		switch {
		case strings.HasPrefix(l, "+++") || strings.HasPrefix(l, "---"):
			b.WriteString(l)
		case strings.HasPrefix(l, "+"):
			b.WriteString(green + strings.TrimSuffix(l, "\n") + reset + "\n")
		case strings.HasPrefix(l, "-"):
			b.WriteString(red + strings.TrimSuffix(l, "\n") + reset + "\n")
		case strings.HasPrefix(l, "@@"):
			b.WriteString(cyan + strings.TrimSuffix(l, "\n") + reset + "\n")
		default:
			b.WriteString(l)
		}
	}
	return b.String()
}

// Command prints a command as -vv shows it: argv quoted, or the script.
func (t *Text) Command(host string, c connection.Cmd) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.clearProgress()
	fmt.Fprintln(t.w, commandLine(host, c))
}

// commandLine is a command as -vv shows it.
func commandLine(host string, c connection.Cmd) string {
	line := c.Script
	if len(c.Argv) > 0 {
		line = connection.Join(c.Argv)
	}
	if c.Become.Enabled {
		user := c.Become.User
		if user == "" {
			user = "root"
		}
		line = "(become " + user + ") " + line
	}
	if c.Dir != "" {
		line = "(in " + c.Dir + ") " + line
	}
	return fmt.Sprintf("<%s> EXEC %s", host, line)
}

func (t *Text) Warn(msg string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.clearProgress()
	fmt.Fprintln(t.w, t.paint(red, "[WARNING]: "+msg))
}

func (t *Text) RolloutStopped(s runner.RolloutStop) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.banner("NO MORE HOSTS LEFT")
	if !s.Serial {
		// One batch: Ansible's banner says it all.
		return
	}
	t.banner("ROLLOUT STOPPED [" + s.Play + "]")
	fmt.Fprintf(t.w, "reason:      %s\n", s.Reason)
	fmt.Fprintf(t.w, "done:        %s\n", listOrNone(s.Done))
	fmt.Fprintf(t.w, "failed:      %s\n", listOrNone(s.Failed))
	fmt.Fprintf(t.w, "not started: %s\n", listOrNone(s.NotStarted))
	if s.ResumeHint != "" {
		fmt.Fprintf(t.w, "resume with: %s\n", s.ResumeHint)
	}
}

func listOrNone(l []string) string {
	if len(l) == 0 {
		return "(none)"
	}
	return strings.Join(l, ", ")
}

func (t *Text) Recap(r *runner.Recap) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.prog.stop != nil {
		close(t.prog.stop)
		t.prog.stop = nil
	}
	t.clearProgress()
	if t.plan {
		t.planSummary(r)
	}
	t.banner("PLAY RECAP")
	hosts := append([]string{}, r.Hosts...)
	sort.Strings(hosts)
	for _, h := range hosts {
		s := r.Stats[h]
		c := green
		switch {
		case s.Failed > 0 || s.Unreachable > 0:
			c = red
		case s.Changed > 0:
			c = yellow
		}
		fmt.Fprintf(t.w, "%s : %s %s %s %s %s %s %s\n", t.paint(c, fmt.Sprintf("%-26s", h)),
			fmt.Sprintf("ok=%-4d", s.OK), fmt.Sprintf("changed=%-4d", s.Changed), fmt.Sprintf("unreachable=%-4d", s.Unreachable),
			fmt.Sprintf("failed=%-4d", s.Failed), fmt.Sprintf("skipped=%-4d", s.Skipped), fmt.Sprintf("rescued=%-4d", s.Rescued),
			fmt.Sprintf("ignored=%-4d", s.Ignored))
	}
	if r.Interrupted {
		fmt.Fprintln(t.w, "\nInterrupted: the recap covers what ran before Ctrl-C.")
	}
	fmt.Fprintln(t.w)
}

func itemLabel(r runner.HostResult) string {
	if r.NoLog {
		return "None"
	}
	return r.Label
}

// planSummary lists what would change, per host and task.
func (t *Text) planSummary(r *runner.Recap) {
	t.banner("PLAN")
	if len(r.Changes) == 0 {
		fmt.Fprintln(t.w, "No changes. The hosts match the playbook.")
		return
	}
	byHost := map[string][]runner.Change{}
	for _, c := range r.Changes {
		byHost[c.Host] = append(byHost[c.Host], c)
	}
	hosts := make([]string, 0, len(byHost))
	for h := range byHost {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	for _, h := range hosts {
		fmt.Fprintf(t.w, "%s: %d to change\n", h, len(byHost[h]))
		for _, c := range byHost[h] {
			fmt.Fprintf(t.w, "  ~ %s (%s)\n", c.Task, c.Pos)
		}
	}
	fmt.Fprintf(t.w, "Plan: %d changes on %d hosts.\n", len(r.Changes), len(hosts))
}

// jsonLine prints v as ansible-playbook prints a result on one line:
// Python's json.dumps with sorted keys, ", " and ": " separators, and
// no escaping of <, > and &.
func jsonLine(v any) string {
	norm, err := normalize(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	var b strings.Builder
	pyCompact(&b, norm)
	return b.String()
}

// jsonIndent prints v as ansible-playbook prints debug output (indent 4).
func jsonIndent(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "    ")
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// normalize turns any value into maps, slices and scalars via JSON.
func normalize(v any) (any, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(&b)
	dec.UseNumber()
	var out any
	err := dec.Decode(&out)
	return out, err
}

func pyCompact(b *strings.Builder, v any) { pyDump(b, v, ", ") }

// pyDump writes v as Python's json.dumps with sorted keys and sep
// between items: ", " on one line, or "," for what json.dumps(indent=0)
// prints once its newlines are removed (Ansible's oneline output).
func pyDump(b *strings.Builder, v any, sep string) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteString(sep)
			}
			pyDump(b, k, sep)
			b.WriteString(": ")
			pyDump(b, x[k], sep)
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(sep)
			}
			pyDump(b, e, sep)
		}
		b.WriteByte(']')
	default:
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(x)
		b.WriteString(strings.TrimSuffix(buf.String(), "\n"))
	}
}
