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

	"github.com/spf13/cobra"
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
	}
	root.PersistentFlags().CountVarP(&g.verbose, "verbose", "v", "show module results (-v) and commands (-vv)")
	root.PersistentFlags().StringVar(&g.logFile, "log-file", "", "write structured (JSON) logs to this file")
	root.PersistentFlags().StringVar(&g.logLevel, "log-level", "info", "log level for --log-file: debug, info, warn, error")
	// Each subcommand lives in its own file as newXCmd(g).
	root.AddCommand(newRunCmd(g))
	root.AddCommand(newPlanCmd(g))
	root.AddCommand(newCheckCmd(g))
	root.AddCommand(newInventoryCmd(g))
	root.AddCommand(newLabCmd(g))
	root.AddCommand(newVendorCmd(g))
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageErrorf("%v\nRun '%s --help' for usage.", err, c.CommandPath())
	})

	return root
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := newRootCmd().ExecuteContext(ctx)
	if err != nil {
		var silent *exitCodeError
		if !errors.As(err, &silent) || !silent.silent {
			fmt.Fprintln(os.Stderr, "ERROR:", err)
		}
	}
	os.Exit(exitCode(err))
}
