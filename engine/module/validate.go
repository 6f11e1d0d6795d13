package module

import (
	"fmt"
	"sort"
	"strings"
)

// ArgError is one problem with one argument; the loader adds the position.
type ArgError struct {
	Arg string // "" for problems with the task as a whole
	Msg string
}

func (e ArgError) Error() string { return e.Msg }

// IsTemplated reports whether v still holds a {{ }} or {% %} expression, so
// its type can only be checked after templating, at run time.
func IsTemplated(v any) bool {
	s, ok := v.(string)
	return ok && (strings.Contains(s, "{{") || strings.Contains(s, "{%"))
}

// Validate checks raw task arguments against spec. With final=false (load
// time) values that are still templates are not type-checked and missing
// required arguments are reported only when nothing could supply them.
// It returns the arguments keyed by canonical name, with defaults filled in
// and types coerced.
func Validate(spec Spec, raw map[string]any, final bool) (Args, []ArgError) {
	var errs []ArgError
	out := Args{}
	names := make([]string, 0, len(raw))
	for k := range raw {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v := raw[k]
		a, ok := spec.Lookup(k)
		if !ok && spec.AnyArgs {
			out[k] = v
			continue
		}
		if !ok {
			errs = append(errs, ArgError{Arg: k, Msg: unknownArgMsg(spec, k)})
			continue
		}
		if _, dup := out[a.Name]; dup && k != a.Name {
			errs = append(errs, ArgError{Arg: k, Msg: fmt.Sprintf("%q and its alias %q are both set", a.Name, k)})
			continue
		}
		if v == nil {
			continue // omitted
		}
		if !final && IsTemplated(v) {
			out[a.Name] = v
			continue
		}
		cv, err := Coerce(a.Type, v)
		if err != nil {
			errs = append(errs, ArgError{Arg: k, Msg: fmt.Sprintf("argument %q: %v", k, err)})
			continue
		}
		if len(a.Choices) > 0 && cv != nil {
			if !inChoices(a.Choices, cv) {
				errs = append(errs, ArgError{Arg: k, Msg: fmt.Sprintf("argument %q is %q; choose one of: %s", k, fmt.Sprint(cv), strings.Join(a.Choices, ", "))})
				continue
			}
		}
		out[a.Name] = cv
	}
	for _, a := range spec.Args {
		if _, ok := out[a.Name]; ok {
			continue
		}
		if a.Required {
			errs = append(errs, ArgError{Arg: a.Name, Msg: fmt.Sprintf("missing required argument %q", a.Name)})
			continue
		}
		if a.Default != nil {
			out[a.Name] = a.Default
		}
	}
	for _, group := range spec.MutuallyExclusive {
		var set []string
		for _, n := range group {
			if _, ok := raw[n]; ok && raw[n] != nil {
				set = append(set, n)
			}
		}
		if len(set) > 1 {
			errs = append(errs, ArgError{Msg: fmt.Sprintf("arguments are mutually exclusive: %s", strings.Join(set, ", "))})
		}
	}
	for _, group := range spec.RequiredOneOf {
		found := false
		for _, n := range group {
			if out.Has(n) {
				found = true
			}
		}
		if !found {
			errs = append(errs, ArgError{Msg: fmt.Sprintf("one of these arguments is required: %s", strings.Join(group, ", "))})
		}
	}
	if spec.Check != nil && len(errs) == 0 {
		// At load time values may still be templates; Check skips them
		// (IsTemplated, HasTemplate) and they are checked again at run time.
		errs = append(errs, spec.Check(out, final)...)
	}
	return out, errs
}

// HasTemplate reports whether v, or anything inside a list or mapping,
// is still a template.
func HasTemplate(v any) bool {
	switch x := v.(type) {
	case string:
		return IsTemplated(x)
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

func inChoices(choices []string, v any) bool {
	s := fmt.Sprint(v)
	if b, ok := v.(bool); ok {
		s = map[bool]string{true: "yes", false: "no"}[b]
	}
	for _, c := range choices {
		if c == s || (c == "true" && s == "yes") || (c == "false" && s == "no") {
			return true
		}
	}
	return false
}

func unknownArgMsg(spec Spec, k string) string {
	var all []string
	for _, a := range spec.Args {
		all = append(all, a.Name)
		all = append(all, a.Aliases...)
	}
	msg := fmt.Sprintf("unsupported argument %q", k)
	if s := Suggest(k, all); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	sort.Strings(all)
	return msg + "; supported: " + strings.Join(all, ", ")
}

// Suggest returns the candidate closest to s, or "" if none is close.
func Suggest(s string, candidates []string) string {
	best, bestD := "", 1<<30
	for _, c := range candidates {
		d := levenshtein(s, c)
		if d < bestD {
			best, bestD = c, d
		}
	}
	if bestD <= 2 || (bestD <= 3 && len(s) > 6) {
		return best
	}
	return ""
}

func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
