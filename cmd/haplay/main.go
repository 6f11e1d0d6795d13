// Command haplay brings Linux clusters up and keeps them right: Ansible
// playbooks and inventories, run over one SSH connection per host.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/haplay/haplay/engine/runner"
)

// globalOptions are the flags every command shares.
type globalOptions struct {
	verbose  int
	logFile  string
	logLevel string
}

func newRootCmd() *cobra.Command {
	g := &globalOptions{}
	root := &cobra.Command{
		Use:           "haplay",
		Short:         "Run Ansible playbooks across a cluster, fast, with a plan you can trust",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version(),
	}
	root.PersistentFlags().CountVarP(&g.verbose, "verbose", "v", "show module results (-v) and commands (-vv)")
	root.PersistentFlags().StringVar(&g.logFile, "log-file", "", "write structured (JSON) logs to this file")
	root.PersistentFlags().StringVar(&g.logLevel, "log-level", "info", "log level for --log-file: debug, info, warn, error")
	// Each subcommand lives in its own file as newXCmd(g).
	root.AddCommand(newRunCmd(g))
	root.AddCommand(newExecCmd(g))
	root.AddCommand(newPlanCmd(g))
	root.AddCommand(newCheckCmd(g))
	root.AddCommand(newDocCmd(g))
	root.AddCommand(newInventoryCmd(g))
	root.AddCommand(newLabCmd(g))
	root.AddCommand(newVendorCmd(g))
	root.AddCommand(newVaultCmd(g))
	root.AddCommand(newConfigCmd(g))
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageErrorf("%v\nRun '%s --help' for usage.", err, c.CommandPath())
	})

	return root
}

// interruptible makes the first Ctrl-C (or SIGTERM) gentle: no new task
// starts, tasks in flight get a few seconds to finish, and the recap is
// printed. A second Ctrl-C, or the grace period running out, cancels them.
func interruptible() context.Context {
	hard, cancel := context.WithCancel(context.Background())
	stop := make(chan struct{})
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		close(stop)
		fmt.Fprintln(os.Stderr, "\nInterrupted: no new tasks will start; waiting up to 5s for tasks in flight (Ctrl-C again to stop now).")
		select {
		case <-sigs:
		case <-time.After(5 * time.Second):
		}
		cancel()
	}()
	return runner.WithInterrupt(hard, stop)
}

func main() {
	// --log-file lines carry millisecond timestamps: enough to see where a
	// run spends its time, task by task.
	zerolog.TimeFieldFormat = "2006-01-02T15:04:05.000Z07:00"
	err := newRootCmd().ExecuteContext(interruptible())
	if err != nil {
		var silent *exitCodeError
		if !errors.As(err, &silent) || !silent.silent {
			fmt.Fprintln(os.Stderr, "ERROR:", err)
		}
	}
	os.Exit(exitCode(err))
}
