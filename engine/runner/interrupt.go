package runner

import (
	"context"
	"errors"
)

// ErrInterrupted ends a run that was asked to stop (Ctrl-C): no new task
// or batch starts; tasks already running finish or are cancelled by the
// caller's context.
var ErrInterrupted = errors.New("interrupted")

type interruptKey struct{}

// WithInterrupt returns a context whose runs stop starting new work once
// stop is closed. Cancelling ctx itself cancels the work in flight; keeping
// the two apart lets a first Ctrl-C be gentle.
func WithInterrupt(ctx context.Context, stop <-chan struct{}) context.Context {
	return context.WithValue(ctx, interruptKey{}, stop)
}

func interrupted(ctx context.Context) bool {
	stop, _ := ctx.Value(interruptKey{}).(<-chan struct{})
	if stop == nil {
		return ctx.Err() != nil
	}
	select {
	case <-stop:
		return true
	default:
		return ctx.Err() != nil
	}
}
