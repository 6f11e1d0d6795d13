package module

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/haplay/haplay/engine/truth"
)

// SplitCommaList splits "a,b, c" into its trimmed elements.
func SplitCommaList(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Coerce converts v to the argument type t, as Ansible's argument spec
// validation does (a "yes" string becomes true for bool, "8" becomes 8 for
// int, "a,b" becomes a list).
func Coerce(t Type, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch t {
	case TypeStr, TypePath:
		switch x := v.(type) {
		case string:
			return x, nil
		case map[string]any, []any:
			return nil, fmt.Errorf("expected a string, got %s", KindOf(v))
		default:
			return fmt.Sprint(x), nil
		}
	case TypeFloat:
		switch x := v.(type) {
		case int:
			return float64(x), nil
		case int64:
			return float64(x), nil
		case uint64:
			return float64(x), nil
		case float64:
			return x, nil
		case string:
			if f, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
				return f, nil
			}
		}
		return nil, fmt.Errorf("expected a number, got %s", KindOf(v))
	case TypeInt:
		switch x := v.(type) {
		case int:
			return x, nil
		case int64:
			return int(x), nil
		case uint64:
			return int(x), nil
		case float64:
			if x == float64(int(x)) {
				return int(x), nil
			}
		case string:
			if n, err := strconv.Atoi(strings.TrimSpace(x)); err == nil {
				return n, nil
			}
		}
		return nil, fmt.Errorf("expected an integer, got %s %q", KindOf(v), fmt.Sprint(v))
	case TypeBool:
		b, err := truth.Boolean(v)
		if err != nil {
			return nil, err
		}
		return b, nil
	case TypeList:
		switch x := v.(type) {
		case []any:
			return x, nil
		case []string:
			out := make([]any, len(x))
			for i, s := range x {
				out[i] = s
			}
			return out, nil
		case string:
			parts := SplitCommaList(x)
			out := make([]any, len(parts))
			for i, s := range parts {
				out[i] = s
			}
			return out, nil
		case map[string]any:
			return nil, fmt.Errorf("expected a list, got a mapping")
		default:
			return []any{x}, nil
		}
	case TypeDict:
		if m, ok := v.(map[string]any); ok {
			return m, nil
		}
		return nil, fmt.Errorf("expected a mapping, got %s", KindOf(v))
	case TypeMode:
		switch x := v.(type) {
		case string:
			if x == "preserve" {
				return x, nil // copy and template: the source's mode
			}
			if _, err := ParseMode(x, 0, false); err != nil {
				return nil, err
			}
			return x, nil
		case int, int64, uint64:
			// YAML 0644 is already octal-decoded by the parser; an int like
			// 644 without a leading zero is decimal, as in Ansible (a classic
			// mistake the user must see).
			return fmt.Sprintf("%#o", toInt(x)), nil
		}
		return nil, fmt.Errorf("expected a file mode such as '0644' or 'u=rw,g=r,o=r', got %s", KindOf(v))
	}
	return v, nil
}

func toInt(v any) int {
	switch x := v.(type) {
	case int:
		return x
	case int64:
		return int(x)
	case uint64:
		return int(x)
	}
	return 0
}

// KindOf names the YAML kind of v for error messages ("a mapping").
func KindOf(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case int, int64, uint64:
		return "an integer"
	case float64:
		return "a number"
	case []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	}
	return fmt.Sprintf("%T", v)
}
