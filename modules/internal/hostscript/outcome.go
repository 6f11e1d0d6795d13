package hostscript

import (
	"errors"
	"fmt"

	"github.com/haplay/haplay/engine/module"
)

// FailedOr lets a module's helpers report a problem on the host as a
// *failure (wrapped or not): it becomes a failed task with the error's
// text. Any other error (a transport problem) is returned as the module's
// error, as each Run did before it was cut into steps.
func FailedOr(r module.Result, err error) (module.Result, error) {
	var f *Failure
	if errors.As(err, &f) {
		return module.Result{Failed: true, Msg: err.Error()}, nil
	}
	return r, err
}

// Failf is a *failure with a formatted message.
func Failf(format string, a ...any) error {
	return &Failure{Msg: fmt.Sprintf(format, a...)}
}

// Failure is a problem on the host the module reports as a failed task,
// not a transport error.
type Failure struct{ Msg string }

func (f *Failure) Error() string { return f.Msg }
