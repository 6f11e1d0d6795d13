package hostscript

import (
	"errors"
	"fmt"
	"testing"

	"github.com/haplay/haplay/engine/module"
)

func TestFailedOr(t *testing.T) {
	r, err := FailedOr(module.Result{Changed: true}, Failf("disk %s is full", "sda"))
	if err != nil || !r.Failed || r.Changed || r.Msg != "disk sda is full" {
		t.Errorf("failure: got %+v, %v; want a failed result with the message", r, err)
	}
	wrapped := fmt.Errorf("lvg: %w", &Failure{Msg: "inner"})
	if r, err := FailedOr(module.Result{}, wrapped); err != nil || !r.Failed || r.Msg != "lvg: inner" {
		t.Errorf("wrapped failure: got %+v, %v", r, err)
	}
	transport := errors.New("connection reset")
	if r, err := FailedOr(module.Result{Msg: "kept"}, transport); err != transport || r.Failed || r.Msg != "kept" {
		t.Errorf("transport error: got %+v, %v; want the error back and the result as given", r, err)
	}
}
