package connection

import (
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
	for _, bad := range []Cmd{{}, {Argv: []string{"a"}, Script: "b"}, {Argv: []string{"a"}, Env: map[string]string{"1X": ""}}} {
		if _, _, err := commandLine(bad, "root"); err == nil {
			t.Errorf("accepted %+v", bad)
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
