package system

import (
	"regexp"
	"strings"
)

// The one-line sources.list format as Ansible's apt_repository reads and
// rewrites it: every line is kept, a source line ("deb URI suite comp")
// has its whitespace squeezed, a commented-out source line ("# deb ...")
// is a disabled source, text after a second "#" is the line's comment.

// sourceLine is one parsed line of a .list file.
type sourceLine struct {
	valid   bool   // a deb or deb-src line (enabled or commented out)
	enabled bool   // not commented out
	source  string // the line without its leading "#" and its comment
	comment string
}

// parseSourceLine reads one line as Ansible's SourcesList._parse does.
func parseSourceLine(line string) sourceLine {
	l := sourceLine{enabled: true}
	line = strings.TrimSpace(line)
	if strings.HasPrefix(line, "#") {
		l.enabled = false
		line = line[1:]
	}
	if i := strings.Index(line, "#"); i > 0 {
		l.comment = strings.TrimSpace(line[i+1:])
		line = line[:i]
	}
	l.source = strings.TrimSpace(line)
	if f := strings.Fields(l.source); len(f) > 0 && (f[0] == "deb" || f[0] == "deb-src") {
		l.valid = true
		l.source = strings.Join(f, " ")
	}
	return l
}

// parseSources splits a file into parsed lines; a last line without a
// newline is a line, an empty file has none.
func parseSources(content string) []sourceLine {
	if content == "" {
		return nil
	}
	raw := strings.SplitAfter(content, "\n")
	if raw[len(raw)-1] == "" {
		raw = raw[:len(raw)-1]
	}
	out := make([]sourceLine, len(raw))
	for i, ln := range raw {
		out[i] = parseSourceLine(ln)
	}
	return out
}

// dumpSources renders lines as Ansible writes them back.
func dumpSources(lines []sourceLine) string {
	var b strings.Builder
	for _, l := range lines {
		if !l.enabled {
			b.WriteString("# ")
		}
		b.WriteString(l.source)
		if l.comment != "" {
			b.WriteString(" # " + l.comment)
		}
		b.WriteString("\n")
	}
	return b.String()
}

var (
	sourceOptionsRe = regexp.MustCompile(`\[[^\]]+\]`)
	sourceSchemeRe  = regexp.MustCompile(`\w+://`)
	nonAlnumRe      = regexp.MustCompile(`[^a-zA-Z0-9]`)
)

// sourcesFileFor is the file a new source goes to: filename (".list"
// added) when given, else a name made of the source's URI without scheme,
// options and credentials ("deb http://h/debian x" -> h_debian.list), in
// dir unless the name holds a "/".
func sourcesFileFor(source, filename, dir string) string {
	name := filename
	if name == "" {
		line := sourceSchemeRe.ReplaceAllString(sourceOptionsRe.ReplaceAllString(source, ""), "")
		var parts []string
		for _, p := range strings.Fields(line) {
			if p != "deb" && p != "deb-src" {
				parts = append(parts, p)
			}
		}
		first := ""
		if len(parts) > 0 {
			first = parts[0]
			if _, after, ok := strings.Cut(first, "@"); ok {
				first = after
			}
		}
		name = strings.Join(strings.Fields(nonAlnumRe.ReplaceAllString(first, " ")), "_")
	}
	name += ".list"
	if strings.Contains(name, "/") {
		return name
	}
	return dir + "/" + name
}
