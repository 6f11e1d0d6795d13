package module

import (
	"fmt"
	"strconv"

	"github.com/haplay/haplay/engine/truth"
)

// Args are a task's arguments after templating, keyed by canonical name
// (aliases already resolved, defaults filled in, types coerced by Normalize).
type Args map[string]any

// Has reports whether the argument was given (or has a default).
func (a Args) Has(name string) bool { v, ok := a[name]; return ok && v != nil }

// String returns a string argument, "" when absent.
func (a Args) String(name string) string {
	v, ok := a[name]
	if !ok || v == nil {
		return ""
	}
	switch x := v.(type) {
	case string:
		return x
	default:
		return fmt.Sprint(x)
	}
}

// Bool returns a boolean argument, false when absent.
func (a Args) Bool(name string) bool {
	b, _ := truth.Boolean(a[name])
	return b
}

// Int returns an integer argument, 0 when absent.
func (a Args) Int(name string) int {
	switch x := a[name].(type) {
	case int:
		return x
	case int64:
		return int(x)
	case uint64:
		return int(x)
	case float64:
		return int(x)
	case string:
		n, _ := strconv.Atoi(x)
		return n
	}
	return 0
}

// Float returns a number argument, 0 when absent.
func (a Args) Float(name string) float64 {
	switch x := a[name].(type) {
	case float64:
		return x
	case int:
		return float64(x)
	case string:
		f, _ := strconv.ParseFloat(x, 64)
		return f
	}
	return 0
}

// List returns a list argument as strings.
func (a Args) List(name string) []string {
	switch x := a[name].(type) {
	case nil:
		return nil
	case []string:
		return x
	case []any:
		out := make([]string, len(x))
		for i, e := range x {
			out[i] = fmt.Sprint(e)
		}
		return out
	case string:
		return SplitCommaList(x)
	default:
		return []string{fmt.Sprint(x)}
	}
}

// Map returns a dict argument.
func (a Args) Map(name string) map[string]any {
	if m, ok := a[name].(map[string]any); ok {
		return m
	}
	return nil
}
