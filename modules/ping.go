package modules

import (
	"context"
	"fmt"
	"strings"

	"github.com/haplay/haplay/engine/connection/hostcmd"
)

// Ping checks that the host answers and can run a command.
type Ping struct{}

var _ Module = Ping{}

func (Ping) Name() string { return "ping" }

func (Ping) Spec() Spec {
	return Spec{
		Short:       "Check that a host can be reached and can run commands",
		Description: "Runs one trivial command on the host and returns data. Never changes anything.",
		Args:        []Arg{{Name: "data", Type: TypeStr, Default: "pong", Doc: "what to return; 'crash' makes the task fail"}},
		Examples:    "- ansible.builtin.ping:",
	}
}

func (Ping) Run(ctx context.Context, c *Call) (Result, error) {
	data := c.Args.String("data")
	if data == "crash" {
		return Result{Failed: true, Msg: "boom"}, nil
	}
	out, err := c.Host.Run(ctx, hostcmd.Cmd{Argv: []string{"echo", "pong"}, Become: c.Become})
	if err != nil {
		return Result{}, err
	}
	if out.ExitCode != 0 || strings.TrimSpace(string(out.Stdout)) != "pong" {
		return Result{Failed: true, Msg: fmt.Sprintf("echo pong: exit %d: %s", out.ExitCode, strings.TrimSpace(string(out.Stderr)))}, nil
	}
	r := Result{}
	r.Set("ping", data)
	return r, nil
}
