package runner_test

// lookups_corpus_test.go gives the in-process corpus run what cmd/haplay
// gives a run for lookups: the loader's lookup checks and the vault
// password that the unvault lookup needs.

import (
	"os"
	"strings"
	"testing"

	"github.com/haplay/haplay/engine/playbook"
	"github.com/haplay/haplay/engine/runner"
	"github.com/haplay/haplay/engine/template"
	"github.com/haplay/haplay/engine/vault"
	"github.com/haplay/haplay/engine/yamlnode"
)

func (c templateChecker) HasLookup(name string) bool { return c.e.HasLookup(name) }

func (c templateChecker) LookupFiles(s string) ([]playbook.LookupFile, []error) {
	refs, errs := c.e.LookupFiles(s)
	return lookupFiles(refs), errs
}

func (c templateChecker) LoopFiles(name, action string, terms any) []playbook.LookupFile {
	return lookupFiles(c.e.LoopFiles(name, action, terms))
}

func lookupFiles(refs []template.FileRef) []playbook.LookupFile {
	out := make([]playbook.LookupFile, len(refs))
	for i, r := range refs {
		out[i] = playbook.LookupFile{Plugin: r.Plugin, Kind: r.Kind, Names: r.Names}
	}
	return out
}

// vaultPasswordFile reads --vault-password-file into the run's keyring,
// for the YAML reader and the lookups.
func vaultPasswordFile(t *testing.T, opts *runner.Options, path string) {
	pw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("--vault-password-file: %v", err)
	}
	kr := vault.NewKeyring(vault.Secret{Password: []byte(strings.TrimRight(string(pw), "\r\n"))})
	opts.YAML = yamlnode.Reader{Vault: kr}
	opts.Templates.(*template.Engine).SetLookupHooks(template.LookupHooks{ReadFile: kr.ReadFile})
}
