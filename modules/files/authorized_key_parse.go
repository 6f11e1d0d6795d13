package files

// authorized_key_parse.go reads and writes authorized_keys files as
// ansible.posix.authorized_key does: keys by their base64 blob, options as
// an ordered multi-map, every other line kept as it is, lines written back
// in their rank order.

import (
	"regexp"
	"sort"
	"strings"
)

var sshKeyTypes = map[string]bool{
	"sk-ecdsa-sha2-nistp256@openssh.com": true, "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com": true,
	"webauthn-sk-ecdsa-sha2-nistp256@openssh.com": true, "ecdsa-sha2-nistp256": true,
	"ecdsa-sha2-nistp256-cert-v01@openssh.com": true, "ecdsa-sha2-nistp384": true,
	"ecdsa-sha2-nistp384-cert-v01@openssh.com": true, "ecdsa-sha2-nistp521": true,
	"ecdsa-sha2-nistp521-cert-v01@openssh.com": true, "sk-ssh-ed25519@openssh.com": true,
	"sk-ssh-ed25519-cert-v01@openssh.com": true, "ssh-ed25519": true, "ssh-ed25519-cert-v01@openssh.com": true,
	"ssh-dss": true, "ssh-rsa": true, "ssh-xmss@openssh.com": true, "ssh-xmss-cert-v01@openssh.com": true,
	"rsa-sha2-256": true, "rsa-sha2-512": true, "ssh-rsa-cert-v01@openssh.com": true,
	"rsa-sha2-256-cert-v01@openssh.com": true, "rsa-sha2-512-cert-v01@openssh.com": true,
	"ssh-dss-cert-v01@openssh.com": true,
}

// keyOption is one option of a key line; Value is nil for a flag.
type keyOption struct {
	Name  string
	Value *string
}

// sshKey is one line of the file: a key, or a line kept as it is
// (Skipped: comments, blank and unparsable lines).
type sshKey struct {
	ID      string // the key blob, or the whole line when skipped
	Type    string
	Options []keyOption
	Comment string
	Rank    int
	Skipped bool
}

var keyOptionRe = regexp.MustCompile(`(?:[^,"']|"[^"]*"|'[^']*')+`)

func parseKeyOptions(s string) []keyOption {
	var out []keyOption
	for _, part := range keyOptionRe.FindAllString(s, -1) {
		if k, v, ok := strings.Cut(part, "="); ok {
			vv := v
			out = append(out, keyOption{Name: k, Value: &vv})
		} else {
			out = append(out, keyOption{Name: part})
		}
	}
	return out
}

// sameOptions compares as the module's option dicts compare: by name,
// each name's values in order, the names in any order.
func sameOptions(a, b []keyOption) bool {
	group := func(os []keyOption) map[string][]string {
		m := map[string][]string{}
		for _, o := range os {
			v := "\x00none"
			if o.Value != nil {
				v = *o.Value
			}
			m[o.Name] = append(m[o.Name], v)
		}
		return m
	}
	ga, gb := group(a), group(b)
	if len(ga) != len(gb) {
		return false
	}
	for k, va := range ga {
		vb, ok := gb[k]
		if !ok || strings.Join(va, "\x01") != strings.Join(vb, "\x01") {
			return false
		}
	}
	return true
}

// parseKeyLine reads one line; ok is false when it holds no key type.
func parseKeyLine(raw string, rank int) (sshKey, bool) {
	raw = strings.ReplaceAll(raw, `\#`, "#")
	parts := strings.FieldsFunc(raw, func(r rune) bool { return r == ' ' || r == '\t' || r == '\r' || r == '\n' })
	if len(parts) > 0 && parts[0] == "#" {
		return sshKey{ID: raw, Rank: rank, Skipped: true}, true
	}
	ti := -1
	for i, p := range parts {
		if sshKeyTypes[p] {
			ti = i
			break
		}
	}
	if ti < 0 || ti+1 >= len(parts) {
		return sshKey{}, false
	}
	k := sshKey{ID: parts[ti+1], Type: parts[ti], Rank: rank, Comment: strings.Join(parts[ti+2:], " ")}
	if ti > 0 {
		k.Options = parseKeyOptions(strings.Join(parts[:ti], " "))
	}
	return k, true
}

// keySet is a file's lines keyed by ID; a later line with the same ID
// replaces an earlier one, as in the module's dict.
type keySet map[string]sshKey

func parseKeyFile(content string) keySet {
	ks := keySet{}
	for i, line := range strings.SplitAfter(content, "\n") {
		if line == "" {
			continue
		}
		if k, ok := parseKeyLine(line, i); ok {
			ks[k.ID] = k
		} else {
			ks[line] = sshKey{ID: line, Rank: i, Skipped: true}
		}
	}
	return ks
}

// serialize writes the lines in rank order; a key line always ends in
// " COMMENT\n", a trailing space when there is no comment, as the module
// writes it.
func (ks keySet) serialize() string {
	all := make([]sshKey, 0, len(ks))
	for _, k := range ks {
		all = append(all, k)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].Rank < all[j].Rank })
	var b strings.Builder
	for _, k := range all {
		if k.Skipped {
			b.WriteString(k.ID)
			continue
		}
		if len(k.Options) > 0 {
			var os []string
			for _, o := range k.Options {
				if o.Value == nil {
					os = append(os, o.Name)
				} else {
					os = append(os, o.Name+"="+*o.Value)
				}
			}
			b.WriteString(strings.Join(os, ",") + " ")
		}
		b.WriteString(k.Type + " " + k.ID + " " + k.Comment + "\n")
	}
	return b.String()
}

// keyEdit applies the task's keys to the file's; changed says whether
// the file must be written.
type keyEdit struct {
	Keys      string // the key argument (one or more lines)
	Options   *string
	Comment   *string
	Present   bool
	Exclusive bool
}

func (e keyEdit) apply(existing keySet) (changed bool, bad string) {
	var lines []string
	for _, l := range strings.Split(strings.ReplaceAll(e.Keys, "\r\n", "\n"), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	maxRank := len(existing)
	keep := map[string]bool{}
	for rank, l := range lines {
		k, ok := parseKeyLine(l, rank)
		if !ok || k.Skipped {
			return false, l
		}
		if e.Options != nil {
			k.Options = parseKeyOptions(*e.Options)
		}
		if e.Comment != nil {
			k.Comment = *e.Comment
		}
		old, found := existing[k.ID]
		matched := found && (!e.Present || (old.Type == k.Type && sameOptions(old.Options, k.Options) && old.Comment == k.Comment && !old.Skipped))
		if !e.Present {
			if matched {
				delete(existing, k.ID)
				changed = true
			}
			continue
		}
		keep[k.ID] = true
		if found && !matched {
			delete(existing, k.ID)
			changed = true
		}
		if !matched {
			k.Rank = maxRank + rank
			existing[k.ID] = k
			changed = true
		}
	}
	if e.Present && e.Exclusive {
		for id := range existing {
			if !keep[id] {
				delete(existing, id)
				changed = true
			}
		}
	}
	return changed, ""
}
