// Package hostcmd holds the plain vocabulary of running something on a
// host: a command, its output, how a file is written, become, the
// unreachable error, and POSIX shell quoting. It has no transport in it, so
// the module contract and the YAML loader can use it without pulling in SSH
// (engine/connection holds the SSH and local transports).
package hostcmd

import (
	"errors"
	"fmt"
	"io/fs"
)

// Cmd is one command to run on a host. Exactly one of Argv or Script is set.
type Cmd struct {
	// Argv is executed as-is; each element is quoted before it reaches the
	// remote shell.
	Argv []string
	// Script is handed to /bin/sh -c (or Executable -c) verbatim: the caller
	// is responsible for quoting the values it interpolates (see Quote).
	Script string
	// Executable overrides /bin/sh for Script.
	Executable string
	Stdin      []byte
	Env        map[string]string
	Dir        string // working directory ("" = login directory)
	Become     Become
	// InShell marks Script as one of haplay's own probes that leaves the
	// shell running it as it found it: it never exits, and sets no option,
	// trap, directory, umask or variable. A long-lived remote shell may
	// then run it without the subshell (a fork) that guards it from
	// other scripts. Never set it for user text.
	InShell bool
}

// Become runs the command as another user through sudo or su. The
// password, when set, travels on stdin ahead of the command's own input,
// never on argv.
type Become struct {
	Enabled  bool
	User     string // "" means root
	Password string
	Method   string // "sudo" ("" means sudo) or "su"
}

// Output is what a finished command produced.
type Output struct {
	Stdout   []byte
	Stderr   []byte
	ExitCode int
	// Signal names the signal that killed the command ("KILL"), if one
	// did; ExitCode is then 128+n, or -1 when the number is unknown.
	Signal string
}

// WriteOptions describes how WriteFile leaves the written file.
type WriteOptions struct {
	Mode   fs.FileMode // 0 keeps the existing file's mode (0644 for a new file)
	Owner  string      // "" keeps the existing owner
	Group  string      // "" keeps the existing group
	Become Become
	// Validate, if set, is a shell command with %s standing for the temp
	// file; the rename happens only when it exits 0.
	Validate string
	// Unchanged, when set, is what the caller read of the file before it
	// planned this content from it (a read-modify-write: lineinfile,
	// etc_hosts). Right before the rename the write checks that the file
	// is still that; if another writer changed it since, nothing is
	// renamed and WriteFile fails with ErrChangedSinceRead, so the caller
	// reads again instead of overwriting the other change.
	Unchanged *FileState
}

// FileState is what a read saw of a file, for WriteOptions.Unchanged.
type FileState struct {
	Exists bool
	// SHA256 is the hex digest of an existing file's content. A hash
	// rather than size and mtime: mtime has a coarse grain on some file
	// systems and can be set back (cp -p, rsync -t), and an edit often
	// keeps the size.
	SHA256 string
}

// ErrChangedSinceRead is the error (under errors.Is) of a write whose
// WriteOptions.Unchanged no longer held: the file was left as the other
// writer made it.
var ErrChangedSinceRead = errors.New("the file changed on the host since it was read")

// UnreachableError means the host could not be reached or authenticated:
// the command never ran. The runner counts such hosts as unreachable, not
// failed.
type UnreachableError struct {
	Host string
	Err  error
}

func (e *UnreachableError) Error() string { return fmt.Sprintf("%s: unreachable: %v", e.Host, e.Err) }
func (e *UnreachableError) Unwrap() error { return e.Err }

// IsUnreachable reports whether err means the host was never reached.
func IsUnreachable(err error) bool {
	var u *UnreachableError
	return errors.As(err, &u)
}
