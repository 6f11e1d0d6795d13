package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/haplay/haplay/engine/run"
)

// execOptions are the flags of haplay exec, named as Ansible's ad-hoc
// command, `ansible`, names them. The flags it shares with run live in
// the playbook options.
type execOptions struct {
	playbookOptions
	module  string // -m; ansible.cfg's module_name when not given
	args    string // -a
	oneLine bool   // -o
	tree    string // -t: Ansible's tree callback, refused
	// -c, --task-timeout and --playbook-dir, as run.AdHoc has them.
	taskTimeout int
	playbookDir string
}

func newExecCmd(g *globalOptions) *cobra.Command {
	o := &execOptions{playbookOptions: playbookOptions{global: g, conn: &connectionOptions{}}}
	cmd := &cobra.Command{
		Use:   "exec PATTERN -i INVENTORY [-m MODULE] [-a ARGS]",
		Short: "Run one module on the hosts of PATTERN (ansible's ad-hoc command)",
		Long: "Runs MODULE (default: ansible.cfg's module_name, or command) with the arguments ARGS (a free form,\n" +
			"k=v pairs or a JSON object) on the hosts PATTERN matches, and prints each host's result as `ansible`\n" +
			"does. -a is checked against the module's arguments before any host is contacted.\n" +
			"Exit codes, as ansible 2.14's: 0 ok (also when no host matched), 1 error, 2 a host failed (or -m/-a\n" +
			"do not load), 4 a host unreachable, 5 bad options, 99 interrupted.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.verify(cmd, args); err != nil {
				return err
			}
			return runExec(cmd.Context(), o)
		},
	}
	addExecFlags(cmd, o)
	addConnectionFlags(cmd, o.conn)
	return cmd
}

// addExecFlags adds the flags of `ansible` that haplay has; those about a
// playbook (tags, --start-at-task...) are not among them, as there.
func addExecFlags(cmd *cobra.Command, o *execOptions) {
	f := cmd.Flags()
	f.StringVarP(&o.module, "module-name", "m", "", "the module to run (default: ansible.cfg's module_name, or command)")
	f.StringVarP(&o.args, "args", "a", "", "the module's arguments: a free form, k=v pairs, or a JSON object")
	f.BoolVarP(&o.oneLine, "one-line", "o", false, "one line per host")
	f.StringVarP(&o.tree, "tree", "t", "", "not supported: Ansible's tree callback (use --output json)")
	f.IntVar(&o.taskTimeout, "task-timeout", 0, "fail the task after this many seconds (0: no limit)")
	f.StringVar(&o.playbookDir, "playbook-dir", "", "the directory that stands for the playbook's: group_vars/, host_vars/, relative files (default: the current one)")
	f.StringArrayVarP(&o.inventories, "inventory", "i", nil, "inventory source: file, directory or comma list (repeatable)")
	f.StringArrayVarP(&o.limit, "limit", "l", nil, "further limit hosts to a pattern, or @FILE of host names")
	f.IntVarP(&o.forks, "forks", "f", 50, "hosts to run in parallel")
	f.BoolVar(&o.listHosts, "list-hosts", false, "list the hosts PATTERN matches, then stop")
	f.BoolVarP(&o.check, "check", "C", false, "change nothing; predict what would change")
	f.BoolVarP(&o.diff, "diff", "D", false, "show a diff of every textual change")
	f.StringArrayVarP(&o.extraVars, "extra-vars", "e", nil, "extra variables: k=v, @FILE or JSON/YAML (repeatable)")
	f.StringArrayVar(&o.knownHosts, "known-hosts", nil, "extra known_hosts file (repeatable)")
	f.StringVar(&o.hostKeyChecking, "host-key-checking", "strict", "strict, accept-new or off")
	o.timeout = 10 * time.Second
	f.VarP(secondsValue{&o.timeout}, "timeout", "T", "SSH connect and handshake timeout, in seconds (ansible_ssh_timeout overrides it per host)")
	f.StringVar(&o.output, "output", "text", "output format: text (as ansible's) or json")
	addVaultFlags(f, &o.vault)
}

// verify takes the pattern and writers, reads ansible.cfg into the flags
// not given, and checks the flags before anything is loaded.
func (o *execOptions) verify(cmd *cobra.Command, args []string) error {
	o.stdout, o.stderr = cmd.OutOrStdout(), cmd.ErrOrStderr()
	if o.tree != "" {
		return usageErrorf("-t/--tree %s: not supported by haplay exec (it has no tree callback); "+
			"--output json prints every host's result as one JSON document", o.tree)
	}
	if o.taskTimeout < 0 {
		return usageErrorf("--task-timeout %d: must be a positive number of seconds", o.taskTimeout)
	}
	o.adhoc = &run.AdHoc{Pattern: args[0], Args: o.args, OneLine: o.oneLine, HostsOnly: o.listHosts,
		TaskTimeout: o.taskTimeout, Dir: o.playbookDir}
	if err := o.loadConfig(cmd); err != nil {
		return err
	}
	o.adhoc.Module = o.module
	if o.adhoc.Module == "" {
		o.adhoc.Module, _ = o.config.String("DEFAULT_MODULE_NAME")
	}
	if err := o.runOptions().Verify(); err != nil {
		return err
	}
	return o.conn.verify(&o.playbookOptions)
}

// runExec loads the one-task play, chooses its hosts as `ansible` does
// and runs it, with ansible's exit codes.
func runExec(ctx context.Context, o *execOptions) error {
	lr, err := load(&o.playbookOptions)
	if err != nil {
		return formatLoadError(err)
	}
	hosts, warnings, err := lr.AdHocHosts()
	if len(hosts) == 0 {
		// With hosts, the run itself gives the pattern's warnings.
		for _, w := range warnings {
			fmt.Fprintln(o.stderr, "[WARNING]: "+w)
		}
	}
	if errors.Is(err, run.ErrNoHostsLeft) {
		return &exitCodeError{code: exitError, err: err}
	}
	if err != nil {
		return err
	}
	if o.listHosts {
		fmt.Fprintf(o.stdout, "  hosts (%d):\n", len(hosts))
		for _, h := range hosts {
			fmt.Fprintf(o.stdout, "    %s\n", h)
		}
		return nil
	}
	if len(hosts) == 0 {
		return nil
	}
	rc, err := lr.Execute(ctx)
	// ansible exits 4 when a host was unreachable, even if another failed.
	return exitForRun(rc, err, true)
}
