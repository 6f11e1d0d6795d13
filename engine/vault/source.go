package vault

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Spec is one vault id as given on the command line, in the environment
// or in ansible.cfg: "LABEL@SOURCE", where SOURCE is "prompt" or a file
// (an executable one is run); a bare SOURCE is the default vault id.
type Spec struct {
	ID     string
	Source string
}

// PromptSource asks the operator for the password.
const PromptSource = "prompt"

// ParseSpec reads "LABEL@SOURCE" or "SOURCE".
func ParseSpec(s string) Spec {
	if i := strings.Index(s, "@"); i >= 0 {
		id := s[:i]
		if id == "" {
			id = DefaultID
		}
		return Spec{ID: id, Source: s[i+1:]}
	}
	return Spec{ID: DefaultID, Source: s}
}

func (s Spec) String() string { return s.ID + "@" + s.Source }

// Prompter reads a password from the operator without echo. It returns an
// error when there is no terminal to ask on.
type Prompter func(prompt string) (string, error)

// Load reads the password of every spec, in order, and returns the
// keyring. prompt may be nil when no spec asks for one.
func Load(ctx context.Context, specs []Spec, prompt Prompter) (*Keyring, error) {
	k := &Keyring{}
	for _, s := range specs {
		pw, err := s.password(ctx, prompt)
		if err != nil {
			return nil, err
		}
		k.secrets = append(k.secrets, Secret{ID: s.ID, Password: pw})
	}
	return k, nil
}

func (s Spec) password(ctx context.Context, prompt Prompter) ([]byte, error) {
	if s.Source == PromptSource {
		if prompt == nil {
			return nil, fmt.Errorf("vault id %s: cannot ask for a vault password here", s.ID)
		}
		text := "Vault password: "
		if s.ID != DefaultID {
			text = fmt.Sprintf("Vault password (%s): ", s.ID)
		}
		pw, err := prompt(text)
		if err != nil {
			return nil, fmt.Errorf("vault id %s: %w", s.ID, err)
		}
		if pw == "" {
			return nil, fmt.Errorf("vault id %s: the vault password is empty", s.ID)
		}
		return []byte(pw), nil
	}
	return ReadPasswordFile(ctx, s.Source, s.ID)
}

// ReadPasswordFile reads a vault password file, or runs it when it is
// executable and takes its standard output, as Ansible does. A script
// whose name ends in -client (before any extension) is a client script:
// it is run with --vault-id ID and exit code 2 means it has no password
// for that id. Surrounding whitespace is not part of the password.
func ReadPasswordFile(ctx context.Context, path, id string) ([]byte, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("vault password file %s: %w", path, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("vault password file %s: %w", path, errors.Unwrap(err))
	}
	var pw []byte
	if fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
		pw, err = runPasswordScript(ctx, abs, path, id)
	} else {
		pw, err = os.ReadFile(abs)
		if err != nil {
			err = fmt.Errorf("vault password file %s: %w", path, err)
		}
	}
	if err != nil {
		return nil, err
	}
	pw = bytes.TrimSpace(pw)
	if len(pw) == 0 {
		return nil, fmt.Errorf("vault password file %s: the password is empty", path)
	}
	return pw, nil
}

func isClientScript(path string) bool {
	base := filepath.Base(path)
	return strings.HasSuffix(strings.TrimSuffix(base, filepath.Ext(base)), "-client")
}

func runPasswordScript(ctx context.Context, abs, path, id string) ([]byte, error) {
	var cmd *exec.Cmd
	client := isClientScript(path)
	if client {
		cmd = exec.CommandContext(ctx, abs, "--vault-id", id)
	} else {
		cmd = exec.CommandContext(ctx, abs)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Stdin = os.Stdin // a script may ask on the terminal, as under Ansible
	out, err := cmd.Output()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return out, nil
	case client && errors.As(err, &ee) && ee.ExitCode() == 2:
		return nil, fmt.Errorf("vault password client script %s has no password for vault id %s: %s", path, id, strings.TrimSpace(stderr.String()))
	case errors.As(err, &ee):
		return nil, fmt.Errorf("vault password script %s exited with %d: %s", path, ee.ExitCode(), strings.TrimSpace(stderr.String()))
	}
	return nil, fmt.Errorf("vault password script %s: %w", path, err)
}
