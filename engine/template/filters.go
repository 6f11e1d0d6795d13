package template

// filters.go implements the Jinja and Ansible filters. Each gets the input,
// positional arguments and keyword arguments; the table is built per
// Engine by New.

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"math"

	"github.com/haplay/haplay/engine/pyfmt"
	"github.com/haplay/haplay/engine/truth"
	"github.com/haplay/haplay/engine/yamlnode"

	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
)

type filterFunc func(r *run, in any, args []any, kw kwargs) (any, error)

// argOr returns positional argument i, else keyword name, else def.
func argOr(args []any, kw kwargs, i int, name string, def any) any {
	if i >= 0 && i < len(args) {
		return args[i]
	}
	if v, ok := kw[name]; ok {
		return v
	}
	return def
}

func needList(in any) ([]any, error) {
	if _, err := strict(in); err != nil {
		return nil, err
	}
	return iterate(in)
}

func builtinFilters() map[string]filterFunc {
	f := map[string]filterFunc{
		"default":              fDefault,
		"d":                    fDefault,
		"mandatory":            fMandatory,
		"join":                 fJoin,
		"split":                fSplit,
		"lower":                strFilter(strings.ToLower),
		"upper":                strFilter(strings.ToUpper),
		"capitalize":           strFilter(capitalize),
		"title":                strFilter(title),
		"trim":                 strFilter(strings.TrimSpace),
		"basename":             strFilter(func(s string) string { return s[strings.LastIndexByte(s, '/')+1:] }),
		"dirname":              strFilter(pyDirname),
		"quote":                strFilter(shellQuote),
		"b64encode":            strFilter(func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }),
		"b64decode":            fB64decode,
		"replace":              fReplace,
		"regex_replace":        fRegexReplace,
		"regex_search":         fRegexSearch,
		"regex_findall":        fRegexFindall,
		"int":                  fInt,
		"float":                fFloat,
		"string":               func(r *run, in any, args []any, kw kwargs) (any, error) { return pyfmt.Str(in), nil },
		"bool":                 fBool,
		"length":               fLength,
		"count":                fLength,
		"first":                fFirstLast(true),
		"last":                 fFirstLast(false),
		"min":                  fMinMax(-1),
		"max":                  fMinMax(1),
		"sum":                  fSum,
		"sort":                 fSort,
		"unique":               fUnique,
		"union":                setOp("union"),
		"difference":           setOp("difference"),
		"intersect":            setOp("intersect"),
		"symmetric_difference": setOp("symmetric_difference"),
		"flatten":              fFlatten,
		"product":              fProduct,
		"dict2items":           fDict2Items,
		"items2dict":           fItems2Dict,
		"combine":              fCombine,
		"map":                  fMap,
		"select":               selectFilter(false, false),
		"reject":               selectFilter(true, false),
		"selectattr":           selectFilter(false, true),
		"rejectattr":           selectFilter(true, true),
		"to_json":              fToJSON,
		"to_nice_json":         fToNiceJSON,
		"from_json":            fFromJSON,
		"to_yaml":              fToYAML(false),
		"to_nice_yaml":         fToYAML(true),
		"from_yaml":            fFromYAML,
		"hash":                 fHash,
		"ternary":              fTernary,
		"list":                 fList,
		"reverse":              fReverse,
		"abs":                  fAbs,
		"round":                fRound,
		"wordcount":            fWordcount,
		"type_debug":           func(r *run, in any, args []any, kw kwargs) (any, error) { return typeName(in), nil },
	}
	// The filters of filters_*.go.
	for _, more := range []map[string]filterFunc{dataFilters(), textFilters(), pathFilters(), randomFilters(), netFilters()} {
		for name, fn := range more {
			f[name] = fn
		}
	}
	return f
}

// pyDirname is Python's os.path.dirname: everything before the last slash,
// with trailing slashes removed unless it is the root.
func pyDirname(s string) string {
	i := strings.LastIndexByte(s, '/')
	if i < 0 {
		return ""
	}
	d := s[:i+1]
	if t := strings.TrimRight(d, "/"); t != "" {
		d = t
	}
	return d
}

func fMandatory(r *run, in any, args []any, kw kwargs) (any, error) {
	if u, ok := in.(Undefined); ok {
		if msg := argOr(args, kw, 0, "msg", nil); msg != nil {
			return nil, errors.New(pyfmt.Str(msg))
		}
		return nil, fmt.Errorf("mandatory variable %q not defined", u.Name)
	}
	return in, nil
}

func fJoin(r *run, in any, args []any, kw kwargs) (any, error) {
	l, err := needList(in)
	if err != nil {
		return nil, err
	}
	sep := pyfmt.Str(argOr(args, kw, 0, "d", ""))
	parts := make([]string, len(l))
	for i, it := range l {
		if a := kw["attribute"]; a != nil {
			it, _ = getAttrPath(it, pyfmt.Str(a))
		}
		parts[i] = pyfmt.Str(it)
	}
	return strings.Join(parts, sep), nil
}

func fSplit(r *run, in any, args []any, kw kwargs) (any, error) {
	s := pyfmt.Str(in)
	sep := argOr(args, kw, 0, "sep", nil)
	if sep == nil {
		return toAny(strings.Fields(s)), nil
	}
	return toAny(strings.Split(s, pyfmt.Str(sep))), nil
}

func fToJSON(r *run, in any, args []any, kw kwargs) (any, error) {
	var b strings.Builder
	err := writeJSON(&b, in, 0, "", true)
	return b.String(), err
}

func fToNiceJSON(r *run, in any, args []any, kw kwargs) (any, error) {
	ind, _ := toInt(argOr(args, kw, -1, "indent", 4))
	var b strings.Builder
	err := writeJSON(&b, in, ind, "", true)
	return b.String(), err
}

func fFromJSON(r *run, in any, args []any, kw kwargs) (any, error) {
	var v any
	if err := json.Unmarshal([]byte(pyfmt.Str(in)), &v); err != nil {
		return nil, err
	}
	return normalizeJSON(v), nil
}

func fFromYAML(r *run, in any, args []any, kw kwargs) (any, error) {
	// Through yamlnode: Ansible's YAML 1.1 typing, and its guards
	// against recursive or exponential aliases in data from hosts.
	n, err := yamlnode.ParseOne("from_yaml", []byte(pyfmt.Str(in)))
	if err != nil {
		return nil, err
	}
	return n.Interface(), nil
}

func fTernary(r *run, in any, args []any, kw kwargs) (any, error) {
	if in == nil && len(args) > 2 {
		return args[2], nil
	}
	if truth.Truthy(in) {
		return argOr(args, kw, 0, "true_val", nil), nil
	}
	return argOr(args, kw, 1, "false_val", nil), nil
}

func fList(r *run, in any, args []any, kw kwargs) (any, error) {
	l, err := needList(in)
	return slices.Clone(l), err
}

func fReverse(r *run, in any, args []any, kw kwargs) (any, error) {
	if s, ok := in.(string); ok {
		rs := []rune(s)
		slices.Reverse(rs)
		return string(rs), nil
	}
	l, err := needList(in)
	l = slices.Clone(l)
	slices.Reverse(l)
	return l, err
}

func fAbs(r *run, in any, args []any, kw kwargs) (any, error) {
	if i, ok := toInt(in); ok {
		return max(i, -i), nil
	}
	if f, ok := toFloat(in); ok {
		return math.Abs(f), nil
	}
	return nil, fmt.Errorf("bad operand type for abs(): '%s'", typeName(in))
}

func fWordcount(r *run, in any, args []any, kw kwargs) (any, error) {
	return len(strings.Fields(pyfmt.Str(in))), nil
}

func strFilter(fn func(string) string) filterFunc {
	return func(r *run, in any, args []any, kw kwargs) (any, error) {
		if _, err := strict(in); err != nil {
			return nil, err
		}
		return fn(pyfmt.Str(in)), nil
	}
}

// fDefault: default(value=”, boolean=false). The input arrives lazily, so
// an Undefined here is the guarded case.
func fDefault(r *run, in any, args []any, kw kwargs) (any, error) {
	def := argOr(args, kw, 0, "default_value", "")
	boolean := truth.Truthy(argOr(args, kw, 1, "boolean", false))
	if isUndefined(in) || boolean && !truth.Truthy(in) {
		return def, nil
	}
	return in, nil
}

// shellQuote is Python's shlex.quote, which Ansible's quote filter uses.
func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	safe := true
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("@%+=:,./-_", c)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}

func fB64decode(r *run, in any, args []any, kw kwargs) (any, error) {
	s := strings.TrimSpace(pyfmt.Str(in))
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		if b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "=")); err != nil {
			return nil, err
		}
	}
	return string(b), nil
}

func fReplace(r *run, in any, args []any, kw kwargs) (any, error) {
	if len(args) < 2 {
		return nil, errors.New("replace needs old and new strings")
	}
	n := -1
	if len(args) > 2 {
		n, _ = toInt(args[2])
	}
	return strings.Replace(pyfmt.Str(in), pyfmt.Str(args[0]), pyfmt.Str(args[1]), n), nil
}

// compileRegex translates the Python regex spellings RE2 lacks and applies
// the ignorecase/multiline keywords.
func compileRegex(pat string, kw kwargs) (*regexp.Regexp, error) {
	flags := ""
	if truth.Truthy(kw["ignorecase"]) {
		flags += "i"
	}
	if truth.Truthy(kw["multiline"]) {
		flags += "m"
	}
	if flags != "" {
		pat = "(?" + flags + ")" + pat
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		return nil, fmt.Errorf("bad regular expression %q: %w", pat, err)
	}
	return re, nil
}

// pyReplacement converts Python's \1 and \g<name> to Go's ${1} and ${name}.
var pyBackref = regexp.MustCompile(`\\(\d+)|\\g<(\w+)>|\$`)

func pyReplacement(s string) string {
	return pyBackref.ReplaceAllStringFunc(s, func(m string) string {
		if m == "$" {
			return "$$"
		}
		sub := pyBackref.FindStringSubmatch(m)
		if sub[1] != "" {
			return "${" + sub[1] + "}"
		}
		return "${" + sub[2] + "}"
	})
}

func fRegexReplace(r *run, in any, args []any, kw kwargs) (any, error) {
	re, err := compileRegex(pyfmt.Str(argOr(args, kw, 0, "pattern", "")), kw)
	if err != nil {
		return nil, err
	}
	repl := pyReplacement(pyfmt.Str(argOr(args, kw, 1, "replacement", "")))
	count, _ := toInt(argOr(args, kw, 2, "count", 0))
	s := pyfmt.Str(in)
	if count <= 0 {
		return re.ReplaceAllString(s, repl), nil
	}
	n := 0
	return re.ReplaceAllStringFunc(s, func(m string) string {
		if n >= count {
			return m
		}
		n++
		return re.ReplaceAllString(m, repl)
	}), nil
}

// fRegexSearch returns the first match, or with '\\N' / '\\g<name>'
// arguments the list of those groups; None when nothing matches.
func fRegexSearch(r *run, in any, args []any, kw kwargs) (any, error) {
	if len(args) == 0 {
		return nil, errors.New("regex_search needs a pattern")
	}
	re, err := compileRegex(pyfmt.Str(args[0]), kw)
	if err != nil {
		return nil, err
	}
	m := re.FindStringSubmatch(pyfmt.Str(in))
	if m == nil {
		return nil, nil
	}
	if len(args) == 1 {
		return m[0], nil
	}
	var out []any
	for _, g := range args[1:] {
		gs := pyfmt.Str(g)
		switch {
		case strings.HasPrefix(gs, `\g<`) && strings.HasSuffix(gs, ">"):
			i := re.SubexpIndex(gs[3 : len(gs)-1])
			if i < 0 {
				return nil, fmt.Errorf("unknown group %s", gs)
			}
			out = append(out, m[i])
		case strings.HasPrefix(gs, `\`):
			i, err := strconv.Atoi(gs[1:])
			if err != nil || i >= len(m) {
				return nil, fmt.Errorf("unknown group %s", gs)
			}
			out = append(out, m[i])
		default:
			return nil, fmt.Errorf("unknown argument %q", gs)
		}
	}
	return out, nil
}

func fRegexFindall(r *run, in any, args []any, kw kwargs) (any, error) {
	re, err := compileRegex(pyfmt.Str(argOr(args, kw, 0, "regex", "")), kw)
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, m := range re.FindAllStringSubmatch(pyfmt.Str(in), -1) {
		switch len(m) {
		case 1:
			out = append(out, m[0])
		case 2:
			out = append(out, m[1])
		default: // like Python, several groups give a tuple per match
			out = append(out, pyfmt.Tuple(toAny(m[1:])))
		}
	}
	return out, nil
}

// fInt is Jinja's int(default=0, base=10): tries int, then float, then
// falls back to the default.
func fInt(r *run, in any, args []any, kw kwargs) (any, error) {
	def := argOr(args, kw, 0, "default", 0)
	base, _ := toInt(argOr(args, kw, 1, "base", 10))
	switch x := in.(type) {
	case bool:
		return boolInt(x), nil
	case string:
		s := strings.TrimSpace(strings.ReplaceAll(x, "_", ""))
		if base != 10 {
			ls := strings.ToLower(s)
			for _, p := range []string{"0x", "0o", "0b"} {
				ls = strings.TrimPrefix(ls, p)
			}
			s = ls
		}
		if i, err := strconv.ParseInt(s, base, 64); err == nil {
			return int(i), nil
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && base == 10 {
			return int(f), nil
		}
		return def, nil
	}
	if i, ok := toInt(in); ok {
		return i, nil
	}
	if f, ok := toFloat(in); ok {
		return int(f), nil
	}
	return def, nil
}

func fFloat(r *run, in any, args []any, kw kwargs) (any, error) {
	def := argOr(args, kw, 0, "default", 0.0)
	switch x := in.(type) {
	case bool:
		return float64(boolInt(x)), nil
	case string:
		if f, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
			return f, nil
		}
		return def, nil
	}
	if f, ok := toFloat(in); ok {
		return f, nil
	}
	return def, nil
}

// fBool is Ansible's bool filter (to_bool in ansible/plugins/filter/core.py),
// which is looser than Ansible's boolean(): 'yes', 'on', '1' and 'true' in
// any case, and the number 1, are true; everything else, 'y', 't' and
// ' yes' included, is false; None stays None.
func fBool(r *run, in any, args []any, kw kwargs) (any, error) {
	switch x := in.(type) {
	case nil:
		return nil, nil
	case bool:
		return x, nil
	case string:
		switch strings.ToLower(x) {
		case "yes", "on", "1", "true":
			return true, nil
		}
		return false, nil
	}
	if f, ok := toFloat(in); ok {
		return f == 1, nil
	}
	return false, nil
}

func fLength(r *run, in any, args []any, kw kwargs) (any, error) {
	if _, err := strict(in); err != nil {
		return nil, err
	}
	if s, ok := in.(string); ok {
		return len([]rune(s)), nil
	}
	if l, ok := asList(in); ok {
		return len(l), nil
	}
	if m, ok := asMap(in); ok {
		return len(m), nil
	}
	return nil, fmt.Errorf("object of type '%s' has no len()", typeName(in))
}

func fFirstLast(first bool) filterFunc {
	return func(r *run, in any, args []any, kw kwargs) (any, error) {
		l, err := needList(in)
		if err != nil {
			return nil, err
		}
		if len(l) == 0 {
			return Undefined{Name: "first/last of an empty sequence"}, nil
		}
		if first {
			return l[0], nil
		}
		return l[len(l)-1], nil
	}
}

// getAttrPath reads a dotted attribute path such as "a.b" or "a.0".
func getAttrPath(v any, p string) (any, bool) {
	for _, part := range strings.Split(p, ".") {
		var key any = part
		if i, err := strconv.Atoi(part); err == nil {
			if _, isList := asList(v); isList {
				key = i
			}
		}
		var ok bool
		if v, ok = getItem(v, key); !ok {
			return nil, false
		}
	}
	return v, true
}

// sortKey extracts attribute= and folds case, as Jinja's sort/min/max do.
func sortKey(v any, kw kwargs) (any, error) {
	if a := kw["attribute"]; a != nil {
		got, ok := getAttrPath(v, pyfmt.Str(a))
		if !ok {
			return nil, &UndefinedError{Name: pyfmt.Str(a)}
		}
		v = got
	}
	if s, ok := v.(string); ok && !truth.Truthy(kw["case_sensitive"]) {
		return strings.ToLower(s), nil
	}
	return v, nil
}

func fMinMax(sign int) filterFunc {
	return func(r *run, in any, args []any, kw kwargs) (any, error) {
		l, err := needList(in)
		if err != nil {
			return nil, err
		}
		if len(l) == 0 {
			return Undefined{Name: "min/max of an empty sequence"}, nil
		}
		best := l[0]
		bk, err := sortKey(best, kw)
		if err != nil {
			return nil, err
		}
		for _, it := range l[1:] {
			k, err := sortKey(it, kw)
			if err != nil {
				return nil, err
			}
			c, err := compare(k, bk)
			if err != nil {
				return nil, err
			}
			if c*sign > 0 {
				best, bk = it, k
			}
		}
		return best, nil
	}
}

func fSum(r *run, in any, args []any, kw kwargs) (any, error) {
	l, err := needList(in)
	if err != nil {
		return nil, err
	}
	var acc any = argOr(args, kw, 1, "start", 0)
	attr := argOr(args, kw, 0, "attribute", nil)
	for _, it := range l {
		if attr != nil {
			it, _ = getAttrPath(it, pyfmt.Str(attr))
		}
		if acc, err = (env{r}).Op("+", acc, it); err != nil {
			return nil, err
		}
	}
	return acc, nil
}

func fSort(r *run, in any, args []any, kw kwargs) (any, error) {
	l, err := needList(in)
	if err != nil {
		return nil, err
	}
	if len(args) > 0 {
		kw = mergeKw(kw, "reverse", args[0])
	}
	if len(args) > 1 {
		kw = mergeKw(kw, "case_sensitive", args[1])
	}
	if len(args) > 2 {
		kw = mergeKw(kw, "attribute", args[2])
	}
	keys := make([]any, len(l))
	for i, it := range l {
		if keys[i], err = sortKey(it, kw); err != nil {
			return nil, err
		}
	}
	idx := make([]int, len(l))
	for i := range idx {
		idx[i] = i
	}
	var cmpErr error
	sort.SliceStable(idx, func(a, b int) bool {
		c, err := compare(keys[idx[a]], keys[idx[b]])
		if err != nil {
			cmpErr = err
		}
		if truth.Truthy(kw["reverse"]) {
			return c > 0
		}
		return c < 0
	})
	if cmpErr != nil {
		return nil, cmpErr
	}
	out := make([]any, len(l))
	for i, j := range idx {
		out[i] = l[j]
	}
	return out, nil
}

func mergeKw(kw kwargs, k string, v any) kwargs {
	out := kwargs{}
	for a, b := range kw {
		out[a] = b
	}
	out[k] = v
	return out
}

func uniqueList(l []any) []any {
	out := []any{}
	for _, it := range l {
		if !slices.ContainsFunc(out, func(x any) bool { return equal(x, it) }) {
			out = append(out, it)
		}
	}
	return out
}

func fUnique(r *run, in any, args []any, kw kwargs) (any, error) {
	l, err := needList(in)
	if err != nil {
		return nil, err
	}
	return uniqueList(l), nil
}

func setOp(op string) filterFunc {
	return func(r *run, in any, args []any, kw kwargs) (any, error) {
		a, err := needList(in)
		if err != nil {
			return nil, err
		}
		if len(args) != 1 {
			return nil, errors.New("needs one list argument")
		}
		b, err := needList(args[0])
		if err != nil {
			return nil, err
		}
		has := func(l []any, x any) bool { return slices.ContainsFunc(l, func(y any) bool { return equal(x, y) }) }
		var out []any
		switch op {
		case "union":
			out = append(slices.Clone(a), b...)
		case "intersect":
			for _, x := range a {
				if has(b, x) {
					out = append(out, x)
				}
			}
		case "difference":
			for _, x := range a {
				if !has(b, x) {
					out = append(out, x)
				}
			}
		case "symmetric_difference":
			for _, x := range a {
				if !has(b, x) {
					out = append(out, x)
				}
			}
			for _, x := range b {
				if !has(a, x) {
					out = append(out, x)
				}
			}
		}
		return uniqueList(out), nil
	}
}

func fFlatten(r *run, in any, args []any, kw kwargs) (any, error) {
	l, err := needList(in)
	if err != nil {
		return nil, err
	}
	levels := -1
	if v := argOr(args, kw, 0, "levels", nil); v != nil {
		levels, _ = toInt(v)
	}
	skipNulls := truth.Truthy(argOr(args, kw, 1, "skip_nulls", true))
	var walk func(l []any, depth int) []any
	walk = func(l []any, depth int) []any {
		out := []any{}
		for _, it := range l {
			if sub, ok := asList(it); ok && (levels < 0 || depth < levels) {
				out = append(out, walk(sub, depth+1)...)
			} else if it != nil || !skipNulls {
				out = append(out, it)
			}
		}
		return out
	}
	return walk(l, 0), nil
}

func fProduct(r *run, in any, args []any, kw kwargs) (any, error) {
	out := []any{[]any{}}
	for _, x := range append([]any{in}, args...) {
		l, err := needList(x)
		if err != nil {
			return nil, err
		}
		var next []any
		for _, prefix := range out {
			for _, it := range l {
				next = append(next, append(slices.Clone(prefix.([]any)), it))
			}
		}
		out = next
	}
	if out == nil {
		out = []any{}
	}
	return out, nil
}

func fDict2Items(r *run, in any, args []any, kw kwargs) (any, error) {
	m, ok := asMap(in)
	if !ok {
		return nil, fmt.Errorf("dict2items requires a dictionary, got %s", typeName(in))
	}
	kn := pyfmt.Str(argOr(args, kw, -1, "key_name", "key"))
	vn := pyfmt.Str(argOr(args, kw, -1, "value_name", "value"))
	out := []any{}
	for _, k := range sortedKeys(m) {
		out = append(out, map[string]any{kn: k, vn: m[k]})
	}
	return out, nil
}

func fItems2Dict(r *run, in any, args []any, kw kwargs) (any, error) {
	l, err := needList(in)
	if err != nil {
		return nil, err
	}
	kn := pyfmt.Str(argOr(args, kw, -1, "key_name", "key"))
	vn := pyfmt.Str(argOr(args, kw, -1, "value_name", "value"))
	out := map[string]any{}
	for _, it := range l {
		k, ok1 := getItem(it, kn)
		v, ok2 := getItem(it, vn)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("items2dict: item %s lacks %q or %q", pyfmt.Repr(it), kn, vn)
		}
		out[pyfmt.Str(k)] = v
	}
	return out, nil
}

func fCombine(r *run, in any, args []any, kw kwargs) (any, error) {
	recursive := truth.Truthy(kw["recursive"])
	listMerge := pyfmt.Str(argOr(nil, kw, -1, "list_merge", "replace"))
	var merge func(a, b map[string]any) map[string]any
	merge = func(a, b map[string]any) map[string]any {
		out := make(map[string]any, len(a)+len(b))
		for k, v := range a {
			out[k] = v
		}
		for k, v := range b {
			if recursive {
				am, aok := asMap(out[k])
				bm, bok := asMap(v)
				if aok && bok {
					out[k] = merge(am, bm)
					continue
				}
			}
			if al, ok := asList(out[k]); ok {
				if bl, ok := asList(v); ok {
					switch listMerge {
					case "append":
						v = append(slices.Clone(al), bl...)
					case "prepend":
						v = append(slices.Clone(bl), al...)
					}
				}
			}
			out[k] = v
		}
		return out
	}
	sources := []any{in}
	for _, a := range args {
		if l, ok := asList(a); ok {
			sources = append(sources, l...)
		} else {
			sources = append(sources, a)
		}
	}
	acc := map[string]any{}
	for _, s := range sources {
		m, ok := asMap(s)
		if !ok {
			return nil, fmt.Errorf("combine expects dicts, got %s", typeName(s))
		}
		acc = merge(acc, m)
	}
	return acc, nil
}

// fMap is map(attribute='x'[, default=...]) or map('filter', args...).
func fMap(r *run, in any, args []any, kw kwargs) (any, error) {
	l, err := needList(in)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(l))
	if a, ok := kw["attribute"]; ok {
		def, hasDef := kw["default"]
		for i, it := range l {
			v, ok := getAttrPath(it, pyfmt.Str(a))
			switch {
			case ok:
				out[i] = v
			case hasDef:
				out[i] = def
			default:
				return nil, &UndefinedError{Name: pyfmt.Str(a)}
			}
		}
		return out, nil
	}
	if len(args) == 0 {
		return nil, errors.New("map needs a filter name or attribute=")
	}
	name := pyfmt.Str(args[0])
	f := r.e.filters[name]
	if f == nil {
		return nil, fmt.Errorf("no filter named %q", name)
	}
	for i, it := range l {
		if out[i], err = f(r, it, args[1:], kw); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return out, nil
}

// selectFilter builds select/reject/selectattr/rejectattr.
func selectFilter(reject, attr bool) filterFunc {
	return func(r *run, in any, args []any, kw kwargs) (any, error) {
		l, err := needList(in)
		if err != nil {
			return nil, err
		}
		var attrName string
		if attr {
			if len(args) == 0 {
				return nil, errors.New("needs an attribute name")
			}
			attrName, args = pyfmt.Str(args[0]), args[1:]
		}
		var test testFunc
		var targs []any
		if len(args) > 0 {
			name := pyfmt.Str(args[0])
			if test = r.e.tests[name]; test == nil {
				return nil, fmt.Errorf("no test named %q", name)
			}
			targs = args[1:]
		}
		out := []any{}
		for _, it := range l {
			v := it
			if attr {
				got, ok := getAttrPath(it, attrName)
				if ok {
					v = got
				} else {
					v = Undefined{Name: attrName}
				}
			}
			var ok bool
			if test == nil {
				ok = !isUndefined(v) && truth.Truthy(v)
			} else if ok, err = test(r, v, targs); err != nil {
				return nil, err
			}
			if ok != reject {
				out = append(out, it)
			}
		}
		return out, nil
	}
}

func fHash(r *run, in any, args []any, kw kwargs) (any, error) {
	algo := pyfmt.Str(argOr(args, kw, 0, "hashtype", "sha1"))
	var h hash.Hash
	switch algo {
	case "sha1":
		h = sha1.New()
	case "md5":
		h = md5.New()
	case "sha256":
		h = sha256.New()
	case "sha512":
		h = sha512.New()
	case "sha384":
		h = sha512.New384()
	case "sha224":
		h = sha256.New224()
	default:
		return nil, fmt.Errorf("unsupported hash type %q", algo)
	}
	h.Write([]byte(pyfmt.Str(in)))
	return hex.EncodeToString(h.Sum(nil)), nil
}

// fRound is Jinja's round(precision=0, method='common'); it always returns
// a float, as Jinja does.
func fRound(r *run, in any, args []any, kw kwargs) (any, error) {
	f, ok := toFloat(in)
	if !ok {
		return nil, fmt.Errorf("round needs a number, got %s", typeName(in))
	}
	prec, _ := toInt(argOr(args, kw, 0, "precision", 0))
	method := pyfmt.Str(argOr(args, kw, 1, "method", "common"))
	p := math.Pow(10, float64(prec))
	switch method {
	case "common":
		return math.Round(f*p) / p, nil
	case "ceil":
		return math.Ceil(f*p) / p, nil
	case "floor":
		return math.Floor(f*p) / p, nil
	}
	return nil, fmt.Errorf("round method must be common, ceil or floor, not %q", method)
}

// normalizeJSON turns encoding/json's float64 integers back into ints.
func normalizeJSON(v any) any {
	switch x := v.(type) {
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int(x)
		}
	case []any:
		for i := range x {
			x[i] = normalizeJSON(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = normalizeJSON(x[k])
		}
	}
	return v
}

// writeJSON writes v as Python's json.dumps would: ", " and ": "
// separators when compact, ensure_ascii escaping, keys sorted (Go maps
// carry no insertion order to preserve).
func writeJSON(b *strings.Builder, v any, indent int, prefix string, sortKeys bool) error {
	nl := func(p string) {
		if indent > 0 {
			b.WriteString("\n" + p)
		}
	}
	inner := prefix + strings.Repeat(" ", indent)
	sep := ", "
	if indent > 0 {
		sep = ","
	}
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
		return nil
	case bool:
		b.WriteString(strconv.FormatBool(x))
		return nil
	case string:
		b.WriteString(jsonString(x))
		return nil
	case Undefined:
		return &UndefinedError{Name: x.Name}
	}
	if i, ok := toInt(v); ok {
		b.WriteString(strconv.Itoa(i))
		return nil
	}
	if f, ok := toFloat(v); ok {
		switch {
		case math.IsNaN(f):
			b.WriteString("NaN")
		case math.IsInf(f, 1):
			b.WriteString("Infinity")
		case math.IsInf(f, -1):
			b.WriteString("-Infinity")
		default:
			b.WriteString(pyfmt.Float(f))
		}
		return nil
	}
	if l, ok := asList(v); ok {
		if len(l) == 0 {
			b.WriteString("[]")
			return nil
		}
		b.WriteString("[")
		for i, it := range l {
			if i > 0 {
				b.WriteString(sep)
			}
			nl(inner)
			if err := writeJSON(b, it, indent, inner, sortKeys); err != nil {
				return err
			}
		}
		nl(prefix)
		b.WriteString("]")
		return nil
	}
	if m, ok := asMap(v); ok {
		if len(m) == 0 {
			b.WriteString("{}")
			return nil
		}
		b.WriteString("{")
		for i, k := range sortedKeys(m) {
			if i > 0 {
				b.WriteString(sep)
			}
			nl(inner)
			b.WriteString(jsonString(k) + ": ")
			if err := writeJSON(b, m[k], indent, inner, sortKeys); err != nil {
				return err
			}
		}
		nl(prefix)
		b.WriteString("}")
		return nil
	}
	return fmt.Errorf("object of type %s is not JSON serializable", typeName(v))
}

func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20 || r >= 0x7f && r < 0x10000:
			if r < 0x7f || r > 0x7f {
				fmt.Fprintf(&b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		case r >= 0x10000:
			r -= 0x10000
			fmt.Fprintf(&b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func fToYAML(nice bool) filterFunc {
	return func(r *run, in any, args []any, kw kwargs) (any, error) {
		if _, err := strict(in); err != nil {
			return nil, err
		}
		def := 2
		if nice {
			def = 4
		}
		ind, _ := toInt(argOr(args, kw, -1, "indent", def))
		out, err := yaml.MarshalWithOptions(in, yaml.Indent(ind), yaml.IndentSequence(false), yaml.UseSingleQuote(true))
		if err != nil {
			return nil, err
		}
		return string(out), nil
	}
}
