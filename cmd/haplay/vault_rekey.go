package main

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/haplay/haplay/engine/vault"
)

// vaultRekeyOptions are the flags of haplay vault rekey.
type vaultRekeyOptions struct {
	vaultCmdOptions
	files       []string
	newPassFile string // --new-vault-password-file
	newID       string // --new-vault-id: LABEL@SOURCE, or a LABEL for --new-vault-password-file
}

func newVaultRekeyCmd(g *globalOptions) *cobra.Command {
	o := &vaultRekeyOptions{vaultCmdOptions: vaultCmdOptions{global: g}}
	cmd := &cobra.Command{
		Use:   "rekey FILE...",
		Short: "Encrypt vault files again with a new password or vault id",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.bind(cmd)
			o.files = args
			return runVaultRekey(cmd.Context(), o)
		},
	}
	addVaultCmdFlags(cmd, &o.vaultCmdOptions, false)
	cmd.Flags().StringVar(&o.newPassFile, "new-vault-password-file", "", "the new vault password file (an executable one is run)")
	cmd.Flags().StringVar(&o.newID, "new-vault-id", "", "the new vault id, LABEL@FILE or LABEL@prompt (or a LABEL with --new-vault-password-file)")
	return cmd
}

// newSpec is where the new password comes from.
func (o *vaultRekeyOptions) newSpec() (vault.Spec, error) {
	switch {
	case o.newID != "" && o.newPassFile != "":
		if strings.Contains(o.newID, "@") {
			return vault.Spec{}, usageErrorf("--new-vault-id %s names its source: drop --new-vault-password-file, or give --new-vault-id a label only", o.newID)
		}
		return vault.Spec{ID: o.newID, Source: o.newPassFile}, nil
	case o.newID != "":
		if !strings.Contains(o.newID, "@") {
			return vault.Spec{ID: o.newID, Source: vault.PromptSource}, nil
		}
		return vault.ParseSpec(o.newID), nil
	case o.newPassFile != "":
		return vault.Spec{ID: vault.DefaultID, Source: o.newPassFile}, nil
	}
	return vault.Spec{ID: vault.DefaultID, Source: vault.PromptSource}, nil
}

func runVaultRekey(ctx context.Context, o *vaultRekeyOptions) error {
	spec, err := o.newSpec()
	if err != nil {
		return err
	}
	k, err := o.keyring(ctx, false)
	if err != nil {
		return err
	}
	nk, err := vault.Load(ctx, []vault.Spec{spec}, confirmedPrompt(o.prompt))
	if err != nil {
		return usageErrorf("%v", err)
	}
	s, _ := nk.Secret(spec.ID)
	for _, f := range o.files {
		pt, _, err := decryptFile(&o.vaultCmdOptions, k, f)
		if err != nil {
			return err
		}
		ct, err := vault.Encrypt(pt, s.Password, s.ID)
		if err != nil {
			return err
		}
		if err := o.writeOutput(f, ct); err != nil {
			return err
		}
	}
	return nil
}
