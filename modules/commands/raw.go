package commands

import (
	"context"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules/internal/hostscript"
)

// Raw runs a command line as is, through the login shell or executable
// (ansible.builtin.raw). Ansible uses it to bootstrap hosts without
// Python; haplay needs no Python, so it differs from shell mainly in
// having no creates/removes and in not being predictable in check mode.
type Raw struct{}

var _ module.Module = Raw{}
var _ module.AdHocCommand = Raw{}

// PlainOutput: the ad-hoc output shows rc and stdout as text.
func (Raw) PlainOutput() bool { return true }

func (Raw) Name() string { return "raw" }

func (Raw) Spec() module.Spec {
	return module.Spec{
		Short:    "Run a command line as is",
		FreeForm: "free_form",
		Description: "Sends the free-form text to the host's shell (or executable) unchanged. Always " +
			"reports changed; skipped in check mode because its effect cannot be predicted.",
		Args: []module.Arg{
			{Name: "free_form", Type: module.TypeStr, Required: true, Doc: "the command line"},
			{Name: "executable", Type: module.TypePath, Doc: "the shell to run it with (default /bin/sh)"},
		},
		Examples: `- name: Refresh the package lists (seed 001)
  ansible.builtin.raw: apt-get update`,
	}
}

func (Raw) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	if c.Check {
		return module.Result{Skipped: true, SkipReason: "cannot predict: raw commands report nothing in check mode"}, nil
	}
	line := c.Args.String("free_form")
	out, err := c.Host.Run(ctx, hostcmd.Cmd{Script: line, Executable: c.Args.String("executable"), Become: c.Become})
	if err != nil {
		return module.Result{}, err
	}
	r := module.Result{Changed: true}
	r.Set("rc", out.ExitCode)
	r.Set("stdout", string(out.Stdout))
	r.Set("stderr", string(out.Stderr))
	r.Set("stdout_lines", hostscript.Lines(trimNL(string(out.Stdout))))
	r.Set("stderr_lines", hostscript.Lines(trimNL(string(out.Stderr))))
	if out.ExitCode != 0 {
		r.Failed = true
		r.Msg = "non-zero return code"
	}
	return r, nil
}

func trimNL(s string) string {
	for len(s) > 0 && (s[len(s)-1] == '\n' || s[len(s)-1] == '\r') {
		s = s[:len(s)-1]
	}
	return s
}
