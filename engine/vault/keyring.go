package vault

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
)

// Secret is one vault id and its password.
type Secret struct {
	ID       string
	Password []byte
}

// Keyring holds a run's vault ids and the values decrypted with them. A
// nil Keyring has no ids: every vault is an error that says how to give
// one.
type Keyring struct {
	secrets  []Secret
	revealed Revealed
}

// NewKeyring makes a keyring of secrets, tried in this order.
func NewKeyring(secrets ...Secret) *Keyring { return &Keyring{secrets: secrets} }

// IDs lists the keyring's vault ids in order.
func (k *Keyring) IDs() []string {
	if k == nil {
		return nil
	}
	ids := make([]string, len(k.secrets))
	for i, s := range k.secrets {
		ids[i] = s.ID
	}
	return ids
}

// Secret returns the secret of vault id id.
func (k *Keyring) Secret(id string) (Secret, bool) {
	if k != nil {
		for _, s := range k.secrets {
			if s.ID == id {
				return s, true
			}
		}
	}
	return Secret{}, false
}

// EncryptSecret chooses the secret to encrypt with, as ansible-vault does:
// the one named by encryptID (--encrypt-vault-id), else the only one.
func (k *Keyring) EncryptSecret(encryptID string) (Secret, error) {
	if encryptID != "" {
		if s, ok := k.Secret(encryptID); ok {
			return s, nil
		}
		return Secret{}, fmt.Errorf("--encrypt-vault-id %s is not one of the vault ids given (%s)", encryptID, strings.Join(k.IDs(), ", "))
	}
	switch ids := k.IDs(); len(ids) {
	case 0:
		return Secret{}, errors.New("no vault password given: use --vault-password-file FILE, --vault-id LABEL@FILE or --ask-vault-pass")
	case 1:
		return k.secrets[0], nil
	default:
		return Secret{}, fmt.Errorf("the vault ids %s can all encrypt: choose one with --encrypt-vault-id", strings.Join(ids, ", "))
	}
}

// Decrypt opens vault text with the keyring's passwords, the 1.2 header's
// vault id first and then every other, as Ansible tries them. It returns
// the plaintext and the vault id that opened it. Nothing is recorded as
// revealed: the caller knows which parts of the plaintext are values.
func (k *Keyring) Decrypt(data []byte) ([]byte, string, error) {
	env, err := Parse(data)
	if err != nil {
		return nil, "", err
	}
	var order []Secret
	if k != nil {
		order = slices.Clone(k.secrets)
	}
	slices.SortStableFunc(order, func(a, b Secret) int {
		return boolInt(b.ID == env.ID && env.ID != "") - boolInt(a.ID == env.ID && env.ID != "")
	})
	for _, s := range order {
		pt, err := env.Decrypt(s.Password)
		if errors.Is(err, ErrWrongPassword) {
			continue
		}
		return pt, s.ID, err
	}
	return nil, "", k.missing(env.ID)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// missing says why no password opened a vault of vault id id.
func (k *Keyring) missing(id string) error {
	ids := k.IDs()
	if id != "" && !slices.Contains(ids, id) {
		return fmt.Errorf("vault id %q not given: use --vault-id %s@FILE", id, id)
	}
	if len(ids) == 0 {
		return errors.New("no vault password given: use --vault-password-file FILE, --vault-id LABEL@FILE or --ask-vault-pass")
	}
	return fmt.Errorf("%w (vault ids tried: %s)", ErrWrongPassword, strings.Join(ids, ", "))
}

// Reveal records a decrypted value: printers hide it (Revealed). Empty
// strings are not recorded, as they would match everywhere.
func (k *Keyring) Reveal(values ...string) {
	if k != nil {
		k.revealed.Add(values...)
	}
}

// Revealed returns the values decrypted so far, longest first.
func (k *Keyring) Revealed() []string {
	if k == nil {
		return nil
	}
	return k.revealed.List()
}

// Revealed is the set of values that came out of a vault during a run.
// Every printer hides them; it grows while the run reads vaulted files
// (include_vars), so printers ask for it each time.
type Revealed struct {
	mu   sync.Mutex
	set  map[string]bool
	list []string // sorted longest first; nil when set changed
}

// Add records values.
func (r *Revealed) Add(values ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range values {
		if v == "" || r.set[v] {
			continue
		}
		if r.set == nil {
			r.set = map[string]bool{}
		}
		r.set[v] = true
		r.list = nil
	}
}

// List returns the values, longest first, so that a value holding a
// shorter one is hidden whole.
func (r *Revealed) List() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.list == nil && len(r.set) > 0 {
		for v := range r.set {
			r.list = append(r.list, v)
		}
		slices.SortFunc(r.list, func(a, b string) int {
			if len(a) != len(b) {
				return len(b) - len(a)
			}
			return strings.Compare(a, b)
		})
	}
	return r.list
}

// ReadFile reads a controller file a task names (copy or template src):
// vault text is decrypted, and its content is recorded as revealed, whole
// and line by line (lines of at least minRevealedLine characters, so that
// a "}" does not hide every brace of the output), so that diffs and
// results never show it.
func (k *Keyring) ReadFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil || !IsEncrypted(data) {
		return data, err
	}
	pt, _, err := k.Decrypt(data)
	if err != nil {
		return nil, fmt.Errorf("decrypting vault file %s: %w", path, err)
	}
	k.Reveal(string(pt))
	for _, l := range strings.Split(string(pt), "\n") {
		if l = strings.TrimSpace(l); len(l) >= minRevealedLine {
			k.Reveal(l)
		}
	}
	return pt, nil
}

// minRevealedLine is the shortest line of a vaulted file that is hidden on
// its own.
const minRevealedLine = 4
