package connection

import (
	"bytes"
	"context"
	"io"
	"os/exec"
	"strings"
	"testing"
	"testing/iotest"
)

// TestShellFrame feeds frames to a local /bin/sh -s, as a remote shell
// reads them, and parses the streams back with marked.
func TestShellFrame(t *testing.T) {
	cmd := exec.Command("/bin/sh", "-c", "umask 0022; exec /bin/sh -s")
	cmd.Dir = "/"
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	outp, _ := cmd.StdoutPipe()
	errp, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = in.Close(); _ = cmd.Wait() }()
	// One byte at a time: markers straddle every read boundary.
	sh := &remoteShell{stdin: in, stdout: &marked{r: iotest.OneByteReader(outp)}, stderr: &marked{r: errp}}
	multi := "line 1\n'quoted' \"double\" $HOME `x`\n"
	binary := []byte("\x00\xff\nno newline HAPLAY")
	for _, c := range []struct {
		name           string
		cmd            Cmd
		stdout, stderr string
		rc             int
	}{
		{"argv", Cmd{Argv: []string{"printf", "%s|", "a b", "$x", "a\\nb"}}, "a b|$x|a\\nb|", "", 0},
		{"script with newlines", Cmd{Script: "echo one\necho two >&2\nexit 4"}, "one\n", "two\n", 4},
		{"exit stays in the subshell", Cmd{Script: "exit 0"}, "", "", 0},
		{"stdin exact", Cmd{Argv: []string{"cat"}, Stdin: binary}, string(binary), "", 0},
		{"stdin script", Cmd{Script: "cat; echo; cat /dev/null", Stdin: []byte(multi)}, multi + "\n", "", 0},
		{"no stdin", Cmd{Argv: []string{"cat"}}, "", "", 0},
		{"env and dir", Cmd{Script: `printf '%s %s' "$V" "$(pwd)"`, Env: map[string]string{"V": "v'1"}, Dir: "/usr"}, "v'1 /usr", "", 0},
		{"after exit the shell still reads", Cmd{Argv: []string{"echo", "alive"}}, "alive\n", "", 0},
		// Scripts run through eval: a syntax error ends the command, not
		// the shell reading the frames.
		{"syntax error", Cmd{Script: "echo 'unterminated"}, "", "/bin/sh: 1: eval: Syntax error: Unterminated quoted string\n", 2},
		{"after a syntax error the shell still reads", Cmd{Argv: []string{"echo", "alive"}}, "alive\n", "", 0},
		{"EXIT trap and set -e", Cmd{Script: "trap 'echo bye' EXIT\nset -e\nfalse\necho never"}, "bye\n", "", 1},
		{"a variable stays in its command", Cmd{Script: "X=leak"}, "", "", 0},
		{"the next command does not see it", Cmd{Script: `printf '%s' "${X-unset}"`}, "unset", "", 0},
		// Programs run by the reading shell itself (no subshell).
		{"direct program", Cmd{Argv: []string{"uname", "-s"}}, "Linux\n", "", 0},
		{"direct program with env", Cmd{Argv: []string{"printenv", "V"}, Env: map[string]string{"V": "x y"}}, "x y\n", "", 0},
		{"its variable does not stay", Cmd{Script: `printf '%s' "${V-unset}"`}, "unset", "", 0},
		{"direct program reads no stdin", Cmd{Argv: []string{"cat"}}, "", "", 0},
		{"direct program not found", Cmd{Argv: []string{"no-such-program-haplay"}}, "", "~ no-such-program-haplay: not found\n", 127},
		{"a name that looks like an assignment is a program", Cmd{Argv: []string{"X=1", "true"}}, "", "~ X=1: not found\n", 127},
		{"a name that is a keyword is a program", Cmd{Argv: []string{"if"}}, "", "~ if: not found\n", 127},
		// Builtins of the same name run with exec in a subshell: they
		// could change the reading shell, and the command module runs
		// programs only.
		{"cd is not run by the reading shell", Cmd{Argv: []string{"cd", "/tmp"}}, "", "~ exec: cd: not found\n", 127},
		{"umask is not run by the reading shell", Cmd{Argv: []string{"umask", "0077"}}, "", "~ exec: umask: not found\n", 127},
		{"the reading shell is where it was", Cmd{Script: "pwd; umask"}, "/\n0022\n", "", 0},
		// An InShell probe runs without a subshell and leaves nothing.
		{"in-shell script", Cmd{Script: "if [ -e / ]; then echo yes; else echo no; fi", InShell: true}, "yes\n", "", 0},
		{"in-shell script status", Cmd{Script: "[ -e /no/such/path ]", InShell: true}, "", "", 1},
	} {
		l, err := shellCommandLine(c.cmd, "root")
		if err != nil {
			t.Fatal(err)
		}
		out, err := sh.run(context.Background(), l)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		// "~ text": stderr ends with text (the shell's message names its
		// line number first).
		stderrOK := string(out.Stderr) == c.stderr
		if tail, ok := strings.CutPrefix(c.stderr, "~"); ok {
			stderrOK = strings.HasSuffix(string(out.Stderr), tail)
		}
		if string(out.Stdout) != c.stdout || !stderrOK || out.ExitCode != c.rc {
			t.Errorf("%s: got %q %q %d, want %q %q %d", c.name, out.Stdout, out.Stderr, out.ExitCode, c.stdout, c.stderr, c.rc)
		}
	}
}

func TestMarkedUntil(t *testing.T) {
	m := &marked{r: iotest.OneByteReader(strings.NewReader("abcMARKdefMAR"))}
	got, err := m.until([]byte("MARK"))
	if err != nil || string(got) != "abc" {
		t.Fatalf("%q %v", got, err)
	}
	if _, err := m.until([]byte("MARK")); err != io.ErrUnexpectedEOF {
		t.Fatalf("want unexpected EOF, got %v", err)
	}
	m = &marked{r: bytes.NewReader([]byte("x\n1 2\n"))}
	if l, _ := m.line(); string(l) != "x" {
		t.Fatalf("line %q", l)
	}
	if l, _ := m.line(); string(l) != "1 2" {
		t.Fatalf("line %q", l)
	}
}
