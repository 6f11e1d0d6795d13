// Package connection runs commands and writes files on one host: over SSH
// (one connection per host for the whole run, commands on concurrent
// channels) or on the controller itself (ansible_connection=local).
package connection

import (
	"context"

	"github.com/haplay/haplay/engine/connection/hostcmd"
)

// The plain types live in hostcmd, which has no transport in it, so that
// the module contract can name them without depending on SSH. These
// aliases keep connection.Cmd and the rest working for the transports and
// their callers.
type (
	Cmd              = hostcmd.Cmd
	Become           = hostcmd.Become
	Output           = hostcmd.Output
	WriteOptions     = hostcmd.WriteOptions
	FileState        = hostcmd.FileState
	UnreachableError = hostcmd.UnreachableError
)

// ErrChangedSinceRead: see hostcmd.ErrChangedSinceRead.
var ErrChangedSinceRead = hostcmd.ErrChangedSinceRead

// IsUnreachable reports whether err means the host was never reached.
func IsUnreachable(err error) bool { return hostcmd.IsUnreachable(err) }

// Quote returns s quoted for a POSIX shell (see hostcmd.Quote).
func Quote(s string) string { return hostcmd.Quote(s) }

// Join quotes each word of argv and joins them with spaces.
func Join(argv []string) string { return hostcmd.Join(argv) }

// Target is one host as the engine sees it.
type Target interface {
	Name() string
	Run(ctx context.Context, c Cmd) (Output, error)
	// WriteFile writes data to a temp file beside path (.NAME.haplay-tmp.X),
	// fsyncs it, checks that all of data arrived, then renames it over
	// path: path is always the old file or the new one, even when the
	// controller dies mid-write. It sweeps stale temps of ours from the
	// directory (TempMarker, StaleTempAge). A full disk is reported as
	// "No space left on device" with the host and path.
	WriteFile(ctx context.Context, path string, data []byte, opts WriteOptions) error
	Close() error
}
