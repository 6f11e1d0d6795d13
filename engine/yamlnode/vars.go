package yamlnode

import (
	"fmt"
	"os"
)

// LoadVarsFile reads a vars file (YAML or JSON, one document) as Ansible's
// loader does for vars_files, include_vars and group_vars/host_vars: its
// top level is a mapping of variable names; an empty file, or one that
// holds only null, has no variables. Errors carry the file and, for YAML
// problems, the position (*Error).
func LoadVarsFile(path string) (map[string]any, error) { return Reader{}.LoadVarsFile(path) }

// LoadVarsFile reads a vars file, decrypting it or its !vault values with
// the reader's vault ids.
func (r Reader) LoadVarsFile(path string) (map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading vars file: %w", err)
	}
	docs, err := r.Parse(path, data)
	if err != nil {
		return nil, err
	}
	switch {
	case len(docs) == 0:
		return map[string]any{}, nil
	case len(docs) > 1:
		return nil, Errorf(docs[1].Pos, "a vars file holds one YAML document, found several")
	}
	switch v := docs[0].Interface().(type) {
	case nil:
		return map[string]any{}, nil
	case map[string]any:
		return v, nil
	}
	return nil, Errorf(docs[0].Pos, "a vars file must be a mapping of variables, got %s", docs[0].KindName())
}
