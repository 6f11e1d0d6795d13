package report

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/haplay/haplay/engine/truth"
)

// Terminal is the operator's side of a run (runner.Prompter): notices go
// to Out, and questions (pause with a prompt) are read from In. Out is
// stderr, so the run's own output (text or --output json) stays clean.
type Terminal struct {
	In  *os.File
	Out io.Writer
	// CI is the CI environment variable: under CI=true nobody can answer,
	// so Prompt fails instead of hanging.
	CI string
}

// Notify shows text to the operator.
func (t Terminal) Notify(text string) { fmt.Fprintln(t.Out, text) }

// Prompt asks on the terminal. The read runs in a goroutine so Ctrl-C
// (a cancelled ctx) ends the wait; the stray reader dies with the process.
func (t Terminal) Prompt(ctx context.Context, text string, echo bool) (string, error) {
	if reason := promptRefused(t.CI, t.In != nil && term.IsTerminal(int(t.In.Fd()))); reason != "" {
		return "", fmt.Errorf("%s", reason)
	}
	fmt.Fprintf(t.Out, "%s:\n", text)
	type line struct {
		s   string
		err error
	}
	ch := make(chan line, 1)
	go func() {
		if !echo {
			b, err := term.ReadPassword(int(t.In.Fd()))
			fmt.Fprintln(t.Out)
			ch <- line{string(b), err}
			return
		}
		s, err := bufio.NewReader(t.In).ReadString('\n')
		if err == io.EOF {
			err = nil
		}
		ch <- line{strings.TrimRight(s, "\r\n"), err}
	}()
	select {
	case <-ctx.Done():
		return "", fmt.Errorf("interrupted: %w", ctx.Err())
	case l := <-ch:
		if l.err != nil {
			return "", fmt.Errorf("read the terminal: %w", l.err)
		}
		return l.s, nil
	}
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
