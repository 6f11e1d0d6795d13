package module

import (
	"crypto/sha1"
	"encoding/hex"
	"io/fs"
	"strings"
)

// The state a Host reports and a check-mode overlay predicts.

// FileInfo is what one round trip learns about a path on a host.
type FileInfo struct {
	Path       string
	Exists     bool
	Type       string // "file", "directory", "link", "other"
	Mode       fs.FileMode
	Owner      string
	Group      string
	UID, GID   int
	Size       int64
	LinkTarget string
	// Content is set for regular files when it was asked for.
	Content []byte
	HasData bool
}

// Checksum is the SHA-1 of Content, as Ansible reports it.
func (f FileInfo) Checksum() string {
	if !f.HasData {
		return ""
	}
	s := sha1.Sum(f.Content)
	return hex.EncodeToString(s[:])
}

// UnitState is what one read learns about a unit, or what a check-mode
// run predicts of it (UnitPredictor).
type UnitState struct {
	Props      map[string]string // systemctl show
	EnabledOut string            // systemctl is-enabled output
	EnabledRC  int
	// Unknown: an earlier task of the check run changes the unit in a way
	// that cannot be known without doing it (unmasking a unit masked on
	// the host: its enablement is hidden under the mask).
	Unknown bool
	// PreMask is the state under a mask this check run predicted, for a
	// later unmask to bring back.
	PreMask *UnitState
}

// Found reports whether systemd knows the unit.
func (u UnitState) Found() bool {
	ls := u.Props["LoadState"]
	return ls != "not-found" && ls != ""
}

// Masked reports whether the unit is masked.
func (u UnitState) Masked() bool {
	return u.Props["LoadState"] == "masked" || u.Props["UnitFileState"] == "masked"
}

// Running is Ansible's is_running_service: active or activating.
func (u UnitState) Running() bool {
	s := u.Props["ActiveState"]
	return s == "active" || s == "activating"
}

// Enabled follows Ansible: is-enabled exit 0 means enabled, except for the
// lone outputs "indirect" and "alias".
func (u UnitState) Enabled() bool {
	out := strings.TrimSpace(u.EnabledOut)
	return u.EnabledRC == 0 && out != "indirect" && out != "alias"
}
