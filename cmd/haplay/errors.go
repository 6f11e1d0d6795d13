package main

import (
	"errors"
	"fmt"

	"github.com/haplay/haplay/engine/run"
)

// Exit codes follow ansible-playbook's, so CI scripts written for Ansible
// keep working.
const (
	exitOK          = 0
	exitError       = 1
	exitHostFailed  = 2 // also: plan found changes (terraform -detailed-exitcode)
	exitUnreachable = 3
	exitParse       = 4
	exitBadOptions  = 5
	exitInterrupted = 99
)

// exitCodeError carries an exit code for an error meant for the user.
type exitCodeError struct {
	code   int
	err    error
	silent bool // already reported (e.g. by the recap); print nothing more
}

func (e *exitCodeError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}
func (e *exitCodeError) Unwrap() error { return e.err }

func usageErrorf(format string, a ...any) error {
	return &exitCodeError{code: exitBadOptions, err: fmt.Errorf(format, a...)}
}

func parseError(err error) error { return &exitCodeError{code: exitParse, err: err} }

// silentExit ends the command with code and no extra message.
func silentExit(code int) error { return &exitCodeError{code: code, silent: true} }

func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var e *exitCodeError
	if errors.As(err, &e) {
		return e.code
	}
	// engine/run marks the errors meant for the user with their kind.
	var re *run.Error
	if errors.As(err, &re) {
		switch re.Kind {
		case run.BadOptions:
			return exitBadOptions
		case run.ParseError:
			return exitParse
		case run.AdHocTaskError:
			return exitHostFailed
		}
	}
	return exitError
}
