package files

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/jinja"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules/internal/hostscript"
)

// Copy puts a file or a directory tree from the controller (or from the
// host itself with remote_src) on the host (ansible.builtin.copy).
type Copy struct{}

var _ module.Module = Copy{}
var _ module.ControllerFileUser = Copy{}

func (Copy) Name() string { return "copy" }

// writeArgs are the arguments copy and template share.
func writeArgs() []module.Arg {
	return append([]module.Arg{
		{Name: "dest", Type: module.TypePath, Required: true, Doc: "where the file goes; a directory (or a path ending in /) receives the source's base name"},
		{Name: "backup", Type: module.TypeBool, Default: false, Doc: "keep a timestamped copy (dest.PID.YYYY-MM-DD@HH:MM:SS~) of the old file"},
		{Name: "force", Type: module.TypeBool, Default: true, Aliases: []string{"thirsty"}, Doc: "replace a file whose content differs; with false, only create missing files"},
		{Name: "validate", Type: module.TypeStr, Doc: "command run on the new file (%s) before it replaces the old one; on failure the old file stays"},
		{Name: "follow", Type: module.TypeBool, Default: false, Doc: "accepted for compatibility"},
	}, attrArgs()...)
}

func (Copy) Spec() module.Spec {
	args := []module.Arg{
		{Name: "src", Type: module.TypePath, Doc: "file or directory in the role's or playbook's files/ (or on the host with remote_src); a directory ending in / copies its contents"},
		{Name: "content", Type: module.TypeStr, Doc: "the file's content, instead of src"},
		{Name: "remote_src", Type: module.TypeBool, Default: false, Doc: "src is a file or directory on the host; a directory keeps its files' modes and owners unless mode, owner or group say otherwise"},
		{Name: "directory_mode", Type: module.TypeMode, Doc: "mode of directories created when copying a tree"},
		{Name: "local_follow", Type: module.TypeBool, Default: true, Doc: "follow links in the source"},
		{Name: "decrypt", Type: module.TypeBool, Default: true, Doc: "decrypt a vaulted src with the run's vault ids (false: copy the vault text as it is)"},
		{Name: "checksum", Type: module.TypeStr, Doc: "accepted for compatibility"},
	}
	return module.Spec{
		Short: "Copy files to the host",
		Description: "Writes a file from files/ of the role or playbook, or content given inline, atomically. Only a " +
			"differing file is written; --diff shows the change. mode accepts octal, symbolic or preserve.",
		Args:              append(args, writeArgs()...),
		MutuallyExclusive: [][]string{{"content", "src"}},
		RequiredOneOf:     [][]string{{"content", "src"}},
		Examples: `- name: Docker daemon settings
  ansible.builtin.copy:
    dest: /etc/docker/daemon.json
    content: '{"log-driver": "journald"}'
    mode: "0644"

- name: Installer script (seed 000)
  copy:
    src: elma365-installer.sh
    dest: /root/elma365-installer.sh
    mode: u+x`,
	}
}

// writeJob is one file copy or template wants on the host.
type writeJob struct {
	Dest     string
	Data     []byte
	SrcMode  fs.FileMode // for mode=preserve
	Src      string      // reported as src
	Label    string      // for diff headers
	BaseName string      // joined to dest when dest is a directory
	// ParentMade: the caller made (or in check mode predicted) dest's
	// directory, so putFile need not look for it.
	ParentMade bool
}

// putFile writes one file: resolves a directory dest, honours force and
// mode=preserve, and reports copy's result keys.
func putFile(ctx context.Context, c *module.Call, j writeJob, r *module.Result) error {
	a := c.Args
	at, err := attrsOf(a)
	if err != nil {
		return &hostscript.Failure{Msg: err.Error()}
	}
	if m, _ := modeString(a["mode"]); m == "preserve" {
		at.Mode = module.FormatMode(j.SrcMode)
	}
	dest := j.Dest
	if strings.HasSuffix(dest, "/") {
		if j.BaseName == "" {
			return &hostscript.Failure{Msg: fmt.Sprintf("can not use content with a dir as dest (%s)", dest)}
		}
		dest += j.BaseName
	}
	cur, err := c.Host.ReadFile(ctx, dest, true)
	if err != nil {
		return err
	}
	if cur.Exists && cur.Type == "directory" {
		if j.BaseName == "" {
			return &hostscript.Failure{Msg: fmt.Sprintf("can not use content with a dir as dest (%s)", dest)}
		}
		dest = path.Join(dest, j.BaseName)
		if cur, err = c.Host.ReadFile(ctx, dest, true); err != nil {
			return err
		}
	}
	if cur.Exists && cur.Type == "link" {
		// Write through the link, as Ansible does: its target gets the content.
		t := cur.LinkTarget
		if !path.IsAbs(t) {
			t = path.Join(path.Dir(dest), t)
		}
		if tf, err := c.Host.ReadFile(ctx, t, true); err == nil && (tf.Type == "file" || !tf.Exists) {
			dest, cur = t, tf
		}
	}
	if !cur.Exists && !j.ParentMade && !strings.HasSuffix(j.Dest, "/") {
		// Ansible fails here in check mode too, so the plan must say so
		// rather than predict a write that cannot happen.
		dir := path.Dir(dest)
		pf, err := c.Host.ReadFile(ctx, dir, false)
		if err != nil {
			return err
		}
		if !pf.Exists {
			return &hostscript.Failure{Msg: fmt.Sprintf("Destination directory %s does not exist", dir)}
		}
	}
	r.Set("src", j.Src)
	if cur.Exists && !a.Bool("force") {
		r.Msg = "file already exists"
		setFileKeys(r, dest, cur, cur.Content)
		return nil
	}
	return ensureContent(ctx, c, contentWrite{Path: dest, Cur: cur, Data: j.Data, Attrs: at,
		Backup: a.Bool("backup"), Validate: a.String("validate"), Label: j.Label}, r)
}

func (Copy) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	a := c.Args
	var r module.Result
	err := func() error {
		if _, err := attrsOf(a); err != nil {
			return &hostscript.Failure{Msg: err.Error()}
		}
		dest := a.String("dest")
		if a.Has("content") {
			return putFile(ctx, c, writeJob{Dest: dest, Data: []byte(a.String("content")), SrcMode: 0o644}, &r)
		}
		src := a.String("src")
		if a.Bool("remote_src") {
			return copyRemote(ctx, c, src, dest, &r)
		}
		local, err := c.Controller.FindFile("files", src)
		if err != nil {
			return &hostscript.Failure{Msg: fmt.Sprintf("Could not find or access '%s' on the controller: %v", src, err)}
		}
		st, err := os.Stat(local)
		if err != nil {
			return &hostscript.Failure{Msg: fmt.Sprintf("Could not find or access '%s': %v", src, err)}
		}
		if st.IsDir() {
			return copyTree(ctx, c, local, src, dest, &r)
		}
		data, err := readSource(c, local)
		if err != nil {
			return &hostscript.Failure{Msg: fmt.Sprintf("Could not read '%s': %v", local, err)}
		}
		return putFile(ctx, c, writeJob{Dest: dest, Data: data, SrcMode: st.Mode(), Src: local, Label: dest, BaseName: filepath.Base(local)}, &r)
	}()
	return asResult(r, err)
}

// copyRemote copies a file that is already on the host.
func copyRemote(ctx context.Context, c *module.Call, src, dest string, r *module.Result) error {
	f, err := c.Host.ReadFile(ctx, src, true)
	if err != nil {
		return err
	}
	switch {
	case !f.Exists:
		return &hostscript.Failure{Msg: fmt.Sprintf("Source %s not found", src)}
	case f.Type == "directory":
		return copyRemoteTree(ctx, c, src, dest, r)
	case !f.HasData:
		return &hostscript.Failure{Msg: fmt.Sprintf("Source %s is not a regular file", src)}
	}
	return putFile(ctx, c, writeJob{Dest: dest, Data: f.Content, SrcMode: f.Mode, Src: src, BaseName: path.Base(src)}, r)
}

// copyTree copies a controller directory. "dir/" copies what is in dir
// into dest; "dir" copies dir itself, as dest/dir (rsync and Ansible
// semantics).
// readSource reads a local source file: vault text is decrypted unless
// decrypt is false, as in Ansible.
func readSource(c *module.Call, path string) ([]byte, error) {
	if !c.Args.Bool("decrypt") {
		return os.ReadFile(path)
	}
	return c.Controller.ReadFile(path)
}

func copyTree(ctx context.Context, c *module.Call, local, src, dest string, r *module.Result) error {
	root := strings.TrimSuffix(dest, "/")
	if !strings.HasSuffix(src, "/") {
		root = path.Join(root, filepath.Base(local))
	}
	var dirs []string
	files := map[string]fs.FileInfo{}
	err := filepath.WalkDir(local, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(local, p)
		target := path.Join(root, filepath.ToSlash(rel))
		st, err := os.Stat(p) // follows links (local_follow)
		if err != nil {
			return err
		}
		if st.IsDir() {
			dirs = append(dirs, target)
		} else if st.Mode().IsRegular() {
			files[p] = st
		}
		return nil
	})
	if err != nil {
		return &hostscript.Failure{Msg: fmt.Sprintf("reading %s: %v", local, err)}
	}
	// Which directories are missing: one round trip.
	var s strings.Builder
	for _, d := range dirs {
		s.WriteString("[ -d " + hostcmd.Quote(d) + " ] || echo " + hostcmd.Quote(d) + "\n")
	}
	out, err := runMutation(ctx, c, "examining "+root, s.String())
	if err != nil {
		return err
	}
	var missing []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l == "" {
			continue
		}
		if f, err := c.Host.ReadFile(ctx, l, false); c.Check && err == nil && f.Exists {
			continue // predicted by an earlier task of this check run
		}
		missing = append(missing, l)
	}
	if len(missing) > 0 {
		mk := ""
		dm := ""
		if c.Args.Has("directory_mode") {
			m, err := modeString(c.Args["directory_mode"])
			if err != nil {
				return &hostscript.Failure{Msg: err.Error()}
			}
			dm = m
		}
		for _, d := range missing {
			mk += "mkdir -p -- " + hostcmd.Quote(d) + "\n"
			if dm != "" {
				mk += "chmod " + hostcmd.Quote(dm) + " -- " + hostcmd.Quote(d) + "\n"
			}
			if c.Diff {
				r.Diffs = append(r.Diffs, module.Diff{BeforeHeader: d + " (before)", AfterHeader: d + " (after)",
					Before: "path: " + d + "\nstate: absent\n", After: "path: " + d + "\nstate: directory\n"})
			}
			recordPredicted(c, module.FileInfo{Path: d, Exists: true, Type: "directory", Mode: 0o755, Owner: "root", Group: "root"})
		}
		if !c.Check {
			if _, err := runMutation(ctx, c, "creating directories under "+root, mk); err != nil {
				return err
			}
		}
		r.Changed = true
	}
	names := make([]string, 0, len(files))
	for p := range files {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		rel, _ := filepath.Rel(local, p)
		target := path.Join(root, filepath.ToSlash(rel))
		data, err := readSource(c, p)
		if err != nil {
			return &hostscript.Failure{Msg: fmt.Sprintf("reading %s: %v", p, err)}
		}
		var fr module.Result
		if err := putFile(ctx, c, writeJob{Dest: target, Data: data, SrcMode: files[p].Mode(), Src: p, Label: target, ParentMade: true}, &fr); err != nil {
			return err
		}
		r.Diffs = append(r.Diffs, fr.Diffs...)
		r.Changed = r.Changed || fr.Changed
	}
	r.Set("dest", dest)
	r.Set("src", local)
	return nil
}

// ControllerFiles: a literal src on the controller must exist at load.
func (Copy) ControllerFiles(a module.Args) []module.ControllerFile {
	if a.Has("content") || jinja.IsTemplated(a["remote_src"]) || a.Bool("remote_src") {
		return nil
	}
	return []module.ControllerFile{{Arg: "src", Kind: "files", Name: a.String("src")}}
}
