package storage

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules/internal/hostscript"
)

// mountPlan is what the task does, as data: the fstab to write (nil: none)
// and the mount operations.
type mountPlan struct {
	Changed                       bool
	NewFstab                      *string
	Mkdir, Mount, Remount, Umount bool
	Rmdir                         bool
	Fail                          string
}

const ephemeralBusy = "Ephemeral mount point is already mounted with a different source than the specified one. " +
	"Failing in order to prevent an unwanted unmount or override operation. Try replacing this command with a " +
	`"state: unmounted" followed by a "state: ephemeral", or use a different destination path.`

// planMount is the module's main() for one state.
func planMount(m mountArgs, st mountState) mountPlan {
	var p mountPlan
	name := m.Entry.Name
	mounted := st.IsMount || st.isBindMounted(name, "", false)
	setFstab := func(after string, ch bool) {
		if ch {
			p.Changed, p.NewFstab = true, &after
		}
	}
	switch m.State {
	case "absent_from_fstab":
		setFstab(fstabUnset(st.Fstab, m.Entry))
	case "absent":
		setFstab(fstabUnset(st.Fstab, m.Entry))
		p.Umount, p.Rmdir = p.Changed && mounted, p.Changed && st.PathExists
	case "unmounted":
		p.Changed, p.Umount = mounted, mounted
	case "present":
		setFstab(fstabSet(st.Fstab, m.Entry))
	case "remounted":
		p.Changed, p.Remount = true, true
	case "mounted", "ephemeral":
		p.Mkdir = !st.PathExists
		if m.State == "mounted" {
			setFstab(fstabSet(st.Fstab, m.Entry))
		}
		switch {
		case !(st.IsMount || st.isBindMounted(name, m.Entry.Src, true)):
			p.Changed, p.Mount = true, true
		case m.State == "mounted":
			p.Remount = p.Changed
		case st.sameMountSrc(m.Entry.Src, name):
			p.Changed, p.Remount = true, true
		default:
			p.Fail = ephemeralBusy
		}
	}
	return p
}

func mountOnce(ctx context.Context, c *module.Call, m mountArgs) (module.Result, error) {
	withFstab := m.State != "ephemeral"
	st, err := readMountState(ctx, c, m.Fstab, m.Entry.Name, withFstab)
	if err != nil {
		return module.Result{}, err
	}
	if st.FstabNotFile {
		return module.Result{}, hostscript.Failf("%s: Failed to open %s: not a regular file", c.Host.Name(), m.Fstab)
	}
	fi := module.FileInfo{Path: m.Fstab, Exists: st.FstabExists, Type: "file", Content: []byte(st.Fstab), HasData: true}
	if c.Check && withFstab {
		// An earlier task of the plan may have predicted the file.
		if fi, err = c.Host.ReadFile(ctx, m.Fstab, true); err != nil {
			return module.Result{}, fmt.Errorf("mount: read %s: %w", m.Fstab, err)
		}
		st.Fstab = string(fi.Content)
	}
	if c.Check {
		predictedMount(c, &st, m.Entry.Name)
	}
	p := planMount(m, st)
	if p.Fail != "" {
		return module.Result{}, hostscript.Failf("%s: %s", c.Host.Name(), p.Fail)
	}
	r := module.Result{Changed: p.Changed}
	if p.NewFstab != nil && c.Diff {
		r.Diffs = append(r.Diffs, module.Diff{BeforeHeader: m.Fstab + " (before)", AfterHeader: m.Fstab + " (after)", Before: st.Fstab, After: *p.NewFstab})
	}
	if c.Check {
		predictMount(c, m, fi, p)
		recordMount(c, m, st, p)
		m.values(&r, "")
		return r, nil
	}
	backup, err := applyMount(ctx, c, m, st, fi, p)
	m.values(&r, backup)
	return r, err
}

// predictMount records for later tasks of a check run the fstab the task
// would write and the mount point it would create or remove.
func predictMount(c *module.Call, m mountArgs, fi module.FileInfo, p mountPlan) {
	pr, ok := c.Host.(module.Predictor)
	if !ok {
		return
	}
	if p.NewFstab != nil {
		if !fi.Exists {
			fi.Exists, fi.Type, fi.Mode = true, "file", 0o644
		}
		fi.Content, fi.HasData, fi.Size = []byte(*p.NewFstab), true, int64(len(*p.NewFstab))
		pr.RecordPredicted(fi)
	}
	if p.Mkdir {
		pr.RecordPredicted(module.FileInfo{Path: m.Entry.Name, Exists: true, Type: "directory", Mode: 0o755})
	}
	if p.Rmdir {
		pr.RecordPredicted(module.FileInfo{Path: m.Entry.Name})
	}
}

// applyMount makes the plan so: the fstab (created empty when missing,
// as the module does), then the mount operations. A failed mount puts the
// fstab back as it was.
func applyMount(ctx context.Context, c *module.Call, m mountArgs, st mountState, fi module.FileInfo, p mountPlan) (string, error) {
	if m.State != "ephemeral" && !st.FstabExists {
		if err := mountRun(ctx, c, "mkdir -p -- "+hostcmd.Quote(path.Dir(m.Fstab))+" && : >>"+hostcmd.Quote(m.Fstab), "Failed to open "+m.Fstab, m.Fstab); err != nil {
			return "", err
		}
		fi = module.FileInfo{Path: m.Fstab, Exists: true, Type: "file", HasData: true}
	}
	backup := ""
	if p.NewFstab != nil {
		var err error
		if backup, err = writeFstab(ctx, c, m, fi, *p.NewFstab); err != nil {
			return backup, err
		}
	}
	switch {
	case p.Umount || p.Rmdir:
		return backup, unmountAndRemove(ctx, c, m.Entry.Name, p)
	case p.Remount && m.State == "remounted":
		return backup, mountRun(ctx, c, remountScript(m), "Error remounting "+m.Entry.Name, m.Entry.Name)
	case p.Mount || p.Remount:
		err := mountRun(ctx, c, mountScript(m, p), "Error mounting "+m.Entry.Name, m.Entry.Name)
		var f *hostscript.Failure
		if errors.As(err, &f) && p.NewFstab != nil {
			// A broken entry could stop the next boot: put the old one back.
			restored := module.FileInfo{Path: m.Fstab, Exists: true, Type: "file", Content: []byte(*p.NewFstab), HasData: true}
			if _, werr := writeFstab(ctx, c, mountArgs{Fstab: m.Fstab}, restored, st.Fstab); werr != nil {
				return backup, fmt.Errorf("%w; restoring %s: %v", err, m.Fstab, werr)
			}
		}
		return backup, err
	}
	return backup, nil
}

// writeFstab writes data over the fstab read as fi (temp file and
// rename), after a backup when asked.
func writeFstab(ctx context.Context, c *module.Call, m mountArgs, fi module.FileInfo, data string) (string, error) {
	backup := ""
	if m.Backup {
		var err error
		if backup, err = backupBeside(ctx, c, m.Fstab); err != nil {
			return "", err
		}
	}
	err := c.Host.WriteFile(ctx, m.Fstab, []byte(data), hostcmd.WriteOptions{Become: c.Become, Unchanged: fi.ReadState()})
	if err != nil && !errors.Is(err, hostcmd.ErrChangedSinceRead) && !hostcmd.IsUnreachable(err) {
		return backup, hostscript.Failf("%s: writing %s failed: %v", c.Host.Name(), m.Fstab, err)
	}
	return backup, err
}

// backupBeside copies p beside itself with Ansible's backup name
// (p.N.YYYY-MM-DD@HH:MM:SS~, N counted up until the name is free).
func backupBeside(ctx context.Context, c *module.Call, p string) (string, error) {
	q := hostcmd.Quote(p)
	out, err := hostscript.Run(ctx, c, "t=$(date +%Y-%m-%d@%H:%M:%S)\nn=$$\n"+
		"while [ -e "+q+`."$n.$t~" ] || [ -L `+q+`."$n.$t~" ]; do n=$((n + 1)); done`+"\n"+
		"b="+q+`."$n.$t~"`+"\ncp -p -- "+q+` "$b" || exit 1`+"\nprintf '%s' \"$b\"\n", nil)
	if err != nil {
		return "", fmt.Errorf("mount: backup of %s: %w", p, err)
	}
	if out.ExitCode != 0 {
		return "", hostscript.Failf("%s: backup of %s failed: %s", c.Host.Name(), p, strings.TrimSpace(string(out.Stderr)))
	}
	return string(out.Stdout), nil
}

// mountRun runs script; a non-zero exit is a failure "HOST: what: output".
func mountRun(ctx context.Context, c *module.Call, script, what, name string) error {
	out, err := hostscript.Run(ctx, c, "LC_ALL=C; export LC_ALL\n"+script, nil)
	if err != nil {
		return fmt.Errorf("mount: %s: %w", what, err)
	}
	if out.ExitCode == 0 {
		return nil
	}
	msg := strings.TrimSpace(string(out.Stdout) + string(out.Stderr))
	switch out.ExitCode {
	case mkdirFailed:
		what = "Error making dir " + name
	case rmdirFailed:
		what = "Error rmdir " + name
	case remountOptsFailed:
		msg = "Options were specified with remounted, but the remount command failed. Failing in order to prevent an " +
			`unexpected mount result. Try replacing this command with a "state: unmounted" followed by a "state: mounted" ` +
			"using the full desired mount options instead. " + msg
	}
	return hostscript.Failf("%s: %s: %s", c.Host.Name(), what, msg)
}
