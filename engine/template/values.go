package template

// values.go holds the Python-flavoured value semantics Jinja users expect:
// truthiness, equality across int/float, ordering, and str()/repr().

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/haplay/haplay/engine/pyfmt"
)

// asList views v as a list. Only real sequences qualify, not strings.
func asList(v any) ([]any, bool) {
	switch l := v.(type) {
	case []any:
		return l, true
	case pyfmt.Tuple:
		return l, true
	case []string:
		out := make([]any, len(l))
		for i, s := range l {
			out[i] = s
		}
		return out, true
	case nil, string, map[string]any:
		return nil, false
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array {
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = rv.Index(i).Interface()
		}
		return out, true
	}
	return nil, false
}

// asMap views v as a string-keyed map; other key types are stringified
// because Jinja templates only ever address them by name.
func asMap(v any) (map[string]any, bool) {
	switch m := v.(type) {
	case map[string]any:
		return m, true
	case nil:
		return nil, false
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Map {
		return nil, false
	}
	out := make(map[string]any, rv.Len())
	it := rv.MapRange()
	for it.Next() {
		out[pyfmt.Str(it.Key().Interface())] = it.Value().Interface()
	}
	return out, true
}

// iterate yields the items of a list, the keys of a map (as Python does),
// or the characters of a string.
func iterate(v any) ([]any, error) {
	if l, ok := asList(v); ok {
		return l, nil
	}
	if m, ok := asMap(v); ok {
		keys := sortedKeys(m)
		out := make([]any, len(keys))
		for i, k := range keys {
			out[i] = k
		}
		return out, nil
	}
	if s, ok := v.(string); ok {
		var out []any
		for _, r := range s {
			out = append(out, string(r))
		}
		return out, nil
	}
	return nil, fmt.Errorf("'%s' object is not iterable", typeName(v))
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// toInt reports v as an int if it is an integer of any Go type.
func toInt(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int8:
		return int(n), true
	case int16:
		return int(n), true
	case int32:
		return int(n), true
	case int64:
		return int(n), true
	case uint:
		return int(n), true
	case uint8:
		return int(n), true
	case uint16:
		return int(n), true
	case uint32:
		return int(n), true
	case uint64:
		return int(n), true
	}
	return 0, false
}

// toFloat reports v as a float64 if it is any number (bools excluded).
func toFloat(v any) (float64, bool) {
	if i, ok := toInt(v); ok {
		return float64(i), true
	}
	switch n := v.(type) {
	case float64:
		return n, true
	case float32:
		return float64(n), true
	}
	return 0, false
}

func isNumber(v any) bool { _, ok := toFloat(v); return ok }

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	case string:
		return "str"
	case float64, float32:
		return "float"
	case Undefined:
		return "AnsibleUndefined"
	}
	if _, ok := toInt(v); ok {
		return "int"
	}
	if _, ok := asList(v); ok {
		return "list"
	}
	if _, ok := asMap(v); ok {
		return "dict"
	}
	return fmt.Sprintf("%T", v)
}

// equal is Python ==: numbers compare by value, containers deeply.
func equal(a, b any) bool {
	if fa, ok := toFloat(a); ok {
		if fb, ok := toFloat(b); ok {
			return fa == fb
		}
		return false
	}
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	}
	if la, ok := asList(a); ok {
		lb, ok := asList(b)
		if !ok || len(la) != len(lb) {
			return false
		}
		for i := range la {
			if !equal(la[i], lb[i]) {
				return false
			}
		}
		return true
	}
	if ma, ok := asMap(a); ok {
		mb, ok := asMap(b)
		if !ok || len(ma) != len(mb) {
			return false
		}
		for k, v := range ma {
			w, ok := mb[k]
			if !ok || !equal(v, w) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

// compare orders numbers, strings and lists as Python does.
func compare(a, b any) (int, error) {
	if fa, ok := toFloat(a); ok {
		if fb, ok := toFloat(b); ok {
			switch {
			case fa < fb:
				return -1, nil
			case fa > fb:
				return 1, nil
			}
			return 0, nil
		}
	}
	if sa, ok := a.(string); ok {
		if sb, ok := b.(string); ok {
			return strings.Compare(sa, sb), nil
		}
	}
	if la, ok := asList(a); ok {
		if lb, ok := asList(b); ok {
			for i := 0; i < len(la) && i < len(lb); i++ {
				c, err := compare(la[i], lb[i])
				if err != nil || c != 0 {
					return c, err
				}
			}
			return len(la) - len(lb), nil
		}
	}
	if ba, ok := a.(bool); ok {
		if bb, ok := b.(bool); ok {
			return boolInt(ba) - boolInt(bb), nil
		}
	}
	return 0, fmt.Errorf("'<' not supported between instances of '%s' and '%s'", typeName(a), typeName(b))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
