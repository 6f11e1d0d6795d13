package modules

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/haplay/haplay/engine/connection"
)

// FileInfo is what one round trip learns about a path on a host.
type FileInfo struct {
	Path       string
	Exists     bool
	Type       string // "file", "directory", "link", "other"
	Mode       fs.FileMode
	Owner      string
	Group      string
	UID, GID   int
	Size       int64
	LinkTarget string
	// Content is set for regular files when it was asked for.
	Content []byte
	HasData bool
}

// Checksum is the SHA-1 of Content, as Ansible reports it.
func (f FileInfo) Checksum() string {
	if !f.HasData {
		return ""
	}
	s := sha1.Sum(f.Content)
	return hex.EncodeToString(s[:])
}

// ReadFileInfo stats path and, when withContent is set and it is a regular
// file, reads its content, in a single remote command. Modules call it
// through Host.ReadFile, which the runner overlays in check mode.
func ReadFileInfo(ctx context.Context, h interface {
	Run(context.Context, connection.Cmd) (connection.Output, error)
}, path string, withContent bool, become connection.Become) (FileInfo, error) {
	// The script sets no variable and never exits, so a remote shell can
	// run it without a subshell (Cmd.InShell): the path is spelled out
	// each time instead of kept in a variable.
	q := connection.Quote(path)
	script := "if [ -L " + q + " ] || [ -e " + q + " ]; then\n" +
		"  stat -c '%F|%a|%U|%G|%u|%g|%s' -- " + q + " &&\n" +
		"  { if [ -L " + q + " ]; then readlink -- " + q + "; else echo; fi; }"
	if withContent {
		script += " &&\n  { if [ -f " + q + " ]; then cat -- " + q + "; fi; }"
	}
	script += "\nelse\n  echo ABSENT\nfi"
	out, err := h.Run(ctx, connection.Cmd{Script: script, Become: become, InShell: true})
	if err != nil {
		return FileInfo{}, err
	}
	if out.ExitCode != 0 {
		return FileInfo{}, fmt.Errorf("read %s: %s (exit %d)", path, strings.TrimSpace(string(out.Stderr)), out.ExitCode)
	}
	return parseFileInfo(path, out.Stdout, withContent)
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
	fi.Mode = octalToMode(uint32(m))
	fi.Owner, fi.Group = f[2], f[3]
	fi.UID, _ = strconv.Atoi(f[4])
	fi.GID, _ = strconv.Atoi(f[5])
	fi.Size, _ = strconv.ParseInt(f[6], 10, 64)
	fi.LinkTarget = string(link)
	if withContent && fi.Type == "file" {
		fi.Content = content
		fi.HasData = true
	}
	return fi, nil
}
