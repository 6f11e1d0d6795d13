// Package ansiblecfg reads ansible.cfg as Ansible does: found through
// ANSIBLE_CONFIG, ./ansible.cfg (unless the directory is world-writable),
// ~/.ansible.cfg or /etc/ansible/ansible.cfg; parsed as Python's
// configparser parses it for Ansible; each setting haplay knows resolved
// with its ANSIBLE_* variables over the file; and every other key kept, so
// `haplay config dump` can list it as not supported instead of ignoring
// it in silence.
package ansiblecfg

import (
	"fmt"
	"strings"
)

// File is a parsed ansible.cfg.
type File struct {
	Path string
	// sections by name (case-sensitive, as configparser), each key
	// lowercased (configparser's optionxform).
	sections map[string]map[string]entry
	keys     []Key // in file order, for the dump
}

// Key is one key of one section, with its raw value.
type Key struct {
	Section, Name, Value string
	Line                 int
}

type entry struct {
	value string
	line  int
}

// defaultSection is configparser's: its keys are in every section.
const defaultSection = "DEFAULT"

// Parse reads ansible.cfg text as configparser.ConfigParser(
// inline_comment_prefixes=(';',)) does with raw values: full-line # and ;
// comments, ';' after a blank ends a value, `key = value` or `key: value`,
// keys lowercased, section names as written, indented lines continue the
// value before them, and a key twice in a section, a key outside any
// section or a line that is none of these is an error. No %(...)s
// interpolation: Ansible reads raw values.
func Parse(path string, data []byte) (*File, error) {
	f := &File{Path: path, sections: map[string]map[string]entry{}}
	section := ""
	var last *Key // the key an indented line continues
	for i, line := range strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n") {
		n := i + 1
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") || strings.HasPrefix(trimmed, ";") {
			if trimmed == "" {
				last = nil
			}
			continue
		}
		if last != nil && (line[0] == ' ' || line[0] == '\t') {
			last.Value += "\n" + stripInline(trimmed)
			f.sections[last.Section][last.Name] = entry{value: last.Value, line: last.Line}
			f.keys[len(f.keys)-1] = *last
			continue
		}
		if strings.HasPrefix(trimmed, "[") && strings.HasSuffix(trimmed, "]") && len(trimmed) > 2 {
			section = trimmed[1 : len(trimmed)-1]
			if _, dup := f.sections[section]; dup {
				return nil, fmt.Errorf("%s:%d: section %q already exists", path, n, section)
			}
			f.sections[section] = map[string]entry{}
			last = nil
			continue
		}
		k, err := f.addKey(path, n, section, trimmed)
		if err != nil {
			return nil, err
		}
		last = k
	}
	return f, nil
}

// addKey reads a `key = value` or `key: value` line of section.
func (f *File) addKey(path string, n int, section, line string) (*Key, error) {
	i := strings.IndexAny(line, "=:")
	if i <= 0 {
		return nil, fmt.Errorf("%s:%d: %q is not a section header, a comment or key = value", path, n, line)
	}
	if section == "" {
		return nil, fmt.Errorf("%s:%d: %q comes before any [section] header", path, n, line)
	}
	name := strings.ToLower(strings.TrimSpace(line[:i]))
	if _, dup := f.sections[section][name]; dup {
		return nil, fmt.Errorf("%s:%d: option %q in section %q already exists", path, n, name, section)
	}
	k := Key{Section: section, Name: name, Value: stripInline(strings.TrimSpace(line[i+1:])), Line: n}
	f.sections[section][name] = entry{value: k.Value, line: n}
	f.keys = append(f.keys, k)
	return &f.keys[len(f.keys)-1], nil
}

// stripInline drops a ';' comment that follows a blank, as configparser's
// inline_comment_prefixes do; '#' is kept (Ansible does not strip it).
func stripInline(v string) string {
	for i := 1; i < len(v); i++ {
		if v[i] == ';' && (v[i-1] == ' ' || v[i-1] == '\t') {
			return strings.TrimSpace(v[:i])
		}
	}
	return v
}

// Get returns section's key (lowercase), falling back to [DEFAULT] as
// configparser does, and the line it is on.
func (f *File) Get(section, key string) (string, int, bool) {
	if f == nil {
		return "", 0, false
	}
	if e, ok := f.sections[section][key]; ok {
		return e.value, e.line, true
	}
	if e, ok := f.sections[defaultSection][key]; ok && f.sections[section] != nil {
		return e.value, e.line, true
	}
	return "", 0, false
}

// Keys lists every key of the file in order.
func (f *File) Keys() []Key {
	if f == nil {
		return nil
	}
	return append([]Key(nil), f.keys...)
}
