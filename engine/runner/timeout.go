package runner

import (
	"context"
	"errors"
	"time"

	"github.com/haplay/haplay/engine/module"
)

// errTaskTimeout is the cause of a context ended by the task keyword
// timeout.
var errTaskTimeout = errors.New("task timeout")

// runWithTimeout runs run under the task keyword timeout (seconds; 0
// means none). When the timeout ends it, the error is errTaskTimeout
// whatever run returned: the module's commands were cancelled, which
// ends them on the host (connection.Target.Run), and its result is
// partial. A run that ends in time keeps its own result.
func runWithTimeout(ctx context.Context, seconds int, run func(context.Context) (module.Result, error)) (module.Result, error) {
	if seconds <= 0 {
		return run(ctx)
	}
	tctx, cancel := context.WithTimeoutCause(ctx, time.Duration(seconds)*time.Second, errTaskTimeout)
	defer cancel()
	res, err := run(tctx)
	if ctx.Err() == nil && errors.Is(context.Cause(tctx), errTaskTimeout) && (err != nil || res.Failed) {
		return res, errTaskTimeout
	}
	return res, err
}
