package template

// lookups_data.go holds the lookups that shape data the play already has:
// env, vars, items, list, indexed_items, dict, together, nested and
// subelements. Each follows Ansible's plugin of the same name, quirks
// included, so a with_ loop yields the same items.

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/haplay/haplay/engine/pyfmt"
	"github.com/haplay/haplay/engine/truth"
)

func lookupEnv(r *run, terms []any, kw kwargs) ([]any, error) {
	def, hasDef := kw["default"]
	if !hasDef {
		def = ""
	}
	names, err := termStrings("env", terms)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(names))
	for _, n := range names {
		if v, ok := os.LookupEnv(n); ok {
			out = append(out, v)
		} else {
			out = append(out, def)
		}
	}
	return out, nil
}

func lookupVars(r *run, terms []any, kw kwargs) ([]any, error) {
	def, hasDef := kw["default"]
	out := make([]any, 0, len(terms))
	for _, t := range terms {
		name, ok := t.(string)
		if !ok {
			return nil, fmt.Errorf("invalid setting identifier, %q is not a string, it is a %s", pyfmt.Str(t), typeName(t))
		}
		v, found, err := r.lookup(name)
		if err != nil {
			return nil, err
		}
		if !found {
			if hasDef {
				out = append(out, def)
				continue
			}
			return nil, &UndefinedError{Name: name}
		}
		out = append(out, v)
	}
	return out, nil
}

// flattenTerms is Ansible's LookupBase._flatten: lists are opened one
// level, everything else is kept.
func flattenTerms(terms []any) []any {
	var out []any
	for _, t := range terms {
		if l, ok := asList(t); ok {
			out = append(out, l...)
		} else {
			out = append(out, t)
		}
	}
	return out
}

func lookupItems(r *run, terms []any, kw kwargs) ([]any, error) { return flattenTerms(terms), nil }

func lookupList(r *run, terms []any, kw kwargs) ([]any, error) { return terms, nil }

func lookupIndexedItems(r *run, terms []any, kw kwargs) ([]any, error) {
	items := flattenTerms(terms)
	out := make([]any, len(items))
	for i, it := range items {
		out[i] = []any{i, it}
	}
	return out, nil
}

func lookupDict(r *run, terms []any, kw kwargs) ([]any, error) {
	var out []any
	for _, t := range terms {
		m, ok := asMap(t)
		if !ok {
			return nil, fmt.Errorf("with_dict expects a dict, got %s", typeName(t))
		}
		for _, k := range sortedKeys(m) {
			out = append(out, map[string]any{"key": k, "value": m[k]})
		}
	}
	return out, nil
}

// listify is Ansible's listify_lookup_plugin_terms on a rendered value: a
// string or another scalar becomes a list of one.
func listify(v any) []any {
	if l, ok := asList(v); ok {
		return l
	}
	return []any{v}
}

func lookupTogether(r *run, terms []any, kw kwargs) ([]any, error) {
	if len(terms) == 0 {
		return nil, errors.New("with_together requires at least one element in each list")
	}
	lists := make([][]any, len(terms))
	n := 0
	for i, t := range terms {
		lists[i] = listify(t)
		n = max(n, len(lists[i]))
	}
	out := make([]any, n)
	for i := range n {
		row := make([]any, len(lists))
		for j, l := range lists {
			if i < len(l) {
				row[j] = l[i]
			}
		}
		out[i] = flattenTerms(row)
	}
	return out, nil
}

// flattenPy is _flatten applied to any value, as Python iterates it (a
// string by its characters).
func flattenPy(v any) []any {
	if l, ok := asList(v); ok {
		return flattenTerms(l)
	}
	if items, err := iterate(v); err == nil {
		return flattenTerms(items)
	}
	return []any{v}
}

func lookupNested(r *run, terms []any, kw kwargs) ([]any, error) {
	if len(terms) == 0 {
		return nil, errors.New("with_nested requires at least one element in the nested list")
	}
	result := listify(terms[0])
	for _, t := range terms[1:] {
		next := listify(t)
		combined := make([]any, 0, len(result)*len(next))
		for _, x := range result {
			for _, y := range next {
				combined = append(combined, flattenTerms([]any{x, y}))
			}
		}
		if len(combined) > maxItems {
			return nil, fmt.Errorf("with_nested makes more than the %d items a loop may have", maxItems)
		}
		result = combined
	}
	out := make([]any, len(result))
	for i, x := range result {
		out[i] = flattenPy(x)
	}
	return out, nil
}

func subelementsTermsError(msg string) error {
	return errors.New("subelements lookup expects a list of two or three items, " + msg)
}

func lookupSubelements(r *run, terms []any, kw kwargs) ([]any, error) {
	if len(terms) < 2 || len(terms) > 3 {
		return nil, subelementsTermsError("")
	}
	key, isStr := terms[1].(string)
	_, isList := asList(terms[0])
	top, isMap := asMap(terms[0])
	if !isStr || (!isList && !isMap) {
		return nil, subelementsTermsError("first a dict or a list, second a string pointing to the subkey")
	}
	var elements []any
	if isMap {
		if s, ok := top["skipped"]; ok && s != false {
			return nil, nil // a registered result that was skipped whole
		}
		for _, k := range sortedKeys(top) {
			elements = append(elements, top[k])
		}
	} else {
		elements, _ = asList(terms[0])
	}
	skipMissing := false
	if len(terms) == 3 {
		flags, ok := asMap(terms[2])
		for k := range flags {
			ok = ok && k == "skip_missing"
		}
		if !ok {
			return nil, subelementsTermsError("the optional third item must be a dict with flags ['skip_missing']")
		}
		skipMissing = truth.Truthy(flags["skip_missing"])
	}
	var out []any
	for _, el := range elements {
		pairs, err := subelementPairs(el, strings.Split(key, "."), skipMissing)
		if err != nil {
			return nil, err
		}
		out = append(out, pairs...)
	}
	return out, nil
}

// subelementPairs yields [item, subitem] for each subitem of the list at
// path in item. As in Ansible, the item handed on has that list removed.
func subelementPairs(el any, path []string, skipMissing bool) ([]any, error) {
	item, ok := asMap(el)
	if !ok {
		return nil, fmt.Errorf("subelements lookup expects a dictionary, got '%s'", pyfmt.Str(el))
	}
	if s, ok := item["skipped"]; ok && s != false {
		return nil, nil
	}
	root := copyMap(item)
	cur := root
	var sub []any
	for i, k := range path {
		v, ok := cur[k]
		if !ok {
			if skipMissing {
				continue
			}
			return nil, fmt.Errorf("could not find '%s' key in iterated item '%s'", k, pyfmt.Str(cur))
		}
		if i < len(path)-1 {
			m, ok := asMap(v)
			if !ok {
				if skipMissing {
					continue
				}
				return nil, fmt.Errorf("the key %s should point to a dictionary, got '%s'", k, pyfmt.Str(v))
			}
			m = copyMap(m)
			cur[k] = m
			cur = m
			continue
		}
		l, ok := asList(v)
		if !ok {
			return nil, fmt.Errorf("the key %s should point to a list, got '%s'", k, pyfmt.Str(v))
		}
		sub = l
		delete(cur, k)
	}
	out := make([]any, len(sub))
	for i, s := range sub {
		out[i] = []any{root, s}
	}
	return out, nil
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
