package system

import (
	"context"
	"fmt"
	"strings"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/module"
)

// Ping checks that the host answers and can run a command.
type Ping struct{}

var _ module.Module = Ping{}

func (Ping) Name() string { return "ping" }

func (Ping) Spec() module.Spec {
	return module.Spec{
		Short:       "Check that a host can be reached and can run commands",
		Description: "Runs one trivial command on the host and returns data. Never changes anything.",
		Args:        []module.Arg{{Name: "data", Type: module.TypeStr, Default: "pong", Doc: "what to return; 'crash' makes the task fail"}},
		Examples:    "- ansible.builtin.ping:",
	}
}

func (Ping) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	data := c.Args.String("data")
	if data == "crash" {
		return module.Result{Failed: true, Msg: "boom"}, nil
	}
	out, err := c.Host.Run(ctx, hostcmd.Cmd{Argv: []string{"echo", "pong"}, Become: c.Become})
	if err != nil {
		return module.Result{}, err
	}
	if out.ExitCode != 0 || strings.TrimSpace(string(out.Stdout)) != "pong" {
		return module.Result{Failed: true, Msg: fmt.Sprintf("echo pong: exit %d: %s", out.ExitCode, strings.TrimSpace(string(out.Stderr)))}, nil
	}
	r := module.Result{}
	r.Set("ping", data)
	return r, nil
}
