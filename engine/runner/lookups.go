package runner

// lookups.go runs with_<lookup> loops and gives each task its
// ansible_search_path, where lookups find their files.

import (
	"fmt"
	"slices"
	"strings"

	"github.com/haplay/haplay/engine/jinja"
	"github.com/haplay/haplay/engine/playbook"
)

// lookupLoop names the lookup of a with_<lookup> loop; with_items,
// with_list and with_dict the runner expands itself (loopList).
func lookupLoop(t *playbook.Task) (string, bool) {
	name, ok := strings.CutPrefix(t.LoopKeyword, "with_")
	if !ok || t.LoopKeyword == "with_items" || t.LoopKeyword == "with_list" || t.LoopKeyword == "with_dict" {
		return "", false
	}
	return name, true
}

// lookupItems runs the loop's lookup on its rendered terms. The items are
// marked Unsafe, as Ansible marks what a lookup returns: never rendered
// again.
func (pr *playRun) lookupItems(t *playbook.Task, name string, terms any, vars map[string]any) ([]any, error) {
	items, err := pr.opts.Templates.LoopLookup(name, t.Module, terms, prepare(vars))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", t.LoopKeyword, err)
	}
	for i, it := range items {
		items[i] = jinja.MarkUnsafe(it)
	}
	return items, nil
}

// searchPath is the task's ansible_search_path as Ansible builds it: the
// role's directory and those of the roles that depend on it or included
// it, nearest first, the task file's directory, then the playbook's.
func (pr *playRun) searchPath(t *playbook.Task, f *frame) []any {
	var dirs []string
	if t.Role != nil {
		dirs = append(dirs, t.Role.Path)
		dirs = append(dirs, t.Role.Dependents...)
		for _, p := range parentPaths(f) {
			dirs = append(dirs, fmt.Sprint(p))
		}
	}
	dirs = append(dirs, t.FileDir, pr.pb.Dir)
	var out []any
	var seen []string
	for _, d := range dirs {
		if d != "" && !slices.Contains(seen, d) {
			seen = append(seen, d)
			out = append(out, d)
		}
	}
	return out
}
