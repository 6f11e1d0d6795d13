package yamlnode

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestLoadVarsFile(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, text string
		want       map[string]any
		err        string
	}{
		{"vars.yml", "a: 1\nb: yes\nc: [x]\n", map[string]any{"a": 1, "b": true, "c": []any{"x"}}, ""},
		{"vars.json", `{"a": "x", "n": 1.5}`, map[string]any{"a": "x", "n": 1.5}, ""},
		{"empty.yml", "", map[string]any{}, ""},
		{"comment.yml", "# nothing yet\n", map[string]any{}, ""},
		{"null.yml", "~\n", map[string]any{}, ""},
		{"header.yml", "---\n", map[string]any{}, ""},
		{"header-comment.yml", "--- # role defaults\n# none yet\n", map[string]any{}, ""},
		{"header-end.yml", "---\n...\n", map[string]any{}, ""},
		{"blank.yml", "\n\n", map[string]any{}, ""},
		{"list.yml", "- a\n- b\n", nil, "list.yml:1:1: a vars file must be a mapping of variables, got a list"},
		{"scalar.yml", "hello\n", nil, "scalar.yml:1:1: a vars file must be a mapping of variables, got a"},
		{"two.yml", "a: 1\n---\nb: 2\n", nil, "two.yml:3:2: a vars file holds one YAML document, found several"},
		{"bad.yml", "a: [1\n", nil, "bad.yml"},
	}
	for _, c := range cases {
		p := filepath.Join(dir, c.name)
		if err := os.WriteFile(p, []byte(c.text), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := LoadVarsFile(p)
		if c.err != "" {
			var ye *Error
			if err == nil || !strings.Contains(err.Error(), c.err) || !errors.As(err, &ye) {
				t.Errorf("%s: err %v, want a positioned error with %q", c.name, err, c.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %#v, %v; want %#v", c.name, got, err, c.want)
		}
	}
	if _, err := LoadVarsFile(filepath.Join(dir, "missing.yml")); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}
