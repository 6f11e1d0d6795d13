package system

import (
	"strconv"
	"strings"
)

// The user and env collectors: who the gathering shell runs as (its own
// /proc/self/status, read with builtins, and /etc/passwd, a big file) and its
// exported environment (export -p, a builtin).

func probeUser(gatherOpts) string {
	return `r /proc/self/status
s user-env; printf '%s\n' "LOGNAME=$LOGNAME" "USER=$USER" "LNAME=$LNAME" "USERNAME=$USERNAME"`
}

// parseUser is Ansible's user collector: user_id is getpass.getuser()
// (LOGNAME, USER, LNAME, USERNAME, then the uid's name), and the passwd
// entry is that name's, else the uid's.
func parseUser(f map[string]any, s factSections, _ gatherOpts) {
	ids := map[string][]int{}
	for _, l := range s["/proc/self/status"] {
		k, v, ok := strings.Cut(l, ":")
		if ok && (k == "Uid" || k == "Gid") {
			for _, n := range strings.Fields(v) {
				i, _ := strconv.Atoi(n)
				ids[k] = append(ids[k], i)
			}
		}
	}
	if len(ids["Uid"]) < 2 || len(ids["Gid"]) < 1 {
		return
	}
	uid, euid, gid := ids["Uid"][0], ids["Uid"][1], ids["Gid"][0]
	byName, byUID := map[string][]string{}, map[int][]string{}
	for _, l := range s["/etc/passwd"] {
		p := strings.Split(l, ":")
		if len(p) != 7 {
			continue
		}
		if _, seen := byName[p[0]]; !seen {
			byName[p[0]] = p
		}
		if u, err := strconv.Atoi(p[2]); err == nil {
			if _, seen := byUID[u]; !seen {
				byUID[u] = p
			}
		}
	}
	name := ""
	for _, l := range s["user-env"] {
		if _, v, _ := strings.Cut(l, "="); v != "" && name == "" {
			name = v
		}
	}
	if name == "" && byUID[uid] != nil {
		name = byUID[uid][0]
	}
	f["user_id"] = name
	pw := byName[name]
	if pw == nil {
		pw = byUID[uid]
	}
	if pw != nil {
		f["user_uid"], _ = strconv.Atoi(pw[2])
		f["user_gid"], _ = strconv.Atoi(pw[3])
		f["user_gecos"], f["user_dir"], f["user_shell"] = pw[4], pw[5], pw[6]
	}
	f["real_user_id"], f["effective_user_id"] = uid, euid
	// Ansible reports getgid() as the effective group id too.
	f["real_group_id"], f["effective_group_id"] = gid, gid
}

func probeEnv(gatherOpts) string { return "export -p" }

// parseEnv reads export -p as dash (export NAME='v') and bash
// (declare -x NAME="v", or export in POSIX mode) print it.
func parseEnv(f map[string]any, s factSections, _ gatherOpts) {
	env := map[string]any{}
	text := strings.Join(s["@env"], "\n")
	for text != "" {
		line := text
		for _, p := range []string{"export ", "declare -x "} {
			if rest, ok := strings.CutPrefix(line, p); ok {
				line = rest
				break
			}
		}
		name, value, rest := exportEntry(line)
		if name != "" && value != nil {
			env[name] = *value
		}
		text = rest
	}
	f["env"] = env
}

// exportEntry reads NAME[=WORD] up to the unquoted end of line, and
// returns the rest of the text.
func exportEntry(text string) (string, *string, string) {
	end := strings.IndexAny(text, "=\n")
	if end < 0 {
		return text, nil, ""
	}
	name := text[:end]
	if text[end] == '\n' {
		return name, nil, text[end+1:]
	}
	var b strings.Builder
	var quote byte
	i := end + 1
	for ; i < len(text); i++ {
		c := text[i]
		switch {
		case quote == '\'' && c == '\'':
			quote = 0
		case quote == '\'':
			b.WriteByte(c)
		case c == '\\' && i+1 < len(text) && (quote == 0 || strings.IndexByte("$`\"\\\n", text[i+1]) >= 0):
			i++
			if text[i] != '\n' {
				b.WriteByte(text[i])
			}
		case quote == '"' && c == '"':
			quote = 0
		case quote == 0 && (c == '"' || c == '\''):
			quote = c
		case quote == 0 && c == '\n':
			v := b.String()
			return name, &v, text[i+1:]
		default:
			b.WriteByte(c)
		}
	}
	v := b.String()
	return name, &v, ""
}
