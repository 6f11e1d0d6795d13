package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/haplay/haplay/engine/vault"
)

// vaultEncryptOptions are the flags of haplay vault encrypt.
type vaultEncryptOptions struct {
	vaultCmdOptions
	files  []string
	output string // --output: a file, or - for stdout; "" encrypts in place
}

func newVaultEncryptCmd(g *globalOptions) *cobra.Command {
	o := &vaultEncryptOptions{vaultCmdOptions: vaultCmdOptions{global: g}}
	cmd := &cobra.Command{
		Use:   "encrypt [FILE...]",
		Short: "Encrypt files in place, or to --output",
		RunE: func(cmd *cobra.Command, args []string) error {
			o.bind(cmd)
			o.files = args
			return runVaultEncrypt(cmd.Context(), o)
		},
	}
	addVaultCmdFlags(cmd, &o.vaultCmdOptions, true)
	cmd.Flags().StringVar(&o.output, "output", "", "write the vault text here (- for stdout) instead of in place")
	return cmd
}

func runVaultEncrypt(ctx context.Context, o *vaultEncryptOptions) error {
	files := o.files
	if len(files) == 0 {
		files = []string{"-"}
	}
	if len(files) > 1 && o.output != "" {
		return usageErrorf("--output takes one input file, got %d", len(files))
	}
	k, err := o.keyring(ctx, true)
	if err != nil {
		return err
	}
	s, err := o.encryptSecret(k)
	if err != nil {
		return err
	}
	for _, f := range files {
		data, err := o.readInput(f)
		if err != nil {
			return err
		}
		if vault.IsEncrypted(data) {
			return fmt.Errorf("%s: input is already encrypted", f)
		}
		ct, err := vault.Encrypt(data, s.Password, s.ID)
		if err != nil {
			return err
		}
		out := f
		if o.output != "" {
			out = o.output
		}
		if err := o.writeOutput(out, ct); err != nil {
			return err
		}
	}
	return nil
}
