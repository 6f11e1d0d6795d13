package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/haplay/haplay/engine/vault"
)

// vaultEncryptStringOptions are the flags of haplay vault encrypt_string.
type vaultEncryptStringOptions struct {
	vaultCmdOptions
	values    []string
	names     []string // --name, matched to the values in order
	stdinName string   // --stdin-name: the value is read from stdin
	ask       bool     // -p/--prompt: the value is asked without echo
}

func newVaultEncryptStringCmd(g *globalOptions) *cobra.Command {
	o := &vaultEncryptStringOptions{vaultCmdOptions: vaultCmdOptions{global: g}}
	cmd := &cobra.Command{
		Use:   "encrypt_string [STRING...]",
		Short: "Encrypt strings as YAML `NAME: !vault |` values to paste into a vars file",
		Long:  "Without a STRING (or with --stdin-name) the value is read from stdin, as ansible-vault does.",
		RunE: func(cmd *cobra.Command, args []string) error {
			o.bind(cmd)
			o.values = args
			return runVaultEncryptString(cmd.Context(), o)
		},
	}
	addVaultCmdFlags(cmd, &o.vaultCmdOptions, true)
	f := cmd.Flags()
	f.StringArrayVarP(&o.names, "name", "n", nil, "the variable name of each STRING, in order (repeatable)")
	f.StringVar(&o.stdinName, "stdin-name", "", "read the value from stdin and name it this")
	f.BoolVarP(&o.ask, "prompt", "p", false, "ask for the value on the terminal, without echo")
	return cmd
}

// plain is one value to encrypt and its variable name ("" for none).
type plain struct{ name, value string }

func runVaultEncryptString(ctx context.Context, o *vaultEncryptStringOptions) error {
	values, err := o.plaintexts()
	if err != nil {
		return err
	}
	k, err := o.keyring(ctx, true)
	if err != nil {
		return err
	}
	s, err := o.encryptSecret(k)
	if err != nil {
		return err
	}
	for _, p := range values {
		ct, err := vault.Encrypt([]byte(p.value), s.Password, s.ID)
		if err != nil {
			return err
		}
		if _, err := io.WriteString(o.stdout, formatVaultString(p.name, ct)); err != nil {
			return err
		}
	}
	return nil
}

// plaintexts gathers the values from the arguments, the prompt or stdin.
func (o *vaultEncryptStringOptions) plaintexts() ([]plain, error) {
	var out []plain
	for i, v := range o.values {
		p := plain{value: v}
		if i < len(o.names) {
			p.name = o.names[i]
		}
		out = append(out, p)
	}
	switch {
	case o.ask:
		v, err := o.prompt("String to encrypt: ")
		if err != nil {
			return nil, usageErrorf("%v", err)
		}
		name := o.stdinName
		if name == "" && len(o.names) > len(o.values) {
			name = o.names[len(o.values)]
		}
		out = append(out, plain{name: name, value: v})
	case o.stdinName != "" || len(o.values) == 0:
		b, err := io.ReadAll(o.stdin)
		if err != nil {
			return nil, fmt.Errorf("read stdin: %w", err)
		}
		if len(b) == 0 {
			return nil, usageErrorf("stdin was empty, not encrypting")
		}
		name := o.stdinName
		if name == "" && len(o.names) > 0 {
			name = o.names[0]
		}
		out = append(out, plain{name: name, value: string(b)})
	}
	return out, nil
}

// formatVaultString prints vault text as ansible-vault encrypt_string
// does: "NAME: !vault |" and the lines indented by ten spaces.
func formatVaultString(name string, ct []byte) string {
	var b strings.Builder
	if name != "" {
		b.WriteString(name + ": ")
	}
	b.WriteString("!vault |\n")
	for _, l := range strings.Split(strings.TrimSuffix(string(ct), "\n"), "\n") {
		b.WriteString("          " + l + "\n")
	}
	return b.String()
}
