package control

import (
	"context"
	"fmt"
	"time"

	"github.com/haplay/haplay/engine/module"
)

// Pause waits on the controller for a time or for the operator
// (ansible.builtin.pause). The runner runs it once per play, as Ansible.
type Pause struct{}

var (
	_ module.RunsOnController = Pause{}
	_ module.RunsOnce         = Pause{}
)

// RunsOnController: pause waits on the controller, never on a host.
func (Pause) RunsOnController() {}

// RunsOnce: one pause for the whole batch, as in Ansible.
func (Pause) RunsOnce() {}

func (Pause) Name() string { return "pause" }

func (Pause) Spec() module.Spec {
	return module.Spec{
		Short: "Wait a number of seconds or minutes, or until the operator presses Enter",
		Description: "With seconds or minutes it sleeps on the controller (Ctrl-C interrupts the run). " +
			"With only a prompt it asks on the terminal and returns what was typed as user_input; " +
			"that is refused under CI=true or when standard input is not a terminal, so an " +
			"unattended run fails instead of hanging. Runs once per play, also in check mode.",
		Args: []module.Arg{
			{Name: "seconds", Type: module.TypeInt, Doc: "seconds to wait"},
			{Name: "minutes", Type: module.TypeInt, Doc: "minutes to wait"},
			{Name: "prompt", Type: module.TypeStr, Doc: "the text shown to the operator"},
			{Name: "echo", Type: module.TypeBool, Default: true, Doc: "show what the operator types (false for secrets)"},
		},
		MutuallyExclusive: [][]string{{"seconds", "minutes"}},
		Examples: `- name: Let the cluster settle before the next node (seed 001)
  pause:
    seconds: 30

- name: Check the dashboard before going on
  pause:
    prompt: "Is the web farm healthy? Press Enter to continue"`,
	}
}

func (Pause) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	d, timed := pauseDuration(c.Args)
	r := module.Result{}
	start := time.Now()
	if timed {
		if p := c.Args.String("prompt"); p != "" {
			c.Controller.Notify(fmt.Sprintf("[pause] %s (%s)", p, d))
		}
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return r, fmt.Errorf("pause interrupted: %w", ctx.Err())
		case <-t.C:
		}
		r.Set("user_input", "")
	} else {
		prompt := c.Args.String("prompt")
		if prompt == "" {
			prompt = "Press enter to continue, Ctrl+C to interrupt"
		}
		input, err := c.Controller.Prompt(ctx, "[pause]\n"+prompt, c.Args.Bool("echo"))
		if ctx.Err() != nil {
			return r, fmt.Errorf("pause interrupted: %w", ctx.Err())
		}
		if err != nil {
			// Nobody can answer (CI=true, no terminal): the task fails,
			// the run does not hang.
			return module.Result{Failed: true, Msg: "pause: " + err.Error()}, nil
		}
		r.Set("user_input", input)
	}
	elapsed := time.Since(start)
	r.Set("start", start.Format("2006-01-02 15:04:05.000000"))
	r.Set("stop", time.Now().Format("2006-01-02 15:04:05.000000"))
	r.Set("delta", int(elapsed.Seconds()))
	r.Set("echo", c.Args.Bool("echo"))
	return r, nil
}

// pauseDuration is the time to wait, and whether one was given at all.
func pauseDuration(a module.Args) (time.Duration, bool) {
	switch {
	case a.Has("minutes"):
		return time.Duration(a.Int("minutes")) * time.Minute, true
	case a.Has("seconds"):
		return time.Duration(a.Int("seconds")) * time.Second, true
	}
	return 0, false
}
