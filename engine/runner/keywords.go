package runner

import (
	"context"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/haplay/haplay/engine/jinja"
	"github.com/haplay/haplay/engine/truth"
)

// renderKeywords renders the task's templated keywords (ignore_errors:
// "{{ x }}") with a host's variables, as Ansible templates them, and
// returns the effective task with their values; e itself is shared by
// every host and stays as it is.
func (pr *playRun) renderKeywords(e *effective, vars map[string]any) (*effective, error) {
	if len(e.templates) == 0 {
		return e, nil
	}
	c := *e
	for k, tmpl := range e.templates {
		s, err := pr.renderString(tmpl, vars)
		if err != nil {
			return e, fmt.Errorf("%s: %w", k, err)
		}
		if err := c.setKeyword(k, strings.TrimSpace(s)); err != nil {
			return e, fmt.Errorf("%s: %q rendered to %q: %w", k, tmpl, s, err)
		}
	}
	c.templates = nil
	return &c, nil
}

// setKeyword sets one rendered keyword.
func (e *effective) setKeyword(k, s string) error {
	switch k {
	case "ignore_errors", "ignore_unreachable", "any_errors_fatal", "run_once", "become", "no_log":
		b, err := truth.Boolean(s)
		if err != nil {
			return fmt.Errorf("must be true or false")
		}
		switch k {
		case "ignore_errors":
			e.ignoreErrors = b
		case "ignore_unreachable":
			e.ignoreUnreachable = b
		case "any_errors_fatal":
			e.anyErrorsFatal = b
		case "run_once":
			e.runOnce = b
		case "become":
			e.become = &b
		case "no_log":
			e.noLog = b
		}
	case "retries", "delay", "timeout", "throttle":
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return fmt.Errorf("must be a whole number of at least 0")
		}
		switch k {
		case "retries":
			e.retries = &n
		case "delay":
			e.delay = &n
		case "timeout":
			e.timeout = n
		case "throttle":
			e.throttle = n
		}
	default:
		return fmt.Errorf("is not a keyword haplay templates")
	}
	return nil
}

// taskWideKeywords renders run_once and throttle, which decide how the
// task runs on the whole batch, with the first host's variables, as
// Ansible does; a template that fails to render here fails again, and is
// reported, on every host.
func (pr *playRun) taskWideKeywords(e *effective, first string, f *frame) *effective {
	_, once := e.templates["run_once"]
	_, thr := e.templates["throttle"]
	if !once && !thr {
		return e
	}
	vars, err := pr.taskVars(first, e.task, f)
	if err != nil {
		return e
	}
	c := *e
	for _, k := range []string{"run_once", "throttle"} {
		if tmpl, ok := e.templates[k]; ok {
			if s, err := pr.renderString(tmpl, vars); err == nil && c.setKeyword(k, strings.TrimSpace(s)) == nil {
				c.templates = without(c.templates, k)
			}
		}
	}
	return &c
}

func without(m map[string]string, k string) map[string]string {
	out := make(map[string]string, len(m))
	for x, v := range m {
		if x != k {
			out[x] = v
		}
	}
	return out
}

// renderSerial renders a templated serial (serial: "{{ batch }}") with the
// play's variables and the extra vars, as Ansible does before it makes
// the batches: no host's variables take part.
func (pr *playRun) renderSerial() ([]any, error) {
	out := make([]any, len(pr.play.Serial))
	for i, s := range pr.play.Serial {
		out[i] = s
		str, ok := s.(string)
		if !ok || !jinja.IsTemplated(str) {
			continue
		}
		vars := copyVars(pr.play.Vars)
		maps.Copy(vars, pr.opts.ExtraVars)
		v, err := pr.renderValue(str, vars)
		if err != nil {
			return nil, fmt.Errorf("serial %q: %w", str, err)
		}
		v, _ = jinja.Unwrap(v)
		if n, ok := v.(int); ok {
			out[i] = n
		} else {
			out[i] = strings.TrimSpace(fmt.Sprint(v))
		}
	}
	return out, nil
}

// sleepCtx waits d, or less when ctx ends (its error then).
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
