package hostscript

import (
	"strconv"
	"strings"
)

// RCSection is one framed part of the state script's output.
type RCSection struct {
	RC     int
	Stdout string
	Stderr string
}

// ParseRCSections splits output made of "\x1eTAG RC\n" headers, each
// followed by stdout, "\x1f\n", stderr.
func ParseRCSections(out string) map[string]RCSection {
	secs := map[string]RCSection{}
	for _, part := range strings.Split(out, "\x1e")[1:] {
		head, body, _ := strings.Cut(part, "\n")
		f := strings.Fields(head)
		if len(f) != 2 {
			continue
		}
		rc, _ := strconv.Atoi(f[1])
		so, se, _ := strings.Cut(body, "\x1f\n")
		secs[f[0]] = RCSection{RC: rc, Stdout: so, Stderr: strings.TrimSpace(se)}
	}
	return secs
}

// RCSectionFunc is the shell helper behind parseSections.
const RCSectionFunc = `sec() { tag=$1; shift; e=$(mktemp); o=$("$@" 2>"$e"); rc=$?; printf '\036%s %d\n%s\n\037\n' "$tag" "$rc" "$o"; cat "$e"; rm -f "$e"; }
`
