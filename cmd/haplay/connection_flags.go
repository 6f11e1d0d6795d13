package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/haplay/haplay/engine/connspec"
	"github.com/haplay/haplay/engine/run"
)

// connectionOptions are ansible-playbook's connection, privilege and
// execution flags, for run, plan and exec (not check, which contacts no
// host).
type connectionOptions struct {
	user, becomeUser, becomeMethod   string
	connection                       string // -c
	become, askBecomePass, askPass   bool
	privateKey                       string
	becomePasswordFile, passwordFile string // --become-password-file, --connection-password-file
	scpExtraArgs, sftpExtraArgs      string // accepted: haplay copies over its own connection
	sshArgs                          string // ansible.cfg ssh_args / ANSIBLE_SSH_ARGS: no flag, as in Ansible
	sshCommonArgs, sshExtraArgs      string
	syntaxCheck, flushCache          bool
	forceHandlers, step              bool
	modulePath                       []string
	// askSecret reads a password without echo; terminalSecret unless a
	// test replaces it.
	askSecret func(prompt string) (string, error)
	// The passwords asked for, never on a command line.
	becomePassword, password string
}

func addConnectionFlags(cmd *cobra.Command, c *connectionOptions) {
	f := cmd.Flags()
	f.StringVarP(&c.user, "user", "u", "", "connect as this user (ansible_user and remote_user beat it)")
	f.StringVarP(&c.connection, "connection", "c", "", "connection type: ssh or local (the connection keyword and ansible_connection beat it)")
	f.BoolVarP(&c.become, "become", "b", false, "run operations with become (the default of the become keyword)")
	f.StringVar(&c.becomeUser, "become-user", "", "run operations as this user (default root)")
	f.StringVar(&c.becomeMethod, "become-method", "", "privilege escalation method: sudo (default) or su")
	f.BoolVarP(&c.askBecomePass, "ask-become-pass", "K", false, "ask for the privilege escalation password (read without echo)")
	f.BoolVarP(&c.askPass, "ask-pass", "k", false, "ask for the SSH password (read without echo)")
	f.StringVar(&c.becomePasswordFile, "become-password-file", "", "read the become password from this file (run it if executable; - is stdin)")
	f.StringVar(&c.passwordFile, "connection-password-file", "", "read the SSH password from this file (run it if executable; - is stdin)")
	f.StringVar(&c.scpExtraArgs, "scp-extra-args", "", "accepted for ansible-playbook's command lines: haplay never runs scp")
	f.StringVar(&c.sftpExtraArgs, "sftp-extra-args", "", "accepted for ansible-playbook's command lines: haplay never runs sftp")
	f.StringVar(&c.privateKey, "private-key", "", "SSH private key file (ansible_ssh_private_key_file beats it)")
	f.StringVar(&c.sshCommonArgs, "ssh-common-args", "", "ssh arguments (-o UserKnownHostsFile, ServerAliveInterval and ServerAliveCountMax are used; ansible_ssh_common_args beats it)")
	f.StringVar(&c.sshExtraArgs, "ssh-extra-args", "", "extra ssh arguments, read as --ssh-common-args (ansible_ssh_extra_args beats it)")
	f.StringArrayVarP(&c.modulePath, "module-path", "M", nil, "accepted for ansible-playbook's command lines: haplay runs its own modules, never Python ones")
}

// addPlaybookRunFlags adds ansible-playbook's flags about running a
// playbook, which the ad-hoc command does not have.
func addPlaybookRunFlags(cmd *cobra.Command, c *connectionOptions) {
	f := cmd.Flags()
	f.BoolVar(&c.syntaxCheck, "syntax-check", false, "load and check the playbook, contact no host (exit 0, or 4 on a problem)")
	f.BoolVar(&c.flushCache, "flush-cache", false, "clear the fact cache (fact_caching) of the inventory hosts --limit leaves, before the run")
	f.BoolVar(&c.forceHandlers, "force-handlers", false, "run notified handlers even on a host that failed (the default of force_handlers)")
	f.BoolVar(&c.step, "step", false, "ask before each task: (N)o/(y)es/(c)ontinue (needs a terminal)")
}

// verify asks for the passwords -k and -K want, as ansible-playbook does
// before loading anything, and refuses what cannot work: no terminal to
// ask on, --step without one.
func (c *connectionOptions) verify(o *playbookOptions) error {
	if len(c.modulePath) > 0 {
		fmt.Fprintln(o.stderr, "[WARNING]: -M/--module-path is accepted but not used: haplay runs its own modules (haplay doc lists them), never Python modules")
	}
	ask := c.askSecret
	if ask == nil {
		ask = terminalSecret
	}
	if c.step && !haveTerminal() {
		return usageErrorf("--step needs a terminal to ask on (stdin is not one, or CI=true)")
	}
	if c.scpExtraArgs != "" || c.sftpExtraArgs != "" {
		fmt.Fprintln(o.stderr, "[WARNING]: --scp-extra-args and --sftp-extra-args are accepted but not used: haplay copies files over its own SSH connection, never with scp or sftp")
	}
	var err error
	if c.passwordFile != "" && !c.askPass && !c.syntaxCheck {
		if c.password, err = passwordFromFile("--connection-password-file", c.passwordFile); err != nil {
			return err
		}
	}
	if c.becomePasswordFile != "" && !c.askBecomePass && !c.syntaxCheck {
		if c.becomePassword, err = passwordFromFile("--become-password-file", c.becomePasswordFile); err != nil {
			return err
		}
	}
	if c.askPass && !c.syntaxCheck {
		if c.password, err = ask("SSH password: "); err != nil {
			return secretError("-k/--ask-pass", err)
		}
	}
	if c.askBecomePass && !c.syntaxCheck {
		prompt := "BECOME password: "
		if c.askPass {
			prompt = "BECOME password[defaults to SSH password]: "
		}
		if c.becomePassword, err = ask(prompt); err != nil {
			return secretError("-K/--ask-become-pass", err)
		}
		if c.becomePassword == "" {
			c.becomePassword = c.password
		}
	}
	return nil
}

func secretError(flag string, err error) error {
	if errors.Is(err, run.ErrNoTerminal) {
		return usageErrorf("%s needs a terminal to read the password from (stdin is not one, or CI=true); "+
			"set ansible_become_password or ansible_password in a vaulted vars file instead", flag)
	}
	return usageErrorf("%s: %v", flag, err)
}

// defaults are the connection settings for connspec.
func (c *connectionOptions) defaults() connspec.Defaults {
	return connspec.Defaults{RemoteUser: c.user, Become: c.become, BecomeUser: c.becomeUser, BecomeMethod: c.becomeMethod,
		BecomePassword: c.becomePassword, Password: c.password, KeyFile: c.privateKey,
		SSHArgs: c.sshArgs, SSHCommonArgs: c.sshCommonArgs, SSHExtraArgs: c.sshExtraArgs, Connection: c.connection}
}

// haveTerminal says whether someone can answer on stdin.
func haveTerminal() bool {
	return os.Getenv("CI") != "true" && term.IsTerminal(int(os.Stdin.Fd()))
}

// terminalSecret reads a password from the terminal without echo.
func terminalSecret(prompt string) (string, error) {
	if !haveTerminal() {
		return "", run.ErrNoTerminal
	}
	fmt.Fprint(os.Stderr, prompt)
	b, err := term.ReadPassword(int(os.Stdin.Fd()))
	fmt.Fprintln(os.Stderr)
	return string(b), err
}
