package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/haplay/haplay/engine/vault"
)

// vaultCmdOptions are the flags every haplay vault command shares, as
// ansible-vault names them.
type vaultCmdOptions struct {
	global    *globalOptions
	vault     vaultOptions
	encryptID string // --encrypt-vault-id
	stdin     io.Reader
	stdout    io.Writer
	stderr    io.Writer
	// prompt reads a password without echo; tests replace it.
	prompt vault.Prompter
}

func newVaultCmd(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "vault",
		Short: "Encrypt and decrypt Ansible Vault files and strings, as ansible-vault does",
		Long: "The Ansible Vault 1.1 and 1.2 formats, byte-compatible with ansible-vault both ways.\n" +
			"Passwords: --vault-password-file FILE (an executable FILE is run), --vault-id LABEL@FILE,\n" +
			"--vault-id LABEL@prompt, -J; without any, the password is asked on the terminal.",
	}
	cmd.AddCommand(newVaultCreateCmd(g), newVaultDecryptCmd(g), newVaultEditCmd(g), newVaultEncryptCmd(g),
		newVaultEncryptStringCmd(g), newVaultRekeyCmd(g), newVaultViewCmd(g))
	return cmd
}

// addVaultCmdFlags adds the shared flags; encrypting commands also take
// --encrypt-vault-id.
func addVaultCmdFlags(cmd *cobra.Command, o *vaultCmdOptions, encrypts bool) {
	addVaultFlags(cmd.Flags(), &o.vault)
	if encrypts {
		cmd.Flags().StringVar(&o.encryptID, "encrypt-vault-id", "", "the vault id to encrypt with, when several are given")
	}
}

// bind fills the writers from the command; it is every RunE's first step.
func (o *vaultCmdOptions) bind(cmd *cobra.Command) {
	o.stdin, o.stdout, o.stderr = cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr()
	if o.prompt == nil {
		o.prompt = vaultPrompt
	}
}

// keyring loads the vault ids; with none given it asks for the default
// one, as ansible-vault does. When forEncrypt, a prompted password is
// asked twice ("New Vault password", then to confirm).
func (o *vaultCmdOptions) keyring(ctx context.Context, forEncrypt bool) (*vault.Keyring, error) {
	specs := o.vault.vaultSpecs(envVaultSources(os.Getenv))
	if len(specs) == 0 {
		specs = []vault.Spec{{ID: vault.DefaultID, Source: vault.PromptSource}}
	}
	prompt := o.prompt
	if forEncrypt {
		prompt = confirmedPrompt(o.prompt)
	}
	k, err := vault.Load(ctx, specs, prompt)
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	return k, nil
}

// confirmedPrompt asks for a new password twice.
func confirmedPrompt(p vault.Prompter) vault.Prompter {
	if p == nil {
		return nil
	}
	return func(text string) (string, error) {
		a, err := p("New " + text)
		if err != nil {
			return "", err
		}
		b, err := p("Confirm New " + text)
		if err != nil {
			return "", err
		}
		if a != b {
			return "", errors.New("the passwords do not match")
		}
		return a, nil
	}
}

// encryptSecret is the secret new vault text is made with.
func (o *vaultCmdOptions) encryptSecret(k *vault.Keyring) (vault.Secret, error) {
	s, err := k.EncryptSecret(o.encryptID)
	if err != nil {
		return vault.Secret{}, usageErrorf("%v", err)
	}
	return s, nil
}

// readInput reads a file, or stdin for "-".
func (o *vaultCmdOptions) readInput(path string) ([]byte, error) {
	if path == "-" {
		return io.ReadAll(o.stdin)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return data, nil
}

// writeOutput writes data to path ("-" is stdout) through a temp file
// beside it and a rename, so that the file is always the old content or
// the new one. An existing file keeps its mode; a new one is 0600.
func (o *vaultCmdOptions) writeOutput(path string, data []byte) error {
	if path == "-" {
		_, err := o.stdout.Write(data)
		return err
	}
	mode := os.FileMode(0o600)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".haplay-tmp.*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// decryptFile reads and opens a vault file.
func decryptFile(o *vaultCmdOptions, k *vault.Keyring, path string) ([]byte, string, error) {
	data, err := o.readInput(path)
	if err != nil {
		return nil, "", err
	}
	if !vault.IsEncrypted(data) {
		return nil, "", fmt.Errorf("%s: input is not vault encrypted data", path)
	}
	pt, id, err := k.Decrypt(data)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	return pt, id, nil
}
