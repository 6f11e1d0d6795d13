package main

import (
	"context"

	"github.com/spf13/cobra"
)

// vaultViewOptions are the flags of haplay vault view.
type vaultViewOptions struct {
	vaultCmdOptions
	files []string
}

func newVaultViewCmd(g *globalOptions) *cobra.Command {
	o := &vaultViewOptions{vaultCmdOptions: vaultCmdOptions{global: g}}
	cmd := &cobra.Command{
		Use:   "view FILE...",
		Short: "Print the plaintext of vault files",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.bind(cmd)
			o.files = args
			return runVaultView(cmd.Context(), o)
		},
	}
	addVaultCmdFlags(cmd, &o.vaultCmdOptions, false)
	return cmd
}

func runVaultView(ctx context.Context, o *vaultViewOptions) error {
	k, err := o.keyring(ctx, false)
	if err != nil {
		return err
	}
	for _, f := range o.files {
		pt, _, err := decryptFile(&o.vaultCmdOptions, k, f)
		if err != nil {
			return err
		}
		if _, err := o.stdout.Write(pt); err != nil {
			return err
		}
	}
	return nil
}
