package connection

import (
	"bytes"
	"io/fs"
	"os/exec"
	"strings"
	"testing"
)

func TestQuote(t *testing.T) {
	for in, want := range map[string]string{
		"":         "''",
		"abc":      "abc",
		"/a/b-c.d": "/a/b-c.d",
		"a b":      "'a b'",
		"it's":     `'it'"'"'s'`,
		"$x":       "'$x'",
		"a\nb":     "'a\nb'",
	} {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
	}
	// Whatever the input, the shell must give it back unchanged.
	for _, s := range nasty {
		out, err := exec.Command("/bin/sh", "-c", "printf %s "+Quote(s)).Output()
		if err != nil || string(out) != s {
			t.Errorf("sh round trip of %q: %q %v", s, out, err)
		}
	}
	if got := Join([]string{"echo", "a b", ""}); got != "echo 'a b' ''" {
		t.Errorf("Join: %s", got)
	}
}

func TestCommandLine(t *testing.T) {
	line, in, err := commandLine(Cmd{Argv: []string{"ls", "-l"}, Dir: "/a b", Env: map[string]string{"B": "2", "A": "x y"}}, "root")
	if err != nil || line != "cd '/a b' && A='x y' B=2 exec ls -l" || in != nil {
		t.Errorf("argv line: %s %q %v", line, in, err)
	}
	line, _, _ = commandLine(Cmd{Script: "echo $1", Executable: "/bin/bash"}, "root")
	if line != "/bin/bash -c 'echo $1'" {
		t.Errorf("script line: %s", line)
	}
	// Becoming the user we already are costs nothing.
	line, _, _ = commandLine(Cmd{Argv: []string{"id"}, Become: Become{Enabled: true}}, "root")
	if line != "exec id" {
		t.Errorf("become root as root: %s", line)
	}
	line, _, _ = commandLine(Cmd{Argv: []string{"id"}, Become: Become{Enabled: true, User: "www"}}, "root")
	if line != "sudo -H -S -n -u www -- /bin/sh -c 'exec id'" {
		t.Errorf("become: %s", line)
	}
	line, in, _ = commandLine(Cmd{Argv: []string{"cat"}, Stdin: []byte("data"), Become: Become{Enabled: true, Password: "p w"}}, "deploy")
	if strings.Contains(line, "p w") || string(in) != "p w\ndata" || !strings.Contains(line, "sudo -H -S -p '' -u root") {
		t.Errorf("become with password: %s %q", line, in)
	}
	line, _, _ = commandLine(Cmd{Argv: []string{"id"}, Become: Become{Enabled: true, User: "www", Method: "su"}}, "root")
	if line != `su -s /bin/sh -c '/bin/sh -c '"'"'exec id'"'"'' www` {
		t.Errorf("become su: %s", line)
	}
	line, in, _ = commandLine(Cmd{Argv: []string{"cat"}, Stdin: []byte("data"), Become: Become{Enabled: true, Password: "p w", Method: "su"}}, "deploy")
	if strings.Contains(line, "p w") || string(in) != "p w\ndata" || !strings.Contains(line, "exec su -s /bin/sh") || !strings.HasSuffix(line, " root") {
		t.Errorf("become su with password: %s %q", line, in)
	}
	for _, bad := range []Cmd{{}, {Argv: []string{"a"}, Script: "b"}, {Argv: []string{"a"}, Env: map[string]string{"1X": ""}}} {
		if _, _, err := commandLine(bad, "root"); err == nil {
			t.Errorf("accepted %+v", bad)
		}
	}
}

// TestShellCommandLine checks which lines a remote shell runs without a
// subshell, and how.
func TestShellCommandLine(t *testing.T) {
	for _, c := range []struct {
		name   string
		cmd    Cmd
		text   string
		direct bool
	}{
		{"program", Cmd{Argv: []string{"uname", "-r"}}, "'uname' -r", true},
		{"program with env", Cmd{Argv: []string{"printenv", "V"}, Env: map[string]string{"V": "a b"}}, "V='a b' 'printenv' V", true},
		{"program by path", Cmd{Argv: []string{"/bin/echo", "x"}}, "'/bin/echo' x", true},
		{"builtin name", Cmd{Argv: []string{"echo", "x"}}, "exec echo x", false},
		{"with a directory", Cmd{Argv: []string{"ls"}, Dir: "/tmp"}, "cd /tmp && exec ls", false},
		{"with stdin", Cmd{Argv: []string{"cat"}, Stdin: []byte("x")}, "exec cat", false},
		{"become", Cmd{Argv: []string{"id"}, Become: Become{Enabled: true, User: "www"}}, "sudo -H -S -n -u www -- /bin/sh -c 'exec id'", false},
		{"script", Cmd{Script: "echo $1"}, "eval 'echo $1'", false},
		{"script with env", Cmd{Script: "echo $V", Env: map[string]string{"V": "1"}}, "export V=1 && eval 'echo $V'", false},
		{"in-shell script", Cmd{Script: "[ -e /x ]", InShell: true}, "[ -e /x ]", true},
		{"in-shell script with env", Cmd{Script: "[ -e /x ]", InShell: true, Env: map[string]string{"V": "1"}}, "export V=1 && eval '[ -e /x ]'", false},
		{"other shell", Cmd{Script: "echo", Executable: "/bin/bash"}, "/bin/bash -c echo", false},
	} {
		l, err := shellCommandLine(c.cmd, "root")
		if err != nil || l.text != c.text || l.direct != c.direct {
			t.Errorf("%s: got %q direct=%v (%v), want %q direct=%v", c.name, l.text, l.direct, err, c.text, c.direct)
		}
	}
}

func TestOctalMode(t *testing.T) {
	if got := octalMode(0o644); got != "0644" {
		t.Error(got)
	}
	if got := octalMode(0o755 | fs.ModeSetuid | fs.ModeSticky); got != "5755" {
		t.Error(got)
	}
}

// TestWriteScriptPrograms checks which programs the write script starts:
// a write of a known mode starts dd (which writes and fsyncs) and mv;
// other writes add what they need.
func TestWriteScriptPrograms(t *testing.T) {
	programs := func(s string) []string {
		var got []string
		// At the start of a line: run always. The kept owner's chown is
		// in an if, and runs only when the file is not the writer's.
		for _, p := range []string{"dd of=", "chmod ", "chown ", "chgrp ", "mv -f"} {
			if strings.Contains(s, "\n"+p) {
				got = append(got, strings.TrimSpace(strings.TrimSuffix(p, " of=")))
			}
		}
		return got
	}
	for _, c := range []struct {
		name string
		data []byte
		opts WriteOptions
		want string
	}{
		{"text, known mode", []byte("a'b\n"), WriteOptions{Mode: 0o640}, "dd mv -f"},
		{"text, mode kept", []byte("x"), WriteOptions{}, "dd mv -f"},
		{"binary", []byte("a\x00b"), WriteOptions{Mode: 0o644}, "dd mv -f"},
		{"large", bytes.Repeat([]byte("x"), inlineWriteMax+1), WriteOptions{Mode: 0o644}, "dd mv -f"},
		{"many quotes", bytes.Repeat([]byte("'"), inlineWriteMax/125+1), WriteOptions{Mode: 0o644}, "dd mv -f"},
		{"executable", []byte("x"), WriteOptions{Mode: 0o755}, "dd chmod mv -f"},
		{"owner and group", []byte("x"), WriteOptions{Mode: 0o644, Owner: "a", Group: "b"}, "dd chown mv -f"},
	} {
		s := writeScript("/etc/x", "T", c.data, c.opts)
		if got := strings.Join(programs(s), " "); got != c.want {
			t.Errorf("%s: programs %q, want %q\n%s", c.name, got, c.want, s)
		}
	}
	if s := writeScript("/etc/x", "T", []byte("x"), WriteOptions{Mode: 0o640}); !strings.Contains(s, "umask 0137;") {
		t.Errorf("mode 0640 by umask: %s", s)
	}
	if s := writeScript("/etc/x", "T", []byte("x"), WriteOptions{Mode: 0o700}); !strings.Contains(s, "umask 077;") {
		t.Errorf("a temp that chmod finishes is private until then: %s", s)
	}
}
