package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/hashicorp/go-multierror"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/haplay/haplay/engine/report"
	"github.com/haplay/haplay/engine/run"
	"github.com/haplay/haplay/engine/runner"
)

// playbookOptions are the flags shared by run, plan and check, named as
// ansible-playbook names them.
type playbookOptions struct {
	global          *globalOptions
	playbook        string // the argument
	inventories     []string
	limit           []string
	forks           int
	check           bool
	diff            bool
	tags            []string
	skipTags        []string
	startAt         string
	listHosts       bool
	listTasks       bool
	extraVars       []string
	knownHosts      []string
	hostKeyChecking string
	timeout         time.Duration
	rolesPath       []string
	output          string
	plan            bool
	ansibleExits    bool          // run --ansible-exit-codes (exitcodes.go)
	resumeDir       string        // run and plan: where a stopped rollout's resume file goes
	lockWait        time.Duration // run --lock-wait
	noLock          bool          // run --no-lock
	sshShells       int           // hidden: remote shells per host, -1 = channel per command
	cpuProfile      string        // hidden: write a CPU profile of the run here
	stdout          io.Writer
	stderr          io.Writer
}

func addPlaybookFlags(cmd *cobra.Command, o *playbookOptions) {
	f := cmd.Flags()
	f.StringArrayVarP(&o.inventories, "inventory", "i", nil, "inventory source: file, directory or comma list (repeatable)")
	f.StringArrayVarP(&o.limit, "limit", "l", nil, "further limit hosts to a pattern, or @FILE of host names")
	f.IntVarP(&o.forks, "forks", "f", 50, "hosts to run in parallel")
	f.StringArrayVarP(&o.tags, "tags", "t", nil, "run only tasks with these tags (comma list, repeatable)")
	f.StringArrayVar(&o.skipTags, "skip-tags", nil, "skip tasks with these tags")
	f.StringVar(&o.startAt, "start-at-task", "", "start at the task with this name")
	f.BoolVar(&o.listHosts, "list-hosts", false, "list the hosts each play would run on, then stop")
	f.BoolVar(&o.listTasks, "list-tasks", false, "list the tasks each play would run, then stop")
	f.StringArrayVarP(&o.extraVars, "extra-vars", "e", nil, "extra variables: k=v, @FILE or JSON/YAML (repeatable)")
	f.StringArrayVar(&o.knownHosts, "known-hosts", nil, "extra known_hosts file (repeatable)")
	f.StringVar(&o.hostKeyChecking, "host-key-checking", "strict", "strict, accept-new or off")
	o.timeout = 10 * time.Second
	f.VarP(secondsValue{&o.timeout}, "timeout", "T", "SSH connect and handshake timeout, in seconds (ansible_ssh_timeout overrides it per host)")
	f.StringArrayVar(&o.rolesPath, "roles-path", nil, "extra role directories (repeatable; also HAPLAY_ROLES_PATH)")
	f.StringVar(&o.output, "output", "text", "output format: text or json")
	// For bench/ and profiling, not for users.
	f.IntVar(&o.sshShells, "ssh-shells", 0, "remote shells per SSH host (0 default, -1 a channel per command)")
	f.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the run to this file")
	_ = f.MarkHidden("ssh-shells")
	_ = f.MarkHidden("cpuprofile")
}

// verify takes the command's arguments and writers, and checks the
// flags before anything is loaded.
func (o *playbookOptions) verify(cmd *cobra.Command, args []string) error {
	o.playbook = args[0]
	o.stdout, o.stderr = cmd.OutOrStdout(), cmd.ErrOrStderr()
	return o.runOptions().Verify()
}

// runOptions turns the flags into the options of a run.
func (o *playbookOptions) runOptions() run.Options {
	return run.Options{
		Playbook: o.playbook, Inventories: o.inventories, Limit: o.limit, Forks: o.forks,
		Check: o.check, Diff: o.diff, Plan: o.plan, Tags: o.tags, SkipTags: o.skipTags,
		StartAt: o.startAt, ExtraVars: o.extraVars, KnownHosts: o.knownHosts,
		HostKeyChecking: o.hostKeyChecking, Timeout: o.timeout, RolesPath: o.rolesPath,
		Output: o.output, ResumeDir: o.resumeDir, SSHShells: o.sshShells, Verbosity: o.global.verbose,
		LockWait: o.lockWait, NoLock: o.noLock,
		LogFile: o.global.logFile, LogLevel: o.global.logLevel, Stdout: o.stdout,
		Prompt:   terminalPrompt,
		Terminal: report.Terminal{In: os.Stdin, Out: o.stderr, CI: os.Getenv("CI")},
	}
}

// load loads the run: everything that can fail before a host is
// contacted.
func load(o *playbookOptions) (*run.Loaded, error) {
	return run.Load(o.runOptions())
}

// terminalPrompt asks for a vars_prompt value on the terminal. Under
// CI=true or without a terminal it refuses, since nobody can answer.
func terminalPrompt(prompt string, private bool) (string, error) {
	if os.Getenv("CI") == "true" || !term.IsTerminal(int(os.Stdin.Fd())) {
		return "", run.ErrNoTerminal
	}
	fmt.Fprintf(os.Stderr, "%s: ", prompt)
	if private {
		b, err := term.ReadPassword(int(os.Stdin.Fd()))
		fmt.Fprintln(os.Stderr)
		return string(b), err
	}
	var val string
	if _, err := fmt.Fscanln(os.Stdin, &val); err != nil && err.Error() != "unexpected newline" {
		return "", err
	}
	return val, nil
}

// exitFor maps a recap to ansible-playbook's exit codes.
func exitFor(rc *runner.Recap, err error) error {
	if rc != nil && rc.Interrupted {
		return silentExit(exitInterrupted)
	}
	if err != nil {
		return err
	}
	failed, unreachable := false, false
	for _, s := range rc.Stats {
		failed = failed || s.Failed > 0
		unreachable = unreachable || s.Unreachable > 0
	}
	switch {
	case failed:
		return silentExit(exitHostFailed)
	case unreachable:
		return silentExit(exitUnreachable)
	}
	return nil
}

// formatLoadError prints every load error on its own line, with a count.
func formatLoadError(err error) error {
	var me *multierror.Error
	if errors.As(err, &me) {
		me.ErrorFormat = func(es []error) string {
			var b strings.Builder
			fmt.Fprintf(&b, "%d problem(s) found before contacting any host:\n", len(es))
			for _, e := range es {
				fmt.Fprintf(&b, "  %v\n", e)
			}
			return strings.TrimRight(b.String(), "\n")
		}
	}
	return err
}
