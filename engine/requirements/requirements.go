package requirements

import (
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// Kind tells roles from collections: they land in different places.
type Kind string

const (
	KindRole       Kind = "role"
	KindCollection Kind = "collection"
)

// Requirement is one entry of requirements.yml.
type Requirement struct {
	Kind    Kind
	Name    string // role name, or namespace.name for a collection
	Src     string // URL or local path as written (git+ and ,version suffixes removed)
	Version string // tag, branch or commit; "" means the remote's HEAD
	Subdir  string // directory inside the repository holding the role or collection
	Pos     string // file:line where the entry is, for messages
}

// Key identifies an entry across requirements, lock file and vendor tree.
func (r Requirement) Key() string { return string(r.Kind) + " " + r.Name }

// validName keeps names usable as a single directory name.
var validName = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*$`)

// RequirementsFile finds requirements.yml (or .yaml) in an environment
// directory. It returns "" when there is none.
func RequirementsFile(envDir string) string {
	for _, n := range []string{"requirements.yml", "requirements.yaml"} {
		p := filepath.Join(envDir, n)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	return ""
}

// ParseRequirements reads requirements in both ansible-galaxy shapes: a
// top-level list of roles, or a mapping with roles: and collections:
// lists. Only git sources are accepted; Galaxy names are refused with a
// message, since haplay never talks to a Galaxy server.
func ParseRequirements(file string, data []byte) ([]Requirement, error) {
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(f.Docs) == 0 || f.Docs[0].Body == nil {
		return nil, nil
	}
	root := f.Docs[0].Body
	var out []Requirement
	add := func(list ast.Node, kind Kind) error {
		seq, ok := list.(*ast.SequenceNode)
		if !ok {
			if isNull(list) {
				return nil
			}
			return fmt.Errorf("%s: %ss must be a list", where(file, list), kind)
		}
		for _, it := range seq.Values {
			r, err := parseEntry(file, it, kind)
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	}
	switch n := root.(type) {
	case *ast.SequenceNode:
		if err := add(n, KindRole); err != nil {
			return nil, err
		}
	case *ast.MappingNode, *ast.MappingValueNode:
		for _, kv := range pairs(n) {
			switch key := kv.Key.GetToken().Value; key {
			case "roles":
				err = add(kv.Value, KindRole)
			case "collections":
				err = add(kv.Value, KindCollection)
			default:
				err = fmt.Errorf("%s: unknown key %q (use roles: and collections:)", where(file, kv.Key), key)
			}
			if err != nil {
				return nil, err
			}
		}
	default:
		if isNull(root) {
			return nil, nil
		}
		return nil, fmt.Errorf("%s: requirements must be a list, or a mapping with roles: and collections:", where(file, root))
	}
	seen := map[string]string{}
	for _, r := range out {
		if prev, ok := seen[r.Key()]; ok {
			return nil, fmt.Errorf("%s: %s %q is listed twice (first at %s)", r.Pos, r.Kind, r.Name, prev)
		}
		seen[r.Key()] = r.Pos
	}
	return out, nil
}

func parseEntry(file string, n ast.Node, kind Kind) (Requirement, error) {
	r := Requirement{Kind: kind, Pos: where(file, n)}
	var scm, typ string
	switch v := n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		for _, kv := range pairs(v) {
			key := kv.Key.GetToken().Value
			val, ok := scalar(kv.Value)
			if !ok {
				return r, fmt.Errorf("%s: %s must be a plain value", where(file, kv.Value), key)
			}
			switch key {
			case "name":
				r.Name = val
			case "src", "source":
				r.Src = val
			case "version":
				r.Version = val
			case "subdir":
				r.Subdir = val
			case "scm":
				scm = val
			case "type":
				typ = val
			case "include", "signatures":
				return r, fmt.Errorf("%s: %s is not supported by haplay vendor", where(file, kv.Key), key)
			default:
				return r, fmt.Errorf("%s: unknown key %q (use name, src, version, subdir)", where(file, kv.Key), key)
			}
		}
	default:
		// "- git+https://host/repo.git,v1.0" or "- name.only"
		val, ok := scalar(n)
		if !ok {
			return r, fmt.Errorf("%s: an entry must be a mapping or a source string", r.Pos)
		}
		r.Src = val
	}
	if scm != "" && scm != "git" {
		return r, fmt.Errorf("%s: scm %q: only git is supported", r.Pos, scm)
	}
	if typ != "" && typ != "git" && typ != "dir" {
		return r, fmt.Errorf("%s: type %q: only git sources are supported", r.Pos, typ)
	}
	// ansible-galaxy collections put the URL in name: when type is git.
	if r.Src == "" && looksLikeSource(r.Name) {
		r.Src, r.Name = r.Name, ""
	}
	if r.Src == "" {
		r.Src = r.Name
	}
	// Legacy role strings: "git+URL,version,name".
	if strings.Contains(r.Src, ",") && !isLocalPath(r.Src) {
		parts := strings.Split(r.Src, ",")
		r.Src = parts[0]
		if len(parts) > 1 && r.Version == "" {
			r.Version = strings.TrimSpace(parts[1])
		}
		if len(parts) > 2 && r.Name == "" {
			r.Name = strings.TrimSpace(parts[2])
		}
	}
	r.Src = strings.TrimPrefix(r.Src, "git+")
	// Collections written as URL#/subdir.
	if i := strings.Index(r.Src, "#"); i >= 0 {
		if r.Subdir == "" {
			r.Subdir = strings.Trim(r.Src[i+1:], "/")
		}
		r.Src = r.Src[:i]
	}
	if !looksLikeSource(r.Src) {
		return r, fmt.Errorf("%s: %q is not a git URL or a local path (Galaxy names are not supported: give src: https://... or a path)", r.Pos, r.Src)
	}
	r.Subdir = strings.Trim(path.Clean("/"+filepath.ToSlash(r.Subdir)), "/")
	if r.Name == "" {
		r.Name = repoBaseName(r.Src)
	}
	if !validName.MatchString(r.Name) {
		return r, fmt.Errorf("%s: name %q: use letters, digits, _ . and -", r.Pos, r.Name)
	}
	if r.Kind == KindCollection && strings.Count(r.Name, ".") != 1 {
		return r, fmt.Errorf("%s: collection name %q must be namespace.name", r.Pos, r.Name)
	}
	return r, nil
}

// looksLikeSource tells a git source (URL, scp-like, local path) from a
// Galaxy name such as geerlingguy.java.
func looksLikeSource(s string) bool {
	s = strings.TrimPrefix(s, "git+")
	return strings.Contains(s, "://") || isSCPLike(s) || isLocalPath(s)
}

func isLocalPath(s string) bool {
	return strings.HasPrefix(s, "/") || strings.HasPrefix(s, "./") || strings.HasPrefix(s, "../") ||
		strings.HasPrefix(s, "~/") || strings.HasPrefix(s, "file://")
}

// isSCPLike matches git@host:path.
var scpLike = regexp.MustCompile(`^(?:[^@/]+@)?[A-Za-z0-9.-]+:[^/]`)

func isSCPLike(s string) bool { return !strings.Contains(s, "://") && scpLike.MatchString(s) }

// repoBaseName derives a name from a source: the last path element
// without .git, as ansible-galaxy does.
func repoBaseName(src string) string {
	p := src
	if u, err := url.Parse(src); err == nil && u.Scheme != "" {
		p = u.Path
	} else if i := strings.LastIndex(src, ":"); isSCPLike(src) && i >= 0 {
		p = src[i+1:]
	}
	return strings.TrimSuffix(path.Base(strings.TrimRight(filepath.ToSlash(p), "/")), ".git")
}

func pairs(n ast.Node) []*ast.MappingValueNode {
	switch v := n.(type) {
	case *ast.MappingNode:
		return v.Values
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{v}
	}
	return nil
}

// scalar returns a scalar's text as written, so version: 1.10 stays
// "1.10" rather than becoming the float 1.1.
func scalar(n ast.Node) (string, bool) {
	switch v := n.(type) {
	case *ast.StringNode:
		return v.Value, true
	case *ast.NullNode:
		return "", true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		return v.GetToken().Value, true
	case *ast.LiteralNode:
		return strings.TrimSpace(v.Value.Value), true
	case *ast.TagNode:
		return scalar(v.Value)
	}
	return "", false
}

func isNull(n ast.Node) bool {
	_, ok := n.(*ast.NullNode)
	return ok || n == nil
}

func where(file string, n ast.Node) string {
	if n == nil || n.GetToken() == nil {
		return file
	}
	p := n.GetToken().Position
	return fmt.Sprintf("%s:%d:%d", file, p.Line, p.Column)
}
