package files

// unarchive_script.go builds unarchive's one command (get the archive,
// find its kind, list it, compare it with dest, unpack it when they
// differ) and reads its answer.

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

// failLine is a shell line that fails the script with msg (exit 4: a
// message for the task, not a transport problem).
func failLine(cond, msg string) string {
	return "if " + cond + "; then echo " + hostcmd.Quote(msg) + " >&2; exit 4; fi\n"
}

// words quotes each word and prefixes each with a space.
func words(ws []string) string {
	var b strings.Builder
	for _, w := range ws {
		b.WriteString(" " + hostcmd.Quote(w))
	}
	return b.String()
}

// fetchArgs are the settings Ansible's fetch_file downloads a URL src with.
func (u *unarchive) fetchArgs() module.Args {
	return module.Args{"http_agent": "ansible-httpget", "timeout": 10, "validate_certs": u.c.Args.Bool("validate_certs"),
		"use_proxy": true, "use_netrc": true, "decompress": true}
}

// sourceLines put the archive at $A.
func (u *unarchive) sourceLines() (string, []byte) {
	switch {
	case u.local != "":
		return "A=\"$t/a\"\ncat >\"$A\"\n", u.data
	case strings.Contains(u.src, "://"):
		req := fetchRequest{URL: u.src}
		return `if command -v curl >/dev/null 2>&1; then tool=curl; elif command -v wget >/dev/null 2>&1; then tool=wget; else tool=none; fi
` + failLine(`[ "$tool" = none ]`, u.c.Host.Name()+": neither curl nor wget on the host: unarchive downloads a URL src with one of them") +
			splitStdinScript + "A=\"$t/a\"\n" + fetchLines(req, `"$A"`) +
			failLine(`[ "$rc" != 0 ] || { [ "$st" != 200 ] && [ "$st" != 0 ]; }`, "Failure downloading "+u.src+" (the host's downloader failed or the server did not answer 200)"), fetchStdin(u.fetchArgs(), req)
	default:
		return "A=" + hostcmd.Quote(u.src) + "\n" + failLine(`[ ! -e "$A" ]`, "Source '"+u.src+"' does not exist"), nil
	}
}

// script is the whole command, and its stdin.
func (u *unarchive) script() (string, []byte) {
	a := u.c.Args
	d := `"$D"`
	src, stdin := u.sourceLines()
	noDest := failLine(`[ ! -d "$D" ]`, "Destination '"+u.dest+"' is not a directory")
	if u.c.Check {
		// dest may be a directory an earlier task of the plan only
		// predicted: compare with an empty one, and let Go ask the
		// overlay.
		noDest = "if [ ! -d \"$D\" ]; then " + hostscript.Mark("nodest") + "; D=\"$t/none\"; mkdir \"$D\"; fi\n"
	}
	var b strings.Builder
	b.WriteString("t=$(mktemp -d) || exit 1\ntrap 'rm -rf \"$t\"' EXIT\nexport LC_ALL=C\nD=" + hostcmd.Quote(u.dest) + "\n" + src +
		failLine(`[ ! -r "$A" ]`, "Source '"+u.src+"' not readable") +
		failLine(`[ ! -s "$A" ]`, "Invalid archive '"+u.src+"', the file is 0 bytes") +
		noDest +
		"set -- $(od -An -tx1 -N6 -- \"$A\")\ncase \"$1$2$3$4$5$6\" in\n" +
		"504b0304*|504b0506*) kind=ZipArchive ;;\n1f8b*) kind=TgzArchive ;;\n*) kind=TarArchive ;;\nesac\n" +
		hostscript.Mark("kind") + "\necho \"$kind\"\n")
	incl, excl := a.List("include"), a.List("exclude")
	opts := a.List("extra_opts")
	zipSel := words(incl)
	if len(excl) > 0 {
		zipSel += " -x" + words(excl)
	}
	tarSel := ""
	for _, e := range excl {
		tarSel += " " + hostcmd.Quote("--exclude="+strings.TrimRight(e, "/"))
	}
	tarOpts := ""
	if len(opts) > 0 {
		tarOpts = " --show-transformed-names" + words(opts)
	}
	for _, k := range []string{"owner", "group"} {
		if v := a.String(k); v != "" {
			tarOpts += " " + hostcmd.Quote("--"+k+"="+v)
		}
	}
	keep := ""
	if a.Bool("keep_newer") {
		keep = " --keep-newer-files"
	}
	b.WriteString("if [ \"$kind\" = ZipArchive ]; then\n" + u.zipLines(d, zipSel, words(opts)) + "else\n" +
		u.tarLines(d, tarOpts, keep, tarSel, words(incl)) + "fi\n")
	b.WriteString(hostscript.Mark("changed") + "\necho \"$changed\"\n")
	if !u.c.Check {
		b.WriteString("if [ \"$changed\" = 1 ]; then\n  " + hostscript.Mark("extract") + "\n  echo \"$xcmd\"\n  eval \"$xcmd\" >\"$t/xo\" 2>\"$t/xe\"; echo \"$?\"\n" +
			"  " + hostscript.Mark("xo") + "\n  cat \"$t/xo\"\n  " + hostscript.Mark("xe") + "\n  cat \"$t/xe\"\nfi\n")
	}
	if u.at.Mode != "" || u.at.Owner != "" || u.at.Group != "" {
		b.WriteString(hostscript.Mark("stats") + "\ncd " + d + " && { cat \"$t/list\"; sed -n 's,^\\([^/]*\\)/.*,\\1,p' \"$t/list\"; } | sort -u | " +
			"sed 's,^$,.,' | tr '\\n' '\\0' | xargs -0 -r stat -c '%F|%a|%U|%G|%u|%g|%n' -- 2>/dev/null || :\n")
	}
	return b.String(), stdin
}

// tarLines list the archive and compare it with dest as Ansible's
// TgzArchive does: the lines of tar --diff that count.
func (u *unarchive) tarLines(d, opts, keep, sel, incl string) string {
	pats := ` -e ': Mod time differs$' -e ': Warning: Cannot stat: No such file or directory$' -e ': Invalid owner' -e ': Invalid group'`
	if u.at.Mode == "" {
		pats += ` -e ': Mode differs$'`
	}
	root := ""
	if u.at.Owner == "" {
		root += ` -e ': Uid differs$'`
	}
	if u.at.Group == "" {
		root += ` -e ': Gid differs$'`
	}
	s := "  tar --list -C " + d + opts + sel + " -f \"$A\"" + incl + " >\"$t/l\" 2>\"$t/e\" || { echo \"Command \\\"tar\\\" could not handle archive: $(cat \"$t/e\")\" >&2; exit 4; }\n" +
		"  sed 's,^/,,' \"$t/l\" >\"$t/list\"\n" +
		failLine(`[ ! -s "$t/list" ]`, `Command "tar" found no files in archive. Empty archive files are not supported.`) +
		"  " + hostscript.Mark("list") + "\n  cat \"$t/list\"\n" +
		"  tar --diff -C " + d + opts + keep + sel + " -f \"$A\"" + incl + " >\"$t/d\" 2>&1\n" +
		"  set --" + pats + "\n"
	if root != "" {
		s += "  if [ \"$(id -u)\" = 0 ]; then set -- \"$@\"" + root + "; fi\n"
	}
	return s + "  grep -vE ': : Warning: Cannot stat: No such file or directory$' \"$t/d\" | grep -E \"$@\" >\"$t/dd\"\n" +
		"  " + hostscript.Mark("changes") + "\n  cat \"$t/dd\"\n  if [ -s \"$t/dd\" ]; then changed=1; else changed=0; fi\n" +
		"  xcmd=" + hostcmd.Quote("tar --extract -C "+d+opts+keep+sel+" -f \"$A\""+incl) + "\n"
}

// zipLines list the archive and compare it with dest: unpacked into a
// temp directory, each entry's type and mode (unless the task sets the
// mode) and content must be what dest has.
func (u *unarchive) zipLines(d, sel, opts string) string {
	keepNewer, unzip := "", "unzip -o"
	if u.c.Args.Bool("keep_newer") {
		// As Ansible's zip handler: a file newer on the host is kept.
		keepNewer, unzip = `if [ "$D/$f" -nt "$t/x/$f" ]; then continue; fi; `, "unzip -o -u"
	}
	format := "%y %m %p\\n"
	if u.at.Mode != "" {
		format = "%y %p\\n"
	}
	return "  unzip -Z1 \"$A\"" + sel + " >\"$t/list\" 2>\"$t/e\" || { echo \"Command \\\"unzip\\\" could not handle archive: $(cat \"$t/e\")\" >&2; exit 4; }\n" +
		"  " + hostscript.Mark("list") + "\n  cat \"$t/list\"\n  mkdir \"$t/x\"\n" +
		"  unzip -qq -o" + opts + " \"$A\"" + sel + " -d \"$t/x\" 2>\"$t/e\" || { cat \"$t/e\" >&2; exit 3; }\n" +
		"  (cd \"$t/x\" && find . -mindepth 1 -printf '" + format + "') | sort >\"$t/l1\"\n" +
		"  (cd \"$t/x\" && find . -mindepth 1 -print0) | (cd " + d + " && xargs -0 -r sh -c 'find \"$@\" -maxdepth 0 -printf \"" + format + "\" 2>/dev/null; :' sh) | sort >\"$t/l2\"\n" +
		"  " + hostscript.Mark("changes") + "\n  diff \"$t/l1\" \"$t/l2\" | sed -n 's/^< /differs or missing: /p'\n" +
		"  diff -rq --no-dereference \"$t/x\" " + d + " 2>/dev/null | sed -n \"s,^Files $t/x/\\(.*\\) and .* differ\\$,\\1,p\" |\n" +
		"  while IFS= read -r f; do " + keepNewer + "echo \"content differs: $f\"; done >\"$t/dd\"\n" +
		"  cat \"$t/dd\"\n  if [ -s \"$t/dd\" ] || ! cmp -s \"$t/l1\" \"$t/l2\"; then changed=1; else changed=0; fi\n" +
		"  xcmd=" + hostcmd.Quote(unzip+opts+" \"$A\""+sel+" -d "+d) + "\n"
}

// report turns the command's sections into the result.
func (u *unarchive) report(ctx context.Context, s map[string]string, r *module.Result) error {
	if _, ok := s["nodest"]; ok {
		f, err := u.c.Host.ReadFile(ctx, u.dest, false)
		if err != nil {
			return err
		}
		if f.Type != "directory" {
			return hostscript.Failf("Destination '%s' is not a directory", u.dest)
		}
		delete(s, "stats") // what is under the predicted directory is all new
	}
	kind := strings.TrimSpace(s["kind"])
	r.Set("dest", u.dest)
	r.Set("src", u.src)
	r.Set("handler", kind)
	changed := strings.TrimSpace(s["changed"]) == "1"
	if x, ok := s["extract"]; ok {
		cmd, rc, _ := strings.Cut(strings.TrimRight(x, "\n"), "\n")
		n, _ := strconv.Atoi(strings.TrimSpace(rc))
		r.Set("extract_results", map[string]any{"cmd": cmd, "rc": n, "out": s["xo"], "err": s["xe"]})
		if n != 0 {
			return hostscript.Failf("failed to unpack %s to %s: %s", u.src, u.dest, strings.TrimSpace(s["xe"]))
		}
	}
	r.Changed = changed
	if changed && u.c.Check {
		u.predictEntries(s["list"])
	}
	if changed && u.c.Diff {
		r.Diffs = append(r.Diffs, module.Diff{BeforeHeader: u.dest + " (before)", AfterHeader: u.dest + " (after unpacking " + u.src + ")",
			Before: s["changes"], After: ""})
	}
	if u.c.Args.Bool("list_files") {
		r.Set("files", hostscript.Lines(strings.TrimRight(s["list"], "\n")))
	}
	if _, ok := s["stats"]; ok {
		return u.applyAttrs(ctx, s["stats"], r)
	}
	return nil
}

// applyAttrs sets mode, owner and group on every entry (and each top
// directory) that lacks them, as Ansible does after unpacking.
func (u *unarchive) applyAttrs(ctx context.Context, stats string, r *module.Result) error {
	var script, before, after strings.Builder
	seen := map[string]bool{}
	for _, l := range strings.Split(strings.TrimRight(stats, "\n"), "\n") {
		f := strings.SplitN(l, "|", 7)
		if len(f) != 7 || seen[strings.TrimSuffix(f[6], "/")] {
			continue
		}
		seen[strings.TrimSuffix(f[6], "/")] = true
		m, err := strconv.ParseUint(f[1], 8, 32)
		if err != nil {
			continue
		}
		p := u.dest + "/" + strings.TrimSuffix(f[6], "/")
		if f[6] == "." {
			// An entry that extra_opts turned into no name (the top
			// directory under --strip-components): Ansible applies the
			// attributes to dest itself.
			p = u.dest
		}
		fi := module.FileInfo{Path: p, Exists: true, Type: "file", Mode: module.OctalToMode(uint32(m)), Owner: f[2], Group: f[3]}
		fi.UID, _ = strconv.Atoi(f[4])
		fi.GID, _ = strconv.Atoi(f[5])
		switch f[0] {
		case "directory":
			fi.Type = "directory"
		case "symbolic link":
			fi.Type = "link"
		}
		if u.c.Check && p == u.dest {
			// An earlier task of this check run may have predicted dest.
			if pf, err := u.c.Host.ReadFile(ctx, p, false); err == nil && pf.Exists {
				fi = pf
			}
		}
		ch, err := planAttrs(fi, u.at)
		if err != nil {
			return &hostscript.Failure{Msg: err.Error()}
		}
		if ch.changed() {
			script.WriteString(ch.script())
			b, a := ch.lines()
			before.WriteString("path: " + fi.Path + "\n" + b)
			after.WriteString("path: " + fi.Path + "\n" + a)
		}
	}
	if script.Len() == 0 {
		return nil
	}
	r.Changed = true
	if u.c.Diff {
		r.Diffs = append(r.Diffs, module.Diff{BeforeHeader: u.dest + " (attributes before)", AfterHeader: u.dest + " (attributes after)", Before: before.String(), After: after.String()})
	}
	if u.c.Check {
		return nil
	}
	_, err := runMutation(ctx, u.c, fmt.Sprintf("setting mode, owner and group under %s", u.dest), script.String())
	return err
}

// predictEntries tells the check-mode overlay what unpacking would
// create, so a later task's creates or stat sees it.
func (u *unarchive) predictEntries(list string) {
	for _, name := range strings.Split(strings.TrimRight(list, "\n"), "\n") {
		if name == "" {
			continue
		}
		f := module.FileInfo{Path: path.Join(u.dest, name), Exists: true, Type: "file", Mode: 0o644, Owner: "root", Group: "root"}
		if strings.HasSuffix(name, "/") {
			f.Type, f.Mode = "directory", 0o755
		}
		recordPredicted(u.c, f)
	}
}
