package files

import (
	"context"
	"crypto/rand"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules/internal/hostscript"
)

// treeEntry is one file or directory of a tree on the host, as the
// survey script prints it.
type treeEntry struct {
	Rel          string // "." for the root, else "./a/b"
	Type         string // "d" directory, "f" file, "l" link (dest only), other find %y letters
	Mode         fs.FileMode
	Owner, Group string
	UID, GID     int
	Sum          string // sha1 of a file's content
}

// treeSurvey is what copy with remote_src learns about a directory copy
// in one round trip: the source tree (links followed, as local_follow
// does) and what already is at the destination root.
type treeSurvey struct {
	Src  map[string]treeEntry
	Dest map[string]treeEntry // empty when the root does not exist
}

// surveyScript lists src (following links) and root (not following them)
// as NUL-separated records: "S|D type mode user group uid gid ./rel" and
// "H|G sha1  ./rel" for file checksums.
func surveyScript(src, root string) string {
	list := func(tag, dir string, follow bool) string {
		l := ""
		if follow {
			l = "-L "
		}
		return "cd -- " + hostcmd.Quote(dir) + " || exit 1\n" +
			"find " + l + ". -printf '" + tag + "\\t%y\\t%m\\t%u\\t%g\\t%U\\t%G\\t%p\\0'\n" +
			"find " + l + ". -type f -exec sha1sum -z -- {} + | sed -z 's/^/" + map[string]string{"S": "H", "D": "G"}[tag] + "\\t/'\n"
	}
	return "set -e\n" + list("S", src, true) +
		"if [ -e " + hostcmd.Quote(root) + " ] || [ -L " + hostcmd.Quote(root) + " ]; then\n" +
		"if [ ! -d " + hostcmd.Quote(root) + " ] || [ -L " + hostcmd.Quote(root) + " ]; then echo " +
		hostcmd.Quote("haplay: "+root+" exists and is not a directory") + " >&2; exit 3; fi\n" +
		list("D", root, false) + "fi\n"
}

// parseSurvey reads surveyScript's output.
func parseSurvey(out []byte) (treeSurvey, error) {
	s := treeSurvey{Src: map[string]treeEntry{}, Dest: map[string]treeEntry{}}
	sums := map[string]map[string]string{"H": {}, "G": {}}
	for _, rec := range strings.Split(string(out), "\x00") {
		if rec == "" {
			continue
		}
		tag, rest, _ := strings.Cut(rec, "\t")
		switch tag {
		case "S", "D":
			f := strings.SplitN(rest, "\t", 7)
			if len(f) != 7 {
				return s, fmt.Errorf("bad survey record %q", rec)
			}
			n, err := strconv.ParseUint(f[1], 8, 32)
			if err != nil {
				return s, fmt.Errorf("bad mode in %q", rec)
			}
			uid, _ := strconv.Atoi(f[4])
			gid, _ := strconv.Atoi(f[5])
			e := treeEntry{Rel: f[6], Type: f[0], Mode: module.OctalToMode(uint32(n)), Owner: f[2], Group: f[3], UID: uid, GID: gid}
			if tag == "S" {
				s.Src[e.Rel] = e
			} else {
				s.Dest[e.Rel] = e
			}
		case "H", "G":
			sum, rel, ok := strings.Cut(rest, "  ")
			if !ok {
				return s, fmt.Errorf("bad checksum record %q", rec)
			}
			sums[tag][rel] = sum
		default:
			return s, fmt.Errorf("bad survey record %q", rec)
		}
	}
	for rel, sum := range sums["H"] {
		e := s.Src[rel]
		e.Sum = sum
		s.Src[rel] = e
	}
	for rel, sum := range sums["G"] {
		e := s.Dest[rel]
		e.Sum = sum
		s.Dest[rel] = e
	}
	return s, nil
}

// treeOp is one change at the destination.
type treeOp struct {
	Rel      string
	Kind     string // "mkdir", "copy", "attrs"
	Src      treeEntry
	Old      *treeEntry // nil: absent
	Mode     fs.FileMode
	Owner    string // "" keeps what cp -p / mkdir leave
	Group    string
	SetMode  bool
	SetOwner bool
	SetGroup bool
}

// planTree compares the source tree with the destination and lists what
// to do, in an order that creates parents first. Files and directories
// keep the source's mode, owner and group (cp -p) unless mode, owner or
// group say otherwise; directory_mode applies to directories created.
func planTree(s treeSurvey, at attrs, dirMode string) ([]treeOp, error) {
	rels := make([]string, 0, len(s.Src))
	for rel := range s.Src {
		rels = append(rels, rel)
	}
	sort.Strings(rels)
	var ops []treeOp
	for _, rel := range rels {
		src := s.Src[rel]
		if src.Type != "d" && src.Type != "f" {
			continue // sockets, fifos, devices, dangling links: not copied
		}
		op := treeOp{Rel: rel, Src: src}
		if old, ok := s.Dest[rel]; ok {
			op.Old = &old
		}
		owner, group := at.Owner, at.Group
		if owner == "" {
			owner = src.Owner
		}
		if group == "" {
			group = src.Group
		}
		mode := src.Mode
		var err error
		switch {
		case src.Type == "f" && at.Mode != "":
			mode, err = module.ParseMode(at.Mode, src.Mode, false)
		case src.Type == "d" && op.Old == nil && dirMode != "":
			mode, err = module.ParseMode(dirMode, src.Mode, true)
		case src.Type == "d" && op.Old != nil && dirMode != "":
			mode = op.Old.Mode // directory_mode is for directories created
		}
		if err != nil {
			return nil, err
		}
		op.Mode, op.Owner, op.Group = mode, owner, group
		switch {
		case op.Old == nil:
			op.Kind = map[string]string{"d": "mkdir", "f": "copy"}[src.Type]
			op.SetMode, op.SetOwner, op.SetGroup = true, true, true
		case (op.Old.Type == "d") != (src.Type == "d"):
			return nil, fmt.Errorf("%s is a %s on the host but a %s in the source: not replaced",
				rel, typeName(op.Old.Type), typeName(src.Type))
		case src.Type == "f" && (op.Old.Type != "f" || op.Old.Sum != src.Sum):
			op.Kind = "copy"
			op.SetMode, op.SetOwner, op.SetGroup = true, true, true
		default:
			op.Kind = "attrs"
			op.SetMode = op.Old.Mode != mode
			op.SetOwner = !idMatches(owner, op.Old.Owner, op.Old.UID)
			op.SetGroup = !idMatches(group, op.Old.Group, op.Old.GID)
			if !op.SetMode && !op.SetOwner && !op.SetGroup {
				continue
			}
		}
		ops = append(ops, op)
	}
	// Directories are created first (parents before children: sorted),
	// files copied into them next.
	sort.SliceStable(ops, func(i, j int) bool { return ops[i].Kind == "mkdir" && ops[j].Kind != "mkdir" })
	return ops, nil
}

func typeName(t string) string {
	switch t {
	case "d":
		return "directory"
	case "f":
		return "file"
	case "l":
		return "link"
	}
	return "special file"
}

// treeScript applies ops: directories first (sorted, parents before
// children), files through a temp file beside each target, then one sync
// of all temps (one process for the tree), then the renames, so a target
// is its old file or the new one, and the new one is on disk before its
// name is. The temps are named as connection.WriteFile names its own
// (.NAME.haplay-tmp.RANDOM), so a write into the directory sweeps those
// a killed copy leaves; the EXIT trap removes them on a failure.
func treeScript(src, root, suffix string, ops []treeOp) string {
	var b, mv strings.Builder
	files := 0
	abs := func(base, rel string) string { return path.Join(base, rel) }
	for _, op := range ops {
		d := abs(root, op.Rel)
		q := hostcmd.Quote(d)
		switch op.Kind {
		case "mkdir":
			if op.Rel == "." {
				// The copy's root: its parents may be missing too.
				b.WriteString("mkdir -p -- " + q + "\n")
			} else {
				b.WriteString("mkdir -- " + q + "\n")
			}
		case "copy":
			tmp := hostcmd.Quote(path.Join(path.Dir(d), "."+path.Base(d)+hostcmd.TempMarker+suffix))
			if files == 0 {
				b.WriteString("trap 'rm -f -- \"$@\"' EXIT\nset --\n")
			}
			files++
			b.WriteString("set -- \"$@\" " + tmp + "\n")
			b.WriteString("cp -p -- " + hostcmd.Quote(abs(src, op.Rel)) + " " + tmp + "\n")
			b.WriteString("chown -- " + hostcmd.Quote(op.Owner+":"+op.Group) + " " + tmp + "\n")
			b.WriteString("chmod -- " + module.FormatMode(op.Mode) + " " + tmp + "\n")
			mv.WriteString("mv -f -- " + tmp + " " + q + "\n")
			continue
		}
		if op.SetOwner || op.SetGroup {
			b.WriteString("chown -- " + hostcmd.Quote(op.Owner+":"+op.Group) + " " + q + "\n")
		}
		if op.SetMode {
			b.WriteString("chmod -- " + module.FormatMode(op.Mode) + " " + q + "\n")
		}
	}
	if files > 0 {
		b.WriteString("sync -- \"$@\"\n")
		b.WriteString(mv.String())
		b.WriteString("trap - EXIT\n")
	}
	return b.String()
}

// treeDiff lists the changed entries, before and after, one line each.
func treeDiff(root string, ops []treeOp) module.Diff {
	var before, after strings.Builder
	line := func(b *strings.Builder, p, typ string, mode fs.FileMode, owner, group, sum string) {
		fmt.Fprintf(b, "%s: %s, mode %s, %s:%s", p, typeName(typ), module.FormatMode(mode), owner, group)
		if sum != "" {
			fmt.Fprintf(b, ", sha1 %s", sum)
		}
		b.WriteString("\n")
	}
	for _, op := range ops {
		p := path.Join(root, op.Rel)
		if op.Old == nil {
			before.WriteString(p + ": absent\n")
		} else {
			line(&before, p, op.Old.Type, op.Old.Mode, op.Old.Owner, op.Old.Group, op.Old.Sum)
		}
		line(&after, p, op.Src.Type, op.Mode, op.Owner, op.Group, op.Src.Sum)
	}
	return module.Diff{BeforeHeader: root + " (before)", AfterHeader: root + " (after)", Before: before.String(), After: after.String()}
}

// copyRemoteTree copies a directory on the host to another place on the
// host (copy remote_src: true). "src/" copies what is in src into dest;
// "src" copies src itself, as dest/src, as Ansible does.
func copyRemoteTree(ctx context.Context, c *module.Call, src, dest string, r *module.Result) error {
	root := strings.TrimSuffix(dest, "/")
	if root == "" {
		root = "/"
	}
	if !strings.HasSuffix(src, "/") {
		root = path.Join(root, path.Base(src))
	}
	srcDir := strings.TrimSuffix(src, "/")
	if srcDir == "" {
		srcDir = "/"
	}
	at, err := attrsOf(c.Args)
	if err != nil {
		return &hostscript.Failure{Msg: err.Error()}
	}
	if m, _ := modeString(c.Args["mode"]); m == "preserve" {
		at.Mode = "" // the source's modes: what cp -p keeps anyway
	}
	dirMode := ""
	if c.Args.Has("directory_mode") {
		if dirMode, err = modeString(c.Args["directory_mode"]); err != nil {
			return &hostscript.Failure{Msg: err.Error()}
		}
	}
	out, err := c.Host.Run(ctx, hostcmd.Cmd{Script: surveyScript(srcDir, root), Become: c.Become})
	if err != nil {
		return err
	}
	if out.ExitCode != 0 {
		return &hostscript.Failure{Msg: fmt.Sprintf("examining %s and %s failed (exit code %d): %s", srcDir, root, out.ExitCode, strings.TrimSpace(string(out.Stderr)))}
	}
	s, err := parseSurvey(out.Stdout)
	if err != nil {
		return fmt.Errorf("copy %s: %w", srcDir, err)
	}
	ops, err := planTree(s, at, dirMode)
	if err != nil {
		return &hostscript.Failure{Msg: fmt.Sprintf("copy %s to %s: %v", srcDir, root, err)}
	}
	r.Set("src", src)
	r.Set("dest", root)
	if len(ops) == 0 {
		return nil
	}
	r.Changed = true
	if c.Diff {
		r.Diffs = append(r.Diffs, treeDiff(root, ops))
	}
	for _, op := range ops {
		if op.Src.Type == "d" {
			recordPredicted(c, module.FileInfo{Path: path.Join(root, op.Rel), Exists: true, Type: "directory", Mode: op.Mode, Owner: op.Owner, Group: op.Group})
		}
	}
	if c.Check {
		return nil
	}
	_, err = runMutation(ctx, c, "copying "+srcDir+" to "+root, treeScript(srcDir, root, rand.Text(), ops))
	return err
}
