package module

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/haplay/haplay/engine/connection/hostcmd"
)

// ReadFileInfo stats path and, when withContent is set and it is a regular
// file, reads its content, in a single remote command. Modules call it
// through Host.ReadFile, which the runner overlays in check mode.
//
// A regular file's attributes and content come from one program, tar
// (GNU tar writes the owner's and group's names too): on a loaded host
// every program started costs several ms, and stat then cat is two. When
// tar fails (permission denied, a tar without these options, a file
// changed while read), stat and cat run in a second command, which also
// says what went wrong.
func ReadFileInfo(ctx context.Context, h interface {
	Run(context.Context, hostcmd.Cmd) (hostcmd.Output, error)
}, path string, withContent bool, become hostcmd.Become) (FileInfo, error) {
	q := hostcmd.Quote(path)
	if withContent {
		out, err := h.Run(ctx, hostcmd.Cmd{Script: tarProbeScript(q), Become: become, InShell: true})
		if err != nil {
			return FileInfo{}, err
		}
		if out.ExitCode == 0 {
			if f, ok := parseTarProbe(path, out.Stdout); ok {
				return f, nil
			}
			// ABSENT, or stat's answer for what is not a regular file.
			return parseFileInfo(path, out.Stdout, withContent)
		}
	}
	out, err := h.Run(ctx, hostcmd.Cmd{Script: statProbeScript(q, withContent), Become: become, InShell: true})
	if err != nil {
		return FileInfo{}, err
	}
	if out.ExitCode != 0 {
		return FileInfo{}, fmt.Errorf("read %s: %s (exit %d)", path, strings.TrimSpace(string(out.Stderr)), out.ExitCode)
	}
	return parseFileInfo(path, out.Stdout, withContent)
}

// The probe scripts set no variable and never exit, so a remote shell can
// run them without a subshell (Cmd.InShell): the quoted path q is spelled
// out each time instead of kept in a variable.

// tarProbeScript prints a regular file as a one-entry tar stream, or what
// statProbeScript prints for anything else; it exits non-zero when tar
// fails, and the stat probe then runs alone. The stat probe's own
// "if ... fi" becomes this script's "elif ... fi".
func tarProbeScript(q string) string {
	return "if [ -f " + q + " ] && [ ! -L " + q + " ]; then\n" +
		"  tar -c -b 1 --no-recursion -P -f - -- " + q + " 2>/dev/null\n" +
		"el" + statProbeScript(q, false)
}

// statProbeScript prints ABSENT, or stat's line, the link target (empty
// for other types) and, with content, a regular file's bytes.
func statProbeScript(q string, withContent bool) string {
	script := "if [ -L " + q + " ] || [ -e " + q + " ]; then\n" +
		"  stat -c '%F|%a|%U|%G|%u|%g|%s' -- " + q + " &&\n" +
		"  { if [ -L " + q + " ]; then readlink -- " + q + "; else echo; fi; }"
	if withContent {
		script += " &&\n  { if [ -f " + q + " ]; then cat -- " + q + "; fi; }"
	}
	return script + "\nelse\n  echo ABSENT\nfi"
}

// parseTarProbe reads the regular file tarProbeScript sent; ok is false
// when b is not one complete entry for path.
func parseTarProbe(path string, b []byte) (FileInfo, bool) {
	tr := tar.NewReader(bytes.NewReader(b))
	hdr, err := tr.Next()
	if err != nil || (hdr.Typeflag != tar.TypeReg && hdr.Typeflag != tar.TypeRegA) || hdr.Name != path {
		return FileInfo{}, false
	}
	content, err := io.ReadAll(tr)
	if err != nil || int64(len(content)) != hdr.Size {
		return FileInfo{}, false
	}
	fi := FileInfo{Path: path, Exists: true, Type: "file", Mode: OctalToMode(uint32(hdr.Mode & 0o7777)),
		Owner: hdr.Uname, Group: hdr.Gname, UID: hdr.Uid, GID: hdr.Gid, Size: hdr.Size, Content: content, HasData: true}
	fi.Owner, fi.Group = idName(fi.Owner, fi.UID), idName(fi.Group, fi.GID)
	return fi, true
}

// idName is a user or group name as Ansible reports it: the id's number
// when the host has no name for it (stat says UNKNOWN, tar leaves it
// empty).
func idName(name string, id int) string {
	if name == "" || name == "UNKNOWN" {
		return strconv.Itoa(id)
	}
	return name
}

func parseFileInfo(path string, b []byte, withContent bool) (FileInfo, error) {
	fi := FileInfo{Path: path}
	if bytes.Equal(b, []byte("ABSENT\n")) {
		return fi, nil
	}
	head, rest, ok := bytes.Cut(b, []byte("\n"))
	if !ok {
		return fi, fmt.Errorf("read %s: unexpected stat output %q", path, b)
	}
	link, content, _ := bytes.Cut(rest, []byte("\n"))
	f := strings.Split(string(head), "|")
	if len(f) != 7 {
		return fi, fmt.Errorf("read %s: unexpected stat output %q", path, head)
	}
	fi.Exists = true
	switch f[0] {
	case "regular file", "regular empty file":
		fi.Type = "file"
	case "directory":
		fi.Type = "directory"
	case "symbolic link":
		fi.Type = "link"
	default:
		fi.Type = "other"
	}
	m, err := strconv.ParseUint(f[1], 8, 32)
	if err != nil {
		return fi, fmt.Errorf("read %s: bad mode %q", path, f[1])
	}
	fi.Mode = OctalToMode(uint32(m))
	fi.UID, _ = strconv.Atoi(f[4])
	fi.GID, _ = strconv.Atoi(f[5])
	fi.Owner, fi.Group = idName(f[2], fi.UID), idName(f[3], fi.GID)
	fi.Size, _ = strconv.ParseInt(f[6], 10, 64)
	fi.LinkTarget = string(link)
	if withContent && fi.Type == "file" {
		fi.Content = content
		fi.HasData = true
	}
	return fi, nil
}

// ReadState is what a write must find still there to rename over the
// file (hostcmd.WriteOptions.Unchanged): absent, or this content. It is
// nil, no check, when the read cannot pin the file down (a link, a
// directory, a stat without content).
func (f FileInfo) ReadState() *hostcmd.FileState {
	if !f.Exists {
		return &hostcmd.FileState{}
	}
	if f.Type != "file" || !f.HasData {
		return nil
	}
	s := sha256.Sum256(f.Content)
	return &hostcmd.FileState{Exists: true, SHA256: hex.EncodeToString(s[:])}
}
