package modules

import (
	"context"
	"fmt"

	"github.com/haplay/haplay/engine/module"
)

// Meta controls the run itself (ansible.builtin.meta). The runner carries
// out the action; Run is only reached if a meta task is called outside a
// play, which is a bug in the caller.
type Meta struct{}

var (
	_ module.RunsOnController = Meta{}
	_ module.RunControl       = Meta{}
)

// RunsOnController: it never contacts the host.
func (Meta) RunsOnController() {}

// ControlsRun: the runner carries out the action on the run itself.
func (Meta) ControlsRun() {}

func (Meta) Name() string { return "meta" }

func (Meta) Spec() Spec {
	return Spec{
		Short:    "Control the run: flush handlers, end the play or a host, clear facts",
		FreeForm: "free_form",
		Args: []Arg{{Name: "free_form", Type: TypeStr, Required: true,
			Choices: []string{"flush_handlers", "end_play", "end_host", "end_batch", "clear_facts", "clear_host_errors", "noop", "refresh_inventory", "reset_connection"},
			Doc:     "the action"}},
		Examples: "- meta: flush_handlers",
	}
}

func (Meta) Run(ctx context.Context, c *Call) (Result, error) {
	return Result{}, fmt.Errorf("meta %s must be run by the runner", c.Args.String("free_form"))
}
