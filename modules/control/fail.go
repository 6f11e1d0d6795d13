package control

import (
	"context"
	"fmt"

	"github.com/haplay/haplay/engine/module"
)

// Fail fails the task with a message (ansible.builtin.fail).
type Fail struct{}

var _ module.RunsOnController = Fail{}

// RunsOnController: it never contacts the host.
func (Fail) RunsOnController() {}

func (Fail) Name() string { return "fail" }

func (Fail) Spec() module.Spec {
	return module.Spec{
		Short:    "Fail the task with a message",
		Args:     []module.Arg{{Name: "msg", Type: module.TypeRaw, Default: "Failed as requested from task", Doc: "the failure message"}},
		Examples: "- fail:\n    msg: \"unsupported OS {{ ansible_distribution }}\"\n  when: ansible_distribution != 'Ubuntu'",
	}
}

func (Fail) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	return module.Result{Failed: true, Msg: fmt.Sprint(c.Args["msg"])}, nil
}
