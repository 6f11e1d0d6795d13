package ansiblecfg

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
)

var sprintf = fmt.Sprintf

// envVarRef is $NAME or ${NAME}, as Python's os.path.expandvars reads it.
var envVarRef = regexp.MustCompile(`\$(\w+|\{[^}]*\})`)

// expandPath expands ~ and $VARS as Ansible's unfrackpath does; a
// variable that is not set stays as written, as in Python.
func expandPath(env Env, p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		p = env.Home + p[1:]
	}
	return envVarRef.ReplaceAllStringFunc(p, func(ref string) string {
		name := strings.Trim(ref[1:], "{}")
		if v, ok := env.Getenv(name); ok {
			return v
		}
		return ref
	})
}

// absFrom makes p absolute against base (a directory) and cleans it.
func absFrom(_ Env, p, base string) string {
	if !filepath.IsAbs(p) {
		p = filepath.Join(base, p)
	}
	return filepath.Clean(p)
}

// resolvePath is Ansible's resolve_path: {{CWD}}, ~ and $VARS expanded,
// a relative path taken from base.
func resolvePath(env Env, p, base string) string {
	p = strings.ReplaceAll(p, "{{CWD}}", env.Cwd)
	return absFrom(env, expandPath(env, p), base)
}

// unquote removes one pair of matching quotes around s, as Ansible's
// unquote does.
func unquote(s string) string {
	if len(s) > 1 && s[0] == s[len(s)-1] && (s[0] == '"' || s[0] == '\'') && s[len(s)-2] != '\\' {
		return s[1 : len(s)-1]
	}
	return s
}
