package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/haplay/haplay/engine/connspec"
	"github.com/haplay/haplay/engine/run"
)

// parseRun parses run's flags with askSecret as the terminal, and returns
// the run's options and what was written to stderr.
func parseRun(t *testing.T, askSecret func(string) (string, error), args ...string) (run.Options, string, error) {
	t.Helper()
	o, stderr, err := parsePlaybookOptions(t, askSecret, args...)
	return o.runOptions(), stderr, err
}

// parsePlaybookOptions is parseRun's first half: the options as the
// command holds them, before they become the run's.
func parsePlaybookOptions(t *testing.T, askSecret func(string) (string, error), args ...string) (*playbookOptions, string, error) {
	t.Helper()
	o := &playbookOptions{global: &globalOptions{}, conn: &connectionOptions{askSecret: askSecret}}
	cmd := &cobra.Command{Use: "run"}
	addPlaybookFlags(cmd, o)
	addConnectionFlags(cmd, o.conn)
	addPlaybookRunFlags(cmd, o.conn)
	cmd.Flags().StringVar(&o.resumeDir, "resume-dir", "", "")
	cmd.Flags().StringVar(&o.global.logFile, "log-file", "", "")
	var stderr bytes.Buffer
	cmd.SetErr(&stderr)
	if err := cmd.ParseFlags(args); err != nil {
		t.Fatal(err)
	}
	err := o.verify(cmd, []string{"pb.yml"})
	return o, stderr.String(), err
}

// Each flag lands in the run's connection defaults (engine/connspec's
// TestResolveDefaults shows they reach the connection, below keywords and
// variables), and the asked passwords with them.
func TestConnectionFlags(t *testing.T) {
	var asked []string
	ask := func(p string) (string, error) {
		asked = append(asked, p)
		if strings.HasPrefix(p, "SSH") {
			return "sshpw", nil
		}
		return "", nil // empty: defaults to the SSH password, as Ansible
	}
	o, _, err := parseRun(t, ask, "-u", "alice", "-b", "--become-user", "bob", "--become-method", "su", "-K", "-k",
		"--private-key", "/keys/id", "--ssh-common-args", "-o A=1", "--ssh-extra-args", "-o B=2", "--force-handlers")
	if err != nil {
		t.Fatal(err)
	}
	want := connspec.Defaults{RemoteUser: "alice", Become: true, BecomeUser: "bob", BecomeMethod: "su", BecomePassword: "sshpw",
		Password: "sshpw", KeyFile: "/keys/id", SSHCommonArgs: "-o A=1", SSHExtraArgs: "-o B=2"}
	if o.Connection != want || !o.ForceHandlers {
		t.Errorf("options %+v (force handlers %v)\nwant %+v", o.Connection, o.ForceHandlers, want)
	}
	if got := strings.Join(asked, "|"); got != "SSH password: |BECOME password[defaults to SSH password]: " {
		t.Errorf("prompts %q", got)
	}
	o, _, err = parseRun(t, func(string) (string, error) { return "s3cret", nil }, "--ask-become-pass")
	if err != nil || o.Connection.BecomePassword != "s3cret" || o.Connection.Password != "" {
		t.Errorf("-K alone: %+v, %v", o.Connection, err)
	}
}

// Without a terminal, -K, -k and --step are refused before anything is
// loaded; -M is accepted with a warning that says Python modules are not
// run; a become method we do not have is a bad option.
func TestConnectionFlagsRefused(t *testing.T) {
	noTTY := func(string) (string, error) { return "", run.ErrNoTerminal }
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-K"}, "-K/--ask-become-pass needs a terminal to read the password from"},
		{[]string{"--ask-pass"}, "-k/--ask-pass needs a terminal to read the password from"},
		{[]string{"--become-method", "doas"}, `--become-method "doas" is not supported (use sudo or su)`},
	} {
		_, _, err := parseRun(t, noTTY, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) || exitCode(err) != exitBadOptions {
			t.Errorf("%v: error %v (exit %d), want %q and exit 5", c.args, err, exitCode(err), c.want)
		}
	}
	t.Setenv("CI", "true")
	if _, _, err := parseRun(t, noTTY, "--step"); err == nil || !strings.Contains(err.Error(), "--step needs a terminal") {
		t.Errorf("--step without a terminal: %v", err)
	}
	_, stderr, err := parseRun(t, noTTY, "-M", "./library")
	if err != nil || !strings.Contains(stderr, "[WARNING]: -M/--module-path is accepted but not used") || !strings.Contains(stderr, "never Python modules") {
		t.Errorf("-M: %v, stderr %q", err, stderr)
	}
}
