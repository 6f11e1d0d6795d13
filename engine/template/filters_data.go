package template

// filters_data.go: filters that reshape data: extract, groupby, dictsort,
// subelements, zip_longest, json_query, and the tuples Ansible's zip
// gives.

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/jmespath-community/go-jmespath"

	"github.com/haplay/haplay/engine/pyfmt"
	"github.com/haplay/haplay/engine/truth"
)

func dataFilters() map[string]filterFunc {
	return map[string]filterFunc{
		"extract":     fExtract,
		"groupby":     fGroupby,
		"dictsort":    fDictsort,
		"subelements": fSubelements,
		"zip":         fZipTuples(false),
		"zip_longest": fZipTuples(true),
		"json_query":  fJSONQuery,
	}
}

// fExtract is extract(item, container, morekeys=None): container[item],
// then each of morekeys in turn; a missing key is undefined.
func fExtract(r *run, in any, args []any, kw kwargs) (any, error) {
	container := argOr(args, kw, 0, "container", nil)
	keys := []any{in}
	if more := argOr(args, kw, 1, "morekeys", nil); more != nil {
		if l, ok := asList(more); ok {
			keys = append(keys, l...)
		} else {
			keys = append(keys, more)
		}
	}
	v := container
	for _, k := range keys {
		got, ok := getItem(r.unwrap(v), k)
		if !ok {
			return Undefined{Name: pyfmt.Str(k)}, nil
		}
		v = got
	}
	return v, nil
}

// attrKey reads attribute= of an item for groupby and dictsort, folded
// to lower case unless case_sensitive, as Jinja's make_attrgetter does.
func attrKey(it any, attr string, def any, hasDef, caseSensitive bool) (any, error) {
	v, ok := getAttrPath(it, attr)
	if !ok {
		if !hasDef {
			return nil, &UndefinedError{Name: attr}
		}
		v = def
	}
	if s, isStr := v.(string); isStr && !caseSensitive {
		return strings.ToLower(s), nil
	}
	return v, nil
}

// fGroupby is Jinja's groupby(attribute, default=None,
// case_sensitive=False): (grouper, items) tuples sorted by grouper.
func fGroupby(r *run, in any, args []any, kw kwargs) (any, error) {
	l, err := needList(in)
	if err != nil {
		return nil, err
	}
	attr := pyfmt.Str(argOr(args, kw, 0, "attribute", ""))
	def, hasDef := kw["default"]
	if len(args) > 1 {
		def, hasDef = args[1], true
	}
	cs := truth.Truthy(argOr(args, kw, 2, "case_sensitive", false))
	keys := make([]any, len(l))
	for i, it := range l {
		if keys[i], err = attrKey(it, attr, def, hasDef, cs); err != nil {
			return nil, err
		}
	}
	idx, err := stableOrder(keys, false)
	if err != nil {
		return nil, err
	}
	out := []any{}
	for i := 0; i < len(idx); {
		j := i
		var items []any
		for ; j < len(idx) && equal(keys[idx[j]], keys[idx[i]]); j++ {
			items = append(items, l[idx[j]])
		}
		grouper, _ := attrKey(items[0], attr, def, hasDef, true)
		out = append(out, pyfmt.Tuple{grouper, items})
		i = j
	}
	return out, nil
}

// stableOrder sorts indexes by keys as Python's sorted does (stable).
func stableOrder(keys []any, reverse bool) ([]int, error) {
	idx := make([]int, len(keys))
	for i := range idx {
		idx[i] = i
	}
	var cmpErr error
	sort.SliceStable(idx, func(a, b int) bool {
		c, err := compare(keys[idx[a]], keys[idx[b]])
		if err != nil {
			cmpErr = err
		}
		if reverse {
			return c > 0
		}
		return c < 0
	})
	return idx, cmpErr
}

// fDictsort is Jinja's dictsort(case_sensitive=False, by='key',
// reverse=False): the (key, value) pairs of a dict, sorted.
func fDictsort(r *run, in any, args []any, kw kwargs) (any, error) {
	m, ok := asMap(in)
	if !ok {
		return nil, fmt.Errorf("dictsort requires a dictionary, got %s", typeName(in))
	}
	cs := truth.Truthy(argOr(args, kw, 0, "case_sensitive", false))
	by := pyfmt.Str(argOr(args, kw, 1, "by", "key"))
	rev := truth.Truthy(argOr(args, kw, 2, "reverse", false))
	pos := 0
	switch by {
	case "key":
	case "value":
		pos = 1
	default:
		return nil, errors.New("You can only sort by either \"key\" or \"value\"")
	}
	names := sortedKeys(m)
	pairs := make([]any, len(names))
	keys := make([]any, len(names))
	for i, k := range names {
		pairs[i] = pyfmt.Tuple{k, m[k]}
		keys[i] = pairs[i].(pyfmt.Tuple)[pos]
		if s, isStr := keys[i].(string); isStr && !cs {
			keys[i] = strings.ToLower(s)
		}
	}
	idx, err := stableOrder(keys, rev)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(idx))
	for i, j := range idx {
		out[i] = pairs[j]
	}
	return out, nil
}

// fSubelements is Ansible's subelements(obj, subelements,
// skip_missing=False): (item, subitem) for each item of the list at the
// dotted key path of every item.
func fSubelements(r *run, in any, args []any, kw kwargs) (any, error) {
	var items []any
	if m, ok := asMap(in); ok {
		for _, k := range sortedKeys(m) {
			items = append(items, m[k])
		}
	} else if l, ok := asList(in); ok {
		items = l
	} else {
		return nil, errors.New("obj must be a list of dicts or a nested dict")
	}
	var path []any
	switch p := argOr(args, kw, 0, "subelements", nil).(type) {
	case string:
		for _, s := range strings.Split(p, ".") {
			path = append(path, s)
		}
	default:
		l, ok := asList(p)
		if !ok {
			return nil, errors.New("subelements must be a list or a string")
		}
		path = l
	}
	skip := truth.Truthy(argOr(args, kw, 1, "skip_missing", false))
	out := []any{}
	for _, it := range items {
		vals, err := subelementList(r.unwrap(it), path, skip)
		if err != nil {
			return nil, err
		}
		for _, v := range vals {
			out = append(out, pyfmt.Tuple{it, v})
		}
	}
	return out, nil
}

func subelementList(it any, path []any, skip bool) ([]any, error) {
	v := it
	for _, k := range path {
		if _, isMap := asMap(v); !isMap {
			return nil, fmt.Errorf("the key %s should point to a dictionary, got '%s'", pyfmt.Str(k), pyfmt.Str(v))
		}
		got, ok := getItem(v, k)
		if !ok {
			if skip {
				return nil, nil
			}
			return nil, fmt.Errorf("could not find %s key in iterated item %s", pyfmt.Repr(k), pyfmt.Repr(v))
		}
		v = got
	}
	l, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("the key %s should point to a list, got %s", pyfmt.Repr(pyfmt.Str(path[len(path)-1])), pyfmt.Repr(v))
	}
	return l, nil
}

// fZipTuples is Ansible's zip (shortest) and zip_longest(fillvalue=None):
// lists of tuples.
func fZipTuples(longest bool) filterFunc {
	return func(r *run, in any, args []any, kw kwargs) (any, error) {
		lists := [][]any{}
		for _, x := range append([]any{in}, args...) {
			l, err := needList(x)
			if err != nil {
				return nil, err
			}
			lists = append(lists, l)
		}
		n := len(lists[0])
		for _, l := range lists {
			if longest {
				n = max(n, len(l))
			} else {
				n = min(n, len(l))
			}
		}
		fill := kw["fillvalue"]
		out := make([]any, n)
		for i := range n {
			row := make(pyfmt.Tuple, len(lists))
			for j, l := range lists {
				row[j] = fill
				if i < len(l) {
					row[j] = l[i]
				}
			}
			out[i] = row
		}
		return out, nil
	}
}

// fJSONQuery is community.general.json_query: JMESPath, on the
// community library (the same language as Python's jmespath).
func fJSONQuery(r *run, in any, args []any, kw kwargs) (any, error) {
	if _, err := strict(in); err != nil {
		return nil, err
	}
	expr := pyfmt.Str(argOr(args, kw, 0, "expr", ""))
	out, err := jmespath.Search(legacyLiterals(expr), toJMES(stripUnsafe(in)))
	if err != nil {
		return nil, fmt.Errorf("JMESPathError in json_query filter plugin:\n%w", err)
	}
	return normalizeJSON(out), nil
}

// toJMES gives the library the JSON shapes it knows: float64 numbers,
// []any and map[string]any.
func toJMES(v any) any {
	if l, ok := asList(v); ok {
		out := make([]any, len(l))
		for i, e := range l {
			out[i] = toJMES(e)
		}
		return out
	}
	if m, ok := asMap(v); ok {
		out := make(map[string]any, len(m))
		for k, e := range m {
			out[k] = toJMES(e)
		}
		return out
	}
	if _, isBool := v.(bool); !isBool {
		if f, ok := toFloat(v); ok {
			return f
		}
	}
	return v
}

// legacyLiterals quotes the backtick literals that are not JSON
// (`b` for "b"), which Python's jmespath still reads as strings, with a
// deprecation warning, and the community library refuses.
func legacyLiterals(expr string) string {
	var b strings.Builder
	for i := 0; i < len(expr); i++ {
		if expr[i] != '`' {
			b.WriteByte(expr[i])
			continue
		}
		j := i + 1
		for j < len(expr) && expr[j] != '`' {
			if expr[j] == '\\' {
				j++
			}
			j++
		}
		if j >= len(expr) {
			b.WriteString(expr[i:])
			break
		}
		lit := strings.ReplaceAll(expr[i+1:j], "\\`", "`")
		if !json.Valid([]byte(lit)) {
			q, _ := json.Marshal(strings.TrimLeft(lit, " \t\n"))
			lit = strings.ReplaceAll(string(q), "`", "\\`")
			b.WriteString("`" + lit + "`")
		} else {
			b.WriteString(expr[i : j+1])
		}
		i = j
	}
	return b.String()
}
