package run

import (
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/engine/vault"
)

// redactedError is an error whose text has the vault's decrypted values
// masked: a load or run error may quote a value (a template that fails
// to parse, an argument of the wrong type). Its Kind, for the exit code,
// is still found by errors.As through Unwrap.
type redactedError struct {
	err     error
	secrets module.Secrets
}

func (e *redactedError) Error() string { return e.secrets.String(e.err.Error()) }
func (e *redactedError) Unwrap() error { return e.err }

// redactError wraps err when the run has decrypted anything.
func redactError(k *vault.Keyring, err error) error {
	if err == nil {
		return nil
	}
	if s := k.Revealed(); len(s) > 0 {
		return &redactedError{err: err, secrets: module.Secrets(s)}
	}
	return err
}
