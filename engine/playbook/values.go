package playbook

import (
	"fmt"
	"strings"

	"github.com/haplay/haplay/engine/jinja"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/engine/truth"
	"github.com/haplay/haplay/engine/yamlnode"
)

// Typed readers for keyword values. Each reports a positioned error for a
// value of the wrong type and returns the zero value.

func (l *loader) str(n *yamlnode.Node, key string) string {
	v := n.Get(key)
	if v == nil || v.Value == nil {
		return ""
	}
	if v.Kind != yamlnode.Scalar {
		l.errorf(v.Pos, "%s must be a string, got %s", key, v.KindName())
		return ""
	}
	if s, ok := v.Value.(string); ok {
		return s
	}
	return fmt.Sprint(v.Value)
}

func (l *loader) mapping(n *yamlnode.Node, key string) map[string]any {
	v := n.Get(key)
	if v == nil || (v.Kind == yamlnode.Scalar && v.Value == nil) {
		return nil
	}
	if v.Kind != yamlnode.Map {
		l.errorf(v.Pos, "%s must be a mapping, got %s", key, v.KindName())
		return nil
	}
	return v.Interface().(map[string]any)
}

// strList accepts a list or a comma-separated string ("tags: a,b").
func (l *loader) strList(n *yamlnode.Node, key string) []string {
	v := n.Get(key)
	if v == nil || (v.Kind == yamlnode.Scalar && v.Value == nil) {
		return nil
	}
	switch v.Kind {
	case yamlnode.List:
		out := make([]string, 0, len(v.Items))
		for _, it := range v.Items {
			if it.Kind != yamlnode.Scalar {
				l.errorf(it.Pos, "%s entries must be strings, got %s", key, it.KindName())
				continue
			}
			out = append(out, fmt.Sprint(it.Value))
		}
		return out
	case yamlnode.Scalar:
		s := fmt.Sprint(v.Value)
		if key == "tags" {
			return module.SplitCommaList(s)
		}
		return []string{s}
	}
	l.errorf(v.Pos, "%s must be a string or a list, got %s", key, v.KindName())
	return nil
}

func (l *loader) optBool(n *yamlnode.Node, key string) *bool {
	v := n.Get(key)
	if v == nil || v.Value == nil && v.Kind == yamlnode.Scalar {
		return nil
	}
	b, err := truth.Boolean(v.Value)
	if err != nil || v.Kind != yamlnode.Scalar {
		l.errorf(v.Pos, "%s must be true or false, got %v", key, v.Interface())
		return nil
	}
	return &b
}

func (l *loader) boolOr(n *yamlnode.Node, key string, def bool) bool {
	if b := l.optBool(n, key); b != nil {
		return *b
	}
	return def
}

func (l *loader) optInt(n *yamlnode.Node, key string) *int {
	v := n.Get(key)
	if v == nil || v.Value == nil {
		return nil
	}
	switch x := v.Value.(type) {
	case int:
		return &x
	case string:
		var i int
		if _, err := fmt.Sscanf(x, "%d", &i); err == nil {
			return &i
		}
	}
	l.errorf(v.Pos, "%s must be a number, got %v", key, v.Interface())
	return nil
}

// conditions reads when/changed_when/failed_when/until: a string, a bool or
// a list of them (ANDed).
func (l *loader) conditions(n *yamlnode.Node, key string) []string {
	v := n.Get(key)
	if v == nil {
		return nil
	}
	items := []*yamlnode.Node{v}
	if v.Kind == yamlnode.List {
		items = v.Items
	}
	var out []string
	for _, it := range items {
		switch x := it.Value.(type) {
		case bool:
			out = append(out, map[bool]string{true: "True", false: "False"}[x])
		case string:
			s := strings.TrimSpace(x)
			out = append(out, s)
			// Ansible accepts "{{ x }}" in when with a warning, and
			// evaluates it twice (see runner's conditionValue): keep the
			// braces so the runner knows.
			if _, braced := WholeExpression(s); braced {
				l.checkTemplate(it.Pos, s)
			} else {
				l.checkTemplate(it.Pos, "{{ "+s+" }}")
			}
		case nil:
		default:
			if it.Kind != yamlnode.Scalar {
				l.errorf(it.Pos, "%s must be a condition (a string) or a list of them, got %s", key, it.KindName())
				continue
			}
			out = append(out, fmt.Sprint(x))
		}
	}
	return out
}

// checkTemplate runs the template syntax check on every string inside v.
func (l *loader) checkTemplate(pos Pos, v any) {
	if l.opts.Templates == nil {
		return
	}
	switch x := v.(type) {
	case string:
		if jinja.IsTemplated(x) {
			if err := l.opts.Templates.Check(x); err != nil {
				l.errorf(pos, "template error: %v", err)
			}
		}
	case []any:
		for _, e := range x {
			l.checkTemplate(pos, e)
		}
	case map[string]any:
		for _, e := range x {
			l.checkTemplate(pos, e)
		}
	}
}

// WholeExpression reports whether condition s is one "{{ expr }}" and
// returns expr, trimmed.
func WholeExpression(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "{{") && strings.HasSuffix(s, "}}") && strings.Count(s, "{{") == 1 {
		return strings.TrimSpace(s[2 : len(s)-2]), true
	}
	return "", false
}
