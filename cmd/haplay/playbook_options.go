package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/hashicorp/go-multierror"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/haplay/haplay/engine/ansiblecfg"
	"github.com/haplay/haplay/engine/report"
	"github.com/haplay/haplay/engine/run"
	"github.com/haplay/haplay/engine/runner"
	"github.com/haplay/haplay/engine/vault"
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
	listTags        bool
	extraVars       []string
	knownHosts      []string
	hostKeyChecking string
	timeout         time.Duration
	rolesPath       []string
	output          string
	plan            bool
	ansibleExits    bool               // run --ansible-exit-codes (exitcodes.go)
	resumeDir       string             // run and plan: where a stopped rollout's resume file goes
	sshShells       int                // hidden: remote shells per host, -1 = channel per command
	cpuProfile      string             // hidden: write a CPU profile of the run here
	conn            *connectionOptions // run, plan and exec: -u, -b, -K...
	adhoc           *run.AdHoc         // exec: the one task, run in place of a playbook
	// From ansible.cfg and ANSIBLE_* (config_apply.go).
	config           *ansiblecfg.Config
	collectionsPaths []string
	noColor          bool
	configWarnings   []string
	facts            run.FactOptions // gathering and the fact cache
	vault            vaultOptions
	lockWait         time.Duration // run --lock-wait
	noLock           bool          // run --no-lock
	stdout           io.Writer
	stderr           io.Writer
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
	f.BoolVar(&o.listTags, "list-tags", false, "list the tags of each play's tasks, then stop")
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
	addVaultFlags(f, &o.vault)
}

// verify takes the command's arguments and writers, and checks the
// flags before anything is loaded.
func (o *playbookOptions) verify(cmd *cobra.Command, args []string) error {
	o.playbook = args[0]
	o.stdout, o.stderr = cmd.OutOrStdout(), cmd.ErrOrStderr()
	if err := o.loadConfig(cmd); err != nil {
		return err
	}
	if err := o.runOptions().Verify(); err != nil {
		return err
	}
	if o.conn != nil {
		return o.conn.verify(o)
	}
	return nil
}

// loadConfig reads ansible.cfg and the ANSIBLE_* variables into the
// flags not given, and says, as Ansible does at -v, which file it used.
func (o *playbookOptions) loadConfig(cmd *cobra.Command) error {
	cfg, err := ansiblecfg.Load(ansiblecfg.OSEnv())
	if err != nil {
		return usageErrorf("%v", err)
	}
	o.config = cfg
	if err := o.applyConfig(cmd, cfg); err != nil {
		return err
	}
	for _, w := range append(cfg.Warnings, o.configWarnings...) {
		fmt.Fprintln(o.stderr, "[WARNING]: "+w)
	}
	// The config's vault settings, with their ANSIBLE_* variables over
	// them as ansiblecfg resolves them, take the environment's place.
	o.vault.config = &vaultSources{IdentityList: cfg.VaultIdentityList(),
		PasswordFile: strings.TrimPrefix(cfg.VaultPasswordFile(), vault.DefaultID+"@")}
	if o.global.verbose >= 1 {
		w := o.stdout
		if o.output == "json" {
			w = o.stderr // stdout holds the one JSON document
		}
		if cfg.File != "" {
			fmt.Fprintf(w, "Using %s as config file\n", cfg.File)
		} else {
			fmt.Fprintln(w, "No config file found; using defaults")
		}
	}
	return nil
}

// runOptions turns the flags into the options of a run.
func (o *playbookOptions) runOptions() run.Options {
	ro := run.Options{
		Playbook: o.playbook, Inventories: o.inventories, Limit: o.limit, Forks: o.forks,
		Check: o.check, Diff: o.diff, Plan: o.plan, Tags: o.tags, SkipTags: o.skipTags,
		StartAt: o.startAt, ExtraVars: o.extraVars, KnownHosts: o.knownHosts,
		HostKeyChecking: o.hostKeyChecking, Timeout: o.timeout, RolesPath: o.rolesPath, CollectionsPaths: o.collectionsPaths,
		NoColor: o.noColor,
		Output:  o.output, ResumeDir: o.resumeDir, SSHShells: o.sshShells, Verbosity: o.global.verbose,
		LockWait: o.lockWait, NoLock: o.noLock,
		LogFile: o.global.logFile, LogLevel: o.global.logLevel, Stdout: o.stdout, Stderr: o.stderr,
		AdHoc:    o.adhoc,
		Facts:    o.facts,
		Prompt:   terminalPrompt,
		Terminal: report.Terminal{In: os.Stdin, Out: o.stderr, CI: os.Getenv("CI")},
	}
	if c := o.conn; c != nil {
		ro.Connection, ro.ForceHandlers, ro.Step = c.defaults(), c.forceHandlers, c.step
		ro.Facts.FlushCache = c.flushCache
		if c.syntaxCheck {
			// As ansible-playbook --syntax-check: vars_prompt takes its
			// default and asks nobody.
			ro.Prompt = func(string, bool) (string, error) { return "", nil }
		}
	}
	return ro
}

// load loads the run: everything that can fail before a host is
// contacted.
func load(o *playbookOptions) (*run.Loaded, error) {
	ro := o.runOptions()
	var err error
	if ro.Vault, err = o.vault.keyring(context.Background()); err != nil {
		return nil, err
	}
	return run.Load(ro)
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
