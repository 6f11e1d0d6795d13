package commands

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/jinja"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/engine/shlex"
	"github.com/haplay/haplay/modules/internal/hostscript"
)

// Script copies a local script to the host, runs it there and removes it
// (ansible.builtin.script).
type Script struct{}

var _ module.Module = Script{}
var _ module.AdHocCommand = Script{}
var _ module.ControllerFileUser = Script{}

// PlainOutput: Ansible shows a script's result as JSON, but wants -a.
func (Script) PlainOutput() bool { return false }

func (Script) Name() string { return "script" }

func (Script) Spec() module.Spec {
	return module.Spec{
		Short:    "Copy a local script to the host and run it",
		FreeForm: "cmd",
		Description: "The first word of the free form is the script, found in the role's or playbook's " +
			"files/ directory (or the playbook directory, or as an absolute path); the rest are its " +
			"arguments. It is copied to a temporary file on the host (mode 0700), run (directly, so " +
			"its #! line counts, or with executable), and removed in the same command. In check " +
			"mode it is skipped unless creates or removes decide.",
		Args: []module.Arg{
			{Name: "cmd", Type: module.TypeStr, Doc: "the script path and its arguments"},
			{Name: "creates", Type: module.TypePath, Doc: "skip the script when this path exists on the host"},
			{Name: "removes", Type: module.TypePath, Doc: "run the script only when this path exists on the host"},
			{Name: "chdir", Type: module.TypePath, Doc: "run it in this directory on the host"},
			{Name: "executable", Type: module.TypeStr, Doc: "run it with this interpreter (e.g. /bin/bash)"},
			{Name: "decrypt", Type: module.TypeBool, Default: true, Doc: "a vaulted script is decrypted with the run's vault ids before it is copied (false: the vault text is copied and run as it is)"},
		},
		RequiredOneOf: [][]string{{"cmd"}},
		Examples: `- name: Run the cluster installer (seed 001)
  ansible.builtin.script: files/on-prem-cluster.sh --yes
  args:
    creates: /etc/kloudspot/installed`,
	}
}

func (Script) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	words, err := shlex.Split(c.Args.String("cmd"))
	if err != nil {
		return module.Result{}, fmt.Errorf("cmd: %w in %q", err, c.Args.String("cmd"))
	}
	if len(words) == 0 {
		return module.Result{Failed: true, Msg: "script: no script given"}, nil
	}
	local, err := c.Controller.FindFile("files", words[0])
	if err != nil {
		return module.Result{Failed: true, Msg: fmt.Sprintf("script: could not find %s: %v", words[0], err)}, nil
	}
	read := c.Controller.ReadFile // decrypts vault text
	if !c.Args.Bool("decrypt") {
		read = os.ReadFile
	}
	data, err := read(local)
	if err != nil {
		return module.Result{Failed: true, Msg: fmt.Sprintf("script: read %s: %v", local, err)}, nil
	}
	if r, done, err := createsRemoves(ctx, c, ""); done || err != nil {
		if err == nil && !r.Changed {
			// Ansible's script action reports a run that creates or
			// removes decided against as skipped (command says ok).
			reason, _ := r.Values["stdout"].(string)
			return module.Result{Skipped: true, SkipReason: reason, Msg: reason}, nil
		}
		return r, err
	}
	if c.Check {
		return module.Result{Skipped: true, SkipReason: "cannot predict: a script's effect is unknown in check mode unless creates or removes decide"}, nil
	}
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	tmp := "/tmp/.haplay-script-" + hex.EncodeToString(rnd[:])
	if err := c.Host.WriteFile(ctx, tmp, data, hostcmd.WriteOptions{Mode: 0o700, Become: c.Become}); err != nil {
		return module.Result{}, fmt.Errorf("copy %s to %s: %w", local, tmp, err)
	}
	run := hostcmd.Quote(tmp)
	if e := c.Args.String("executable"); e != "" {
		run = e + " " + run
	}
	if len(words) > 1 {
		run += " " + hostcmd.Join(words[1:])
	}
	// Run and remove in one command; the script's exit code is kept.
	sh := run + "\nrc=$?\nrm -f " + hostcmd.Quote(tmp) + "\nexit $rc"
	out, err := c.Host.Run(ctx, hostcmd.Cmd{Script: sh, Dir: c.Args.String("chdir"), Become: c.Become})
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
		r.Msg = fmt.Sprintf("%s: script %s failed (exit %d): %s", c.Host.Name(), strings.Join(words, " "), out.ExitCode, strings.TrimSpace(string(out.Stderr)))
	}
	return r, nil
}

// ControllerFiles: the script, the first word of cmd, must exist at load
// when cmd is a literal.
func (Script) ControllerFiles(a module.Args) []module.ControllerFile {
	cmd := a.String("cmd")
	if jinja.IsTemplated(cmd) {
		return nil
	}
	words, err := shlex.Split(cmd)
	if err != nil || len(words) == 0 {
		return nil // Run reports it
	}
	return []module.ControllerFile{{Arg: "cmd", Kind: "files", Name: words[0]}}
}
