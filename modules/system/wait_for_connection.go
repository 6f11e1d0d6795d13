package system

import (
	"context"
	"fmt"
	"time"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/module"
)

// WaitForConnection waits until the host answers over its connection
// (ansible.builtin.wait_for_connection), e.g. after a reboot or while
// sshd is restarted.
type WaitForConnection struct{}

var _ module.Module = WaitForConnection{}

func (WaitForConnection) Name() string { return "wait_for_connection" }

func (WaitForConnection) Spec() module.Spec {
	return module.Spec{
		Short: "Wait until the host can be reached again",
		Description: "Runs a trivial command (true) on the host every sleep seconds until it answers or " +
			"timeout passes. A failed connection is forgotten before each try, so a host that comes " +
			"back is reached. Changes nothing; runs in check mode too.",
		Args: []module.Arg{
			{Name: "delay", Type: module.TypeInt, Default: 0, Doc: "seconds to wait before the first try"},
			{Name: "sleep", Type: module.TypeInt, Default: 1, Doc: "seconds between tries"},
			{Name: "timeout", Type: module.TypeInt, Default: 600, Doc: "seconds to wait at most"},
			{Name: "connect_timeout", Type: module.TypeInt, Default: 5, Doc: "seconds one try may take"},
		},
		Examples: `- name: Reboot into the new kernel (seed 001)
  command: systemctl reboot
  async: 1
  poll: 0

- name: Wait for the node to come back
  wait_for_connection:
    delay: 10
    timeout: 300`,
	}
}

func (WaitForConnection) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	delay := time.Duration(c.Args.Int("delay")) * time.Second
	sleep := time.Duration(max(c.Args.Int("sleep"), 0)) * time.Second
	timeout := time.Duration(c.Args.Int("timeout")) * time.Second
	connectTimeout := time.Duration(c.Args.Int("connect_timeout")) * time.Second
	if connectTimeout <= 0 {
		connectTimeout = 5 * time.Second
	}
	start := time.Now()
	deadline := start.Add(timeout)
	if err := sleepCtx(ctx, delay); err != nil {
		return module.Result{}, err
	}
	var last error
	for {
		if rs, ok := c.Host.(module.Resetter); ok {
			rs.Reset()
		}
		tctx, cancel := context.WithTimeout(ctx, min(connectTimeout, max(time.Until(deadline), time.Millisecond)))
		out, err := c.Host.Run(tctx, hostcmd.Cmd{Argv: []string{"true"}})
		cancel()
		if ctx.Err() != nil {
			return module.Result{}, fmt.Errorf("wait_for_connection interrupted: %w", ctx.Err())
		}
		if err == nil && out.ExitCode == 0 {
			r := module.Result{}
			r.Set("elapsed", int(time.Since(start).Seconds()))
			return r, nil
		}
		if err == nil {
			err = fmt.Errorf("true exited %d: %s", out.ExitCode, out.Stderr)
		}
		last = err
		if !time.Now().Add(sleep).Before(deadline) {
			r := module.Result{Failed: true, Msg: fmt.Sprintf("timed out waiting for connection after %ds: %v", int(timeout.Seconds()), last)}
			r.Set("elapsed", int(time.Since(start).Seconds()))
			return r, nil
		}
		if err := sleepCtx(ctx, sleep); err != nil {
			return module.Result{}, err
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return fmt.Errorf("interrupted: %w", ctx.Err())
	case <-t.C:
		return nil
	}
}
