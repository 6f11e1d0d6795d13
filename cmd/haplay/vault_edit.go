package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/haplay/haplay/engine/shlex"
	"github.com/haplay/haplay/engine/vault"
)

// vaultEditOptions are the flags of haplay vault edit.
type vaultEditOptions struct {
	vaultCmdOptions
	file string
}

func newVaultEditCmd(g *globalOptions) *cobra.Command {
	o := &vaultEditOptions{vaultCmdOptions: vaultCmdOptions{global: g}}
	cmd := &cobra.Command{
		Use:   "edit FILE",
		Short: "Edit a vault file's plaintext in $EDITOR, then encrypt it again",
		Long: "The plaintext lives only in a private temporary file (mode 0600 in a 0700 directory),\n" +
			"removed when the editor exits. The file is re-encrypted with the vault id that opened it\n" +
			"(or --encrypt-vault-id), and left untouched when nothing changed.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.bind(cmd)
			o.file = args[0]
			return runVaultEdit(cmd.Context(), o)
		},
	}
	addVaultCmdFlags(cmd, &o.vaultCmdOptions, true)
	return cmd
}

func runVaultEdit(ctx context.Context, o *vaultEditOptions) error {
	k, err := o.keyring(ctx, false)
	if err != nil {
		return err
	}
	pt, id, err := decryptFile(&o.vaultCmdOptions, k, o.file)
	if err != nil {
		return err
	}
	s, err := o.editSecret(k, id)
	if err != nil {
		return err
	}
	edited, err := o.editInTemp(ctx, pt)
	if err != nil {
		return err
	}
	if bytes.Equal(edited, pt) && o.encryptID == "" {
		return nil // as ansible-vault: nothing changed, nothing written
	}
	ct, err := vault.Encrypt(edited, s.Password, s.ID)
	if err != nil {
		return err
	}
	return o.writeOutput(o.file, ct)
}

// editSecret is what the edited file is encrypted with: --encrypt-vault-id,
// else, as ansible-vault does, the password that opened it under the
// vault id its header names (so a 1.2 file keeps its id).
func (o *vaultEditOptions) editSecret(k *vault.Keyring, usedID string) (vault.Secret, error) {
	if o.encryptID != "" {
		return o.encryptSecret(k)
	}
	s, ok := k.Secret(usedID)
	if !ok {
		return vault.Secret{}, fmt.Errorf("%s: no secret for vault id %s", o.file, usedID)
	}
	data, err := os.ReadFile(o.file)
	if err != nil {
		return vault.Secret{}, fmt.Errorf("read %s: %w", o.file, err)
	}
	if env, err := vault.Parse(data); err == nil {
		s.ID = env.ID // "" for 1.1
	}
	return s, nil
}

// editInTemp writes data to a private temp file, runs $EDITOR on it and
// returns what the editor left. The directory is removed in every case.
func (o *vaultCmdOptions) editInTemp(ctx context.Context, data []byte) ([]byte, error) {
	dir, err := os.MkdirTemp("", "haplay-vault-") // 0700
	if err != nil {
		return nil, fmt.Errorf("vault edit: %w", err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "plaintext")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return nil, fmt.Errorf("vault edit: %w", err)
	}
	editor := os.Getenv("EDITOR")
	if editor == "" {
		editor = "vi"
	}
	argv, err := shlex.Split(editor)
	if err != nil || len(argv) == 0 {
		return nil, usageErrorf("EDITOR %q: cannot split it into a command", editor)
	}
	cmd := exec.CommandContext(ctx, argv[0], append(argv[1:], path)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = o.stdin, o.stdout, o.stderr
	if f, ok := o.stdin.(*os.File); ok {
		cmd.Stdin = f
	}
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil, fmt.Errorf("editor %s exited with %d: the file is unchanged", argv[0], ee.ExitCode())
		}
		return nil, fmt.Errorf("editor %s: %w", argv[0], err)
	}
	out, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("vault edit: %w", err)
	}
	return out, nil
}
