package control

import (
	"context"
	"fmt"

	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/engine/truth"
)

// Assert fails unless every condition holds (ansible.builtin.assert).
type Assert struct{}

var _ module.RunsOnController = Assert{}

// RunsOnController: it never contacts the host.
func (Assert) RunsOnController() {}

func (Assert) Name() string { return "assert" }

func (Assert) Spec() module.Spec {
	return module.Spec{
		Short:       "Fail unless the given conditions hold",
		Description: "Evaluates each expression in that on the controller. Never changes anything.",
		Args: []module.Arg{
			{Name: "that", Type: module.TypeList, Required: true, Raw: true, Doc: "expressions that must all be true"},
			{Name: "fail_msg", Type: module.TypeRaw, Aliases: []string{"msg"}, Doc: "message when an expression is false"},
			{Name: "success_msg", Type: module.TypeRaw, Doc: "message when all hold"},
			{Name: "quiet", Type: module.TypeBool, Default: false, Doc: "print less"},
		},
		Examples: `- name: Managers must be an odd number, at least three (seed 002's quorum table)
  assert:
    that:
      - groups.managers | length >= 3
      - groups.managers | length % 2 == 1
    fail_msg: "{{ groups.managers | length }} managers cannot keep quorum well"`,
	}
}

// Assert's conditions are raw expressions: the runner leaves "that"
// untemplated and this module evaluates them one by one.
func (Assert) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	for _, cond := range c.Args.List("that") {
		v, err := c.Controller.Eval(cond)
		if err != nil {
			return module.Result{}, fmt.Errorf("assert %q: %w", cond, err)
		}
		// Python truthiness, as Ansible's conditionals: "false" passes.
		if !truth.Truthy(v) {
			r := module.Result{Failed: true, Msg: "Assertion failed"}
			if c.Args.Has("fail_msg") {
				r.Msg = fmt.Sprint(c.Args["fail_msg"])
			}
			r.Set("assertion", cond)
			r.Set("evaluated_to", false)
			return r, nil
		}
	}
	r := module.Result{Msg: "All assertions passed"}
	if c.Args.Has("success_msg") {
		r.Msg = fmt.Sprint(c.Args["success_msg"])
	}
	return r, nil
}
