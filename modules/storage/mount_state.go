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

// mountRec is one mount as ansible.posix.mount's get_linux_mounts sees
// it: src is the source device, or for a mount under another mount the
// path it shows there (how the module recognizes bind mounts).
type mountRec struct {
	Src, Opts, Fs string
	// Source and Target are the mountinfo's source and mount point,
	// unescaped: what `mount -v` prints.
	Source, Target string
}

// mountState is what the module reads on the host, in one command.
type mountState struct {
	FstabExists, FstabNotFile bool
	Fstab                     string
	// Mounts is nil when /proc/self/mountinfo cannot be read.
	Mounts     map[string]mountRec
	PathExists bool
	IsMount    bool // the module's ismount(path): path and its parent differ in device, or are one inode
}

// mountReadScript prints the fstab (unless ephemeral), the mount table,
// and the device and inode of path and of its parent (path/.. resolved as
// Python's realpath does: a file's parent is its directory).
func mountReadScript(fstab, p string, withFstab bool) string {
	q, fq := hostcmd.Quote(p), hostcmd.Quote(fstab)
	s := ""
	if withFstab {
		s = "if [ -f " + fq + " ]; then " + hostscript.Mark("fstab") + "; cat -- " + fq + " || exit 3\n" +
			"elif [ -e " + fq + " ]; then " + hostscript.Mark("fstabnotfile") + "; fi\n"
	}
	return s + "if [ -r /proc/self/mountinfo ]; then " + hostscript.Mark("mountinfo") + "; cat /proc/self/mountinfo || exit 3; fi\n" +
		hostscript.Mark("path") + "\nif [ -L " + q + " ]; then echo link\n" +
		"elif [ -d " + q + " ]; then stat -c '%d %i' -- " + q + " " + hostcmd.Quote(p+"/..") + "\n" +
		"elif [ -e " + q + " ]; then stat -c '%d %i' -- " + q + ` "$(realpath -m -- ` + hostcmd.Quote(p+"/..") + `)"` + "\nfi\nexit 0\n"
}

// readMountState runs mountReadScript and parses it.
func readMountState(ctx context.Context, c *module.Call, fstab, p string, withFstab bool) (mountState, error) {
	out, err := hostscript.Run(ctx, c, mountReadScript(fstab, p, withFstab), nil)
	if err != nil {
		return mountState{}, fmt.Errorf("mount: read state of %s: %w", p, err)
	}
	if out.ExitCode != 0 {
		return mountState{}, hostscript.Failf("%s: reading %s and the mount table failed (exit %d): %s", c.Host.Name(), fstab, out.ExitCode, strings.TrimSpace(string(out.Stderr)))
	}
	s := hostscript.Sections(out.Stdout)
	st := mountState{FstabNotFile: hasSection(s, "fstabnotfile")}
	st.Fstab, st.FstabExists = s["fstab"]
	if mi, ok := s["mountinfo"]; ok {
		st.Mounts = parseMountinfo(mi)
	}
	pathLines := strings.Fields(s["path"])
	st.PathExists = len(pathLines) > 0
	if len(pathLines) == 4 {
		st.IsMount = pathLines[0] != pathLines[2] || pathLines[1] == pathLines[3]
	}
	return st, nil
}

func hasSection(s map[string]string, k string) bool { _, ok := s[k]; return ok }

type mountinfoLine struct {
	id, parent      int
	root, dst, opts string
	fs, src         string
}

// parseMountinfo is the module's get_linux_mounts.
func parseMountinfo(text string) map[string]mountRec {
	var lines []mountinfoLine
	byID := map[int]mountinfoLine{}
	for _, l := range strings.Split(text, "\n") {
		f := strings.Fields(l)
		if len(f) < 7 {
			continue
		}
		id, err1 := strconv.Atoi(f[0])
		parent, err2 := strconv.Atoi(f[1])
		if err1 != nil || err2 != nil {
			continue
		}
		m := mountinfoLine{id: id, parent: parent, root: f[3], dst: f[4], opts: f[5], fs: f[len(f)-3], src: f[len(f)-2]}
		lines = append(lines, m)
		byID[id] = m
	}
	out := map[string]mountRec{}
	for _, m := range lines {
		src := m.src
		if pm, ok := byID[m.parent]; ok && m.parent != 1 {
			root := m.root
			if len(pm.root) > 1 && strings.HasPrefix(root, pm.root+"/") {
				root = root[len(pm.root):]
			}
			if pm.dst != "/" {
				root = pm.dst + root
			}
			src = root
		}
		out[m.dst] = mountRec{Src: src, Opts: m.opts, Fs: m.fs, Source: unescapeOctal(m.src), Target: unescapeOctal(m.dst)}
	}
	return out
}

// unescapeOctal undoes the kernel's \040-style escapes in mountinfo.
func unescapeOctal(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// isBindMounted is the module's is_bind_mounted on Linux: with src "",
// whether dest is in the table; otherwise whether its src is src.
func (st mountState) isBindMounted(dest, src string, withSrc bool) bool {
	m, ok := st.Mounts[dest]
	if !ok {
		return false
	}
	return !withSrc || m.Src == src
}

// sameMountSrc is the module's _is_same_mount_src: the mount point holds
// src, by the table's bind-mount view or by what `mount -v` lists.
func (st mountState) sameMountSrc(src, dest string) bool {
	if !st.IsMount && !st.isBindMounted(dest, "", false) {
		return false
	}
	if st.isBindMounted(dest, src, true) {
		return true
	}
	for _, m := range st.Mounts {
		f := strings.Fields(m.Source + " on " + m.Target)
		if len(f) >= 3 && f[0] == src && f[2] == dest {
			return true
		}
	}
	return false
}
