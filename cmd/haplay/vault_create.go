package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/haplay/haplay/engine/vault"
)

// vaultCreateOptions are the flags of haplay vault create.
type vaultCreateOptions struct {
	vaultCmdOptions
	file string
}

func newVaultCreateCmd(g *globalOptions) *cobra.Command {
	o := &vaultCreateOptions{vaultCmdOptions: vaultCmdOptions{global: g}}
	cmd := &cobra.Command{
		Use:   "create FILE",
		Short: "Create a vault file: write its plaintext in $EDITOR (a private temp file), then encrypt it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.bind(cmd)
			o.file = args[0]
			return runVaultCreate(cmd.Context(), o)
		},
	}
	addVaultCmdFlags(cmd, &o.vaultCmdOptions, true)
	return cmd
}

func runVaultCreate(ctx context.Context, o *vaultCreateOptions) error {
	if _, err := os.Stat(o.file); err == nil {
		return usageErrorf("%s exists, please use 'edit' instead", o.file)
	}
	k, err := o.keyring(ctx, true)
	if err != nil {
		return err
	}
	s, err := o.encryptSecret(k)
	if err != nil {
		return err
	}
	pt, err := o.editInTemp(ctx, nil)
	if err != nil {
		return err
	}
	ct, err := vault.Encrypt(pt, s.Password, s.ID)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(o.file), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", o.file, err)
	}
	return o.writeOutput(o.file, ct)
}
