package storage

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules/internal/hostscript"
)

// fsState is what the filesystem module reads on the host, in one command.
type fsState struct {
	Missing bool
	Fs      string // blkid's TYPE, "" for none
	// DevSize and FsSize are in bytes; -1 when unknown (not a block
	// device or regular file; the info tool's output not understood).
	DevSize, FsSize int64
	Mountpoint      string
	Tools           map[string]bool // the needed tools that are installed
}

// fsReadScript reads dev's kind and size, its filesystem type (blkid
// without a cache, as the module asks), which tools exist and, for a
// resize, the filesystem's size (tune2fs -l, or xfs_info on its mount
// point when mounted).
func fsReadScript(dev string, tools []string, resize bool) string {
	q := hostcmd.Quote(dev)
	s := "export LANG=C LC_ALL=C LC_MESSAGES=C\nif [ ! -e " + q + " ]; then " + hostscript.Mark("missing") + "; exit 0; fi\n" +
		hostscript.Mark("size") + "\nif [ -b " + q + " ]; then blockdev --getsize64 " + q + " || exit 3\n" +
		"elif [ -f " + q + " ]; then stat -L -c %s -- " + q + " || exit 3; fi\n" +
		hostscript.Mark("tools") + "\nfor t in blkid " + hostcmd.Join(tools) + "; do command -v \"$t\" >/dev/null 2>&1 && echo \"$t\"; done\n" +
		"command -v blkid >/dev/null 2>&1 || exit 0\n" +
		hostscript.Mark("fs") + "\nfs=$(blkid -c /dev/null -o value -s TYPE " + q + ")\necho \"$fs\"\n"
	if resize {
		s += hostscript.Mark("mnt") + "\nmp=$(findmnt --mtab --noheadings --output TARGET --source " + q + " 2>/dev/null | head -n 1)\necho \"$mp\"\n" +
			hostscript.Mark("info") + "\ncase $fs in\next*) tune2fs -l " + q + " 2>&1 ;;\n" +
			"xfs) if [ -n \"$mp\" ]; then xfs_info \"$mp\"; else xfs_info " + q + "; fi 2>&1 ;;\nesac\n"
	}
	return s + "exit 0\n"
}

func readFS(ctx context.Context, c *module.Call, dev string, k fsKind, resize bool) (fsState, error) {
	tools := []string{"wipefs"}
	if k.Mkfs != "" {
		tools = append(tools, k.Mkfs)
	}
	if resize && k.Grow != "" {
		tools = append(tools, k.Grow, "tune2fs", "xfs_info")
	}
	out, err := hostscript.Run(ctx, c, fsReadScript(dev, tools, resize), nil)
	if err != nil {
		return fsState{}, fmt.Errorf("filesystem: read %s: %w", dev, err)
	}
	if out.ExitCode != 0 {
		return fsState{}, hostscript.Failf("%s: reading the size of %s failed (exit %d): %s", c.Host.Name(), dev, out.ExitCode, strings.TrimSpace(string(out.Stderr)))
	}
	s := hostscript.Sections(out.Stdout)
	if hasSection(s, "missing") {
		return fsState{Missing: true}, nil
	}
	st := fsState{DevSize: -1, FsSize: -1, Tools: map[string]bool{}, Fs: strings.TrimSpace(s["fs"]), Mountpoint: strings.TrimSpace(s["mnt"])}
	for _, t := range strings.Fields(s["tools"]) {
		st.Tools[t] = true
	}
	if !st.Tools["blkid"] {
		return st, hostscript.Failf("%s: blkid is not installed on the host (needed to read the filesystem type of %s)", c.Host.Name(), dev)
	}
	if n, err := strconv.ParseInt(strings.TrimSpace(s["size"]), 10, 64); err == nil {
		st.DevSize = n
	}
	if resize {
		if err := fsSizeOf(c, &st, k, s["info"]); err != nil {
			return st, err
		}
	}
	return st, nil
}

// fsSizeOf sets st.FsSize from the info tool's output, as the module
// parses it.
func fsSizeOf(c *module.Call, st *fsState, k fsKind, info string) error {
	switch {
	case strings.HasPrefix(st.Fs, "ext") && k.Grow == "resize2fs":
		if !st.Tools["tune2fs"] {
			return hostscript.Failf("%s: tune2fs is not installed on the host (needed to read the size of the filesystem)", c.Host.Name())
		}
		st.FsSize = parseTune2fs(info)
	case st.Fs == "xfs" && k.Grow == "xfs_growfs":
		if !st.Tools["xfs_info"] {
			return hostscript.Failf("%s: xfs_info is not installed on the host (needed to read the size of the filesystem)", c.Host.Name())
		}
		st.FsSize = parseXFSInfo(info)
	}
	return nil
}

// parseTune2fs is Block count times Block size, or -1.
func parseTune2fs(out string) int64 {
	var count, size int64 = -1, -1
	for _, l := range strings.Split(out, "\n") {
		k, v, ok := strings.Cut(l, ":")
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		switch {
		case !ok || err != nil:
		case strings.Contains(k, "Block count"):
			count = n
		case strings.Contains(k, "Block size"):
			size = n
		}
		if count >= 0 && size >= 0 {
			return count * size
		}
	}
	return -1
}

// parseXFSInfo is the data section's bsize times blocks, or -1.
func parseXFSInfo(out string) int64 {
	var bsize, blocks int64 = -1, -1
	for _, l := range strings.Split(out, "\n") {
		col := strings.Split(l, "=")
		if len(col) < 4 || strings.TrimSpace(col[0]) != "data" {
			continue
		}
		f := strings.Fields(col[2])
		if strings.TrimSpace(col[1]) == "bsize" && len(f) > 0 {
			bsize, _ = strconv.ParseInt(f[0], 10, 64)
		}
		if len(f) > 1 && f[1] == "blocks" {
			blocks, _ = strconv.ParseInt(strings.Split(col[3], ",")[0], 10, 64)
		}
		if bsize > 0 && blocks > 0 {
			return bsize * blocks
		}
	}
	return -1
}
