// Package jinja tells whether a value is a template, without the template
// engine: the loader, the module contract and modules ask it at load time,
// and engine/template asks it before rendering.
package jinja

import "strings"

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
