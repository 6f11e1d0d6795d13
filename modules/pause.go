package modules

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/haplay/haplay/engine/truth"
)

// Pause waits on the controller for a time or for the operator
// (ansible.builtin.pause). The runner runs it once per play, as Ansible.
type Pause struct{}

func (Pause) Name() string { return "pause" }

func (Pause) Spec() Spec {
	return Spec{
		Short: "Wait a number of seconds or minutes, or until the operator presses Enter",
		Description: "With seconds or minutes it sleeps on the controller (Ctrl-C interrupts the run). " +
			"With only a prompt it asks on the terminal and returns what was typed as user_input; " +
			"that is refused under CI=true or when standard input is not a terminal, so an " +
			"unattended run fails instead of hanging. Runs once per play, also in check mode.",
		Args: []Arg{
			{Name: "seconds", Type: TypeInt, Doc: "seconds to wait"},
			{Name: "minutes", Type: TypeInt, Doc: "minutes to wait"},
			{Name: "prompt", Type: TypeStr, Doc: "the text shown to the operator"},
			{Name: "echo", Type: TypeBool, Default: true, Doc: "show what the operator types (false for secrets)"},
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

func (Pause) Run(ctx context.Context, c *Call) (Result, error) {
	d, timed := pauseDuration(c.Args)
	r := Result{}
	start := time.Now()
	if timed {
		if p := c.Args.String("prompt"); p != "" {
			fmt.Fprintf(os.Stderr, "[pause] %s (%s)\n", p, d)
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
		if reason := promptRefused(os.Getenv("CI"), term.IsTerminal(int(os.Stdin.Fd()))); reason != "" {
			return Result{Failed: true, Msg: "pause: " + reason}, nil
		}
		input, err := readPrompt(ctx, c.Args.String("prompt"), c.Args.Bool("echo"))
		if err != nil {
			return r, err
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
func pauseDuration(a Args) (time.Duration, bool) {
	switch {
	case a.Has("minutes"):
		return time.Duration(a.Int("minutes")) * time.Minute, true
	case a.Has("seconds"):
		return time.Duration(a.Int("seconds")) * time.Second, true
	}
	return 0, false
}

// promptRefused says why the operator cannot be asked, or "".
func promptRefused(ci string, tty bool) string {
	if b, err := truth.Boolean(ci); err == nil && b {
		return "cannot prompt for input under CI=true; give seconds or minutes instead"
	}
	if !tty {
		return "cannot prompt for input: standard input is not a terminal; give seconds or minutes instead"
	}
	return ""
}

// readPrompt asks on the terminal. The read runs in a goroutine so Ctrl-C
// (a cancelled ctx) ends the wait; the stray reader dies with the process.
func readPrompt(ctx context.Context, prompt string, echo bool) (string, error) {
	if prompt == "" {
		prompt = "Press enter to continue, Ctrl+C to interrupt"
	}
	fmt.Fprintf(os.Stderr, "[pause]\n%s:\n", prompt)
	type line struct {
		s   string
		err error
	}
	ch := make(chan line, 1)
	go func() {
		if !echo {
			b, err := term.ReadPassword(int(os.Stdin.Fd()))
			fmt.Fprintln(os.Stderr)
			ch <- line{string(b), err}
			return
		}
		s, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err == io.EOF {
			err = nil
		}
		ch <- line{strings.TrimRight(s, "\r\n"), err}
	}()
	select {
	case <-ctx.Done():
		return "", fmt.Errorf("pause interrupted: %w", ctx.Err())
	case l := <-ch:
		if l.err != nil {
			return "", fmt.Errorf("pause: read the terminal: %w", l.err)
		}
		return l.s, nil
	}
}
