package storage

import (
	"context"
	"slices"
	"strings"

	"github.com/haplay/haplay/engine/jinja"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules/internal/hostscript"
)

// Mount keeps a mount point in fstab and, by state, mounted or not
// (ansible.posix.mount, Linux).
type Mount struct{}

var _ module.Module = Mount{}

func (Mount) Name() string { return "mount" }

func (Mount) Spec() module.Spec {
	return module.Spec{
		Short: "Control active and configured mount points",
		Description: "Edits the fstab entry of path as ansible.posix.mount does (fields escaped with \\040, \\046 " +
			"and \\134; an entry matched by its mount point, rewritten in place) and mounts, remounts or " +
			"unmounts it. The fstab, the mount table (/proc/self/mountinfo) and whether path is a mount " +
			"point are read in one command; check mode predicts from them, and --diff shows the fstab's change.",
		Args: []module.Arg{
			{Name: "path", Type: module.TypePath, Required: true, Aliases: []string{"name"}, Doc: "the mount point"},
			{Name: "src", Type: module.TypePath, Doc: "the device (or NFS volume, tmpfs...) to mount; required with state mounted, present and ephemeral"},
			{Name: "fstype", Type: module.TypeStr, Doc: "the filesystem type; required with state mounted, present and ephemeral"},
			{Name: "opts", Type: module.TypeStr, Doc: "mount options (default: defaults)"},
			{Name: "dump", Type: module.TypeStr, Default: "0", Doc: "fstab's dump field"},
			{Name: "passno", Type: module.TypeStr, Default: "0", Doc: "fstab's passno field"},
			{Name: "state", Type: module.TypeStr, Required: true, Choices: []string{"absent", "absent_from_fstab", "mounted", "present", "unmounted", "remounted", "ephemeral"},
				Doc: "mounted: in fstab and mounted (the mount point created); present: in fstab only; unmounted: unmounted, fstab kept; " +
					"absent: out of fstab, unmounted and the mount point removed; absent_from_fstab: out of fstab only; " +
					"remounted: remounted (always changed); ephemeral: mounted with src, fstype and opts, fstab ignored"},
			{Name: "fstab", Type: module.TypeStr, Doc: "the file to use instead of /etc/fstab (created when missing)"},
			{Name: "boot", Type: module.TypeBool, Default: true, Doc: "false adds noauto to opts (unless opts holds noauto or defaults)"},
			{Name: "backup", Type: module.TypeBool, Default: false, Doc: "copy the fstab beside itself (backup_file) before changing it"},
		},
		Check: checkMountArgs,
		Examples: `- name: A scratch tmpfs
  ansible.posix.mount:
    path: /srv/scratch
    src: tmpfs
    fstype: tmpfs
    opts: size=64m,mode=1777
    state: mounted

- name: Data disk by UUID, in fstab only
  mount: {path: /data, src: UUID=b3e48f45-f933-4c8e-a700-22a159ec9077, fstype: xfs, opts: noatime, state: present}`,
	}
}

// checkMountArgs is the module's required_if.
func checkMountArgs(a module.Args, _ bool) []module.ArgError {
	st, ok := a["state"].(string)
	if !ok || jinja.IsTemplated(st) || !slices.Contains([]string{"mounted", "present", "ephemeral"}, st) {
		return nil
	}
	var missing []string
	for _, k := range []string{"src", "fstype"} {
		if !a.Has(k) {
			missing = append(missing, k)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return []module.ArgError{{Arg: missing[0], Msg: "state is " + st + " but all of the following are missing: " + strings.Join(missing, ", ")}}
}

// mountArgs are the module's args dict: the arguments with Linux's
// defaults and boot folded into opts.
type mountArgs struct {
	State, Fstab string
	FstabGiven   bool
	Entry        fstabEntry
	HasFstype    bool
	Boot         string
	Backup       bool
	Warnings     []string
}

func newMountArgs(a module.Args) mountArgs {
	m := mountArgs{State: a.String("state"), Fstab: "/etc/fstab", Boot: "yes", Backup: a.Bool("backup"),
		Entry: fstabEntry{Name: a.String("path"), Opts: "defaults", Dump: "0", Passno: "0"}}
	if a.Has("src") {
		m.Entry.Src, m.Entry.HasSrc = a.String("src"), true
	}
	if a.Has("fstype") {
		m.Entry.Fstype, m.HasFstype = a.String("fstype"), true
	}
	if a.Has("opts") {
		m.Entry.Opts = a.String("opts")
	}
	if a.Has("dump") {
		m.Entry.Dump = a.String("dump")
	}
	if a.Has("passno") {
		m.Entry.Passno = a.String("passno")
	}
	if a.Has("fstab") {
		m.Fstab, m.FstabGiven = a.String("fstab"), true
	}
	opts := strings.Split(m.Entry.Opts, ",")
	switch {
	case slices.Contains(opts, "noauto"):
		m.Warnings = append(m.Warnings, "Ignore the 'boot' due to 'opts' contains 'noauto'.")
	case !a.Bool("boot"):
		m.Boot = "no"
		if slices.Contains(opts, "defaults") {
			m.Warnings = append(m.Warnings, "Ignore the 'boot' due to 'opts' contains 'defaults'.")
		} else {
			m.Entry.Opts = strings.Join(append(opts, "noauto"), ",")
		}
	}
	return m
}

// values are what the module returns: its args dict.
func (m mountArgs) values(r *module.Result, backupFile string) {
	r.Set("name", m.Entry.Name)
	if m.Entry.HasSrc {
		r.Set("src", m.Entry.Src)
	}
	if m.HasFstype {
		r.Set("fstype", m.Entry.Fstype)
	}
	r.Set("opts", m.Entry.Opts)
	r.Set("dump", m.Entry.Dump)
	r.Set("passno", m.Entry.Passno)
	r.Set("fstab", m.Fstab)
	r.Set("boot", m.Boot)
	r.Set("backup_file", backupFile)
	if len(m.Warnings) > 0 {
		r.Set("warnings", m.Warnings)
	}
}

func (Mount) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	m := newMountArgs(c.Args)
	var r module.Result
	err := module.ReadModifyWrite(ctx, m.Fstab, func() error {
		var err error
		r, err = mountOnce(ctx, c, m)
		return err
	})
	return hostscript.FailedOr(r, err)
}
