package commands

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"time"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/engine/shlex"
	"github.com/haplay/haplay/modules/internal/hostscript"
)

// Command runs a program without a shell (ansible.builtin.command).
type Command struct{}

var _ module.Module = Command{}
var _ module.AdHocCommand = Command{}

// PlainOutput: the ad-hoc output shows rc and stdout as text.
func (Command) PlainOutput() bool { return true }

func (Command) Name() string { return "command" }

func (Command) Spec() module.Spec {
	return module.Spec{
		Short:    "Run a command on the host, without a shell",
		FreeForm: "cmd",
		Removed:  []string{"warn"}, // ansible-core 2.14 removed it
		Description: "Runs the command given as free form, cmd or argv. It is not processed by a shell, so " +
			"variables like $HOME and operators like | and > do not work (use shell). In check mode the " +
			"task is skipped unless creates or removes decide the outcome, because a command's effect " +
			"cannot be predicted.",
		Args:              commandArgs(false),
		MutuallyExclusive: [][]string{{"cmd", "argv"}},
		RequiredOneOf:     [][]string{{"cmd", "argv"}},
		Examples: `- name: Join the swarm as a worker
  ansible.builtin.command: docker swarm join --token {{ token }} {{ manager_ip }}:2377
  args:
    creates: /var/lib/docker/swarm/worker

- name: Create the shared logical volume (seed 001)
  command:
    argv: [lvcreate, -L, 20G, -n, shared, ubuntu-vg]`,
	}
}

func commandArgs(shell bool) []module.Arg {
	args := []module.Arg{
		{Name: "cmd", Type: module.TypeStr, Doc: "the command line"},
		{Name: "chdir", Type: module.TypePath, Doc: "change into this directory first"},
		{Name: "creates", Type: module.TypePath, Doc: "skip the command when this path exists"},
		{Name: "removes", Type: module.TypePath, Doc: "run the command only when this path exists"},
		{Name: "stdin", Type: module.TypeStr, Doc: "text to feed to the command's standard input"},
		{Name: "stdin_add_newline", Type: module.TypeBool, Default: true, Doc: "add a newline to stdin"},
		{Name: "strip_empty_ends", Type: module.TypeBool, Default: true, Doc: "strip trailing newlines from stdout and stderr"},
	}
	if shell {
		args = append(args, module.Arg{Name: "executable", Type: module.TypePath, Doc: "the shell to use (default /bin/sh)"})
	} else {
		args = append(args, module.Arg{Name: "argv", Type: module.TypeList, Elements: module.TypeStr, Doc: "the command as a list of words, quoted for you"})
	}
	return args
}

func (Command) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	var argv []string
	if c.Args.Has("argv") {
		argv = c.Args.List("argv")
	} else {
		words, err := shlex.Split(c.Args.String("cmd"))
		if err != nil {
			return module.Result{}, fmt.Errorf("cmd: %w in %q", err, c.Args.String("cmd"))
		}
		argv = words
	}
	if len(argv) == 0 {
		return module.Result{Failed: true, Msg: "no command given"}, nil
	}
	return runCommand(ctx, c, hostcmd.Cmd{Argv: argv}, strings.Join(argv, " "))
}

// runCommand is shared by command and shell: creates/removes, check mode,
// and Ansible's result keys.
func runCommand(ctx context.Context, c *module.Call, cmd hostcmd.Cmd, display string) (module.Result, error) {
	cmd.Dir = c.Args.String("chdir")
	cmd.Become = c.Become
	if c.Check {
		if r, done, err := createsRemoves(ctx, c, cmd.Dir); done || err != nil {
			return r, err
		}
		return module.Result{Skipped: true, SkipReason: "cannot predict: command and shell report nothing in check mode unless creates or removes decide"}, nil
	}
	if c.Args.Has("stdin") {
		in := c.Args.String("stdin")
		if c.Args.Bool("stdin_add_newline") {
			in += "\n"
		}
		cmd.Stdin = []byte(in)
	}
	// creates/removes are tested in the same remote command that runs
	// the command: one round trip rather than two.
	guarded, mark := guardCreatesRemoves(c, cmd)
	start := time.Now()
	out, err := c.Host.Run(ctx, guarded)
	if err != nil {
		return module.Result{}, err
	}
	end := time.Now()
	if mark != "" {
		if k, ok := guardSkipped(out, mark); ok {
			return notRun(k, c.Args.String(k)), nil
		}
	}
	stdout, stderr := string(out.Stdout), string(out.Stderr)
	if c.Args.Bool("strip_empty_ends") {
		stdout = strings.TrimRight(stdout, "\r\n")
		stderr = strings.TrimRight(stderr, "\r\n")
	}
	r := module.Result{Changed: true}
	r.Set("cmd", display)
	r.Set("rc", out.ExitCode)
	r.Set("stdout", stdout)
	r.Set("stderr", stderr)
	r.Set("stdout_lines", hostscript.Lines(stdout))
	r.Set("stderr_lines", hostscript.Lines(stderr))
	r.Set("start", start.Format("2006-01-02 15:04:05.000000"))
	r.Set("end", end.Format("2006-01-02 15:04:05.000000"))
	r.Set("delta", end.Sub(start).String())
	if out.ExitCode != 0 {
		r.Failed = true
		r.Msg = "non-zero return code"
	}
	return r, nil
}

// guardCreatesRemoves wraps cmd in a script that first tests creates and
// removes (after chdir, as Ansible does) and, when one of them says the
// command is not needed, prints only "MARK creates" or "MARK removes" and
// exits; otherwise it execs the command. mark is random per call, so no
// command output can be mistaken for it. Without creates/removes, cmd is
// returned as it is and mark is "".
func guardCreatesRemoves(c *module.Call, cmd hostcmd.Cmd) (hostcmd.Cmd, string) {
	creates, removes := c.Args.String("creates"), c.Args.String("removes")
	if creates == "" && removes == "" {
		return cmd, ""
	}
	// A random marker no command can print by chance.
	mark := "HAPLAY-NOTRUN-" + rand.Text()
	var b strings.Builder
	if creates != "" {
		b.WriteString("if [ -e " + hostcmd.Quote(creates) + " ]; then printf '%s\\n' " + hostcmd.Quote(mark+" creates") + "; exit 0; fi\n")
	}
	if removes != "" {
		b.WriteString("if [ ! -e " + hostcmd.Quote(removes) + " ]; then printf '%s\\n' " + hostcmd.Quote(mark+" removes") + "; exit 0; fi\n")
	}
	if len(cmd.Argv) > 0 {
		b.WriteString("exec " + hostcmd.Join(cmd.Argv))
	} else {
		sh := cmd.Executable
		if sh == "" {
			sh = "/bin/sh"
		}
		if sh == "/bin/sh" {
			// The guard runs in /bin/sh already: eval spares a second one.
			b.WriteString("eval " + hostcmd.Quote(cmd.Script))
		} else {
			b.WriteString("exec " + hostcmd.Quote(sh) + " -c " + hostcmd.Quote(cmd.Script))
		}
	}
	g := cmd
	g.Argv, g.Script, g.Executable = nil, b.String(), ""
	return g, mark
}

// guardSkipped tells whether the guard skipped the command, and why.
func guardSkipped(out hostcmd.Output, mark string) (kind string, ok bool) {
	if out.ExitCode != 0 || len(out.Stderr) > 0 {
		return "", false
	}
	line := strings.TrimSuffix(string(out.Stdout), "\n")
	k, found := strings.CutPrefix(line, mark+" ")
	if !found || (k != "creates" && k != "removes") {
		return "", false
	}
	return k, true
}

// notRun is Ansible's result for a command that creates/removes skipped.
func notRun(kind, p string) module.Result {
	if kind == "creates" {
		r := module.Result{Msg: fmt.Sprintf("Did not run command since '%s' exists", p)}
		r.Set("rc", 0)
		r.Set("stdout", "skipped, since "+p+" exists")
		return r
	}
	r := module.Result{Msg: fmt.Sprintf("Did not run command since '%s' does not exist", p)}
	r.Set("rc", 0)
	r.Set("stdout", "skipped, since "+p+" does not exist")
	return r
}

// createsRemoves decides, with one remote test, whether creates/removes
// make the command unnecessary (script, and check mode).
func createsRemoves(ctx context.Context, c *module.Call, dir string) (module.Result, bool, error) {
	for _, k := range []string{"creates", "removes"} {
		p := c.Args.String(k)
		if p == "" {
			continue
		}
		out, err := c.Host.Run(ctx, hostcmd.Cmd{Script: "test -e " + hostcmd.Quote(p), Dir: dir, Become: c.Become})
		if err != nil {
			return module.Result{}, true, err
		}
		exists := out.ExitCode == 0
		if (k == "creates" && exists) || (k == "removes" && !exists) {
			return notRun(k, p), true, nil
		}
	}
	if c.Check && (c.Args.Has("creates") || c.Args.Has("removes")) {
		// creates/removes decided that the command would run: a real run
		// changes, so check mode says so.
		return module.Result{Changed: true, Msg: "command would run"}, true, nil
	}
	return module.Result{}, false, nil
}
