package main

import (
	"context"
	"errors"
	"io"

	"github.com/spf13/cobra"

	"github.com/haplay/haplay/engine/requirements"
)

// vendorOptions are the flags of haplay vendor.
type vendorOptions struct {
	global      *globalOptions
	inventories []string
	update      []string
	verify      bool
	offline     bool
	stdout      io.Writer
}

func newVendorCmd(g *globalOptions) *cobra.Command {
	o := &vendorOptions{global: g}
	cmd := &cobra.Command{
		Use:   "vendor -i inventories/ENV",
		Short: "Vendor roles and collections from git into an environment, pinned by a lock file",
		Long: "Reads ENV/requirements.yml (ansible-galaxy format, git sources), writes the files into ENV/vendor/\n" +
			"and the resolved commits and tree hashes into ENV/requirements.lock. With a lock, installs exactly\n" +
			"the locked commits; --update NAME moves one entry; --verify changes nothing and fails when a\n" +
			"vendored file was edited or a tag moved upstream. See docs/vendoring.md.\n" +
			"Exit codes: 0 ok, 1 error or verify failure, 5 bad options.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.stdout = cmd.OutOrStdout()
			return runVendor(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringArrayVarP(&o.inventories, "inventory", "i", nil, "inventory environment directory holding requirements.yml (repeatable)")
	f.StringArrayVar(&o.update, "update", nil, "re-resolve this entry's version and move its lock entry (repeatable)")
	f.BoolVar(&o.verify, "verify", false, "check the vendor tree and upstream refs against the lock; change nothing")
	f.BoolVar(&o.offline, "offline", false, "with --verify: check only the vendored trees, contact no remote")
	return cmd
}

func runVendor(ctx context.Context, o *vendorOptions) error {
	if len(o.inventories) == 0 {
		return usageErrorf("vendor needs -i inventories/ENV")
	}
	if o.verify && len(o.update) > 0 {
		return usageErrorf("--verify changes nothing; it cannot be combined with --update")
	}
	if o.offline && !o.verify {
		return usageErrorf("--offline only applies to --verify")
	}
	var errs []error
	for _, inv := range o.inventories {
		err := requirements.Run(ctx, requirements.Options{EnvDir: inv, Update: o.update, Verify: o.verify, Offline: o.offline, Out: o.stdout})
		var oe *requirements.OptionError
		if errors.As(err, &oe) {
			return usageErrorf("%v", oe)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return &exitCodeError{code: exitError, err: errors.Join(errs...)}
	}
	return nil
}
