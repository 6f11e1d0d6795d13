package main

import (
	"bytes"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/haplay/haplay/engine/vault"
	"github.com/haplay/haplay/internal/e2e"
)

// ansibleAdHoc finds the real `ansible`, as ansiblePlaybook finds
// ansible-playbook.
func ansibleAdHoc(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("ansible")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but ansible is not installed")
		}
		t.Skip("ansible not installed")
	}
	return p
}

// runAnsible runs `ansible ARGS` in dir and returns stdout, stderr and
// the exit code.
func runAnsible(t *testing.T, ansible, dir string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(ansible, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+dir, "ANSIBLE_LOCAL_TEMP="+filepath.Join(dir, "tmp"),
		"ANSIBLE_SSH_CONTROL_PATH_DIR="+filepath.Join(dir, "cp"), "ANSIBLE_NOCOLOR=1", "ANSIBLE_DEPRECATION_WARNINGS=0")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return out.String(), errb.String(), ee.ExitCode()
	} else if err != nil {
		t.Fatalf("ansible %v: %v", args, err)
	}
	return out.String(), errb.String(), 0
}

// haplay exec against the real ansible on the same inventory: the
// controller itself (connection local) and a closed port on 127.0.0.1.
// Exit codes, stdout (whole, or its first line where the results'
// values differ: timings, unreachable messages) and the warnings of a
// pattern that matches nothing are Ansible's.
func TestExecAgainstAnsible(t *testing.T) {
	ansible := ansibleAdHoc(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "hosts"), "[local]\nfailer ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n"+
		"[far]\ndown ansible_host=127.0.0.1 ansible_port="+closed+" ansible_user=root ansible_python_interpreter=/usr/bin/python3\n")
	writeFile(t, filepath.Join(dir, "pbdir", "group_vars", "all.yml"), "x: from the playbook dir\n")
	cases := []struct {
		name      string
		args      []string
		rc        int
		firstLine bool   // compare the first line of stdout only
		stderr    string // in both stderrs
	}{
		{"command", []string{"failer", "-a", "echo hi"}, 0, false, ""},
		{"shell failed", []string{"failer", "-m", "shell", "-a", "echo out; echo err >&2; exit 3"}, 2, false, ""},
		{"json module", []string{"failer", "-m", "ping"}, 0, false, ""},
		{"debug", []string{"failer", "-m", "debug", "-a", "msg=hello"}, 0, false, ""},
		{"one line", []string{"failer", "-m", "shell", "-a", "echo a; echo b", "-o"}, 0, false, ""},
		{"one line json", []string{"failer", "-m", "ping", "-o"}, 0, false, ""},
		{"unreachable", []string{"down", "-m", "ping"}, 4, true, ""},
		{"failed and unreachable", []string{"all", "-m", "shell", "-a", "exit 1"}, 4, true, ""},
		{"no host matched", []string{"nomatch", "-m", "ping"}, 0, false, "[WARNING]: No hosts matched, nothing to do"},
		{"implicit localhost", []string{"localhost", "-m", "ping"}, 0, false, ""},
		{"limit leaves none", []string{"all", "-l", "nomatch", "-m", "ping"}, 1, false,
			"Specified inventory, host pattern and/or --limit leaves us with no hosts to target."},
		{"command without -a", []string{"failer"}, 5, false, "No argument passed to command module"},
		// -c is below ansible_connection: down has none, so it runs here.
		{"-c and --task-timeout", []string{"down", "-c", "local", "-a", "sleep 5", "--task-timeout", "1"}, 2, true, ""},
		{"--playbook-dir", []string{"failer", "--playbook-dir", "pbdir", "-m", "debug", "-a", "var=x"}, 0, false, ""},
		{"bad argument", []string{"failer", "-m", "copy", "-a", "content=hi dest=" + filepath.Join(dir, "x") + " bogus=1"}, 2, false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"-i", "hosts"}, c.args...)
			aout, aerr, arc := runAnsible(t, ansible, dir, args...)
			if arc != c.rc {
				t.Fatalf("ansible exits %d, the test expects %d\n%s%s", arc, c.rc, aout, aerr)
			}
			r := e2e.Run(t, dir, append([]string{"exec"}, args...)...)
			if r.ExitCode != arc {
				t.Errorf("haplay exec: exit %d, ansible's %d\n%s%s", r.ExitCode, arc, r.Stdout, r.Stderr)
			}
			if c.name == "command without -a" {
				return // ansible prints its usage on stdout
			}
			if c.name == "bad argument" {
				// Ansible finds it on the host; haplay before contacting any.
				if !strings.Contains(r.Stderr, `-a: copy: unsupported argument "bogus"`) || r.Stdout != "" {
					t.Errorf("haplay exec: want the -a error on stderr alone\n%s%s", r.Stdout, r.Stderr)
				}
				return
			}
			got, want := r.Stdout, aout
			if c.firstLine {
				got, _, _ = strings.Cut(got, "\n")
				want, _, _ = strings.Cut(want, "\n")
			}
			if got != want {
				t.Errorf("stdout differs\n--- haplay exec\n%s\n--- ansible\n%s", r.Stdout, aout)
			}
			if c.stderr != "" && (!strings.Contains(r.Stderr, c.stderr) || !strings.Contains(aerr, c.stderr)) {
				t.Errorf("stderr: want %q in both\n--- haplay exec\n%s\n--- ansible\n%s", c.stderr, r.Stderr, aerr)
			}
		})
	}
}

// -a with a bad argument fails before any host is contacted: the only
// host is a closed port, and the error names -a, the module and the
// argument; exit 2, as ansible's for a task that fails on every host.
// --check on command says it cannot predict, as haplay run does.
func TestExecValidatesBeforeContact(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "hosts"), "down ansible_host=127.0.0.1 ansible_port=1\nme ansible_connection=local\n")
	r := e2e.Run(t, dir, "exec", "down", "-i", "hosts", "-m", "file", "-a", "path=/tmp/x state=sideways")
	if r.ExitCode != 2 || !strings.Contains(r.Stderr, `-a: file: argument "state"`) || strings.Contains(r.Stdout+r.Stderr, "UNREACHABLE") {
		t.Errorf("bad -a: exit %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	r = e2e.Run(t, dir, "exec", "down", "-i", "hosts", "-m", "nosuchmodule")
	if r.ExitCode != 2 || !strings.Contains(r.Stderr, `-m: unknown module or task keyword "nosuchmodule"`) {
		t.Errorf("bad -m: exit %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	r = e2e.Run(t, dir, "exec", "me", "-i", "hosts", "-a", "touch "+filepath.Join(dir, "made"), "-C")
	if r.ExitCode != 0 || r.Stdout != "me | SKIPPED (cannot predict in check mode)\n" {
		t.Errorf("--check: exit %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "made")); err == nil {
		t.Error("--check ran the command")
	}
	r = e2e.Run(t, dir, "exec", "me", "-i", "hosts", "-t", filepath.Join(dir, "tree"), "-a", "true")
	if r.ExitCode != 5 || !strings.Contains(r.Stderr, "-t/--tree") {
		t.Errorf("--tree: exit %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	r = e2e.Run(t, dir, "exec", "all", "-i", "hosts", "--list-hosts")
	if r.ExitCode != 0 || r.Stdout != "  hosts (2):\n    down\n    me\n" {
		t.Errorf("--list-hosts: exit %d\n%q%s", r.ExitCode, r.Stdout, r.Stderr)
	}
}

// ansible.cfg's module_name is exec's module when -m is not given, as
// for ansible; its stdout_callback does not change exec's output (ansible
// reads it for ad-hoc commands only under bin_ansible_callbacks).
func TestExecConfigModuleName(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "ansible.cfg"), "[defaults]\ninventory = hosts\nmodule_name = shell\nstdout_callback = json\n")
	writeFile(t, filepath.Join(dir, "hosts"), "me ansible_connection=local\n")
	r := e2e.Run(t, dir, "exec", "me", "-a", "echo $((1+1))")
	if r.ExitCode != 0 || r.Stdout != "me | CHANGED | rc=0 >>\n2\n" {
		t.Errorf("module_name = shell: exit %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	r = e2e.Run(t, dir, "exec", "me", "-m", "command", "-a", "echo $((1+1))", "-o")
	if r.ExitCode != 0 || r.Stdout != "me | CHANGED | rc=0 | (stdout) $((1+1))\n" {
		t.Errorf("-m command: exit %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
}

// A vaulted value never shows in exec's output, as in run's: not in a
// debug of it, nor in a command's output that prints it, at -vv either.
func TestExecHidesVaultedValues(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "hosts"), "me ansible_connection=local\n")
	writeFile(t, filepath.Join(dir, "pass"), "exec-pass\n")
	enc, err := vault.Encrypt([]byte("secret: s3cr3t-exec-value\n"), []byte("exec-pass"), "")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "group_vars", "all.yml"), string(enc))
	for _, args := range [][]string{
		{"-m", "debug", "-a", "var=secret"},
		{"-m", "shell", "-a", "echo {{ secret }}", "-vv"},
		{"-m", "shell", "-a", "echo {{ secret }}", "-o"},
	} {
		r := e2e.Run(t, dir, append([]string{"exec", "me", "-i", "hosts", "--vault-password-file", "pass"}, args...)...)
		if r.ExitCode != 0 || strings.Contains(r.Stdout+r.Stderr, "s3cr3t") || !strings.Contains(r.Stdout, "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER") {
			t.Errorf("exec %v: exit %d\n%s%s", args, r.ExitCode, r.Stdout, r.Stderr)
		}
	}
}
