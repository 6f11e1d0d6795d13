package control

import (
	"context"

	"github.com/haplay/haplay/engine/module"
)

// Debug prints a message or a variable (ansible.builtin.debug).
type Debug struct{}

var (
	_ module.RunsOnController = Debug{}
	_ module.PrintsLikeDebug  = Debug{}
)

// RunsOnController: it never contacts the host.
func (Debug) RunsOnController() {}

// PrintsLikeDebug: its message is the point of the task, shown at every
// verbosity.
func (Debug) PrintsLikeDebug() {}

func (Debug) Name() string { return "debug" }

func (Debug) Spec() module.Spec {
	return module.Spec{
		Short:             "Print a message or the value of a variable",
		Description:       "Runs on the controller; never contacts the host and never changes anything.",
		Args:              []module.Arg{{Name: "msg", Type: module.TypeRaw, Doc: "the message (default 'Hello world!')"}, {Name: "var", Type: module.TypeStr, Raw: true, Doc: "a variable name or expression to print"}, {Name: "verbosity", Type: module.TypeInt, Default: 0, Doc: "print only at this -v level or higher"}},
		MutuallyExclusive: [][]string{{"msg", "var"}},
		Examples: `- debug:
    msg: "{{ inventory_hostname }} has {{ ansible_facts.processor_vcpus }} CPUs"
- debug:
    var: groups.managers`,
	}
}

func (Debug) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	r := module.Result{}
	if c.Args.Has("var") {
		name := c.Args.String("var")
		v, err := c.Controller.Eval(name)
		if err != nil {
			v = "VARIABLE IS NOT DEFINED!"
		}
		r.Set(name, v)
		return r, nil
	}
	msg := c.Args["msg"]
	if msg == nil {
		msg = "Hello world!"
	}
	r.Set("msg", msg)
	return r, nil
}
