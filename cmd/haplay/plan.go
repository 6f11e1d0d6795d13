package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
)

func newPlanCmd(g *globalOptions) *cobra.Command {
	o := &playbookOptions{global: g, conn: &connectionOptions{}}
	cmd := &cobra.Command{
		Use:   "plan PLAYBOOK -i INVENTORY",
		Short: "Show what a run would change, and change nothing (check + diff + summary)",
		Long: "Runs the playbook in check mode with diffs and ends with what would change, per host and task.\n" +
			"Exit codes, as terraform plan -detailed-exitcode: 0 nothing would change, 2 changes pending,\n" +
			"1 error, 3 a host unreachable, 4 parse error, 5 bad options. A task that cannot predict its\n" +
			"effect (command/shell without creates/removes) is reported as skipped, never guessed.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.check, o.diff, o.plan = true, true, true
			if err := o.verify(cmd, args); err != nil {
				return err
			}
			return runPlan(cmd.Context(), o)
		},
	}
	addPlaybookFlags(cmd, o)
	addConnectionFlags(cmd, o.conn)
	addPlaybookRunFlags(cmd, o.conn)
	cmd.Flags().StringVar(&o.resumeDir, "resume-dir", "", "where a stopped rollout writes PLAYBOOK.resume (default: .haplay/ beside the playbook)")
	return cmd
}

func runPlan(ctx context.Context, o *playbookOptions) error {
	lr, err := load(o)
	if err != nil {
		return formatLoadError(err)
	}
	if o.conn.syntaxCheck {
		fmt.Fprintf(o.stdout, "\nplaybook: %s\n", o.playbook)
		return nil
	}
	rc, err := lr.Execute(ctx)
	if err != nil {
		return exitFor(rc, err)
	}
	for _, s := range rc.Stats {
		if s.Failed > 0 {
			// A failed prediction is an error, not "changes pending".
			return silentExit(exitError)
		}
		if s.Unreachable > 0 {
			return silentExit(exitUnreachable)
		}
	}
	if len(rc.Changes) > 0 {
		return silentExit(exitHostFailed)
	}
	return nil
}
