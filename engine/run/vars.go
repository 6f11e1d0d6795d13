package run

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"

	"github.com/haplay/haplay/engine/playbook"
	"github.com/haplay/haplay/engine/shlex"
	"github.com/haplay/haplay/engine/yamlnode"
)

// parseExtraVars reads -e values: k=v pairs, @file, or inline JSON/YAML.
func parseExtraVars(specs []string, r yamlnode.Reader) (map[string]any, error) {
	out := map[string]any{}
	for _, s := range specs {
		s = strings.TrimSpace(s)
		var (
			m   map[string]any
			err error
		)
		switch {
		case strings.HasPrefix(s, "@"):
			m, err = extraVarsFile(s, r)
		case strings.HasPrefix(s, "{"):
			m, err = extraVarsInline(s)
		default:
			m, err = extraVarsPairs(s)
		}
		if err != nil {
			return nil, err
		}
		maps.Copy(out, m)
	}
	return out, nil
}

func extraVarsFile(s string, r yamlnode.Reader) (map[string]any, error) {
	docs, err := r.ParseFile(s[1:])
	if err != nil {
		return nil, fmt.Errorf("-e %s: %w", s, err)
	}
	if len(docs) == 0 {
		return nil, nil
	}
	m, ok := docs[0].Interface().(map[string]any)
	if !ok {
		return nil, fmt.Errorf("-e %s: the file must hold a mapping", s)
	}
	return m, nil
}

func extraVarsInline(s string) (map[string]any, error) {
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		docs, yerr := yamlnode.Parse("-e", []byte(s))
		if yerr != nil || len(docs) == 0 {
			return nil, fmt.Errorf("-e %s: not valid JSON or YAML: %v", s, err)
		}
		m, _ = docs[0].Interface().(map[string]any)
	}
	out, _ := normalizeJSON(m).(map[string]any)
	return out, nil
}

func extraVarsPairs(s string) (map[string]any, error) {
	words, err := shlex.Split(s)
	if err != nil {
		return nil, fmt.Errorf("-e %q: %w", s, err)
	}
	out := map[string]any{}
	for _, w := range words {
		k, v, ok := strings.Cut(w, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("-e %q: expected key=value, @FILE or JSON", s)
		}
		out[k] = v
	}
	return out, nil
}

// normalizeJSON turns JSON numbers that are whole into ints, as YAML does.
func normalizeJSON(v any) any {
	switch x := v.(type) {
	case float64:
		if x == float64(int(x)) {
			return int(x)
		}
	case map[string]any:
		for k, e := range x {
			x[k] = normalizeJSON(e)
		}
	case []any:
		for i, e := range x {
			x[i] = normalizeJSON(e)
		}
	}
	return v
}

// promptVars asks for the vars_prompt values that -e does not give.
func promptVars(pb *playbook.Playbook, extra map[string]any, ask Prompter) error {
	for _, p := range pb.Plays {
		for _, vp := range p.VarsPrompt {
			if _, ok := extra[vp.Name]; ok {
				continue
			}
			prompt := vp.Prompt
			if prompt == "" {
				prompt = vp.Name
			}
			err := ErrNoTerminal
			var val string
			if ask != nil {
				val, err = ask(prompt, vp.Private)
			}
			if errors.Is(err, ErrNoTerminal) {
				return fmt.Errorf("%s: vars_prompt %q needs a terminal; pass it with -e %s=VALUE", p.Pos, vp.Name, vp.Name)
			}
			if err != nil {
				return fmt.Errorf("vars_prompt %q: %w", vp.Name, err)
			}
			if p.Vars == nil {
				p.Vars = map[string]any{}
			}
			if val == "" && vp.Default != nil {
				p.Vars[vp.Name] = vp.Default
				continue
			}
			p.Vars[vp.Name] = val
		}
	}
	return nil
}
