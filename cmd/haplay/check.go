package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/haplay/haplay/engine/playbook"
)

func newCheckCmd(g *globalOptions) *cobra.Command {
	o := &playbookOptions{global: g}
	cmd := &cobra.Command{
		Use:   "check PLAYBOOK [-i INVENTORY]",
		Short: "Run the static checks only: YAML, keywords, modules, arguments, roles, templates",
		Long: "Loads the playbook and reports every problem with file:line:col, without contacting any host.\n" +
			"Exit codes: 0 fine, 4 problems found, 5 bad options.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.verify(cmd, args); err != nil {
				return err
			}
			return runCheck(cmd.Context(), o)
		},
	}
	addPlaybookFlags(cmd, o)
	return cmd
}

func runCheck(_ context.Context, o *playbookOptions) error {
	lr, err := load(o)
	if err != nil {
		return formatLoadError(err)
	}
	tasks := 0
	for _, p := range lr.Playbook.Plays {
		tasks += len(listTasks(p))
	}
	found := "no problems found"
	if n := len(lr.Playbook.Warnings); n > 0 {
		found += fmt.Sprintf(", %d warning(s) (above)", n)
	}
	fmt.Fprintf(o.stdout, "%s: %d plays, %d tasks: %s\n", o.playbook, len(lr.Playbook.Plays), tasks, found)
	return nil
}

type listedTask struct {
	name string
	tags []string
}

// listTasks flattens a play's tasks for --list-tasks and counts.
func listTasks(p *playbook.Play) []listedTask {
	var out []listedTask
	var walk func(ts []*playbook.Task, tags []string)
	walk = func(ts []*playbook.Task, tags []string) {
		for _, t := range ts {
			all := append(append([]string{}, tags...), t.Tags...)
			switch {
			case t.Block != nil:
				walk(t.Block, all)
				walk(t.Rescue, all)
				walk(t.Always, all)
			case t.Include != nil:
				out = append(out, listedTask{name: t.DisplayName(), tags: all})
			default:
				out = append(out, listedTask{name: t.DisplayName(), tags: all})
			}
		}
	}
	walk(p.PreTasks, p.Tags)
	walk(p.Tasks, p.Tags)
	walk(p.PostTasks, p.Tags)
	return out
}

func joinComma(l []string) string { return strings.Join(l, ", ") }
