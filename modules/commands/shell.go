package commands

import (
	"context"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/module"
)

// Shell runs a command through a shell (ansible.builtin.shell).
type Shell struct{}

var _ module.Module = Shell{}
var _ module.AdHocCommand = Shell{}

// PlainOutput: the ad-hoc output shows rc and stdout as text.
func (Shell) PlainOutput() bool { return true }

func (Shell) Name() string { return "shell" }

func (Shell) Spec() module.Spec {
	return module.Spec{
		Short:    "Run a command through a shell on the host",
		FreeForm: "cmd",
		Removed:  []string{"warn"}, // ansible-core 2.14 removed it
		Description: "Runs the command through /bin/sh (or executable), so pipes, redirects and " +
			"variables work. Quote the values you interpolate with the quote filter. In check mode " +
			"the task is skipped unless creates or removes decide.",
		Args:          commandArgs(true),
		RequiredOneOf: [][]string{{"cmd"}},
		Examples: `- name: Create the NAS directories (seed 002)
  shell: mkdir -p /mnt/NASVolume/msa_db /mnt/NASVolume/msa_es
  args:
    creates: /mnt/NASVolume/msa_es`,
	}
}

func (Shell) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	script := c.Args.String("cmd")
	return runCommand(ctx, c, hostcmd.Cmd{Script: script, Executable: c.Args.String("executable")}, script)
}
