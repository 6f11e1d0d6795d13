// Package requirements copies roles and collections from git into an inventory
// environment (inventories/ENV/vendor/), pinned by a lock file, so runs
// are offline and every environment can pin its own versions.
//
// Layout, for an environment directory ENV:
//
//	ENV/requirements.yml     what is wanted (ansible-galaxy format, git sources only)
//	ENV/requirements.lock    what was resolved: commit and tree hash per entry
//	ENV/vendor/roles/NAME/   a role's files at the locked commit
//	ENV/vendor/collections/ansible_collections/NS/NAME/
//	ENV/vendor/vendor.sum    every vendored file's mode and sha256
//
// All git access goes through go-git; no git binary is run.
package requirements

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// VendorDirName is the directory inside an environment holding the
// vendored trees.
const VendorDirName = "vendor"

// Options for Run.
type Options struct {
	EnvDir  string   // inventory environment directory holding requirements.yml
	Update  []string // entry names to move forward to what their version names now
	Verify  bool     // check the vendored trees and upstream refs against the lock; change nothing
	Offline bool     // with Verify: skip the upstream checks
	Out     io.Writer
	Getenv  func(string) string // nil: os.Getenv
}

// OptionError is a mistake in what was asked (unknown --update name, no
// requirements file): the command maps it to exit code 5.
type OptionError struct{ Msg string }

func (e *OptionError) Error() string { return e.Msg }

// VerifyError lists every difference --verify found.
type VerifyError struct {
	Env      string
	Problems []string
}

func (e *VerifyError) Error() string {
	return fmt.Sprintf("vendor verify failed for %s (%d problem(s)):\n  %s", e.Env, len(e.Problems), strings.Join(e.Problems, "\n  "))
}

// Run installs (or verifies) the requirements of one environment.
func Run(ctx context.Context, o Options) error {
	if o.Out == nil {
		o.Out = io.Discard
	}
	getenv := getenvOr(o.Getenv)
	st, err := os.Stat(o.EnvDir)
	if err == nil && !st.IsDir() {
		o.EnvDir = filepath.Dir(o.EnvDir) // -i inventories/ENV/hosts means ENV
	} else if err != nil {
		return &OptionError{Msg: fmt.Sprintf("inventory %s: %v", o.EnvDir, err)}
	}
	reqFile := RequirementsFile(o.EnvDir)
	if reqFile == "" {
		return &OptionError{Msg: fmt.Sprintf("%s has no requirements.yml", o.EnvDir)}
	}
	data, err := os.ReadFile(reqFile)
	if err != nil {
		return err
	}
	reqs, err := ParseRequirements(reqFile, data)
	if err != nil {
		return err
	}
	for _, name := range o.Update {
		if !slices.ContainsFunc(reqs, func(r Requirement) bool { return r.Name == name }) {
			return &OptionError{Msg: fmt.Sprintf("--update %s: no entry of that name in %s", name, reqFile)}
		}
	}
	lock, _, err := ReadLock(o.EnvDir)
	if err != nil {
		return err
	}
	red := &redactor{}
	for _, k := range []string{EnvToken, EnvGitHubToken} {
		red.add(getenv(k))
	}
	v := &vendorer{o: o, getenv: getenv, red: red, reqDir: filepath.Dir(reqFile),
		vendorDir: filepath.Join(o.EnvDir, VendorDirName), sources: map[string]*source{}}
	if o.Verify {
		return v.redactErr(v.verify(ctx, reqs, lock))
	}
	return v.redactErr(v.install(ctx, reqs, lock))
}

type vendorer struct {
	o         Options
	getenv    func(string) string
	red       *redactor
	reqDir    string
	vendorDir string
	sources   map[string]*source // one fetch per source per run
}

// redactErr makes sure no secret leaves the package inside an error.
func (v *vendorer) redactErr(err error) error {
	if err == nil {
		return nil
	}
	var ve *VerifyError
	if errors.As(err, &ve) {
		for i, p := range ve.Problems {
			ve.Problems[i] = v.red.str(p)
		}
		return ve
	}
	var oe *OptionError
	if errors.As(err, &oe) {
		oe.Msg = v.red.str(oe.Msg)
		return oe
	}
	if s := v.red.str(err.Error()); s != err.Error() {
		return errors.New(s)
	}
	return err
}

func (v *vendorer) printf(format string, a ...any) {
	fmt.Fprint(v.o.Out, v.red.str(fmt.Sprintf(format, a...)))
}

func (v *vendorer) source(src string) (*source, error) {
	if s, ok := v.sources[src]; ok {
		return s, nil
	}
	s, err := openSource(src, v.reqDir, v.getenv, v.red)
	if err != nil {
		return nil, err
	}
	v.sources[src] = s
	return s, nil
}

// sameSpec tells whether the lock entry was made for this requirement as
// written now; an edited version or src is re-resolved, like go.mod.
func (v *vendorer) sameSpec(r Requirement, e LockEntry) bool {
	return e.Src == v.red.url(r.Src) && e.Version == r.Version && e.Subdir == r.Subdir
}

func (v *vendorer) install(ctx context.Context, reqs []Requirement, lock *Lock) error {
	newLock := &Lock{LockVersion: 1}
	sums, err := readSums(v.vendorDir)
	if err != nil {
		return err
	}
	newSums := map[string][]fileSum{}
	var errs []error
	for _, r := range reqs {
		if err := ctx.Err(); err != nil {
			return err
		}
		rel := entryDir(r.Kind, r.Name)
		key := filepath.ToSlash(rel)
		old, locked := lock.find(r.Key())
		e, files, err := v.installOne(ctx, r, old, locked && v.sameSpec(r, old), slices.Contains(v.o.Update, r.Name))
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", r.Kind, r.Name, err))
			if locked { // keep what was there; the lock still describes it
				newLock.Entries = append(newLock.Entries, old)
				newSums[key] = sums[key]
			}
			continue
		}
		newLock.Entries = append(newLock.Entries, e)
		newSums[key] = files
	}
	// Entries gone from requirements.yml leave the vendor tree too.
	for _, old := range lock.Entries {
		if _, ok := newLock.find(old.Key()); ok {
			continue
		}
		if slices.ContainsFunc(reqs, func(r Requirement) bool { return r.Key() == old.Key() }) {
			continue
		}
		if err := os.RemoveAll(filepath.Join(v.vendorDir, entryDir(old.Kind, old.Name))); err != nil {
			errs = append(errs, err)
			continue
		}
		v.printf("removed   %s %s (no longer in requirements)\n", old.Kind, old.Name)
	}
	if err := writeSums(v.vendorDir, newSums); err != nil {
		errs = append(errs, err)
	}
	if err := writeLock(v.o.EnvDir, newLock); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// installOne brings one entry's directory to its pinned commit. With a
// matching lock entry and no --update it installs exactly the locked
// commit (and touches nothing when the tree is already right, which
// needs no network); otherwise it resolves the version anew.
func (v *vendorer) installOne(ctx context.Context, r Requirement, old LockEntry, useLock, update bool) (LockEntry, []fileSum, error) {
	dest := filepath.Join(v.vendorDir, entryDir(r.Kind, r.Name))
	if useLock && !update {
		if have, err := hashDir(dest); err == nil && treeHash(have) == old.Tree {
			v.printf("ok        %s %s %s %s\n", r.Kind, r.Name, displayVersion(r.Version), short(old.Commit))
			return old, have, nil
		}
		src, err := v.source(r.Src)
		if err != nil {
			return old, nil, err
		}
		repo, err := src.open(ctx)
		if err != nil {
			return old, nil, err
		}
		c, err := commitOf(repo, plumbing.NewHash(old.Commit))
		if err != nil {
			return old, nil, fmt.Errorf("locked commit %s is not in %s any more: %v", short(old.Commit), src.display, err)
		}
		stage, files, skipped, err := writeTree(repo, c, r.Subdir, dest)
		if err != nil {
			return old, nil, err
		}
		if got := treeHash(files); got != old.Tree {
			os.RemoveAll(stage)
			return old, nil, fmt.Errorf("commit %s gives tree %s, the lock says %s", short(old.Commit), got, old.Tree)
		}
		if err := swapInto(stage, dest); err != nil {
			return old, nil, err
		}
		v.warnSkipped(r, skipped)
		v.printf("installed %s %s %s %s (locked)\n", r.Kind, r.Name, displayVersion(r.Version), short(old.Commit))
		return old, files, nil
	}
	src, err := v.source(r.Src)
	if err != nil {
		return old, nil, err
	}
	refs, err := src.refs(ctx)
	if err != nil {
		return old, nil, err
	}
	res, ok := resolveRef(refs, r.Version)
	if !ok {
		return old, nil, fmt.Errorf("version %s: no tag, branch or commit of that name in %s", displayVersion(r.Version), src.display)
	}
	c, err := src.commit(ctx, res, r.Version)
	if err != nil {
		return old, nil, err
	}
	stage, files, skipped, err := writeTree(src.repo, c, r.Subdir, dest)
	if err != nil {
		return old, nil, err
	}
	if err := swapInto(stage, dest); err != nil {
		return old, nil, err
	}
	v.warnSkipped(r, skipped)
	e := LockEntry{Kind: r.Kind, Name: r.Name, Src: v.red.url(r.Src), Version: r.Version, Subdir: r.Subdir,
		Ref: res.Ref, Commit: c.Hash.String(), Tree: treeHash(files)}
	if !res.Object.IsZero() && res.Object != c.Hash {
		e.Object = res.Object.String()
	}
	was := ""
	if old.Commit != "" && old.Commit != e.Commit {
		was = " (was " + short(old.Commit) + ")"
	}
	v.printf("resolved  %s %s %s %s%s from %s\n", r.Kind, r.Name, displayVersion(r.Version), short(e.Commit), was, src.display)
	return e, files, nil
}

func (v *vendorer) warnSkipped(r Requirement, skipped []string) {
	for _, s := range skipped {
		v.printf("warning   %s %s: %s is a submodule; not vendored\n", r.Kind, r.Name, s)
	}
}

func displayVersion(s string) string {
	if s == "" {
		return "HEAD"
	}
	return s
}

// verify checks, without changing anything: every requirement is locked
// as written; every vendored tree hashes to its lock entry (offline);
// and, unless offline, every tag still names the locked commit upstream.
func (v *vendorer) verify(ctx context.Context, reqs []Requirement, lock *Lock) error {
	var problems []string
	add := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	for _, r := range reqs {
		e, ok := lock.find(r.Key())
		switch {
		case !ok:
			add("%s %s: not in %s; run haplay vendor", r.Kind, r.Name, LockFileName)
		case !v.sameSpec(r, e):
			add("%s %s: requirements.yml asks for %s@%s but the lock has %s@%s; run haplay vendor",
				r.Kind, r.Name, v.red.url(r.Src), displayVersion(r.Version), e.Src, displayVersion(e.Version))
		}
	}
	sums, err := readSums(v.vendorDir)
	if err != nil {
		return err
	}
	want := map[string]bool{}
	for _, e := range lock.Entries {
		rel := entryDir(e.Kind, e.Name)
		key := filepath.ToSlash(rel)
		want[key] = true
		if !slices.ContainsFunc(reqs, func(r Requirement) bool { return r.Key() == e.Key() }) {
			add("%s %s: locked but no longer in requirements.yml; run haplay vendor", e.Kind, e.Name)
		}
		dir := filepath.Join(v.vendorDir, rel)
		if _, err := os.Stat(dir); err != nil {
			add("%s %s: %s is missing; run haplay vendor", e.Kind, e.Name, dir)
			continue
		}
		have, err := hashDir(dir)
		if err != nil {
			add("%s %s: %v", e.Kind, e.Name, err)
			continue
		}
		if treeHash(have) == e.Tree {
			v.printf("ok        %s %s %s %s tree matches the lock\n", e.Kind, e.Name, displayVersion(e.Version), short(e.Commit))
			continue
		}
		listed := sums[key]
		if len(listed) == 0 || treeHash(listed) != e.Tree {
			add("%s %s: vendored tree %s differs from the lock (%s); %s does not match the lock either, so the file cannot be named",
				e.Kind, e.Name, dir, short(e.Tree), SumFileName)
			continue
		}
		for _, d := range diffSums(listed, have) {
			add("%s %s: %s", e.Kind, e.Name, filepath.Join(dir, d))
		}
	}
	problems = append(problems, strayDirs(v.vendorDir, want)...)
	if !v.o.Offline {
		srcs := map[string]string{}
		for _, r := range reqs {
			srcs[r.Key()] = r.Src
		}
		for _, e := range lock.Entries {
			if err := ctx.Err(); err != nil {
				return err
			}
			src := e.Src
			// The requirement's own text may carry credentials the lock
			// must not; use it when it names the same source.
			if s, ok := srcs[e.Key()]; ok && v.red.url(s) == e.Src {
				src = s
			}
			if p := v.verifyUpstream(ctx, e, src); p != "" {
				problems = append(problems, p)
			}
		}
	}
	if len(problems) > 0 {
		return &VerifyError{Env: v.o.EnvDir, Problems: problems}
	}
	v.printf("verified  %d entr%s in %s\n", len(lock.Entries), plural(len(lock.Entries), "y", "ies"), v.o.EnvDir)
	return nil
}

// verifyUpstream resolves a locked entry's version at its source, as
// ls-remote would. A tag that names another commit than locked is a
// problem (tags are promises); a branch that moved on is only reported,
// since moving is what branches do, and --update takes it.
func (v *vendorer) verifyUpstream(ctx context.Context, e LockEntry, srcText string) string {
	if e.Ref == "" { // pinned to a commit: nothing upstream can move it
		return ""
	}
	src, err := v.source(srcText)
	if err != nil {
		return fmt.Sprintf("%s %s: %v", e.Kind, e.Name, err)
	}
	refs, err := src.refs(ctx)
	if err != nil {
		return fmt.Sprintf("%s %s: cannot check upstream: %v (use --offline to check only the vendored trees)", e.Kind, e.Name, err)
	}
	res, ok := resolveRef(refs, e.Version)
	if !ok || res.Ref != e.Ref {
		return fmt.Sprintf("%s %s: %s no longer exists in %s", e.Kind, e.Name, e.Ref, src.display)
	}
	var moved bool
	now := res.Commit
	if now.IsZero() { // annotated tag without peeled info: compare the tag object
		lockedObj := e.Object
		if lockedObj == "" {
			lockedObj = e.Commit
		}
		moved, now = res.Object.String() != lockedObj, res.Object
	} else {
		moved = now.String() != e.Commit
	}
	if !moved {
		return ""
	}
	if res.Kind == "tag" {
		return fmt.Sprintf("%s %s: tag %s moved upstream: it now names %s, locked %s (check why; haplay vendor --update %s accepts it)",
			e.Kind, e.Name, e.Version, short(now.String()), short(e.Commit), e.Name)
	}
	v.printf("note      %s %s: %s has moved on to %s (locked %s); haplay vendor --update %s takes it\n",
		e.Kind, e.Name, strings.TrimPrefix(e.Ref, "refs/heads/"), short(now.String()), short(e.Commit), e.Name)
	return ""
}

// strayDirs reports directories in the vendor tree that no lock entry
// owns: run would otherwise find roles nobody pinned.
func strayDirs(vendorDir string, want map[string]bool) []string {
	var out []string
	check := func(pattern string) {
		matches, _ := filepath.Glob(filepath.Join(vendorDir, pattern))
		for _, m := range matches {
			if st, err := os.Stat(m); err != nil || !st.IsDir() || strings.HasPrefix(filepath.Base(m), ".") {
				continue
			}
			rel, _ := filepath.Rel(vendorDir, m)
			if !want[filepath.ToSlash(rel)] {
				out = append(out, fmt.Sprintf("%s: not in %s (remove it or add it to requirements.yml)", m, LockFileName))
			}
		}
	}
	check("roles/*")
	check("collections/ansible_collections/*/*")
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// RolesPath returns the vendored role directories of the environments
// behind inventory sources (a directory, or a file whose directory is
// the environment), for the playbook loader to search before roles/.
// Sources that are not paths (host lists) are skipped; so are
// environments that vendor nothing.
func RolesPath(inventoryDirs []string) []string {
	return vendoredDirs(inventoryDirs, "roles", "roles")
}

// vendoredDirs returns ENV/vendor/RESULT for each environment behind the
// inventory sources where ENV/vendor/PROBE is a directory.
func vendoredDirs(inventoryDirs []string, probe, result string) []string {
	var out []string
	for _, inv := range inventoryDirs {
		st, err := os.Stat(inv)
		if err != nil {
			continue
		}
		dir := inv
		if !st.IsDir() {
			dir = filepath.Dir(inv)
		}
		if st, err := os.Stat(filepath.Join(dir, VendorDirName, probe)); err != nil || !st.IsDir() {
			continue
		}
		p := filepath.Join(dir, VendorDirName, result)
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// CollectionsPath returns the vendored collection directories (each
// holding ansible_collections/) of the environments behind inventory
// sources, for the playbook loader's NS.COLL.ROLE lookup.
func CollectionsPath(inventoryDirs []string) []string {
	return vendoredDirs(inventoryDirs, filepath.Join("collections", "ansible_collections"), "collections")
}
