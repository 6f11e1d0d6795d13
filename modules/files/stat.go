package files

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/module"
)

// Stat reports facts about a path (ansible.builtin.stat).
type Stat struct{}

var _ module.Module = Stat{}

func (Stat) Name() string { return "stat" }

func (Stat) Spec() module.Spec {
	return module.Spec{
		Short:       "Report facts about a file or directory",
		Description: "Returns stat.exists and, when the path exists, its type, mode, owner, size, times and checksum. Changes nothing.",
		Args: []module.Arg{
			{Name: "path", Type: module.TypePath, Required: true, Aliases: []string{"dest", "name"}, Doc: "the path to examine"},
			{Name: "follow", Type: module.TypeBool, Default: false, Doc: "follow symbolic links"},
			{Name: "get_checksum", Type: module.TypeBool, Default: true, Doc: "compute the checksum of a regular file"},
			{Name: "checksum_algorithm", Type: module.TypeStr, Default: "sha1", Aliases: []string{"checksum", "checksum_algo"},
				Choices: []string{"md5", "sha1", "sha224", "sha256", "sha384", "sha512"}, Doc: "hash for checksum"},
			{Name: "get_mime", Type: module.TypeBool, Default: true, Aliases: []string{"mime", "mime_type", "mime-type"}, Doc: "report mimetype and charset (when file(1) is installed)"},
			{Name: "get_attributes", Type: module.TypeBool, Default: true, Aliases: []string{"attr", "attributes"}, Doc: "accepted for compatibility"},
		},
		Examples: `- name: Is the node already in a swarm?
  ansible.builtin.stat:
    path: /var/lib/docker/swarm/state.json
  register: swarm_state`,
	}
}

// statScript prints one line of stat fields, the link target, then the
// checksum and mime lines (empty when not asked or not applicable).
func statScript(p string, follow, checksum bool, algo string, mime bool) string {
	l := ""
	if follow {
		l = "-L "
	}
	s := "p=" + hostcmd.Quote(p) + `
if [ ! -e "$p" ] && [ ! -L "$p" ]; then echo ABSENT; exit 0; fi
stat ` + l + `-c '%F|%a|%U|%G|%u|%g|%s|%Y|%X|%Z|%i|%h|%d|%b|%o' -- "$p" || exit 3
printf '%s\n' "$(readlink -- "$p")" "$(readlink -f -- "$p")"
`
	if checksum {
		s += `if [ -f "$p" ] && [ -r "$p" ]; then ` + algo + `sum < "$p" | cut -d' ' -f1; else echo; fi
`
	} else {
		s += "echo\n"
	}
	if mime {
		s += `if command -v file >/dev/null 2>&1; then file -b ` + strings.TrimSpace(l) + ` --mime -- "$p"; else echo; fi
`
	} else {
		s += "echo\n"
	}
	s += `if [ -r "$p" ]; then echo r; else echo -; fi; if [ -w "$p" ]; then echo w; else echo -; fi; if [ -x "$p" ]; then echo x; else echo -; fi
`
	return s
}

// parseStat builds Ansible's stat dictionary from statScript's output.
func parseStat(p string, out string) (map[string]any, error) {
	if out == "ABSENT\n" {
		return map[string]any{"exists": false}, nil
	}
	ls := strings.Split(out, "\n")
	if len(ls) < 8 {
		return nil, fmt.Errorf("stat %s: unexpected output %q", p, out)
	}
	f := strings.Split(ls[0], "|")
	if len(f) != 15 {
		return nil, fmt.Errorf("stat %s: unexpected output %q", p, ls[0])
	}
	n := func(i int) int64 { v, _ := strconv.ParseInt(f[i], 10, 64); return v }
	mode, err := strconv.ParseUint(f[1], 8, 32)
	if err != nil {
		return nil, fmt.Errorf("stat %s: bad mode %q", p, f[1])
	}
	st := map[string]any{
		"exists": true, "path": p, "mode": fmt.Sprintf("%04o", mode),
		"isdir": f[0] == "directory", "isreg": strings.HasSuffix(f[0], "regular file") || f[0] == "regular empty file",
		"islnk": f[0] == "symbolic link", "isfifo": f[0] == "fifo", "issock": f[0] == "socket",
		"isblk": f[0] == "block special file", "ischr": f[0] == "character special file",
		"pw_name": f[2], "gr_name": f[3], "uid": n(4), "gid": n(5), "size": n(6),
		"mtime": n(7), "atime": n(8), "ctime": n(9), "inode": n(10), "nlink": n(11), "dev": n(12),
		"blocks": n(13), "block_size": n(14),
		"isuid": mode&04000 != 0, "isgid": mode&02000 != 0,
		"rusr": mode&0400 != 0, "wusr": mode&0200 != 0, "xusr": mode&0100 != 0,
		"rgrp": mode&040 != 0, "wgrp": mode&020 != 0, "xgrp": mode&010 != 0,
		"roth": mode&04 != 0, "woth": mode&02 != 0, "xoth": mode&01 != 0,
		"readable": ls[5] == "r", "writeable": ls[6] == "w", "executable": ls[7] == "x",
	}
	if st["islnk"] == true {
		st["lnk_source"] = ls[2]
		st["lnk_target"] = ls[1]
	}
	if ls[3] != "" {
		st["checksum"] = ls[3]
	}
	if m := ls[4]; m != "" {
		typ, cs, _ := strings.Cut(m, ";")
		st["mimetype"] = strings.TrimSpace(typ)
		st["charset"] = strings.TrimPrefix(strings.TrimSpace(cs), "charset=")
	}
	return st, nil
}

func (Stat) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	a := c.Args
	p := a.String("path")
	algo := a.String("checksum_algorithm")
	out, err := c.Host.Run(ctx, hostcmd.Cmd{Script: statScript(p, a.Bool("follow"), a.Bool("get_checksum"), algo, a.Bool("get_mime")), Become: c.Become})
	if err != nil {
		return asResult(module.Result{}, err)
	}
	if out.ExitCode != 0 {
		return module.Result{Failed: true, Msg: fmt.Sprintf("stat %s failed (exit code %d): %s", p, out.ExitCode, strings.TrimSpace(string(out.Stderr)))}, nil
	}
	st, err := parseStat(p, string(out.Stdout))
	if err != nil {
		return module.Result{Failed: true, Msg: err.Error()}, nil
	}
	if st["exists"] == false && c.Check {
		// An earlier task of this check run may have predicted the path.
		if f, err := c.Host.ReadFile(ctx, p, true); err == nil && f.Exists {
			st = predictedStat(f)
		}
	}
	var r module.Result
	r.Set("stat", st)
	return r, nil
}

// predictedStat is the stat dictionary of a check-mode prediction.
func predictedStat(f module.FileInfo) map[string]any {
	m := module.ModeToOctal(f.Mode)
	st := map[string]any{
		"exists": true, "path": f.Path, "mode": module.FormatMode(f.Mode),
		"isdir": f.Type == "directory", "isreg": f.Type == "file", "islnk": f.Type == "link",
		"pw_name": f.Owner, "gr_name": f.Group, "uid": f.UID, "gid": f.GID, "size": f.Size,
		"isuid": m&04000 != 0, "isgid": m&02000 != 0, "predicted": true,
	}
	if f.HasData {
		st["checksum"] = f.Checksum()
	}
	if f.Type == "link" {
		st["lnk_source"] = f.LinkTarget
		st["lnk_target"] = f.LinkTarget
	}
	return st
}
