package files

import (
	"context"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules/internal/hostscript"
)

// urlPlan is what the download script does after the transfer, decided
// before it starts: the attributes of a new file, the attribute change of
// an unchanged one, and whether to rename at all (check mode).
type urlPlan struct {
	Dest, Tmp  string
	OldSHA1    string
	Want       string // the checksum the download must have ("" none)
	Algo       string
	Mode       fs.FileMode
	Chown      string // "" none, else OWNER[:GROUP] for the temp file
	SameAttrs  attrChange
	Check      bool
	Backup     bool
	HTTPStatus bool // the URL is http(s): only 200 is a download
}

// planDownload decides the new file's attributes: those of the file it
// replaces (as Ansible's atomic move keeps them), or 0644 for a new one,
// then what the task asks.
func (g *getURL) planDownload(st urlState) (urlPlan, error) {
	p := urlPlan{Dest: st.Dest, Tmp: g.tempName(st.Dest), OldSHA1: st.SHA1, Want: g.sum.Value, Algo: g.sum.Algo,
		Check: g.c.Check, Backup: g.c.Args.Bool("backup") && st.Cur.Exists, HTTPStatus: isHTTP(g.url), Mode: 0o644}
	base := module.FileInfo{Path: st.Dest, Exists: true, Type: "file", Mode: 0o644}
	owner, group := g.at.Owner, g.at.Group
	if st.Cur.Exists {
		base = st.Cur
		if owner == "" {
			owner = strconv.Itoa(st.Cur.UID)
		}
		if group == "" {
			group = strconv.Itoa(st.Cur.GID)
		}
	}
	p.Mode = base.Mode
	if m, ok, err := g.at.wantMode(base); err != nil {
		return p, &hostscript.Failure{Msg: err.Error()}
	} else if ok {
		p.Mode = m
	}
	switch {
	case owner != "" && group != "":
		p.Chown = owner + ":" + group
	case owner != "":
		p.Chown = owner
	case group != "":
		p.Chown = ":" + group
	}
	if st.Cur.Exists {
		ch, err := planAttrs(st.Cur, g.at)
		if err != nil {
			return p, &hostscript.Failure{Msg: err.Error()}
		}
		p.SameAttrs = ch
	}
	return p, nil
}

// downloadScript fetches into the temp file and, in the same command,
// compares it with dest and the checksum and renames it onto dest, so
// a download is one round trip whatever its outcome.
func downloadScript(p urlPlan, req fetchRequest, tmpDest string) string {
	tq, dq := hostcmd.Quote(p.Tmp), hostcmd.Quote(p.Dest)
	trap := "trap 'rm -rf \"$t\"; rm -f -- " + tq + "' EXIT\n"
	if p.Check {
		// Check mode leaves dest's directory alone (an earlier task of
		// the plan may only have predicted it): the download goes to a
		// temp directory of its own.
		tq, trap = `"$t/dl"`, "trap 'rm -rf \"$t\"' EXIT\n"
	}
	var b strings.Builder
	if tmpDest != "" {
		td := hostcmd.Quote(tmpDest)
		b.WriteString("if [ ! -d " + td + " ]; then if [ -e " + td + " ]; then echo " + hostcmd.Quote(tmpDest+" is a file but should be a directory.") +
			" >&2; else echo " + hostcmd.Quote(tmpDest+" directory does not exist.") + " >&2; fi; exit 4; fi\n")
	}
	b.WriteString("t=$(mktemp -d) || exit 1\n" + trap + splitStdinScript + fetchLines(req, tq) +
		hostscript.Mark("fetch") + "\necho \"$rc $st\"\n" + hostscript.Mark("headers") + "\ncat \"$t/h\" 2>/dev/null\n" +
		hostscript.Mark("err") + "\ncat \"$t/e\"\n")
	ok := `[ "$rc" = 0 ]`
	if p.HTTPStatus {
		ok += ` && [ "$st" = 200 ]`
	}
	b.WriteString("if ! { " + ok + "; }; then exit 0; fi\n" + hostscript.Mark("sums") + "\nset -- $(sha1sum <" + tq + "); s1=$1; echo \"$s1\"\n" +
		"set -- $(md5sum <" + tq + "); echo \"$1\"\nstat -c %s -- " + tq + "\n")
	sa := "$s1"
	if p.Want != "" && p.Algo != "sha1" {
		b.WriteString("set -- $(" + checksumTools[p.Algo] + " <" + tq + "); sa=$1; echo \"$sa\"\n")
		sa = "$sa"
	}
	b.WriteString(hostscript.Mark("result") + "\n")
	if p.Want != "" {
		// As Ansible, which moves the download onto dest before it checks
		// it, a download that does not match leaves no dest behind.
		rm := ""
		if !p.Check {
			rm = "rm -f -- " + dq + "; "
		}
		b.WriteString("if [ \"" + sa + "\" != " + hostcmd.Quote(p.Want) + " ]; then echo mismatch; " + rm + "exit 0; fi\n")
	}
	b.WriteString("if [ \"$s1\" = " + hostcmd.Quote(p.OldSHA1) + " ]; then echo same\n")
	if !p.Check && p.SameAttrs.changed() {
		b.WriteString("set -e\n" + p.SameAttrs.script())
	}
	b.WriteString("exit 0; fi\necho new\n")
	if p.Check {
		return b.String() + "exit 0\n"
	}
	b.WriteString("set -e\n")
	if p.Backup {
		b.WriteString(hostscript.Mark("backup") + "\n" + backupLines(dq))
	}
	if p.Chown != "" {
		b.WriteString("chown -- " + hostcmd.Quote(p.Chown) + " " + tq + "\n")
	}
	b.WriteString("chmod " + module.FormatMode(p.Mode) + " -- " + tq + "\nmv -f -- " + tq + " " + dq + "\ntrap 'rm -rf \"$t\"' EXIT\n")
	return b.String()
}

// backupLines copies the file q beside itself as backupFile does and
// prints the backup's name.
func backupLines(q string) string {
	return "bt=$(date +%Y-%m-%d@%H:%M:%S)\nn=$$\n" +
		"while [ -e " + q + `."$n.$bt~" ] || [ -L ` + q + `."$n.$bt~" ]; do n=$((n + 1)); done` + "\n" +
		"b=" + q + `."$n.$bt~"` + "\ncp -p -- " + q + ` "$b"` + "\nprintf '%s\\n' \"$b\"\n"
}

// download runs downloadScript and reports its outcome.
func (g *getURL) download(ctx context.Context, st urlState, r *module.Result) error {
	p, err := g.planDownload(st)
	if err != nil {
		return err
	}
	force := g.c.Args.Bool("force")
	req := fetchRequest{URL: g.url, NoCache: force}
	if st.Cur.Exists && !st.Dir && !force && (g.sum.Value == "" || st.Sum == g.sum.Value) {
		req.TimeCond = st.Dest
	}
	start := time.Now()
	out, err := g.c.Host.Run(ctx, hostcmd.Cmd{Script: downloadScript(p, req, g.c.Args.String("tmp_dest")), Stdin: g.stdin(req), Become: g.c.Become})
	if err != nil {
		return fmt.Errorf("get_url %s: %w", g.url, err)
	}
	r.Set("elapsed", elapsed(start))
	if out.ExitCode != 0 {
		return hostscript.Failf("%s: downloading %s to %s failed (exit %d): %s", g.c.Host.Name(), g.url, st.Dest, out.ExitCode, strings.TrimSpace(string(out.Stderr)))
	}
	return g.report(hostscript.Sections(out.Stdout), st, p, r)
}

// report turns the download script's sections into the result.
func (g *getURL) report(s map[string]string, st urlState, p urlPlan, r *module.Result) error {
	rc, status, _ := strings.Cut(strings.TrimSpace(s["fetch"]), " ")
	reason, length := httpInfo(s["headers"])
	code, _ := strconv.Atoi(status)
	if st.Cur.Exists {
		setPathKeys(r, st.Cur)
	}
	if code == 304 {
		// Ansible's answer to 304 has no checksum keys.
		delete(r.Values, "checksum_src")
		delete(r.Values, "checksum_dest")
		r.Set("status_code", 304)
		r.Msg = "HTTP Error 304: " + reason
		return nil
	}
	res, hasRes := s["result"]
	if !hasRes {
		return g.requestFailed(rc, code, reason, strings.TrimSpace(s["err"]), r)
	}
	sums := strings.Fields(s["sums"])
	if len(sums) < 3 {
		return fmt.Errorf("get_url: unexpected output from the download script: %q", s["sums"])
	}
	r.Set("checksum_src", sums[0])
	r.Set("src", p.Tmp)
	if st.Cur.Exists {
		r.Set("checksum_dest", st.SHA1)
	}
	r.Set("status_code", code)
	r.Msg = "OK (" + length + " bytes)"
	switch strings.TrimSpace(res) {
	case "mismatch":
		got := sums[0]
		if len(sums) > 3 {
			got = sums[3]
		}
		r.Failed, r.Changed = true, true
		r.Msg = fmt.Sprintf("The checksum for %s did not match %s; it was %s.", st.Dest, p.Want, got)
		if st.Cur.Exists {
			recordPredicted(g.c, module.FileInfo{Path: st.Dest})
		}
		return nil
	case "same":
		r.Set("md5sum", sums[1])
		return g.sameContent(st, p, r)
	}
	size, _ := strconv.ParseInt(sums[2], 10, 64)
	return g.newContent(st, p, sums, size, strings.TrimSpace(s["backup"]), r)
}

func (g *getURL) requestFailed(rc string, code int, reason, stderr string, r *module.Result) error {
	if code != 0 {
		r.Set("status_code", code)
		r.Set("response", strings.TrimSpace(fmt.Sprintf("HTTP Error %d: %s", code, reason)))
		return hostscript.Failf("Request failed: %s answered %d %s", g.url, code, reason)
	}
	return hostscript.Failf("%s: Request failed: %s (exit %s): %s", g.c.Host.Name(), g.url, rc, stderr)
}

func (g *getURL) sameContent(st urlState, p urlPlan, r *module.Result) error {
	final := st.Cur
	if p.SameAttrs.changed() {
		r.Changed = true
		if g.c.Diff {
			r.Diffs = append(r.Diffs, p.SameAttrs.diff())
		}
		final = p.SameAttrs.apply(st.Cur)
		recordPredicted(g.c, final)
	}
	setPathKeys(r, final)
	return nil
}

func (g *getURL) newContent(st urlState, p urlPlan, sums []string, size int64, backup string, r *module.Result) error {
	r.Changed = true
	r.Set("md5sum", sums[1])
	if backup != "" {
		r.Set("backup_file", backup)
	}
	final := module.FileInfo{Path: st.Dest, Exists: true, Type: "file", Mode: p.Mode, Size: size,
		Owner: st.Cur.Owner, Group: st.Cur.Group, UID: st.Cur.UID, GID: st.Cur.GID}
	if !st.Cur.Exists {
		final.Owner, final.Group = "root", "root"
		if g.c.Become.Enabled && g.c.Become.User != "" {
			final.Owner = g.c.Become.User
		}
	}
	if g.at.Owner != "" {
		final.Owner = g.at.Owner
	}
	if g.at.Group != "" {
		final.Group = g.at.Group
	}
	if g.c.Diff {
		r.Diffs = append(r.Diffs, urlDiff(st, final, sums[0]))
	}
	recordPredicted(g.c, final)
	setPathKeys(r, final)
	return nil
}

// urlDiff shows a download's change as lines: the body is not text the
// controller has, so its digest and size stand for it.
func urlDiff(st urlState, final module.FileInfo, sha1 string) module.Diff {
	line := func(f module.FileInfo, sum string) string {
		return fmt.Sprintf("sha1: %s\nsize: %d\nmode: %s\nowner: %s\ngroup: %s\n", sum, f.Size, module.FormatMode(f.Mode), f.Owner, f.Group)
	}
	before := ""
	if st.Cur.Exists {
		before = line(st.Cur, st.SHA1)
	}
	return module.Diff{BeforeHeader: st.Dest + " (before)", AfterHeader: st.Dest + " (after)", Before: before, After: line(final, sha1)}
}
