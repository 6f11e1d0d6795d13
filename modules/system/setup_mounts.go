package system

import (
	"regexp"
	"strconv"
	"strings"
)

// probeMounts reads the mount table once, printing it and taking the
// mounts Ansible reports, then statfs of them all in one stat run; lsblk (where it exists) gives the UUIDs, as
// Ansible's, and mountinfo the bind mounts Ansible asks findmnt for.
const probeMounts = `mt=/etc/mtab; [ -e $mt ] || mt=/proc/mounts
s $mt; set --
while read -r d m t o rest; do printf '%s\n' "$d $m $t $o $rest"; case $d in /*|\\*|*:/*) [ "$t" = none ] && continue; case $m in *\\*) m=$(printf '%b' "$m");; esac; set -- "$@" "$m";; esac; done <$mt
s statfs; [ $# -gt 0 ] && LC_ALL=C stat -f -c '%S %s %b %f %a %c %d %n' -- "$@" 2>/dev/null
command -v findmnt >/dev/null 2>&1 && s findmnt
command -v lsblk >/dev/null 2>&1 && { s lsblk; lsblk --list --noheadings --paths --output NAME,UUID --exclude 2 2>/dev/null; }`

var octalEscape = regexp.MustCompile(`\\[0-7]{3}`)

func unescapeOctal(v string) string {
	return octalEscape.ReplaceAllStringFunc(v, func(m string) string {
		n, _ := strconv.ParseUint(m[1:], 8, 8)
		return string(rune(n))
	})
}

// parseMounts is Ansible's mounts fact: devices that are paths (or
// remote, host:/path), with statvfs sizes and the UUID.
func parseMounts(f map[string]any, s factSections) {
	table := s["/etc/mtab"]
	if !s.has("/etc/mtab") {
		table = s["/proc/mounts"]
	}
	stats := map[string][]int64{}
	for _, l := range s["statfs"] {
		fields := strings.SplitN(l, " ", 8)
		if len(fields) < 8 {
			continue
		}
		var n []int64
		for _, x := range fields[:7] {
			v, _ := strconv.ParseInt(x, 10, 64)
			n = append(n, v)
		}
		stats[fields[7]] = n
	}
	binds := bindMounts(s)
	uuids := map[string]string{}
	for _, l := range s["lsblk"] {
		if fields := strings.Fields(l); len(fields) == 2 {
			if _, seen := uuids[fields[0]]; !seen {
				uuids[fields[0]] = fields[1]
			}
		}
	}
	mounts := []any{}
	for _, l := range table {
		fields := strings.Fields(l)
		if len(fields) < 4 {
			continue
		}
		for i := range fields {
			fields[i] = unescapeOctal(fields[i])
		}
		dev, mnt, fstype, opts := fields[0], fields[1], fields[2], fields[3]
		if (!strings.HasPrefix(dev, "/") && !strings.HasPrefix(dev, `\`) && !strings.Contains(dev, ":/")) || fstype == "none" {
			continue
		}
		if binds[mnt] {
			opts += ",bind"
		}
		m := map[string]any{"mount": mnt, "device": dev, "fstype": fstype, "options": opts}
		if st, ok := stats[mnt]; ok {
			frsize, bsize, blocks, bfree, bavail, files, ffree := st[0], st[1], st[2], st[3], st[4], st[5], st[6]
			m["size_total"], m["size_available"] = frsize*blocks, frsize*bavail
			m["block_size"], m["block_total"], m["block_available"], m["block_used"] = bsize, blocks, bavail, blocks-bfree
			m["inode_total"], m["inode_available"], m["inode_used"] = files, ffree, files-ffree
		}
		m["uuid"] = "N/A"
		if u, ok := uuids[dev]; ok && u != "" {
			m["uuid"] = u
		}
		mounts = append(mounts, m)
	}
	f["mounts"] = mounts
}

// bindMounts are the mount points findmnt shows with a [subpath] source:
// those whose mountinfo root is not "/". Ansible asks findmnt only where
// it is installed.
func bindMounts(s factSections) map[string]bool {
	out := map[string]bool{}
	if !s.has("findmnt") {
		return out
	}
	for _, l := range s["/proc/self/mountinfo"] {
		fields := strings.Fields(l)
		if len(fields) >= 5 && fields[3] != "/" {
			out[unescapeOctal(fields[4])] = true
		}
	}
	return out
}
