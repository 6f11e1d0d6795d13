package storage

import (
	"context"
	"fmt"
	"strings"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/jinja"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules/internal/hostscript"
)

// Filesystem makes (or wipes) a filesystem on a block device or a regular
// file, and grows ext2/3/4 and xfs ones to the device's size
// (community.general.filesystem).
type Filesystem struct{}

var _ module.Module = Filesystem{}

func (Filesystem) Name() string { return "filesystem" }

// fsKind is one fstype the module knows: its mkfs and the flags it always
// passes, the class name Ansible's messages use, and whether haplay grows it.
type fsKind struct {
	Class, Mkfs string
	Force       []string
	// Grow is Ansible's resize tool ("" where Ansible cannot resize);
	// haplay resizes only ext and xfs.
	Grow string
}

var fsKinds = map[string]fsKind{
	"ext2": {"Ext2", "mkfs.ext2", []string{"-F"}, "resize2fs"}, "ext3": {"Ext3", "mkfs.ext3", []string{"-F"}, "resize2fs"},
	"ext4": {"Ext4", "mkfs.ext4", []string{"-F"}, "resize2fs"}, "ext4dev": {"Ext4", "mkfs.ext4", []string{"-F"}, "resize2fs"},
	"xfs": {"XFS", "mkfs.xfs", []string{"-f"}, "xfs_growfs"}, "btrfs": {"Btrfs", "mkfs.btrfs", []string{"-f"}, "btrfs"},
	"f2fs": {"F2fs", "mkfs.f2fs", []string{"-f"}, "resize.f2fs"}, "reiserfs": {"Reiserfs", "mkfs.reiserfs", []string{"-q"}, ""},
	"vfat": {"VFAT", "mkfs.vfat", nil, "fatresize"}, "ocfs2": {"Ocfs2", "mkfs.ocfs2", []string{"-Fx"}, ""},
	"LVM2_member": {"LVM", "pvcreate", []string{"-f"}, "pvresize"}, "swap": {"Swap", "mkswap", []string{"-f"}, ""},
	"ufs": {"UFS", "newfs", nil, "growfs"},
}

func (Filesystem) Spec() module.Spec {
	return module.Spec{
		Short: "Makes a filesystem",
		Description: "Creates a filesystem on dev (a block device or a regular file) when blkid finds none, or another " +
			"one with force; grows an ext2/3/4 (resize2fs) or a mounted xfs (xfs_growfs) filesystem to the device's size " +
			"with resizefs; wipes every signature (wipefs --all) with state absent. The device, its size, its current " +
			"type and the filesystem's size are read in one command; check mode predicts from them.",
		Args: []module.Arg{
			{Name: "dev", Type: module.TypePath, Required: true, Aliases: []string{"device"}, Doc: "the block device or regular file"},
			{Name: "fstype", Type: module.TypeStr, Aliases: []string{"type"}, Choices: []string{"btrfs", "ext2", "ext3", "ext4", "ext4dev", "f2fs", "lvm", "ocfs2", "reiserfs", "swap", "ufs", "vfat", "xfs"},
				Doc: "the filesystem to make (lvm: an LVM physical volume); required with state present"},
			{Name: "opts", Type: module.TypeStr, Doc: "options for mkfs, split on spaces"},
			{Name: "force", Type: module.TypeBool, Default: false, Doc: "make the filesystem even over an existing one"},
			{Name: "resizefs", Type: module.TypeBool, Default: false, Doc: "grow the filesystem to the device's size (ext2/3/4, and xfs when mounted)"},
			{Name: "state", Type: module.TypeStr, Default: "present", Choices: []string{"present", "absent"}, Doc: "absent wipes the filesystem's signatures"},
		},
		Check: func(a module.Args, _ bool) []module.ArgError {
			if st, ok := a["state"].(string); ok && !jinja.IsTemplated(st) && st == "present" && !a.Has("fstype") {
				return []module.ArgError{{Arg: "fstype", Msg: "state is present but all of the following are missing: fstype"}}
			}
			return nil
		},
		Examples: `- name: An ext4 filesystem on the data volume
  community.general.filesystem:
    fstype: ext4
    dev: /dev/vg0/data
    resizefs: true`,
	}
}

// fsPlan is what the task does: one command (none: nothing to do).
type fsPlan struct {
	Changed bool
	Cmd     []string // mkfs, wipefs or the grow tool; nil: nothing
	Msg     string
	Fail    string
}

// planFilesystem is the module's main() over what readFS found.
func planFilesystem(a module.Args, st fsState) fsPlan {
	dev, present := a.String("dev"), a.String("state") == "present"
	if st.Missing {
		if present {
			return fsPlan{Fail: "Device " + dev + " not found."}
		}
		return fsPlan{Msg: "Device " + dev + " not found."}
	}
	if !present {
		if st.Fs == "" {
			return fsPlan{}
		}
		return fsPlan{Changed: true, Cmd: []string{"wipefs", "--all", dev}}
	}
	k := fsKinds[fsTypeName(a.String("fstype"))]
	cur, known := fsKinds[st.Fs]
	same := st.Fs != "" && known && cur.Class == k.Class
	switch {
	case same && !a.Bool("resizefs") && !a.Bool("force"):
		return fsPlan{}
	case same && a.Bool("resizefs"):
		return planGrow(k, dev, st)
	case st.Fs != "" && !a.Bool("force"):
		return fsPlan{Fail: fmt.Sprintf("'%s' is already used as %s, use force=true to overwrite", dev, st.Fs)}
	}
	cmd := append([]string{k.Mkfs}, k.Force...)
	return fsPlan{Changed: true, Cmd: append(append(cmd, strings.Fields(a.String("opts"))...), dev)}
}

// fsTypeName maps the module's friendly names to blkid's.
func fsTypeName(t string) string {
	if t == "lvm" {
		return "LVM2_member"
	}
	return t
}

// planGrow grows the filesystem when it is smaller than its device.
func planGrow(k fsKind, dev string, st fsState) fsPlan {
	switch {
	case k.Grow == "":
		return fsPlan{Fail: fmt.Sprintf("module does not support resizing %s filesystem yet.", strings.ToLower(k.Class))}
	case k.Grow != "resize2fs" && k.Grow != "xfs_growfs":
		return fsPlan{Fail: fmt.Sprintf("haplay does not resize %s filesystems (resizefs works for ext2, ext3, ext4 and xfs)", strings.ToLower(k.Class))}
	case st.DevSize < 0:
		return fsPlan{Fail: "Target device not supported: " + dev}
	case st.FsSize < 0:
		return fsPlan{Fail: fmt.Sprintf("unable to process %s output for %s", map[bool]string{true: "tune2fs", false: "xfs_info"}[k.Grow == "resize2fs"], dev)}
	case st.FsSize >= st.DevSize:
		return fsPlan{Msg: fmt.Sprintf("%s filesystem is using the whole device %s", k.Class, dev)}
	}
	target := dev
	if k.Grow == "xfs_growfs" {
		if st.Mountpoint == "" {
			return fsPlan{Fail: fmt.Sprintf("%s needs to be mounted for %s operations", dev, k.Class)}
		}
		target = st.Mountpoint
	}
	return fsPlan{Changed: true, Cmd: []string{k.Grow, target}, Msg: fmt.Sprintf("resizing filesystem %s on device %s", k.Class, dev)}
}

func (Filesystem) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	a := c.Args
	k := fsKinds[fsTypeName(a.String("fstype"))]
	st, err := readFS(ctx, c, a.String("dev"), k, a.String("state") == "present" && a.Bool("resizefs"))
	if err != nil {
		return hostscript.FailedOr(module.Result{}, err)
	}
	if c.Check {
		predictedFS(c, &st, a.String("dev"))
	}
	p := planFilesystem(a, st)
	if p.Fail != "" {
		return module.Result{Failed: true, Msg: c.Host.Name() + ": " + p.Fail}, nil
	}
	r := module.Result{Changed: p.Changed, Msg: p.Msg}
	if c.Check {
		recordFS(c, a, st, p)
	}
	if c.Check || p.Cmd == nil {
		return r, nil
	}
	if !st.Tools[p.Cmd[0]] {
		return module.Result{Failed: true, Msg: fmt.Sprintf("%s: %s is not installed on the host (needed for %s)", c.Host.Name(), p.Cmd[0], strings.Join(p.Cmd, " "))}, nil
	}
	out, err := hostscript.Run(ctx, c, "LANG=C LC_ALL=C "+hostcmd.Join(p.Cmd), nil)
	if err != nil {
		return module.Result{}, fmt.Errorf("filesystem: %s: %w", strings.Join(p.Cmd, " "), err)
	}
	if out.ExitCode != 0 {
		return hostscript.Failed(c, strings.Join(p.Cmd, " "), out), nil
	}
	if p.Msg != "" { // a grow reports its tool's output
		r.Msg = string(out.Stdout)
	}
	return r, nil
}
