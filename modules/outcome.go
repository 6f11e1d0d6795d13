package modules

import (
	"errors"
	"fmt"
)

// failedOr lets a module's helpers report a problem on the host as a
// *failure (wrapped or not): it becomes a failed task with the error's
// text. Any other error (a transport problem) is returned as the module's
// error, as each Run did before it was cut into steps.
func failedOr(r Result, err error) (Result, error) {
	var f *failure
	if errors.As(err, &f) {
		return Result{Failed: true, Msg: err.Error()}, nil
	}
	return r, err
}

// failf is a *failure with a formatted message.
func failf(format string, a ...any) error {
	return &failure{fmt.Sprintf(format, a...)}
}
