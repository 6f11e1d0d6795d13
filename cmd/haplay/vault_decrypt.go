package main

import (
	"context"

	"github.com/spf13/cobra"
)

// vaultDecryptOptions are the flags of haplay vault decrypt.
type vaultDecryptOptions struct {
	vaultCmdOptions
	files  []string
	output string // --output: a file, or - for stdout; "" decrypts in place
}

func newVaultDecryptCmd(g *globalOptions) *cobra.Command {
	o := &vaultDecryptOptions{vaultCmdOptions: vaultCmdOptions{global: g}}
	cmd := &cobra.Command{
		Use:   "decrypt [FILE...]",
		Short: "Decrypt vault files in place, or to --output",
		RunE: func(cmd *cobra.Command, args []string) error {
			o.bind(cmd)
			o.files = args
			return runVaultDecrypt(cmd.Context(), o)
		},
	}
	addVaultCmdFlags(cmd, &o.vaultCmdOptions, false)
	cmd.Flags().StringVar(&o.output, "output", "", "write the plaintext here (- for stdout) instead of in place")
	return cmd
}

func runVaultDecrypt(ctx context.Context, o *vaultDecryptOptions) error {
	files := o.files
	if len(files) == 0 {
		files = []string{"-"}
	}
	if len(files) > 1 && o.output != "" {
		return usageErrorf("--output takes one input file, got %d", len(files))
	}
	k, err := o.keyring(ctx, false)
	if err != nil {
		return err
	}
	for _, f := range files {
		pt, _, err := decryptFile(&o.vaultCmdOptions, k, f)
		if err != nil {
			return err
		}
		out := f
		if o.output != "" {
			out = o.output
		}
		if err := o.writeOutput(out, pt); err != nil {
			return err
		}
	}
	return nil
}
