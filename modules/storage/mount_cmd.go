package storage

import (
	"context"
	"fmt"
	"strings"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/module"
)

// The mount commands ansible.posix.mount runs on Linux, as shell text
// (every word quoted), and the exit codes their scripts use to say which
// step failed.
const (
	remountOptsFailed = 90 // remounted with opts: the remount failed, no umount and mount
	mkdirFailed       = 91
	umountFailed      = 92
	rmdirFailed       = 93
)

// mountWords are the arguments common to mount and remount: fstab's -T
// (not for /etc/fstab) or ephemeral's type, options and source.
func mountWords(m mountArgs) []string {
	if m.State != "ephemeral" {
		if m.Fstab != "" && m.Fstab != "/etc/fstab" {
			return []string{"-T", m.Fstab}
		}
		return nil
	}
	w := []string{"-t", m.Entry.Fstype}
	if m.Entry.Opts != "defaults" {
		w = append(w, "-o", m.Entry.Opts)
	}
	return append(w, m.Entry.Src)
}

func mountCmd(m mountArgs) string {
	return hostcmd.Join(append(append([]string{"mount"}, mountWords(m)...), m.Entry.Name))
}

// remountScript remounts, and where that fails unmounts and mounts again
// (not for remounted with opts, which fails instead).
func remountScript(m mountArgs) string {
	o := "remount"
	optsGiven := m.State == "remounted" && m.Entry.Opts != "defaults"
	if optsGiven {
		o += "," + m.Entry.Opts
	}
	remount := hostcmd.Join(append(append([]string{"mount", "-o", o}, mountWords(m)...), m.Entry.Name))
	if optsGiven {
		return remount + fmt.Sprintf(" || exit %d\n", remountOptsFailed)
	}
	return remount + " 2>/dev/null || { umount " + hostcmd.Quote(m.Entry.Name) + " && " + mountCmd(m) + "; }\n"
}

// mountDirs are the mount point and the directories above it, outermost
// first, as the module's mkdir loop walks them.
func mountDirs(name string) []string {
	var out []string
	cur := ""
	for _, d := range strings.Split(strings.Trim(name, "/"), "/") {
		cur += "/" + d
		if !strings.HasPrefix(name, "/") {
			cur = strings.TrimPrefix(cur, "/")
		}
		out = append(out, cur)
	}
	return out
}

// mountScript creates the missing directories of the mount point, mounts
// (or remounts), and removes the directories it created when that fails.
func mountScript(m mountArgs, p mountPlan) string {
	var b strings.Builder
	var undo []string
	if p.Mkdir {
		for i, d := range mountDirs(m.Entry.Name) {
			q := hostcmd.Quote(d)
			fmt.Fprintf(&b, "d%d=\n[ -e %s ] || { mkdir %s || exit %d; d%d=1; }\n", i, q, q, mkdirFailed, i)
			undo = append([]string{fmt.Sprintf(`[ "$d%d" = 1 ] && rmdir %s; `, i, q)}, undo...)
		}
	}
	op := mountCmd(m) + "\n"
	if p.Remount {
		op = remountScript(m)
	}
	b.WriteString("{ " + strings.TrimSuffix(op, "\n") + "\n} || { rc=$?; " + strings.Join(undo, "") + "exit $rc; }\n")
	return b.String()
}

// unmountAndRemove unmounts the mount point and, for absent, removes it.
func unmountAndRemove(ctx context.Context, c *module.Call, name string, p mountPlan) error {
	q := hostcmd.Quote(name)
	s := ""
	if p.Umount {
		s += fmt.Sprintf("umount %s || exit %d\n", q, umountFailed)
	}
	if p.Rmdir {
		s += fmt.Sprintf("rmdir %s || exit %d\n", q, rmdirFailed)
	}
	return mountRun(ctx, c, s, "Error unmounting "+name, name)
}
