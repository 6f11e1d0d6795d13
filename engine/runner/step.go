package runner

import (
	"context"
	"fmt"
	"strings"

	"github.com/haplay/haplay/engine/playbook"
)

// takeStep is --step: it asks the operator whether to run t, as
// ansible-playbook asks ("Perform task: TASK: NAME (N)o/(y)es/(c)ontinue"),
// and says whether to run it. "c" runs it and stops asking for the rest of
// the run; anything but y, yes, c or continue skips the task on every host.
// Under the free strategy each host is asked for on its own ("on HOST"),
// as Ansible's free strategy does.
func (pr *playRun) takeStep(ctx context.Context, t *playbook.Task, handler bool, hosts []string) (bool, error) {
	if !pr.stepping.Load() {
		return true, nil
	}
	if pr.opts.Prompter == nil {
		return false, fmt.Errorf("--step: no terminal to ask on")
	}
	pr.stepMu.Lock()
	defer pr.stepMu.Unlock()
	if !pr.stepping.Load() { // another host answered "continue" meanwhile
		return true, nil
	}
	kind := "TASK"
	if handler {
		kind = "HANDLER"
	}
	msg := fmt.Sprintf("Perform task: %s: %s ", kind, t.DisplayName())
	if pr.play.Strategy == "free" && len(hosts) == 1 {
		msg += "on " + hosts[0] + " "
	}
	resp, err := pr.opts.Prompter.Prompt(ctx, msg+"(N)o/(y)es/(c)ontinue", true)
	if err != nil {
		return false, fmt.Errorf("--step: %w", err)
	}
	switch strings.ToLower(strings.TrimSpace(resp)) {
	case "y", "yes":
		return true, nil
	case "c", "continue":
		pr.stepping.Store(false)
		return true, nil
	}
	return false, nil
}
