// Package pyfmt formats values as Python prints them, because that is what
// Ansible users see: `True`, `None`, `['a', 'b']`, `{'k': 1}`, `1.0`. The
// template engine, the inventory's --graph --vars and loop labels all use it.
package pyfmt

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// Str is Python's str(): how a value looks interpolated into a string.
func Str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case float64:
		return Float(x)
	case float32:
		return Float(float64(x))
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(rv.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(rv.Uint(), 10)
	}
	return Repr(v)
}

// Repr is Python's repr(): strings quoted, containers recursively. Map
// keys are sorted: Go maps keep no insertion order, and sorted is stable.
func Repr(v any) string {
	switch x := v.(type) {
	case string:
		return Quote(x)
	case Tuple:
		return x.repr()
	case Reprer:
		return x.PyRepr()
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Slice && rv.IsNil() && v == nil {
			return "None"
		}
		parts := make([]string, rv.Len())
		for i := range parts {
			parts[i] = Repr(rv.Index(i).Interface())
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case reflect.Map:
		keys := make([]string, 0, rv.Len())
		byKey := map[string]any{}
		for _, k := range rv.MapKeys() {
			ks := fmt.Sprint(k.Interface())
			keys = append(keys, ks)
			byKey[ks] = rv.MapIndex(k).Interface()
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = Quote(k) + ": " + Repr(byKey[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case reflect.Invalid:
		return "None"
	case reflect.Bool, reflect.Float32, reflect.Float64,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return Str(v)
	}
	return fmt.Sprint(v)
}

// Reprer is a value that says how Python would show it (a Jinja
// namespace: <Namespace {...}>).
type Reprer interface{ PyRepr() string }

// Tuple is a Python tuple: a list that prints as (1, 2), and (1,) when it
// has one item. Jinja's dictsort and groupby and Ansible's zip,
// zip_longest, subelements and splitext return them, and Ansible prints
// them so when they are interpolated into a string.
type Tuple []any

func (t Tuple) repr() string {
	parts := make([]string, len(t))
	for i, e := range t {
		parts[i] = Repr(e)
	}
	if len(t) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// Float formats like Python's float repr: shortest round-trip digits,
// always with a fractional part, exponent form outside [1e-4, 1e16).
func Float(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	if a := math.Abs(f); a != 0 && (a < 1e-4 || a >= 1e16) {
		return strconv.FormatFloat(f, 'e', -1, 64)
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// Quote quotes a string as Python's repr does: single quotes unless the
// string holds a single quote and no double quote.
func Quote(s string) string {
	q := '\''
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		q = '"'
	}
	var b strings.Builder
	b.WriteRune(q)
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == q:
			b.WriteRune('\\')
			b.WriteRune(q)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteRune(q)
	return b.String()
}
