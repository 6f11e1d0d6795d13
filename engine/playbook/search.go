package playbook

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// SearchDirs are the directories where a task's relative file name of
// kind ("files", "templates", "vars") is looked for, in order: the role's
// kind directory and the role itself, then those of the roles that
// depend on it (nearest first), then the directory of the file
// holding the task, then the playbook's. The loader's static check and
// the runner's Controller.FindFile share it, so both look in one place.
func SearchDirs(t *Task, playbookDir, kind string) []string {
	var dirs []string
	if t.Role != nil {
		dirs = append(dirs, filepath.Join(t.Role.Path, kind), t.Role.Path)
		for _, d := range t.Role.Dependents {
			dirs = append(dirs, filepath.Join(d, kind), d)
		}
	}
	if t.FileDir != "" {
		dirs = append(dirs, filepath.Join(t.FileDir, kind), t.FileDir)
	}
	dirs = append(dirs, filepath.Join(playbookDir, kind), playbookDir)
	var out []string // a task file beside the playbook: each directory once
	for _, d := range dirs {
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}

// FindFile finds name in dirs, or takes it as given when it is absolute.
func FindFile(dirs []string, kind, name string) (string, error) {
	if filepath.IsAbs(name) {
		if _, err := os.Stat(name); err != nil {
			return "", fmt.Errorf("could not find %s %q", kindNoun(kind), name)
		}
		return name, nil
	}
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("could not find %s %q; looked in: %s", kindNoun(kind), name, strings.Join(dirs, ", "))
}

// kindNoun names what a search directory holds: "file", "template", "vars file".
func kindNoun(kind string) string {
	if kind == "vars" {
		return "vars file"
	}
	return strings.TrimSuffix(kind, "s")
}
