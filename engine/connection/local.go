package connection

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"os/user"
	"syscall"
	"time"
)

// LocalTarget runs commands on the controller (ansible_connection=local),
// through the same command lines as SSH so both behave alike.
type LocalTarget struct {
	name string
	user string
}

// NewLocal returns a Target for the controller under name.
func NewLocal(name string) (*LocalTarget, error) {
	u, err := user.Current()
	if err != nil {
		return nil, fmt.Errorf("local %s: current user: %w", name, err)
	}
	return &LocalTarget{name: name, user: u.Username}, nil
}

// Name returns the inventory name.
func (t *LocalTarget) Name() string { return t.name }

// Close does nothing: there is no connection.
func (t *LocalTarget) Close() error { return nil }

// WriteFile writes data to path atomically, as SSHTarget does.
func (t *LocalTarget) WriteFile(ctx context.Context, path string, data []byte, opts WriteOptions) error {
	return writeFile(ctx, t.Run, t.name, path, data, opts)
}

// Run runs c with /bin/sh -c.
func (t *LocalTarget) Run(ctx context.Context, c Cmd) (Output, error) {
	line, stdin, err := commandLine(c, t.user)
	if err != nil {
		return Output{}, fmt.Errorf("%s: %w", t.name, err)
	}
	cmd := exec.Command("/bin/sh", "-c", line)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Stdin = bytes.NewReader(stdin)
	// Its own process group, so cancellation reaches the whole pipeline,
	// not just the shell, and no grandchild keeps our pipes open.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		return Output{}, fmt.Errorf("%s: start /bin/sh: %w", t.name, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-ctx.Done():
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		return Output{}, fmt.Errorf("%s: %w", t.name, ctx.Err())
	}
	out := Output{Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		ws, ok := exit.Sys().(syscall.WaitStatus)
		if ok && ws.Signaled() {
			name := signalName(int(ws.Signal()))
			if name == "" {
				name = ws.Signal().String()
			}
			signalOutput(&out, name, int(ws.Signal()))
		} else {
			out.ExitCode = exit.ExitCode()
		}
	default:
		return out, fmt.Errorf("%s: %w", t.name, err)
	}
	return out, nil
}
