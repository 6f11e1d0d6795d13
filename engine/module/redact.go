package module

// redact.go reads the per-argument no_log flag (Arg.NoLog): the values of
// such arguments (user.password, uri.url_password, docker_swarm.join_token)
// are removed from everything a task's result shows or logs, as Ansible's
// AnsibleModule does with its remove_values: a string that is the secret
// becomes NoLogValue, a string that contains it has it masked.

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/haplay/haplay/engine/connection/hostcmd"
)

// NoLogValue replaces a value that is a no_log argument's value, as
// Ansible prints it.
const NoLogValue = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"

// NoLogMask replaces a no_log argument's value inside a longer string
// (stdout, msg, a command line), as Ansible masks it.
const NoLogMask = "********"

// Secrets are the values of one call's no_log arguments, longest first so
// that a secret holding a shorter one is masked whole. The zero value
// hides nothing.
type Secrets []string

// Redact returns the values of spec's no_log arguments in args. args may
// be raw (aliases as the user wrote them) or validated. As in Ansible,
// strings and numbers are secrets, the leaves of lists and mappings too;
// empty strings, booleans and nulls are not.
func Redact(spec Spec, args map[string]any) Secrets {
	seen := map[string]bool{}
	for name, v := range args {
		if a, ok := spec.Lookup(name); ok && a.NoLog {
			leaves(v, seen)
		}
	}
	s := Secrets(slices.Collect(maps.Keys(seen)))
	slices.SortFunc(s, func(a, b string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	return s
}

func leaves(v any, into map[string]bool) {
	switch x := v.(type) {
	case nil, bool:
	case string:
		if x != "" {
			into[x] = true
		}
	case []any:
		for _, e := range x {
			leaves(e, into)
		}
	case []string:
		for _, e := range x {
			leaves(e, into)
		}
	case map[string]any:
		for _, e := range x {
			leaves(e, into)
		}
	case Args:
		for _, e := range x {
			leaves(e, into)
		}
	default:
		if s := fmt.Sprint(x); s != "" {
			into[s] = true
		}
	}
}

// String hides the secrets in s.
func (s Secrets) String(v string) string {
	if len(s) == 0 || v == "" {
		return v
	}
	if slices.Contains(s, v) {
		return NoLogValue
	}
	for _, sec := range s {
		v = strings.ReplaceAll(v, sec, NoLogMask)
	}
	return v
}

// Value hides the secrets in v, a result value: strings, the elements of
// lists and mappings, and numbers that print as a secret. It returns a
// copy where something changed and never modifies v.
func (s Secrets) Value(v any) any {
	if len(s) == 0 {
		return v
	}
	switch x := v.(type) {
	case nil, bool:
		return v
	case string:
		return s.String(x)
	case []byte:
		return []byte(s.String(string(x)))
	case []string:
		out := make([]string, len(x))
		for i, e := range x {
			out[i] = s.String(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = s.Value(e)
		}
		return out
	case map[string]any:
		return s.values(x)
	case Args:
		return Args(s.values(x))
	case int, int64, uint64, float64:
		if slices.Contains(s, fmt.Sprint(x)) {
			return NoLogValue
		}
	}
	return v
}

func (s Secrets) values(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, e := range m {
		out[k] = s.Value(e)
	}
	return out
}

// Result hides the secrets in what a result shows: its values, message,
// skip reason and diffs.
func (s Secrets) Result(r Result) Result {
	if len(s) == 0 {
		return r
	}
	r.Msg = s.String(r.Msg)
	r.SkipReason = s.String(r.SkipReason)
	r.Values = s.values(r.Values)
	if r.Diffs != nil {
		ds := make([]Diff, len(r.Diffs))
		for i, d := range r.Diffs {
			ds[i] = Diff{BeforeHeader: s.String(d.BeforeHeader), AfterHeader: s.String(d.AfterHeader),
				Before: s.String(d.Before), After: s.String(d.After)}
		}
		r.Diffs = ds
	}
	return r
}

// Cmd hides the secrets in a command as -vv shows it. Stdin is not shown
// and stays as it is.
func (s Secrets) Cmd(c hostcmd.Cmd) hostcmd.Cmd {
	if len(s) == 0 {
		return c
	}
	c.Script = s.String(c.Script)
	c.Dir = s.String(c.Dir)
	if c.Argv != nil {
		argv := make([]string, len(c.Argv))
		for i, a := range c.Argv {
			argv[i] = s.String(a)
		}
		c.Argv = argv
	}
	if c.Env != nil {
		env := make(map[string]string, len(c.Env))
		for k, v := range c.Env {
			env[k] = s.String(v)
		}
		c.Env = env
	}
	return c
}
