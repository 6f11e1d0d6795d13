package files

import (
	"context"
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules/internal/hostscript"
)

// File manages a path's type and attributes: directories, links, empty
// files, removal, mode and ownership (ansible.builtin.file).
type File struct{}

var _ module.Module = File{}

func (File) Name() string { return "file" }

func (File) Spec() module.Spec {
	args := []module.Arg{
		{Name: "path", Type: module.TypePath, Required: true, Aliases: []string{"dest", "name"}, Doc: "the path to manage"},
		{Name: "state", Type: module.TypeStr, Choices: []string{"absent", "directory", "file", "hard", "link", "touch"},
			Doc: "what path should be; default: what it is now, or file (which must exist)"},
		{Name: "src", Type: module.TypePath, Doc: "what a link points to (state=link or hard)"},
		{Name: "recurse", Type: module.TypeBool, Default: false, Doc: "apply mode/owner/group to everything under a directory"},
		{Name: "follow", Type: module.TypeBool, Default: true, Doc: "act on a symbolic link's target rather than the link"},
		{Name: "force", Type: module.TypeBool, Default: false, Doc: "replace a file or empty directory by a link; create a link to a missing src"},
		{Name: "modification_time", Type: module.TypeStr, Doc: "with state=touch: 'now', 'preserve' or a time in modification_time_format"},
		{Name: "modification_time_format", Type: module.TypeStr, Default: "%Y%m%d%H%M.%S", Doc: "only the default format is supported"},
		{Name: "access_time", Type: module.TypeStr, Doc: "with state=touch: 'now', 'preserve' or a time in access_time_format"},
		{Name: "access_time_format", Type: module.TypeStr, Default: "%Y%m%d%H%M.%S", Doc: "only the default format is supported"},
	}
	return module.Spec{
		Short: "Manage files, directories, links and their attributes",
		Description: "Creates directories (with their parents, each reported), links and empty files, removes paths, " +
			"and sets mode and ownership. owner and group take names or numeric ids, which need no user on the host.",
		Args: append(args, attrArgs()...),
		Examples: `- name: Data directory for the database, owned by uid 70 (seed 002)
  ansible.builtin.file:
    path: /mnt/NASVolume/msa_db
    state: directory
    owner: "70"

- name: Kafka data owned by 1001:0, recursively (seed 002)
  file:
    path: /mnt/NASVolume/kafka_data
    state: directory
    owner: "1001"
    group: "0"
    recurse: true`,
	}
}

// fileRun carries one invocation's state.
type fileRun struct {
	ctx context.Context
	c   *module.Call
	r   *module.Result
	p   string
	at  attrs
}

func stateOf(f module.FileInfo) string {
	if !f.Exists {
		return "absent"
	}
	switch f.Type {
	case "directory":
		return "directory"
	case "link":
		return "link"
	}
	return "file"
}

// stateDiff records a state change as Ansible's file diff does:
// {'path': p, 'state': 'absent'} -> {'path': p, 'state': 'directory'}.
func (fr *fileRun) stateDiff(p, before, after string, extra ...string) {
	if !fr.c.Diff {
		return
	}
	b := "path: " + p + "\nstate: " + before + "\n"
	a := "path: " + p + "\nstate: " + after + "\n"
	for _, e := range extra {
		a += e + "\n"
	}
	fr.r.Diffs = append(fr.r.Diffs, module.Diff{BeforeHeader: p + " (before)", AfterHeader: p + " (after)", Before: b, After: a})
}

func (File) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	a := c.Args
	at, err := attrsOf(a)
	if err != nil {
		return module.Result{Failed: true, Msg: err.Error()}, nil
	}
	var r module.Result
	fr := &fileRun{ctx: ctx, c: c, r: &r, p: strings.TrimSuffix(a.String("path"), "/"), at: at}
	if fr.p == "" {
		fr.p = "/"
	}
	err = fr.run()
	r.Set("path", fr.p)
	return asResult(r, err)
}

func (fr *fileRun) read(p string) (module.FileInfo, error) {
	f, err := fr.c.Host.ReadFile(fr.ctx, p, false)
	if err != nil && !hostcmd.IsUnreachable(err) {
		return f, &hostscript.Failure{Msg: err.Error()}
	}
	return f, err
}

// resolve follows symbolic links (at most 20) to what they point at.
func (fr *fileRun) resolve(f module.FileInfo) (module.FileInfo, error) {
	for i := 0; i < 20 && f.Exists && f.Type == "link"; i++ {
		t := f.LinkTarget
		if !path.IsAbs(t) {
			t = path.Join(path.Dir(f.Path), t)
		}
		nf, err := fr.read(t)
		if err != nil {
			return f, err
		}
		f = nf
	}
	return f, nil
}

func (fr *fileRun) run() error {
	a := fr.c.Args
	cur, err := fr.read(fr.p)
	if err != nil {
		return err
	}
	state := a.String("state")
	if state == "" {
		switch {
		case cur.Exists:
			state = stateOf(cur)
		case a.Bool("recurse"):
			state = "directory"
		case a.Has("src"):
			state = "link"
		default:
			state = "file"
		}
	}
	if a.Bool("recurse") && state != "directory" {
		return &hostscript.Failure{Msg: "recurse option requires state to be 'directory'"}
	}
	if a.Has("src") && state != "link" && state != "hard" {
		return &hostscript.Failure{Msg: fmt.Sprintf("src option requires state to be 'link' or 'hard' (state is %s)", state)}
	}
	switch state {
	case "absent":
		return fr.absent(cur)
	case "file":
		return fr.file(cur)
	case "directory":
		return fr.directory(cur)
	case "touch":
		return fr.touch(cur)
	case "link", "hard":
		return fr.link(cur, state)
	}
	return &hostscript.Failure{Msg: "unknown state " + state}
}

func (fr *fileRun) absent(cur module.FileInfo) error {
	fr.r.Set("state", "absent")
	if !cur.Exists {
		return nil
	}
	fr.stateDiff(fr.p, stateOf(cur), "absent")
	if !fr.c.Check {
		if _, err := fr.run1("removing "+fr.p, "rm -rf -- "+hostcmd.Quote(fr.p)); err != nil {
			return err
		}
	}
	recordPredicted(fr.c, module.FileInfo{Path: fr.p})
	fr.r.Changed = true
	return nil
}

func (fr *fileRun) run1(what, script string) (string, error) {
	return runMutation(fr.ctx, fr.c, what, script)
}

// target is what attributes apply to: the link's target when following.
func (fr *fileRun) target(cur module.FileInfo) (module.FileInfo, error) {
	if cur.Type == "link" && fr.c.Args.Bool("follow") {
		return fr.resolve(cur)
	}
	return cur, nil
}

func (fr *fileRun) file(cur module.FileInfo) error {
	if !cur.Exists {
		return &hostscript.Failure{Msg: fmt.Sprintf("file (%s) is absent, cannot continue", fr.p)}
	}
	t, err := fr.target(cur)
	if err != nil {
		return err
	}
	if t.Type == "directory" {
		return &hostscript.Failure{Msg: fmt.Sprintf("%s is a directory, cannot continue with state=file", fr.p)}
	}
	fr.r.Set("state", "file")
	return fr.attrs(t)
}

// attrs applies mode/owner/group to f alone.
func (fr *fileRun) attrs(f module.FileInfo) error {
	ch, err := planAttrs(f, fr.at)
	if err != nil {
		return &hostscript.Failure{Msg: err.Error()}
	}
	final := f
	if ch.changed() {
		if fr.c.Diff {
			fr.r.Diffs = append(fr.r.Diffs, ch.diff())
		}
		if !fr.c.Check {
			if _, err := fr.run1("changing attributes of "+f.Path, ch.script()); err != nil {
				return err
			}
		}
		final = ch.apply(f)
		recordPredicted(fr.c, final)
		fr.r.Changed = true
	}
	fr.keys(final)
	return nil
}

func (fr *fileRun) keys(f module.FileInfo) {
	fr.r.Set("mode", module.FormatMode(f.Mode))
	fr.r.Set("owner", f.Owner)
	fr.r.Set("group", f.Group)
	fr.r.Set("uid", f.UID)
	fr.r.Set("gid", f.GID)
	if f.Type == "file" || f.Type == "directory" {
		fr.r.Set("size", f.Size)
	}
}

func (fr *fileRun) directory(cur module.FileInfo) error {
	fr.r.Set("state", "directory")
	if cur.Exists {
		t, err := fr.target(cur)
		if err != nil {
			return err
		}
		if t.Type != "directory" {
			return &hostscript.Failure{Msg: fmt.Sprintf("%s already exists as a %s", fr.p, stateOf(t))}
		}
		if err := fr.attrs(t); err != nil {
			return err
		}
		if fr.c.Args.Bool("recurse") {
			return fr.recurse(t.Path)
		}
		return nil
	}
	// mkdir -p, one directory at a time so each created one gets the
	// attributes and is reported, as Ansible does.
	missing, err := fr.missingDirs(fr.p)
	if err != nil {
		return err
	}
	if len(missing) == 0 {
		return nil
	}
	var script strings.Builder
	for _, d := range missing {
		f := module.FileInfo{Path: d, Exists: true, Type: "directory", Mode: 0o755, Owner: "root", Group: "root"}
		ch, err := planAttrs(f, fr.at)
		if err != nil {
			return &hostscript.Failure{Msg: err.Error()}
		}
		script.WriteString("mkdir -- " + hostcmd.Quote(d) + "\n" + ch.script())
		var extra []string
		if ch.ModeChanged {
			extra = append(extra, "mode: "+module.FormatMode(ch.NewMode))
		}
		if ch.OwnerChanged {
			extra = append(extra, "owner: "+ch.NewOwner)
		}
		if ch.GroupC {
			extra = append(extra, "group: "+ch.NewGroup)
		}
		fr.stateDiff(d, "absent", "directory", extra...)
		recordPredicted(fr.c, ch.apply(f))
		if d == fr.p {
			fr.keys(ch.apply(f))
		}
	}
	if !fr.c.Check {
		if _, err := fr.run1("creating directory "+fr.p, script.String()); err != nil {
			return err
		}
	}
	fr.r.Set("created", toAnyList(missing))
	fr.r.Changed = true
	return nil
}

func toAnyList(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// missingDirs lists p and those of its parents that do not exist, outermost
// first, in one round trip. A parent that exists but is not a directory is
// a failure.
func (fr *fileRun) missingDirs(p string) ([]string, error) {
	var chain []string
	for d := p; ; d = path.Dir(d) {
		chain = append(chain, d)
		if d == "/" || d == "." {
			break
		}
	}
	var s strings.Builder
	for i := len(chain) - 1; i >= 0; i-- {
		q := hostcmd.Quote(chain[i])
		s.WriteString("if [ -d " + q + " ]; then :; elif [ -e " + q + " ] || [ -L " + q + " ]; then echo " + hostcmd.Quote("NOTDIR "+chain[i]) + "; exit 0; else echo " + q + "; fi\n")
	}
	out, err := fr.run1("examining "+p, s.String())
	if err != nil {
		return nil, err
	}
	var missing []string
	for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if l == "" {
			continue
		}
		if strings.HasPrefix(l, "NOTDIR ") {
			return nil, &hostscript.Failure{Msg: fmt.Sprintf("cannot create directory %s: %s exists and is not a directory", p, strings.TrimPrefix(l, "NOTDIR "))}
		}
		missing = append(missing, l)
	}
	// In check mode an earlier task may have predicted some of them.
	if fr.c.Check {
		var still []string
		for _, d := range missing {
			if f, err := fr.c.Host.ReadFile(fr.ctx, d, false); err == nil && f.Exists {
				continue
			}
			still = append(still, d)
		}
		missing = still
	}
	return missing, nil
}

// recurse applies the attributes to everything under dir: one listing,
// the plan computed here (symbolic modes per entry), one script.
func (fr *fileRun) recurse(dir string) error {
	if fr.at.Mode == "" && fr.at.Owner == "" && fr.at.Group == "" {
		return nil
	}
	follow := ""
	if fr.c.Args.Bool("follow") {
		follow = "-L "
	}
	// In check mode dir may exist only as a prediction: nothing under it
	// is known then, hence the test.
	q := hostcmd.Quote(dir)
	out, err := fr.run1("listing "+dir, "if [ -d "+q+" ]; then find "+follow+q+` -mindepth 1 -printf '%y|%m|%u|%g|%U|%G|%p\0'; fi`)
	if err != nil {
		return err
	}
	var script strings.Builder
	var before, after strings.Builder
	n := 0
	for _, e := range strings.Split(out, "\x00") {
		f := strings.SplitN(e, "|", 7)
		if len(f) != 7 {
			continue
		}
		m, _ := strconv.ParseUint(f[1], 8, 32)
		uid, _ := strconv.Atoi(f[4])
		gid, _ := strconv.Atoi(f[5])
		typ := map[string]string{"d": "directory", "f": "file", "l": "link"}[f[0]]
		fi := module.FileInfo{Path: f[6], Exists: true, Type: typ, Mode: module.OctalToMode(uint32(m)), Owner: f[2], Group: f[3], UID: uid, GID: gid}
		ch, err := planAttrs(fi, fr.at)
		if err != nil {
			return &hostscript.Failure{Msg: err.Error()}
		}
		if !ch.changed() {
			continue
		}
		n++
		script.WriteString(ch.script())
		b, a := ch.lines()
		before.WriteString("path: " + fi.Path + "\n" + b)
		after.WriteString("path: " + fi.Path + "\n" + a)
	}
	if n == 0 {
		return nil
	}
	if fr.c.Diff {
		fr.r.Diffs = append(fr.r.Diffs, module.Diff{BeforeHeader: dir + " (contents before)", AfterHeader: dir + " (contents after)", Before: before.String(), After: after.String()})
	}
	if !fr.c.Check {
		if _, err := fr.run1("changing attributes under "+dir, script.String()); err != nil {
			return err
		}
	}
	fr.r.Changed = true
	return nil
}

func (fr *fileRun) touch(cur module.FileInfo) error {
	a := fr.c.Args
	mt, at := a.String("modification_time"), a.String("access_time")
	if mt == "" {
		mt = "now"
	}
	if at == "" {
		at = "now"
	}
	for _, t := range []string{mt, at} {
		if t != "now" && t != "preserve" {
			if _, err := strconv.ParseFloat(t, 64); err != nil || len(t) < 12 {
				return &hostscript.Failure{Msg: fmt.Sprintf("time %q is not 'now', 'preserve' or YYYYmmddHHMM.SS", t)}
			}
		}
	}
	q := hostcmd.Quote(fr.p)
	var script strings.Builder
	timesChange := mt != "preserve" || at != "preserve"
	touchArg := func(flag, t string) {
		switch t {
		case "preserve":
		case "now":
			script.WriteString("touch " + flag + " -c -- " + q + "\n")
		default:
			script.WriteString("touch " + flag + " -c -t " + hostcmd.Quote(t) + " -- " + q + "\n")
		}
	}
	fr.r.Set("state", "file")
	final := cur
	if !cur.Exists {
		script.WriteString(": >> " + q + "\n")
		fr.stateDiff(fr.p, "absent", "touch")
		final = module.FileInfo{Path: fr.p, Exists: true, Type: "file", Mode: 0o644, Owner: "root", Group: "root", HasData: true}
		fr.r.Changed = true
	} else if timesChange {
		fr.stateDiff(fr.p, stateOf(cur), "touch")
		fr.r.Changed = true
	}
	touchArg("-m", mt)
	touchArg("-a", at)
	t, err := fr.target(final)
	if err != nil {
		return err
	}
	ch, err := planAttrs(t, fr.at)
	if err != nil {
		return &hostscript.Failure{Msg: err.Error()}
	}
	if ch.changed() {
		script.WriteString(ch.script())
		if fr.c.Diff {
			fr.r.Diffs = append(fr.r.Diffs, ch.diff())
		}
		fr.r.Changed = true
		t = ch.apply(t)
	}
	if fr.r.Changed {
		if !fr.c.Check {
			if _, err := fr.run1("touching "+fr.p, script.String()); err != nil {
				return err
			}
		}
		if !cur.Exists {
			recordPredicted(fr.c, t)
		}
	}
	fr.keys(t)
	return nil
}

func (fr *fileRun) link(cur module.FileInfo, state string) error {
	a := fr.c.Args
	src := a.String("src")
	if src == "" {
		return &hostscript.Failure{Msg: fmt.Sprintf("src is required for state=%s (path %s)", state, fr.p)}
	}
	fr.r.Set("state", state)
	fr.r.Set("src", src)
	force := a.Bool("force")
	q, qs := hostcmd.Quote(fr.p), hostcmd.Quote(src)
	// Where src is looked up: relative symlink sources are relative to the
	// link's directory.
	absSrc := src
	if state == "link" && !path.IsAbs(src) {
		absSrc = path.Join(path.Dir(fr.p), src)
	}
	if state == "link" && cur.Type == "link" && cur.LinkTarget == src {
		return fr.linkAttrs(cur)
	}
	// One round trip: does src exist, and (hard) is path already it?
	out, err := fr.run1("examining "+src, "if [ -e "+hostcmd.Quote(absSrc)+" ]; then echo src; fi\nif [ "+q+" -ef "+qs+" ]; then echo same; fi\n")
	if err != nil {
		return err
	}
	srcExists, same := strings.Contains(out, "src"), strings.Contains(out, "same")
	if !srcExists && fr.c.Check {
		// An earlier task of this check run may have predicted src.
		if f, err := fr.c.Host.ReadFile(fr.ctx, absSrc, false); err == nil && f.Exists {
			srcExists = true
		}
	}
	if state == "hard" && same && cur.Type == "file" {
		return fr.linkAttrs(cur)
	}
	if !srcExists && (state == "hard" || !force) {
		if state == "hard" {
			return &hostscript.Failure{Msg: fmt.Sprintf("src %s does not exist: cannot create hard link %s", src, fr.p)}
		}
		return &hostscript.Failure{Msg: fmt.Sprintf("src file %s does not exist, use force=yes if you really want to create the link %s", absSrc, fr.p)}
	}
	var script string
	switch {
	case !cur.Exists:
	case cur.Type == "link":
	case cur.Type == "directory":
		if !force {
			return &hostscript.Failure{Msg: fmt.Sprintf("refusing to convert from directory to %s for %s", state, fr.p)}
		}
		script = "rmdir -- " + q + " || { echo 'the directory " + strings.ReplaceAll(fr.p, "'", "") + " is not empty, refusing to convert it' >&2; exit 1; }\n"
	default:
		if !force {
			return &hostscript.Failure{Msg: fmt.Sprintf("refusing to convert from %s to %s for %s", stateOf(cur), state, fr.p)}
		}
	}
	if state == "link" {
		script += "ln -sfn -- " + qs + " " + q + "\n"
	} else {
		script += "ln -f -- " + qs + " " + q + "\n"
	}
	before := stateOf(cur)
	if cur.Type == "link" {
		before = "link -> " + cur.LinkTarget
	}
	fr.stateDiff(fr.p, before, state, "src: "+src)
	pred := module.FileInfo{Path: fr.p, Exists: true, Type: "link", LinkTarget: src, Mode: 0o777, Owner: "root", Group: "root"}
	if state == "hard" {
		pred = module.FileInfo{Path: fr.p, Exists: true, Type: "file", Mode: 0o644}
	}
	ch, err := planAttrs(pred, fr.at)
	if err != nil {
		return &hostscript.Failure{Msg: err.Error()}
	}
	if state == "link" {
		ch.ModeChanged = false
		ch.NewMode = pred.Mode
	}
	script += ch.script()
	if !fr.c.Check {
		if _, err := fr.run1(fmt.Sprintf("linking %s to %s", fr.p, src), script); err != nil {
			return err
		}
	}
	recordPredicted(fr.c, ch.apply(pred))
	fr.r.Changed = true
	return nil
}

// linkAttrs applies owner/group to an existing link itself (chown -h);
// Linux links have no mode of their own.
func (fr *fileRun) linkAttrs(cur module.FileInfo) error {
	at := fr.at
	if cur.Type == "link" {
		at.Mode = ""
	}
	saved := fr.at
	fr.at = at
	defer func() { fr.at = saved }()
	return fr.attrs(cur)
}
