package module

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/haplay/haplay/engine/jinja"
	"github.com/haplay/haplay/engine/suggest"
)

// ArgError is one problem with one argument; the loader adds the position.
type ArgError struct {
	Arg string // "" for problems with the task as a whole
	Msg string
	// Removed marks an argument of Spec.Removed: the loader warns, and
	// the task fails only when it runs.
	Removed bool
}

func (e ArgError) Error() string { return e.Msg }

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
		if !ok && slices.Contains(spec.Removed, k) {
			errs = append(errs, ArgError{Arg: k, Removed: true,
				Msg: fmt.Sprintf("unsupported argument %q: ansible-core 2.14 removed it; remove it from the task", k)})
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
		if !final && jinja.IsTemplated(v) {
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
		// (template.IsTemplated, HasTemplate) and they are checked again at run time.
		errs = append(errs, spec.Check(out, final)...)
	}
	return out, errs
}

func inChoices(choices []string, v any) bool {
	if l, ok := v.([]any); ok {
		// A list's choices apply to each element, as in Ansible.
		for _, e := range l {
			if !inChoices(choices, e) {
				return false
			}
		}
		return true
	}
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
	if s := suggest.Closest(k, all); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	sort.Strings(all)
	return msg + "; supported: " + strings.Join(all, ", ")
}
