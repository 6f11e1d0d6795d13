package main

import (
	"context"
	"fmt"
	"maps"
	"os"
	"runtime/pprof"
	"slices"

	"github.com/haplay/haplay/engine/run"
	"github.com/haplay/haplay/engine/runner"

	"github.com/spf13/cobra"
)

func newRunCmd(g *globalOptions) *cobra.Command {
	o := &playbookOptions{global: g, conn: &connectionOptions{}}
	cmd := &cobra.Command{
		Use:   "run PLAYBOOK -i INVENTORY",
		Short: "Run a playbook (ansible-playbook compatible)",
		Long: "Runs the plays of PLAYBOOK on the hosts of the inventory. Everything that can be checked before\n" +
			"contacting a host (YAML, modules, arguments, roles, templates) is checked first.\n" +
			"Exit codes: 0 ok, 1 error, 2 a host failed, 3 a host unreachable (and none failed), 4 parse error,\n" +
			"5 bad options, 99 interrupted. With --ansible-exit-codes, ansible-playbook 2.14's: 4 when a host is\n" +
			"unreachable, whether or not another failed.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.verify(cmd, args); err != nil {
				return err
			}
			return runPlaybook(cmd.Context(), o)
		},
	}
	addPlaybookFlags(cmd, o)
	addConnectionFlags(cmd, o.conn)
	addPlaybookRunFlags(cmd, o.conn)
	cmd.Flags().BoolVarP(&o.check, "check", "C", false, "change nothing; predict what would change")
	cmd.Flags().BoolVarP(&o.diff, "diff", "D", false, "show a diff of every textual change")
	cmd.Flags().BoolVar(&o.ansibleExits, "ansible-exit-codes", false,
		"exit as ansible-playbook 2.14 does: 4 (not 3) when a host is unreachable, even if another failed")
	cmd.Flags().StringVar(&o.resumeDir, "resume-dir", "", "where a stopped rollout writes PLAYBOOK.resume (default: .haplay/ beside the playbook)")
	cmd.Flags().DurationVar(&o.lockWait, "lock-wait", 0,
		"how long to wait for a host another haplay run holds (e.g. 30s, 5m); 0 gives the host up at once")
	cmd.Flags().BoolVar(&o.noLock, "no-lock", false,
		"take no host lock: only for runs known to touch what no other run touches")
	return cmd
}

func runPlaybook(ctx context.Context, o *playbookOptions) error {
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return usageErrorf("--cpuprofile: %v", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return usageErrorf("--cpuprofile: %v", err)
		}
		defer pprof.StopCPUProfile()
	}
	lr, err := load(o)
	if err != nil {
		return formatLoadError(err)
	}
	if o.conn.syntaxCheck {
		// ansible-playbook --syntax-check prints this and exits 0.
		fmt.Fprintf(o.stdout, "\nplaybook: %s\n", o.playbook)
		return nil
	}
	if o.listHosts || o.listTasks || o.listTags {
		return listPlaybook(lr, o)
	}
	rc, err := lr.Execute(ctx)
	return exitForRun(rc, err, o.ansibleExits)
}

// listPlaybook prints --list-hosts / --list-tasks / --list-tags as
// ansible-playbook does.
func listPlaybook(lr *run.Loaded, o *playbookOptions) error {
	w := o.stdout
	fmt.Fprintf(w, "\nplaybook: %s\n", o.playbook) // as given, as ansible-playbook prints it
	for i, p := range lr.Playbook.Plays {
		name := p.Name
		if name == "" {
			name = p.Hosts // ansible-playbook names an unnamed play after its hosts
		}
		fmt.Fprintf(w, "\n  play #%d (%s): %s\tTAGS: [%s]\n", i+1, p.Hosts, name, joinComma(p.Tags))
		if o.listHosts {
			hosts, err := lr.PlayHosts(p)
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "    pattern: ['%s']\n    hosts (%d):\n", p.Hosts, len(hosts))
			for _, h := range hosts {
				fmt.Fprintf(w, "      %s\n", h)
			}
		}
		if o.listTasks {
			fmt.Fprintf(w, "    tasks:\n")
		}
		taskTags := map[string]bool{}
		for _, t := range listTasks(p) {
			if !runner.TagsSelected(t.tags, run.SplitTags(o.tags), run.SplitTags(o.skipTags)) {
				continue
			}
			for _, tag := range t.tags {
				taskTags[tag] = true
			}
			if o.listTasks {
				fmt.Fprintf(w, "      %s\tTAGS: [%s]\n", t.name, joinComma(t.tags))
			}
		}
		if o.listTags {
			fmt.Fprintf(w, "      TASK TAGS: [%s]\n", joinComma(slices.Sorted(maps.Keys(taskTags))))
		}
	}
	return nil
}
