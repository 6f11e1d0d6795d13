package module

import (
	"fmt"
	"io/fs"
	"strconv"
	"strings"
)

// ParseMode turns an octal ("0644", "644") or symbolic ("u=rw,g+r,o-w",
// "a+x") mode into permission bits. Symbolic modes apply to current; isDir
// makes X mean x.
func ParseMode(s string, current fs.FileMode, isDir bool) (fs.FileMode, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("empty mode")
	}
	if s[0] >= '0' && s[0] <= '9' {
		n, err := strconv.ParseUint(s, 8, 32)
		if err != nil || n > 07777 {
			return 0, fmt.Errorf("bad mode %q: use octal such as '0644' or symbolic such as 'u=rw,g=r,o=r'", s)
		}
		return OctalToMode(uint32(n)), nil
	}
	m := ModeToOctal(current)
	for _, clause := range strings.Split(s, ",") {
		i := 0
		var who uint32
		for i < len(clause) && strings.ContainsRune("ugoa", rune(clause[i])) {
			switch clause[i] {
			case 'u':
				who |= 04700
			case 'g':
				who |= 02070
			case 'o':
				who |= 01007
			case 'a':
				who |= 07777
			}
			i++
		}
		if who == 0 {
			who = 07777
		}
		if i >= len(clause) || !strings.ContainsRune("=+-", rune(clause[i])) {
			return 0, fmt.Errorf("bad mode %q: expected =, + or - after %q", s, clause[:i])
		}
		op := clause[i]
		i++
		var bits uint32
		for ; i < len(clause); i++ {
			switch clause[i] {
			case 'r':
				bits |= 0444
			case 'w':
				bits |= 0222
			case 'x':
				bits |= 0111
			case 'X':
				if isDir || m&0111 != 0 {
					bits |= 0111
				}
			case 's':
				bits |= 06000
			case 't':
				bits |= 01000
			default:
				return 0, fmt.Errorf("bad mode %q: unknown permission %q", s, clause[i])
			}
		}
		bits &= who
		switch op {
		case '=':
			m = m&^(who&0777) | bits
			if who&04000 != 0 {
				m &^= 04000 &^ bits
			}
		case '+':
			m |= bits
		case '-':
			m &^= bits
		}
	}
	return OctalToMode(m), nil
}

// OctalToMode turns Unix permission bits (with setuid, setgid, sticky) into an fs.FileMode.
func OctalToMode(n uint32) fs.FileMode {
	m := fs.FileMode(n & 0777)
	if n&04000 != 0 {
		m |= fs.ModeSetuid
	}
	if n&02000 != 0 {
		m |= fs.ModeSetgid
	}
	if n&01000 != 0 {
		m |= fs.ModeSticky
	}
	return m
}

// ModeToOctal is OctalToMode's inverse.
func ModeToOctal(m fs.FileMode) uint32 {
	n := uint32(m.Perm())
	if m&fs.ModeSetuid != 0 {
		n |= 04000
	}
	if m&fs.ModeSetgid != 0 {
		n |= 02000
	}
	if m&fs.ModeSticky != 0 {
		n |= 01000
	}
	return n
}

// FormatMode prints a mode as Ansible does: "0644".
func FormatMode(m fs.FileMode) string { return fmt.Sprintf("%04o", ModeToOctal(m)) }
