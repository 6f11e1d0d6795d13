package hostscript

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/module"
)

// Helpers shared by the system modules (apt, service, user, wait_for, uri...):
// running a script with the task's become, failing with a message that names
// the host, the command, its exit code and its stderr, and splitting one
// command's output into named sections so state is read in one round trip.

// sectionMark starts a section line in a state-reading script's output:
// "@@haplay:NAME" on a line of its own.
const sectionMark = "@@haplay:"

// Run runs script with the call's become and the given environment.
func Run(ctx context.Context, c *module.Call, script string, env map[string]string) (hostcmd.Output, error) {
	return c.Host.Run(ctx, hostcmd.Cmd{Script: script, Env: env, Become: c.Become})
}

// Failed is the failed result for a command that exited non-zero: it
// names the host, the command, the exit code and the command's stderr (or
// stdout when stderr is empty), and keeps rc/stdout/stderr for register.
func Failed(c *module.Call, display string, out hostcmd.Output) module.Result {
	msg := strings.TrimSpace(string(out.Stderr))
	if msg == "" {
		msg = strings.TrimSpace(string(out.Stdout))
	}
	r := module.Result{Failed: true, Msg: fmt.Sprintf("%s: %s failed (exit %d): %s", c.Host.Name(), display, out.ExitCode, msg)}
	r.Set("rc", out.ExitCode)
	r.Set("stdout", string(out.Stdout))
	r.Set("stderr", string(out.Stderr))
	r.Set("stdout_lines", Lines(strings.TrimRight(string(out.Stdout), "\n")))
	r.Set("stderr_lines", Lines(strings.TrimRight(string(out.Stderr), "\n")))
	r.Set("cmd", display)
	return r
}

// Sections splits output made of "@@haplay:NAME" lines followed by their
// text into NAME -> text. Text before the first mark is under "".
func Sections(b []byte) map[string]string {
	out := map[string]string{}
	name := ""
	var cur bytes.Buffer
	for _, ln := range bytes.SplitAfter(b, []byte("\n")) {
		if s := strings.TrimRight(string(ln), "\n"); strings.HasPrefix(s, sectionMark) {
			out[name] += cur.String()
			cur.Reset()
			name = strings.TrimPrefix(s, sectionMark)
			continue
		}
		cur.Write(ln)
	}
	out[name] += cur.String()
	return out
}

// Mark is the shell command that starts a section.
func Mark(name string) string { return "echo '" + sectionMark + name + "'" }

// TextLines renders "key: value" lines for diffs of non-file state.
func TextLines(kv [][2]string) string {
	var b strings.Builder
	for _, p := range kv {
		b.WriteString(p[0] + ": " + p[1] + "\n")
	}
	return b.String()
}

// QuoteAll quotes each word for the shell and joins them with spaces.
func QuoteAll(words []string) string { return hostcmd.Join(words) }

func Lines(s string) []any {
	if s == "" {
		return []any{}
	}
	parts := strings.Split(s, "\n")
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = strings.TrimSuffix(p, "\r")
	}
	return out
}
