package connection

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/haplay/haplay/engine/connection/hostcmd"
)

// envName is what a POSIX shell accepts left of "=" in an assignment; any
// other name would be executed as a command word, so it is refused.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// commandLine turns c into one shell command line plus the bytes to feed
// its stdin. remoteUser is the user the line will run as before become, so
// that sudo can be skipped when it would not change anything. The line is
// the same for ssh (run by the login shell) and local (/bin/sh -c).
func commandLine(c Cmd, remoteUser string) (string, []byte, error) {
	l, err := buildLine(c, remoteUser, false)
	return l.text, l.stdin, err
}

// shellCommandLine is commandLine for a remote shell (shell.go), which is
// /bin/sh already: a /bin/sh script runs through eval in the frame's
// subshell instead of an exec of a second /bin/sh. eval parses the script
// when it runs, so a syntax error in it ends the subshell with status 2
// and the message on stderr, as sh -c would, and never reaches the shell
// reading the frames. It saves a process start on most module commands.
//
// Some lines need no subshell at all (cmdLine.direct): a program run by name
// with its arguments, and scripts the caller marked InShell. The reading
// shell runs those itself, and dash starts a program with vfork, which
// costs far less than the fork of a subshell (see docs/performance.md).
func shellCommandLine(c Cmd, remoteUser string) (cmdLine, error) {
	return buildLine(c, remoteUser, true)
}

// cmdLine is a command line ready for a channel or a remote shell.
type cmdLine struct {
	text  string
	stdin []byte
	// direct: the line leaves the shell that runs it as it was (no exit,
	// cd, option, trap or variable of its own survives it), so a remote
	// shell may run it without a subshell around it.
	direct bool
}

func buildLine(c Cmd, remoteUser string, inShell bool) (cmdLine, error) {
	var b strings.Builder
	if c.Dir != "" {
		b.WriteString("cd " + Quote(c.Dir) + " && ")
	}
	// Variables are assignments in the line rather than SSH setenv
	// requests: sshd's AcceptEnv rejects almost everything by default.
	keys := make([]string, 0, len(c.Env))
	for k := range c.Env {
		if !envName.MatchString(k) {
			return cmdLine{}, fmt.Errorf("invalid environment variable name %q", k)
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	assign := func(export bool) {
		for _, k := range keys {
			if export {
				b.WriteString("export ")
			}
			b.WriteString(k + "=" + Quote(c.Env[k]))
			if export {
				b.WriteString(" && ")
			} else {
				b.WriteString(" ")
			}
		}
	}
	// direct is possible only where nothing would outlive the line: no
	// cd, no sudo wrapper (it uses exec), no stdin (its pipe needs a
	// subshell anyway).
	simple := inShell && c.Dir == "" && len(c.Stdin) == 0 && !becomes(c.Become, remoteUser)
	direct := false
	switch {
	case len(c.Argv) > 0 && c.Script != "":
		return cmdLine{}, errors.New("command has both Argv and Script")
	case len(c.Argv) > 0:
		assign(false)
		if simple && !isShellBuiltin(c.Argv[0]) {
			// The reading shell starts the program itself. The name is
			// quoted even when Quote would not: a quoted word is never
			// taken for a keyword or an assignment.
			b.WriteString("'" + strings.ReplaceAll(c.Argv[0], "'", `'"'"'`) + "'")
			if len(c.Argv) > 1 {
				b.WriteString(" " + Join(c.Argv[1:]))
			}
			direct = true
			break
		}
		// exec: the program named, never a shell builtin of the same
		// name (dash's echo would expand backslashes), as Ansible's
		// command module runs it, whichever shell reads the line.
		b.WriteString("exec " + Join(c.Argv))
	case c.Script != "":
		sh := c.Executable
		if sh == "" {
			sh = "/bin/sh"
		}
		if simple && c.InShell && sh == "/bin/sh" && len(c.Env) == 0 {
			b.WriteString(c.Script)
			direct = true
			break
		}
		if inShell && sh == "/bin/sh" && !becomes(c.Become, remoteUser) {
			// In the frame's subshell, so exported variables end with it.
			assign(true)
			b.WriteString("eval " + Quote(c.Script))
			break
		}
		assign(false)
		b.WriteString(Quote(sh) + " -c " + Quote(c.Script))
	default:
		return cmdLine{}, errors.New("command has neither Argv nor Script")
	}
	text, stdin := become(b.String(), c.Stdin, c.Become, remoteUser)
	return cmdLine{text: text, stdin: stdin, direct: direct}, nil
}

// isShellBuiltin tells whether name could be a builtin of the remote
// /bin/sh (dash, bash, busybox ash, ksh or zsh as sh). Such a name must be
// run with exec in a subshell: the command module runs programs, and a
// builtin (cd, export, umask) run by the shell reading the frames would
// change it for every later command. A name with a slash is always a
// program.
func isShellBuiltin(name string) bool {
	if strings.Contains(name, "/") {
		return false
	}
	switch name {
	case ".", ":", "[", "alias", "autoload", "bg", "bind", "break", "builtin", "caller", "cd", "chdir",
		"command", "compgen", "complete", "compopt", "continue", "declare", "dirs", "disown", "echo",
		"emulate", "enable", "eval", "exec", "exit", "export", "false", "fc", "fg", "float", "functions",
		"getopts", "hash", "help", "history", "integer", "jobs", "kill", "let", "local", "logout",
		"mapfile", "popd", "print", "printf", "pushd", "pwd", "read", "readarray", "readonly", "return",
		"set", "setopt", "shift", "shopt", "source", "suspend", "test", "times", "trap", "true",
		"type", "typeset", "ulimit", "umask", "unalias", "unset", "unsetopt", "wait", "whence":
		return true
	}
	return false
}

// becomes tells whether bc needs sudo for remoteUser.
func becomes(bc Become, remoteUser string) bool {
	if !bc.Enabled {
		return false
	}
	user := bc.User
	if user == "" {
		user = "root"
	}
	return user != remoteUser
}

// become wraps line in sudo when c asks for another user than remoteUser.
func become(line string, stdin []byte, bc Become, remoteUser string) (string, []byte) {
	if !bc.Enabled {
		return line, stdin
	}
	user := bc.User
	if user == "" {
		user = "root"
	}
	if user == remoteUser {
		return line, stdin
	}
	inner := "/bin/sh -c " + Quote(line)
	if bc.Method == "su" {
		return suLine(inner, stdin, bc.Password, user)
	}
	if bc.Password == "" {
		// -n: fail at once instead of hanging on a password prompt.
		return "sudo -H -S -n -u " + Quote(user) + " -- " + inner, stdin
	}
	// The password goes first on stdin. sudo reads it only when it needs
	// one (no NOPASSWD, no cached credentials); otherwise the line would
	// reach the command as input. So ask sudo -n first and, if no password
	// is needed, swallow the line ourselves. Both sudo and the shell's read
	// take input a byte at a time, so the command's own stdin is intact.
	// This costs one local process on the host, not a round trip.
	u := Quote(user)
	wrapped := "if sudo -n -u " + u + " true 2>/dev/null; then IFS= read -r _; exec sudo -H -n -u " + u + " -- " + inner +
		"; else exec sudo -H -S -p '' -u " + u + " -- " + inner + "; fi"
	in := make([]byte, 0, len(bc.Password)+1+len(stdin))
	in = append(append(append(in, bc.Password...), '\n'), stdin...)
	return wrapped, in
}

// suLine wraps inner in su. su -c takes one shell word, so inner is quoted
// once more; -s /bin/sh makes it work for users whose login shell is
// nologin. Root needs no password for su (pam_rootok); anyone else is
// asked for it, and su reads it from its input when there is no terminal.
// So the password, when set, goes first on stdin, and a root shell
// swallows that line itself: the password is never on a command line.
func suLine(inner string, stdin []byte, password, user string) (string, []byte) {
	su := "su -s /bin/sh -c " + Quote(inner) + " " + Quote(user)
	if password == "" {
		return su, stdin
	}
	wrapped := `if [ "$(id -u)" = 0 ]; then IFS= read -r _; fi; exec ` + su
	in := make([]byte, 0, len(password)+1+len(stdin))
	in = append(append(append(in, password...), '\n'), stdin...)
	return wrapped, in
}

// runFunc runs one command on a target; WriteFile is built on it so ssh and
// local share the same atomic write script.
type runFunc func(ctx context.Context, c Cmd) (Output, error)

// validateExit is the exit code the write script uses to say "the
// validation command failed"; its exit code is then on stdout.
const validateExit = 97

// octalMode renders m for chmod, set-id and sticky bits included.
func octalMode(m fs.FileMode) string {
	v := uint32(m.Perm())
	if m&fs.ModeSetuid != 0 {
		v |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		v |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		v |= 0o1000
	}
	return fmt.Sprintf("%04o", v)
}

// TempMarker and StaleTempAge name and age the temps WriteFile makes
// (see hostcmd, where the modules that write temps of their own find them).
const (
	TempMarker   = hostcmd.TempMarker
	StaleTempAge = hostcmd.StaleTempAge
)

// writeTrailer follows the data on stdin. dd takes exactly the data's
// length and the shell's read builtin must then see this line: data cut
// short (the controller died, the channel closed) ends dd early and the
// read finds no trailer, so the temp is never renamed.
const writeTrailer = "haplay-write-end"

// tempName is the temp file's name for a write to p: a dot file beside it
// (so rename is atomic), its name cut so the whole stays under NAME_MAX.
func tempName(p, suffix string) string {
	base := path.Base(p)
	if len(base) > 180 {
		base = base[:180]
	}
	return "." + base + TempMarker + suffix
}

// oldTempGlob matches the temps of haplay before TempMarker
// (.haplay.RANDOM, RANDOM being rand.Text's 26 characters): swept too.
const oldTempGlob = ".haplay.??????????????????????????"

// sweepScript removes stale temps of ours from $d. The globs are expanded
// by the shell itself, so a directory without any temp of ours costs no
// process; find runs only when one is there, and removes only the old.
func sweepScript() string {
	ours := ".*" + TempMarker + "*"
	return "for s in \"$d\"/" + ours + " \"$d\"/" + oldTempGlob + "; do\n" +
		"  if [ -e \"$s\" ]; then find \"$d/.\" -maxdepth 1 \\( -name '" + ours + "' -o -name '" + oldTempGlob + "' \\) -type f -mmin +" +
		strconv.Itoa(int(StaleTempAge/time.Minute)) + " -delete 2>/dev/null || :; break; fi\n" +
		"done\n"
}

// writeScript is the one remote command behind WriteFile: data goes into a
// temp file beside path (tempName), is fsynced, checked complete, gets its
// attributes, is validated and then renamed over path, so the target is
// always the old file or the new one. The EXIT trap removes the temp on
// every failure (set -e, validation, or a signal turned into an exit).
// tmpSuffix is random (from the controller): the temp is created with
// noclobber, so an existing file of that name is never taken over.
//
// Every process on the host costs a fork and an exec (several ms on a
// loaded lab host, docs/performance.md), so the script uses builtins
// wherever it can, and a usual write starts two programs, dd and mv:
//   - dd writes the temp and fsyncs it (conv=fsync) in the one process
//     that a write needs anyway; printf (a builtin) then sync would cost
//     the same process and report a full disk only as "I/O error", where
//     dd names the errno ("No space left on device");
//   - data that is text of up to inlineWriteMax bytes is in the script, as
//     a here-document dd reads exactly len(data) bytes of; a script is
//     parsed whole before it runs, so it cannot arrive in part;
//   - other data arrives on stdin followed by writeTrailer: dd reads
//     exactly len(data) bytes (count_bytes, fullblock) and the read
//     builtin must find the trailer right after them;
//   - stale temps are swept by a glob (sweepScript), no process when
//     there are none;
//   - the directory comes by parameter expansion, not dirname;
//   - the temp gets its mode from the umask it is created under when the
//     mode has no x or special bit, else from chmod, and it is created
//     private (umask 077) until then;
//   - a kept owner and group need chown only when they are not already
//     the writer's (test -O and -G are builtins).
func writeScript(p, tmpSuffix string, data []byte, opts WriteOptions) string {
	var b strings.Builder
	b.WriteString("set -e\n")
	b.WriteString("p=" + Quote(p) + "\n")
	b.WriteString("case $p in */*) d=${p%/*}; d=${d:-/} ;; *) d=. ;; esac\n")
	b.WriteString(sweepScript())
	tmp := tempName(p, tmpSuffix)
	if opts.Unchanged != nil {
		tmp = tempName(p, editTempSuffix)
	}
	b.WriteString("t=\"$d\"/" + Quote(tmp) + "\n")
	byUmask := opts.Mode != 0 && opts.Mode&^0o666 == 0
	if byUmask {
		fmt.Fprintf(&b, "umask %04o; ", 0o777&^uint32(opts.Mode))
	} else if opts.Mode != 0 {
		b.WriteString("umask 077; ")
	} else {
		// Mode kept from the existing file or 0644 for a new one.
		b.WriteString("if [ -e \"$p\" ]; then umask 077; else umask 022; fi; ")
	}
	if opts.Unchanged != nil {
		b.WriteString(editTempScript())
	} else {
		b.WriteString("set -C; : >\"$t\"; set +C\n")
	}
	b.WriteString("trap 'rm -f \"$t\"' EXIT\n")
	b.WriteString("trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM\n")
	dd := "dd of=\"$t\" bs=64K iflag=fullblock,count_bytes count=" + strconv.Itoa(len(data)) + " conv=notrunc,fsync status=none"
	if !viaStdin(data, tmpSuffix) {
		eof := hereEnd(tmpSuffix)
		b.WriteString(dd + " <<'" + eof + "'\n")
		b.Write(data)
		b.WriteString("\n" + eof + "\n")
	} else {
		b.WriteString(dd + "\n")
		b.WriteString("IFS= read -r e || e=\nif [ \"$e\" != " + writeTrailer + " ]; then echo \"input ended after fewer than " +
			strconv.Itoa(len(data)) + " bytes: file left unchanged\" >&2; exit 1; fi\n")
	}
	switch {
	case byUmask:
	case opts.Mode != 0:
		b.WriteString("chmod " + octalMode(opts.Mode) + " \"$t\"\n")
	default:
		b.WriteString("if [ -e \"$p\" ]; then chmod --reference=\"$p\" \"$t\"; fi\n")
	}
	// Keep what the existing file had unless told otherwise. Copying the
	// owner is best effort: a non-root user cannot give a file away, and
	// Ansible writes the file anyway in that case. chown is skipped when
	// the file's owner and group are the writer's, and the temp's group
	// is the same (a setgid directory could give it another).
	keep := "if [ -e \"$p\" ] && ! { [ -O \"$p\" ] && [ -G \"$p\" ] && [ -G \"$t\" ]; }; then chown --reference=\"$p\" \"$t\" 2>/dev/null || :; fi\n"
	switch {
	case opts.Owner != "" && opts.Group != "":
		b.WriteString("chown " + Quote(opts.Owner+":"+opts.Group) + " \"$t\"\n")
	case opts.Owner != "":
		// The group stays the existing file's.
		b.WriteString(keep)
		b.WriteString("chown " + Quote(opts.Owner) + " \"$t\"\n")
	case opts.Group != "":
		b.WriteString(keep)
		b.WriteString("chgrp " + Quote(opts.Group) + " \"$t\"\n")
	default:
		b.WriteString(keep)
	}
	if opts.Validate != "" {
		// The validator's stdout goes to stderr so stdout carries only our
		// report of its exit code.
		v := strings.ReplaceAll(opts.Validate, "%s", "\"$t\"")
		b.WriteString("set +e\n(" + v + "\n) </dev/null >&2\nrc=$?\nset -e\n")
		b.WriteString("if [ $rc -ne 0 ]; then echo $rc; exit " + strconv.Itoa(validateExit) + "; fi\n")
	}
	b.WriteString(unchangedScript(opts.Unchanged))
	b.WriteString("mv -f \"$t\" \"$p\"\n")
	b.WriteString("trap - EXIT\n")
	return b.String()
}

// editTempSuffix names the temp of a read-modify-write (WriteOptions.
// Unchanged): one name per target, so creating it with noclobber is a
// mutex among haplay's edits of that file, and the rename that ends the
// write releases it. Without it two edits could both pass the check
// before either renamed, and one's change would be lost.
const editTempSuffix = "edit"

// editWaitTries and editWaitStep bound how long an edit waits for another
// edit of the same file to finish (about 10 s).
const (
	editWaitTries = 100
	editWaitStep  = "0.1"
)

// editTempScript creates the edit temp $t, waiting while another edit
// holds it. No process runs when it is free; a temp left by a writer that
// died (the host lost power) fails the write with what to remove, until
// the sweep takes it after StaleTempAge. true, not ":": a failed
// redirection of a special builtin would end the shell.
func editTempScript() string {
	return "set -C; n=0\n" +
		"until { true >\"$t\"; } 2>/dev/null; do\n" +
		"  n=$((n + 1)); if [ $n -gt " + strconv.Itoa(editWaitTries) + " ]; then set +C; echo \"another write to $p has been in progress for 10 s ($t exists); if none is, remove $t\" >&2; exit 1; fi\n" +
		"  sleep " + editWaitStep + "\n" +
		"done; set +C\n"
}

// changedExit is the exit code the write script uses to say "the target
// is no longer what the caller read" (WriteOptions.Unchanged).
const changedExit = 96

// unchangedScript checks, as the last step before the rename, that $p is
// still what the caller read: absent stays absent (builtins only), an
// existing file keeps its SHA-256 (one sha256sum, only on writes that ask
// for the check). The temp is removed by the EXIT trap when it fails. A
// writer that changes the file in the instant between this check and the
// rename still loses its change; haplay's own runs cannot, as each holds
// the host's lock (hostlock.go).
func unchangedScript(st *hostcmd.FileState) string {
	if st == nil {
		return ""
	}
	fail := "echo 'changed since read' >&2; exit " + strconv.Itoa(changedExit)
	if !st.Exists {
		return "if [ -e \"$p\" ] || [ -L \"$p\" ]; then " + fail + "; fi\n"
	}
	return "h=$(sha256sum <\"$p\") || h=\n" +
		"if [ \"${h%% *}\" != " + Quote(st.SHA256) + " ]; then " + fail + "; fi\n"
}

// inlineWriteMax bounds the data writeScript puts in the script itself.
// On a channel the script is one argument of sh -c (of sudo's sh -c
// around it, with become), and Linux takes at most 128 KiB in one
// argument.
const inlineWriteMax = 32 << 10

// inlineData tells whether data can travel inside the write script: a
// shell word cannot hold a NUL byte, and its size must stay well inside
// the argument limit however often it is quoted. Each quoting level
// turns a single quote into five characters, and there are up to three
// (the data in the script, the script in the line, the line in sudo's).
func inlineData(data []byte) bool {
	if bytes.IndexByte(data, 0) >= 0 {
		return false
	}
	return len(data)+124*bytes.Count(data, []byte("'")) <= inlineWriteMax
}

// viaStdin tells whether writeScript reads the data from stdin (followed
// by writeTrailer) rather than from a here-document in the script.
func viaStdin(data []byte, suffix string) bool {
	return !inlineData(data) || hasLine(data, hereEnd(suffix))
}

// hereEnd is the word that ends the here-document of inline data.
func hereEnd(suffix string) string { return "HAPLAY_EOF_" + suffix }

// hasLine tells whether line occurs in data as a whole line, which would
// end the here-document early.
func hasLine(data []byte, line string) bool {
	for l := range bytes.Lines(data) {
		if string(bytes.TrimSuffix(l, []byte("\n"))) == line {
			return true
		}
	}
	return false
}

// writeFile implements Target.WriteFile on top of run.
func writeFile(ctx context.Context, run runFunc, host, path string, data []byte, opts WriteOptions) error {
	if path == "" {
		return errors.New("write file: empty path")
	}
	suffix := rand.Text()
	c := Cmd{Script: writeScript(path, suffix, data, opts), Become: opts.Become}
	if viaStdin(data, suffix) {
		c.Stdin = append(slices.Clip(data), writeTrailer+"\n"...)
	}
	out, err := run(ctx, c)
	if err != nil {
		return fmt.Errorf("write %s on %s: %w", path, host, err)
	}
	stderr := strings.TrimSpace(string(out.Stderr))
	if out.ExitCode == validateExit && opts.Validate != "" {
		rc := strings.TrimSpace(string(out.Stdout))
		return fmt.Errorf("write %s on %s: validation %q failed with exit code %s, file left unchanged: %s",
			path, host, opts.Validate, rc, stderr)
	}
	if out.ExitCode == changedExit && opts.Unchanged != nil {
		return fmt.Errorf("write %s on %s: %w, file left as it is now", path, host, hostcmd.ErrChangedSinceRead)
	}
	if out.ExitCode != 0 && isNoSpace(stderr) {
		return fmt.Errorf("write %s on %s: No space left on device, file left unchanged: %s", path, host, stderr)
	}
	if out.ExitCode != 0 {
		return fmt.Errorf("write %s on %s: exit code %d: %s", path, host, out.ExitCode, stderr)
	}
	return nil
}

// isNoSpace tells whether a failed write's stderr says the file system
// (or the user's quota) is full. dd and the shell report ENOSPC by its
// text; a shell builtin writing to a full disk says only "I/O error", and
// the script writes no data with builtins for that reason.
func isNoSpace(stderr string) bool {
	return strings.Contains(stderr, "No space left on device") || strings.Contains(stderr, "Disk quota exceeded")
}

// signalOutput records that the command died of a signal: the exit code
// follows the shell convention 128+n and stderr says which signal.
func signalOutput(out *Output, name string, num int) {
	out.Signal = name
	out.ExitCode = 128 + num
	if num <= 0 {
		out.ExitCode = -1
	}
	msg := fmt.Sprintf("killed by signal %s", name)
	if len(out.Stderr) > 0 && !bytes.HasSuffix(out.Stderr, []byte("\n")) {
		out.Stderr = append(out.Stderr, '\n')
	}
	out.Stderr = append(out.Stderr, msg...)
}

// signalName is the RFC 4254 name of Linux signal n ("" if unnamed there);
// a switch rather than a table keeps the package free of mutable state.
func signalName(n int) string {
	switch n {
	case 1:
		return "HUP"
	case 2:
		return "INT"
	case 3:
		return "QUIT"
	case 4:
		return "ILL"
	case 6:
		return "ABRT"
	case 8:
		return "FPE"
	case 9:
		return "KILL"
	case 10:
		return "USR1"
	case 11:
		return "SEGV"
	case 12:
		return "USR2"
	case 13:
		return "PIPE"
	case 14:
		return "ALRM"
	case 15:
		return "TERM"
	}
	return ""
}

// signalNumber is the inverse of signalName; -1 when unknown.
func signalNumber(name string) int {
	for n := 1; n <= 15; n++ {
		if signalName(n) == name {
			return n
		}
	}
	return -1
}
