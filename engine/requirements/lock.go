package requirements

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
)

// LockFileName is written beside requirements.yml.
const LockFileName = "requirements.lock"

// SumFileName lists every vendored file with its mode and sha256, inside
// the vendor directory. The lock's tree hash is computed from exactly
// these lines, so the lock stays the authority and this file only serves
// to name the file that differs.
const SumFileName = "vendor.sum"

// LockEntry pins one requirement.
type LockEntry struct {
	Kind    Kind   `yaml:"kind"`
	Name    string `yaml:"name"`
	Src     string `yaml:"src"`     // without credentials
	Version string `yaml:"version"` // as requested
	Subdir  string `yaml:"subdir"`
	Ref     string `yaml:"ref"`    // the reference version resolved through, "" for a commit
	Object  string `yaml:"object"` // annotated tags: the tag object the ref pointed at
	Commit  string `yaml:"commit"`
	Tree    string `yaml:"tree"` // treeHash of the vendored files
}

// Key matches Requirement.Key.
func (e LockEntry) Key() string { return string(e.Kind) + " " + e.Name }

// Lock is requirements.lock.
type Lock struct {
	LockVersion int         `yaml:"lock_version"`
	Entries     []LockEntry `yaml:"entries"`
}

func (l *Lock) find(key string) (LockEntry, bool) {
	for _, e := range l.Entries {
		if e.Key() == key {
			return e, true
		}
	}
	return LockEntry{}, false
}

// ReadLock reads envDir/requirements.lock; a missing file is an empty
// lock and ok=false.
func ReadLock(envDir string) (lock *Lock, ok bool, err error) {
	p := filepath.Join(envDir, LockFileName)
	data, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return &Lock{LockVersion: 1}, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	lock = &Lock{}
	if err := yaml.Unmarshal(data, lock); err != nil {
		return nil, false, fmt.Errorf("%s: %w", p, err)
	}
	if lock.LockVersion != 1 {
		return nil, false, fmt.Errorf("%s: lock_version %d: this haplay reads version 1", p, lock.LockVersion)
	}
	return lock, true, nil
}

// writeLock writes the lock by hand, every value quoted, one entry after
// another in requirements order, so diffs stay line-per-field.
func writeLock(envDir string, lock *Lock) error {
	var b strings.Builder
	b.WriteString("# Written by haplay vendor: the commit and tree hash of every requirement.\n")
	b.WriteString("# Commit it. `haplay vendor` installs exactly these; `haplay vendor --update NAME` moves one.\n")
	b.WriteString("lock_version: 1\n")
	if len(lock.Entries) == 0 {
		b.WriteString("entries: []\n")
	} else {
		b.WriteString("entries:\n")
	}
	for _, e := range lock.Entries {
		fmt.Fprintf(&b, "  - kind: %s\n", strconv.Quote(string(e.Kind)))
		for _, kv := range [][2]string{{"name", e.Name}, {"src", e.Src}, {"version", e.Version}, {"subdir", e.Subdir},
			{"ref", e.Ref}, {"object", e.Object}, {"commit", e.Commit}, {"tree", e.Tree}} {
			if kv[1] == "" && (kv[0] == "object" || kv[0] == "subdir" || kv[0] == "ref") {
				continue
			}
			fmt.Fprintf(&b, "    %s: %s\n", kv[0], strconv.Quote(kv[1]))
		}
	}
	return writeFileAtomic(filepath.Join(envDir, LockFileName), []byte(b.String()))
}

// entryDir is where an entry's files go, relative to the vendor
// directory: roles/NAME, or collections/ansible_collections/NS/NAME as
// ANSIBLE_COLLECTIONS_PATH expects.
func entryDir(kind Kind, name string) string {
	if kind == KindCollection {
		ns, n, _ := strings.Cut(name, ".")
		return filepath.Join("collections", "ansible_collections", ns, n)
	}
	return filepath.Join("roles", name)
}

// readSums reads vendor.sum: "ENTRYDIR MODE SHA256 PATH" per line.
func readSums(vendorDir string) (map[string][]fileSum, error) {
	f, err := os.Open(filepath.Join(vendorDir, SumFileName))
	if errors.Is(err, os.ErrNotExist) {
		return map[string][]fileSum{}, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string][]fileSum{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), " ", 4)
		if len(parts) != 4 {
			continue
		}
		out[parts[0]] = append(out[parts[0]], fileSum{Mode: parts[1], Sum: parts[2], Path: parts[3]})
	}
	return out, sc.Err()
}

func writeSums(vendorDir string, sums map[string][]fileSum) error {
	var keys []string
	for k := range sums {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, f := range sums[k] {
			fmt.Fprintf(&b, "%s %s %s %s\n", filepath.ToSlash(k), f.Mode, f.Sum, f.Path)
		}
	}
	if err := os.MkdirAll(vendorDir, 0o755); err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(vendorDir, SumFileName), []byte(b.String()))
}

func writeFileAtomic(p string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(p), "."+filepath.Base(p)+".tmp-")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), p)
}
