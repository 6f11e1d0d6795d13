package control

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

func (Meta) Spec() module.Spec {
	return module.Spec{
		Short:    "Control the run: flush handlers, end the play or a host, clear facts",
		FreeForm: "free_form",
		Args: []module.Arg{{Name: "free_form", Type: module.TypeStr, Required: true,
			Choices: []string{"flush_handlers", "end_play", "end_host", "end_batch", "clear_facts", "clear_host_errors", "noop", "refresh_inventory", "reset_connection"},
			Doc:     "the action"}},
		Examples: "- meta: flush_handlers",
	}
}

func (Meta) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	return module.Result{}, fmt.Errorf("meta %s must be run by the runner", c.Args.String("free_form"))
}
