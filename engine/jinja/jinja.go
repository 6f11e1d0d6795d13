// Package jinja tells whether a value is a template, without the template
// engine: the loader, the module contract and modules ask it at load time,
// and engine/template asks it before rendering. It also holds Unsafe, the
// mark on values that must never be rendered.
package jinja

import (
	"encoding/json"
	"fmt"
	"strings"
)

// IsTemplated reports whether v is a string that needs rendering: it holds
// a {{ }}, {% %} or {# #} opening, as Ansible's is_possibly_template
// checks. At load time such a value can only be type-checked after
// templating, at run time.
func IsTemplated(v any) bool {
	s, ok := v.(string)
	return ok && IsTemplate(s)
}

// HasTemplate reports whether v, or anything inside a list or mapping,
// is still a template.
func HasTemplate(v any) bool {
	switch x := v.(type) {
	case string:
		return IsTemplate(x)
	case []any:
		for _, e := range x {
			if HasTemplate(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range x {
			if HasTemplate(e) {
				return true
			}
		}
	}
	return false
}

// IsTemplate reports whether string s holds a {{, {% or {# opening.
func IsTemplate(s string) bool {
	return strings.Contains(s, "{{") || strings.Contains(s, "{%") || strings.Contains(s, "{#")
}

// Unsafe marks a value that must never be rendered as a template: data
// that came from a host (registered results, facts, file contents) and
// values tagged !unsafe in YAML, as Ansible's AnsibleUnsafe does. Rendering
// returns it as it is; the template engine unwraps it when an expression
// reads it, and marks what that expression yields as Unsafe again. V holds
// plain values (strings, lists, maps); it is marked once, where it enters,
// rather than string by string, so that marking costs nothing per access.
type Unsafe struct{ V any }

// MarkUnsafe wraps v as Unsafe, unless it already is or cannot hold a
// template (numbers, booleans, nil).
func MarkUnsafe(v any) any {
	switch v.(type) {
	case string, []any, map[string]any:
		return Unsafe{V: v}
	}
	return v
}

// Unwrap returns the value inside an Unsafe mark, and whether there was one.
func Unwrap(v any) (any, bool) {
	if u, ok := v.(Unsafe); ok {
		return u.V, true
	}
	return v, false
}

// String prints the value, so that a marked string prints as itself
// wherever a value is formatted with fmt.
func (u Unsafe) String() string {
	if s, ok := u.V.(string); ok {
		return s
	}
	return fmt.Sprint(u.V)
}

// MarshalJSON encodes the value itself: the mark is for the templater, not
// for what is printed or saved.
func (u Unsafe) MarshalJSON() ([]byte, error) { return json.Marshal(u.V) }
