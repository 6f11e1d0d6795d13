package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/haplay/haplay/engine/vault"
)

// vaultOptions are ansible-playbook's vault flags, shared by run, plan,
// check and haplay vault.
type vaultOptions struct {
	ids           []string // --vault-id LABEL@SOURCE
	passwordFiles []string // --vault-password-file FILE
	ask           bool     // --ask-vault-pass, -J
	// config is ansible.cfg's vault settings (with the environment's
	// over them), when the command read a config; nil: the environment's.
	config *vaultSources
}

func addVaultFlags(f *pflag.FlagSet, o *vaultOptions) {
	f.StringArrayVar(&o.ids, "vault-id", nil, "vault id LABEL@FILE, LABEL@prompt or FILE; an executable FILE is run (repeatable; also ANSIBLE_VAULT_IDENTITY_LIST)")
	f.StringArrayVar(&o.passwordFiles, "vault-password-file", nil, "vault password file, or a script that prints the password (repeatable; also ANSIBLE_VAULT_PASSWORD_FILE)")
	f.BoolVarP(&o.ask, "ask-vault-pass", "J", false, "ask for the vault password on the terminal")
	f.BoolVar(&o.ask, "ask-vault-password", false, "the same as --ask-vault-pass (ansible-playbook's other spelling)")
}

// vaultSources are where a run's vault ids come from, before they are
// put in Ansible's order (vaultSpecs).
type vaultSources struct {
	// IdentityList is ansible.cfg's vault_identity_list, or
	// ANSIBLE_VAULT_IDENTITY_LIST which overrides it: comma lists of
	// LABEL@SOURCE.
	IdentityList []string
	// PasswordFile is ansible.cfg's vault_password_file, or
	// ANSIBLE_VAULT_PASSWORD_FILE which overrides it.
	PasswordFile string
}

// envVaultSources reads the environment's vault settings. ansible.cfg's
// vault_identity_list and vault_password_file belong here too, under
// their environment variables (which win over the file, as in Ansible).
func envVaultSources(getenv func(string) string) vaultSources {
	var s vaultSources
	if v := getenv("ANSIBLE_VAULT_IDENTITY_LIST"); v != "" {
		s.IdentityList = []string{v}
	}
	s.PasswordFile = getenv("ANSIBLE_VAULT_PASSWORD_FILE")
	return s
}

// vaultSpecs is the one place where a run's vault ids are put together,
// in Ansible's order (CLI.build_vault_ids): the configured identity
// list, the --vault-id flags, the --vault-password-file flags, the
// configured password file, then --ask-vault-pass.
func (o vaultOptions) vaultSpecs(src vaultSources) []vault.Spec {
	var specs []vault.Spec
	for _, l := range src.IdentityList {
		for _, s := range strings.Split(l, ",") {
			if s = strings.TrimSpace(s); s != "" {
				specs = append(specs, vault.ParseSpec(s))
			}
		}
	}
	for _, s := range o.ids {
		specs = append(specs, vault.ParseSpec(s))
	}
	files := o.passwordFiles
	if src.PasswordFile != "" {
		files = append(append([]string{}, files...), src.PasswordFile)
	}
	for _, f := range files {
		specs = append(specs, vault.Spec{ID: vault.DefaultID, Source: f})
	}
	if o.ask {
		specs = append(specs, vault.Spec{ID: vault.DefaultID, Source: vault.PromptSource})
	}
	return specs
}

// keyring reads the passwords of every vault id.
func (o vaultOptions) keyring(ctx context.Context) (*vault.Keyring, error) {
	src := envVaultSources(os.Getenv)
	if o.config != nil {
		src = *o.config
	}
	specs := o.vaultSpecs(src)
	if len(specs) == 0 {
		return nil, nil
	}
	k, err := vault.Load(ctx, specs, vaultPrompt)
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	return k, nil
}

// errNoVaultTerminal is the refusal to prompt where nobody can answer.
var errNoVaultTerminal = errors.New("no terminal to ask for the vault password on (CI=true or stdin is not a terminal): give --vault-password-file FILE or --vault-id LABEL@FILE")

// vaultPrompt reads a vault password on the terminal without echo.
func vaultPrompt(prompt string) (string, error) {
	if os.Getenv("CI") == "true" || !term.IsTerminal(int(os.Stdin.Fd())) {
		return "", errNoVaultTerminal
	}
	fmt.Fprint(os.Stderr, prompt)
	b, err := term.ReadPassword(int(os.Stdin.Fd()))
	fmt.Fprintln(os.Stderr)
	if err != nil {
		return "", fmt.Errorf("reading the vault password: %w", err)
	}
	return string(b), nil
}
