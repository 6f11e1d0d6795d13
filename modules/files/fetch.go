package files

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/module"
)

// Fetch copies a file from the host to the controller
// (ansible.builtin.fetch).
type Fetch struct{}

var _ module.Module = Fetch{}

func (Fetch) Name() string { return "fetch" }

func (Fetch) Spec() module.Spec {
	return module.Spec{
		Short: "Copy a file from the host to the controller",
		Description: "Reads src on the host and writes it under dest on the controller: dest/HOSTNAME/SRC-PATH, or dest " +
			"itself with flat (dest ending in / then gets the file's base name). Changed when the local file differs.",
		Args: []module.Arg{
			{Name: "src", Type: module.TypeStr, Required: true, Doc: "the file on the host"},
			{Name: "dest", Type: module.TypeStr, Required: true, Doc: "directory (or, with flat, file) on the controller; a relative path is relative to the playbook's directory, as in Ansible"},
			{Name: "flat", Type: module.TypeBool, Default: false, Doc: "write to dest directly instead of dest/HOSTNAME/src"},
			{Name: "fail_on_missing", Type: module.TypeBool, Default: true, Doc: "fail when src is missing"},
			{Name: "validate_checksum", Type: module.TypeBool, Default: true, Aliases: []string{"validate_md5"}, Doc: "check the written file against the source's checksum"},
		},
		Examples: `- name: Bring back the swarm worker token
  ansible.builtin.fetch:
    src: /root/worker-token
    dest: tokens/`,
	}
}

// fetchDest is where src from host lands on the controller.
// resolveControllerPath resolves a controller path as Ansible's
// path_dwim does for fetch's dest: ~ expands to the home directory, and a
// relative path is taken from the playbook's directory (playbook_dir),
// not from the directory haplay was started in. A trailing / is kept.
func resolveControllerPath(c *module.Call, p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			p = home + p[1:]
		}
	}
	if filepath.IsAbs(p) || c.Controller == nil {
		return p
	}
	v, err := c.Controller.Eval("playbook_dir")
	base, ok := v.(string)
	if err != nil || !ok || base == "" {
		return p
	}
	out := filepath.Join(base, p)
	if strings.HasSuffix(p, "/") {
		out += "/"
	}
	return out
}

func fetchDest(dest, host, src string, flat bool) string {
	if flat {
		if strings.HasSuffix(dest, "/") {
			return filepath.Join(dest, filepath.Base(src))
		}
		return dest
	}
	return filepath.Join(dest, host, filepath.FromSlash(src))
}

func (Fetch) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	a := c.Args
	src := a.String("src")
	f, err := c.Host.ReadFile(ctx, src, true)
	if err != nil {
		return asResult(module.Result{}, err)
	}
	var r module.Result
	switch {
	case !f.Exists:
		r.Msg = fmt.Sprintf("the remote file does not exist: %s", src)
		if a.Bool("fail_on_missing") {
			r.Failed = true
		} else {
			r.Set("file", src)
		}
		return r, nil
	case f.Type == "directory":
		return module.Result{Failed: true, Msg: fmt.Sprintf("remote file is a directory, fetch cannot work on directories: %s", src)}, nil
	case !f.HasData:
		return module.Result{Failed: true, Msg: fmt.Sprintf("remote file is not a regular file: %s", src)}, nil
	}
	dest := fetchDest(resolveControllerPath(c, a.String("dest")), c.Host.Name(), src, a.Bool("flat"))
	old, rerr := os.ReadFile(dest)
	sum := sha1.Sum(f.Content)
	r.Set("dest", dest)
	r.Set("file", src)
	r.Set("checksum", hex.EncodeToString(sum[:]))
	r.Set("remote_checksum", hex.EncodeToString(sum[:]))
	r.Set("md5sum", fmt.Sprintf("%x", md5.Sum(f.Content)))
	if rerr == nil && bytes.Equal(old, f.Content) {
		return r, nil
	}
	r.Changed = true
	if c.Diff {
		r.Diffs = append(r.Diffs, module.Diff{BeforeHeader: dest + " (before)", AfterHeader: dest + " (after)", Before: string(old), After: string(f.Content)})
	}
	if c.Check {
		return r, nil
	}
	if err := writeLocal(dest, f.Content, f.Mode.Perm()); err != nil {
		if errors.Is(err, syscall.ENOSPC) {
			return module.Result{Failed: true, Msg: fmt.Sprintf("fetch %s to %s on the controller: No space left on device, file left unchanged: %v", src, dest, err)}, nil
		}
		return module.Result{Failed: true, Msg: fmt.Sprintf("fetch %s: %v", src, err)}, nil
	}
	if a.Bool("validate_checksum") {
		back, err := os.ReadFile(dest)
		if err != nil || sha1.Sum(back) != sum {
			return module.Result{Failed: true, Msg: fmt.Sprintf("checksum mismatch after writing %s", dest)}, nil
		}
	}
	return r, nil
}

// sweepLocalTemps removes stale temps of ours from dir, best effort: a
// temp that stays only costs space.
func sweepLocalTemps(dir string) {
	m, _ := filepath.Glob(filepath.Join(dir, ".*"+hostcmd.TempMarker+"*"))
	for _, f := range m {
		if st, err := os.Lstat(f); err == nil && st.Mode().IsRegular() && time.Since(st.ModTime()) > hostcmd.StaleTempAge {
			_ = os.Remove(f)
		}
	}
}

// writeLocal writes data to p on the controller atomically. As with
// Ansible's fetch (sftp get), a new file gets the remote file's mode less
// the controller's umask, and an existing file keeps its mode. The temp
// is named as connection.WriteFile names its own, and a controller killed
// mid-write leaves it behind: the next fetch into the directory removes
// those older than hostcmd.StaleTempAge.
func writeLocal(p string, data []byte, remoteMode fs.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	sweepLocalTemps(filepath.Dir(p))
	var rnd [8]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(p), "."+filepath.Base(p)+hostcmd.TempMarker+hex.EncodeToString(rnd[:]))
	// OpenFile's mode goes through the umask, as sftp's does.
	t, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, remoteMode)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	if _, err := t.Write(data); err != nil {
		t.Close()
		return err
	}
	// On disk before the name is: a crash after the rename must not
	// leave an empty file where the old one was.
	if err := t.Sync(); err != nil {
		t.Close()
		return err
	}
	if st, err := os.Stat(p); err == nil {
		if err := t.Chmod(st.Mode().Perm()); err != nil {
			t.Close()
			return err
		}
	}
	if err := t.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, p)
}
