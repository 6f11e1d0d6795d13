package template

import "github.com/haplay/haplay/engine/pyfmt"

// containsTuple reports whether v holds a pyfmt.Tuple anywhere, so that
// finish turns it into a list before the value leaves the engine.
func containsTuple(v any) bool {
	switch x := v.(type) {
	case pyfmt.Tuple:
		return true
	case []any:
		for _, e := range x {
			if containsTuple(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range x {
			if containsTuple(e) {
				return true
			}
		}
	}
	return false
}
