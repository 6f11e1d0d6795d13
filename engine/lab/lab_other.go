//go:build !linux

package lab

import (
	"context"
	"errors"
)

// The lab is made of Linux namespaces; elsewhere it only reports that.
var errNotLinux = errors.New("lab needs Linux")

// Prereq reports why this machine cannot run a lab.
func Prereq() error { return errNotLinux }

// Up fails: see Prereq.
func Up(context.Context, Options) (*Lab, error) { return nil, errNotLinux }

// Load fails: see Prereq.
func Load(string) (*Lab, error) { return nil, errNotLinux }

// Down has nothing to do.
func (l *Lab) Down() error { return nil }

// Status knows nothing.
func (l *Lab) Status(context.Context) []HostStatus { return nil }

// Exec fails: see Prereq.
func (l *Lab) Exec(context.Context, string, ...string) ([]byte, error) { return nil, errNotLinux }

func (l *Lab) StopSSHD(context.Context, string) error  { return errNotLinux }
func (l *Lab) StartSSHD(context.Context, string) error { return errNotLinux }
