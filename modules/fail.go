package modules

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

func (Fail) Spec() Spec {
	return Spec{
		Short:    "Fail the task with a message",
		Args:     []Arg{{Name: "msg", Type: TypeRaw, Default: "Failed as requested from task", Doc: "the failure message"}},
		Examples: "- fail:\n    msg: \"unsupported OS {{ ansible_distribution }}\"\n  when: ansible_distribution != 'Ubuntu'",
	}
}

func (Fail) Run(ctx context.Context, c *Call) (Result, error) {
	return Result{Failed: true, Msg: fmt.Sprint(c.Args["msg"])}, nil
}
