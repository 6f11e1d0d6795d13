package runner

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/haplay/haplay/engine/module"
)

func TestRunWithTimeout(t *testing.T) {
	waits := func(ctx context.Context) (module.Result, error) {
		<-ctx.Done()
		return module.Result{}, ctx.Err()
	}
	start := time.Now()
	if _, err := runWithTimeout(context.Background(), 1, waits); !errors.Is(err, errTaskTimeout) {
		t.Fatalf("err %v, want the task timeout", err)
	}
	if d := time.Since(start); d < time.Second || d > 3*time.Second {
		t.Errorf("ended after %v, want 1 s", d)
	}
	// In time: the module's own result.
	ok := func(context.Context) (module.Result, error) { return module.Result{Changed: true}, nil }
	if res, err := runWithTimeout(context.Background(), 1, ok); err != nil || !res.Changed {
		t.Errorf("in time: %+v, %v", res, err)
	}
	// 0 is no timeout; a cancelled run is a cancellation, not a timeout.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := runWithTimeout(ctx, 0, waits); !errors.Is(err, context.Canceled) {
		t.Errorf("no timeout: %v", err)
	}
	if _, err := runWithTimeout(ctx, 5, waits); errors.Is(err, errTaskTimeout) || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}
