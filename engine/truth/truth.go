// Package truth holds the two meanings of "true" that Ansible playbooks
// mix: Ansible's boolean() (what a keyword, a module's bool argument or a
// connection variable such as ansible_become accepts) and Python's bool()
// (how Jinja and Ansible's conditionals — when, failed_when, changed_when,
// until, assert's that, {% if %} — judge any value).
//
// They disagree on purpose: the string "false" is Boolean false but
// Truthy true, as in Ansible, where `when: some_var` with
// `-e some_var=false` runs the task (use `some_var | bool`).
package truth

import (
	"fmt"
	"reflect"
	"strings"
)

// Boolean is Ansible's boolean(value, strict=True) from
// ansible.module_utils.parsing.convert_bool: true for 'y', 'yes', 'on',
// '1', 'true', 't' (any case, surrounding spaces ignored), 1, 1.0 and
// true; false for 'n', 'no', 'off', '0', 'false', 'f', 0, 0.0 and false.
// Anything else, the empty string and nil included, is an error.
func Boolean(v any) (bool, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "y", "yes", "on", "1", "true", "t":
			return true, nil
		case "n", "no", "off", "0", "false", "f":
			return false, nil
		}
	default:
		// Python compares 1 == 1.0 == True, so any number that equals 1
		// or 0 is in BOOLEANS_TRUE or BOOLEANS_FALSE.
		if f, ok := number(v); ok && (f == 0 || f == 1) {
			return f == 1, nil
		}
	}
	// The text is the one haplay has always printed (testdata/bad pins it).
	return false, fmt.Errorf("%v is not a boolean (use true or false)", v)
}

// Truthy is Python's bool(), which Jinja's if, and, or, not and Ansible's
// conditionals use: nil, false, zero, the empty string and an empty list
// or mapping are false; everything else is true, any non-empty string
// ("false", "no", "0") included.
func Truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case []any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	}
	if f, ok := number(v); ok {
		return f != 0
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map, reflect.String:
		return rv.Len() > 0
	}
	return true
}

// number reports v as a float64 if it is a Go number (bools excluded).
func number(v any) (float64, bool) {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(rv.Int()), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return float64(rv.Uint()), true
	case reflect.Float32, reflect.Float64:
		return rv.Float(), true
	}
	return 0, false
}
