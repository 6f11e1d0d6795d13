package playbook

// lookups.go loads with_<lookup> loops and checks, at load time, the
// controller files that lookups name by literals.

import (
	"strings"

	"github.com/haplay/haplay/engine/jinja"
	"github.com/haplay/haplay/engine/yamlnode"
)

// LookupChecker is a TemplateChecker that also knows the lookup plugins
// (engine/template through engine/run): the loader accepts with_<name>
// for each of them, and checks the files their literal terms name.
type LookupChecker interface {
	TemplateChecker
	HasLookup(name string) bool
	// LookupFiles lists the files the lookups in template s name by
	// literals; unknown lookup plugins come back as errors.
	LookupFiles(s string) ([]LookupFile, []error)
	// LoopFiles lists the files a with_<name> loop of a task running
	// action names by literal terms (with_file, with_first_found...).
	LoopFiles(name, action string, terms any) []LookupFile
}

// LookupFile is a controller file a lookup reads: the first of Names that
// exists, searched where lookups search Kind ("files", "templates").
type LookupFile struct {
	Plugin string
	Kind   string
	Names  []string
}

// legacyLoops are the with_ keywords the runner expands itself.
var legacyLoops = map[string]bool{"with_items": true, "with_list": true, "with_dict": true}

func (l *loader) lookups() LookupChecker {
	lc, _ := l.opts.Templates.(LookupChecker)
	return lc
}

// isLookupLoop reports whether key is with_<lookup> for a lookup haplay has.
func (l *loader) isLookupLoop(key string) bool {
	name, ok := strings.CutPrefix(key, "with_")
	if !ok || legacyLoops[key] {
		return false
	}
	lc := l.lookups()
	return lc != nil && lc.HasLookup(name)
}

// loopKeys lists the loop keywords in task n, in the order written.
func (l *loader) loopKeys(n *yamlnode.Node) []string {
	var out []string
	for _, kv := range n.Pairs {
		if kv.Key == "loop" || legacyLoops[kv.Key] || l.isLookupLoop(kv.Key) {
			out = append(out, kv.Key)
		}
	}
	return out
}

// checkLoopFiles checks the literal files the with_<lookup> loop of task
// n names, now that its module is known.
func (l *loader) checkLoopFiles(t *Task, n *yamlnode.Node) {
	name, ok := strings.CutPrefix(t.LoopKeyword, "with_")
	lc := l.lookups()
	v := n.Get(t.LoopKeyword)
	if !ok || legacyLoops[t.LoopKeyword] || lc == nil || v == nil {
		return
	}
	l.checkLookupRefs(t, v.Pos, lc.LoopFiles(name, t.Module, t.Loop))
}

// checkLookupFiles checks the lookups inside every template string of v.
func (l *loader) checkLookupFiles(t *Task, pos Pos, v any) {
	lc := l.lookups()
	if lc == nil {
		return
	}
	switch x := v.(type) {
	case string:
		if !jinja.IsTemplated(x) {
			return
		}
		refs, errs := lc.LookupFiles(x)
		for _, err := range errs {
			l.errorf(pos, "%v", err)
		}
		l.checkLookupRefs(t, pos, refs)
	case []any:
		for _, e := range x {
			l.checkLookupFiles(t, pos, e)
		}
	case map[string]any:
		for _, e := range x {
			l.checkLookupFiles(t, pos, e)
		}
	}
}

// checkLookupRefs reports each file that is not where the lookup will
// look (playbook.SearchDirs, the order of the task's ansible_search_path).
func (l *loader) checkLookupRefs(t *Task, pos Pos, refs []LookupFile) {
	for _, ref := range refs {
		var firstErr error
		found := false
		for _, name := range ref.Names {
			if _, err := FindFile(SearchDirs(t, l.playbookDir, ref.Kind), ref.Kind, name); err == nil {
				found = true
				break
			} else if firstErr == nil {
				firstErr = err
			}
		}
		if !found && firstErr != nil {
			if len(ref.Names) > 1 {
				l.errorf(pos, "lookup %s: none of %s found: %v", ref.Plugin, strings.Join(ref.Names, ", "), firstErr)
			} else {
				l.errorf(pos, "lookup %s: %v", ref.Plugin, firstErr)
			}
		}
	}
}

// checkConditionLookups checks the lookups in a task's or block's
// conditions (bare expressions, or one {{ }}), where each is written.
func (l *loader) checkConditionLookups(t *Task, n *yamlnode.Node) {
	for _, key := range []string{"when", "changed_when", "failed_when", "until"} {
		v := n.Get(key)
		if v == nil {
			continue
		}
		items := []*yamlnode.Node{v}
		if v.Kind == yamlnode.List {
			items = v.Items
		}
		for _, it := range items {
			s, ok := it.Value.(string)
			if !ok {
				continue
			}
			if _, braced := WholeExpression(s); !braced {
				s = "{{ " + s + " }}"
			}
			l.checkLookupFiles(t, it.Pos, s)
		}
	}
}
