package requirements

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Modes as git writes them; the tree hash uses these texts.
const (
	modeRegular    = "100644"
	modeExecutable = "100755"
	modeSymlink    = "120000"
)

// fileSum is one vendored file: its path (slash-separated, relative to
// the entry's directory), git-style mode and the sha256 of its content
// (of the link target for a symlink).
type fileSum struct {
	Path string
	Mode string
	Sum  string
}

// treeHash is "sha256:" + sha256 over "MODE SHA256 PATH\n" for every file
// sorted by path. Hashing each content first keeps it a function of
// paths, modes and contents that a per-file listing (vendor.sum) can
// reproduce, so a mismatch can name the file.
func treeHash(files []fileSum) string {
	sorted := append([]fileSum(nil), files...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Path < sorted[j].Path })
	h := sha256.New()
	for _, f := range sorted {
		fmt.Fprintf(h, "%s %s %s\n", f.Mode, f.Sum, f.Path)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

func sumBytes(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// hashDir lists the files under dir as the tree hash sees them. It works
// offline: it reads only the vendored files.
func hashDir(dir string) ([]fileSum, error) {
	var out []fileSum
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		switch {
		case d.IsDir():
			return nil
		case d.Type()&fs.ModeSymlink != 0:
			t, err := os.Readlink(p)
			if err != nil {
				return err
			}
			out = append(out, fileSum{Path: rel, Mode: modeSymlink, Sum: sumBytes([]byte(filepath.ToSlash(t)))})
		case d.Type().IsRegular():
			info, err := d.Info()
			if err != nil {
				return err
			}
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			h := sha256.New()
			_, err = io.Copy(h, f)
			f.Close()
			if err != nil {
				return err
			}
			mode := modeRegular
			if info.Mode().Perm()&0o100 != 0 {
				mode = modeExecutable
			}
			out = append(out, fileSum{Path: rel, Mode: mode, Sum: hex.EncodeToString(h.Sum(nil))})
		default:
			return fmt.Errorf("%s: not a regular file, directory or symlink", p)
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, err
}

// writeTree writes the files of commit (below subdir) into a new
// directory beside dest and returns it with the files' sums; the caller
// swaps it into place once the result is accepted. Submodules cannot be
// vendored from one repository and are reported in skipped.
func writeTree(repo *git.Repository, c *object.Commit, subdir, dest string) (stage string, sums []fileSum, skipped []string, err error) {
	tree, err := c.Tree()
	if err != nil {
		return "", nil, nil, fmt.Errorf("commit %s: %w", c.Hash, err)
	}
	if subdir != "" {
		tree, err = tree.Tree(subdir)
		if err != nil {
			return "", nil, nil, fmt.Errorf("commit %s has no directory %s: %w", short(c.Hash.String()), subdir, err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return "", nil, nil, err
	}
	stage, err = os.MkdirTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".new-")
	if err != nil {
		return "", nil, nil, err
	}
	if err := os.Chmod(stage, 0o755); err != nil {
		return "", nil, nil, err
	}
	fail := func(err error) (string, []fileSum, []string, error) {
		os.RemoveAll(stage)
		return "", nil, nil, err
	}
	w := object.NewTreeWalker(tree, true, nil)
	defer w.Close()
	for {
		name, entry, err := w.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fail(fmt.Errorf("read tree of %s: %w", short(c.Hash.String()), err))
		}
		if !safeRelPath(name) {
			return fail(fmt.Errorf("commit %s: refusing path %q", short(c.Hash.String()), name))
		}
		target := filepath.Join(stage, filepath.FromSlash(name))
		switch entry.Mode {
		case filemode.Dir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return fail(err)
			}
		case filemode.Submodule:
			skipped = append(skipped, name)
		case filemode.Regular, filemode.Deprecated, filemode.Executable, filemode.Symlink:
			data, err := readBlob(repo, entry.Hash)
			if err != nil {
				return fail(err)
			}
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return fail(err)
			}
			if entry.Mode == filemode.Symlink {
				link := string(data)
				if path.IsAbs(link) || !safeRelPath(path.Clean(path.Join(path.Dir(name), link))) {
					return fail(fmt.Errorf("commit %s: symlink %s points outside the tree (%s)", short(c.Hash.String()), name, link))
				}
				if err := os.Symlink(filepath.FromSlash(link), target); err != nil {
					return fail(err)
				}
				sums = append(sums, fileSum{Path: name, Mode: modeSymlink, Sum: sumBytes([]byte(link))})
				continue
			}
			mode, perm := modeRegular, os.FileMode(0o644)
			if entry.Mode == filemode.Executable {
				mode, perm = modeExecutable, 0o755
			}
			if err := os.WriteFile(target, data, perm); err != nil {
				return fail(err)
			}
			if err := os.Chmod(target, perm); err != nil { // umask must not change what is hashed
				return fail(err)
			}
			sums = append(sums, fileSum{Path: name, Mode: mode, Sum: sumBytes(data)})
		default:
			skipped = append(skipped, name)
		}
	}
	sort.Slice(sums, func(i, j int) bool { return sums[i].Path < sums[j].Path })
	return stage, sums, skipped, nil
}

func readBlob(repo *git.Repository, h plumbing.Hash) ([]byte, error) {
	b, err := repo.BlobObject(h)
	if err != nil {
		return nil, fmt.Errorf("blob %s: %w", h, err)
	}
	r, err := b.Reader()
	if err != nil {
		return nil, fmt.Errorf("blob %s: %w", h, err)
	}
	defer r.Close()
	return io.ReadAll(r)
}

// swapInto replaces dest with stage.
func swapInto(stage, dest string) error {
	if err := os.RemoveAll(dest); err != nil {
		return err
	}
	return os.Rename(stage, dest)
}

// safeRelPath refuses absolute paths, .. and .git components.
func safeRelPath(p string) bool {
	if p == "" || path.IsAbs(p) || path.Clean(p) != p {
		return false
	}
	for _, el := range strings.Split(p, "/") {
		if el == ".." || el == "." || strings.EqualFold(el, ".git") {
			return false
		}
	}
	return true
}

// diffSums names what differs between the locked files and the files on
// disk.
func diffSums(want, have []fileSum) []string {
	w := map[string]fileSum{}
	for _, f := range want {
		w[f.Path] = f
	}
	var out []string
	seen := map[string]bool{}
	for _, f := range have {
		seen[f.Path] = true
		l, ok := w[f.Path]
		switch {
		case !ok:
			out = append(out, f.Path+": added (not in the lock)")
		case l.Sum != f.Sum:
			out = append(out, f.Path+": content differs from the locked commit")
		case l.Mode != f.Mode:
			out = append(out, fmt.Sprintf("%s: mode %s, locked %s", f.Path, f.Mode, l.Mode))
		}
	}
	for _, f := range want {
		if !seen[f.Path] {
			out = append(out, f.Path+": missing")
		}
	}
	sort.Strings(out)
	return out
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
