package template

// lookups_check.go finds, without evaluating anything, the lookups whose
// files are named by literals, so that the loader can report a missing
// one before any host is contacted (haplay check).

import (
	"fmt"
	"strings"

	"github.com/haplay/haplay/engine/jinja"
	"github.com/haplay/haplay/engine/pyfmt"
)

// FileRef is a controller file a lookup reads: the first of Names that
// exists where lookups look for Kind ("files", "templates").
type FileRef struct {
	Plugin string
	Kind   string
	Names  []string
}

// LookupFiles lists the files that the lookup(), query() and q() calls
// in template text s name by literal arguments, and an error for each
// call of a lookup plugin haplay does not have.
func (e *Engine) LookupFiles(s string) ([]FileRef, []error) {
	var refs []FileRef
	var errs []error
	for _, region := range exprRegions(s) {
		for _, call := range e.lookupCalls(region) {
			plugin, ok := litString(call.args, 0)
			if !ok {
				continue
			}
			if !e.HasLookup(plugin) {
				errs = append(errs, fmt.Errorf("%s(%s): lookup plugin %q not found (haplay has %s)",
					call.name, pyfmt.Repr(plugin), plugin, strings.Join(e.LookupNames(), ", ")))
				continue
			}
			kw := map[string]any{}
			literalKw := true
			for _, k := range call.kw {
				if lit, ok := k.val.(litNode); ok {
					kw[k.name] = lit.v
				} else {
					literalKw = false
				}
			}
			if err := checkLiteralOptions(lookupName(plugin), call.kw); err != nil {
				errs = append(errs, fmt.Errorf("%s(%s): %w", call.name, pyfmt.Repr(plugin), err))
				continue
			}
			if mode, ok := kw["errors"]; ok && mode != "strict" || !literalKw {
				continue // a missing file is allowed, or options decide at run time
			}
			delete(kw, "errors")
			delete(kw, "wantlist")
			var terms []any
			for _, a := range call.args[1:] {
				v, ok := literal(a)
				if !ok {
					terms = nil
					break
				}
				terms = append(terms, v)
			}
			refs = append(refs, termFiles(lookupName(plugin), "files", terms, kw)...)
		}
	}
	return refs, errs
}

// checkLiteralOptions refuses, at load time, an option name the plugin
// does not take (the names are always literal).
func checkLiteralOptions(plugin string, kws []kwArg) error {
	kw := kwargs{}
	for _, k := range kws {
		if k.name != "wantlist" && k.name != "errors" {
			kw[k.name] = ""
			if lit, ok := k.val.(litNode); ok && k.name == "encoding" {
				kw[k.name] = lit.v
			} else if k.name == "encoding" {
				delete(kw, k.name) // a templated encoding is checked when it runs
			}
		}
	}
	return checkOptions(plugin, kw)
}

// LoopFiles lists the files a with_<name> loop of a task running action
// names by literal terms.
func (e *Engine) LoopFiles(name, action string, terms any) []FileRef {
	if terms == nil || containsTemplate(terms) {
		return nil
	}
	kind := "files"
	if lookupName(name) == "first_found" {
		for _, k := range []string{"template", "var"} {
			if strings.Contains(action, k) {
				kind = k + "s"
				break
			}
		}
	}
	return termFiles(lookupName(name), kind, listify(terms), nil)
}

func containsTemplate(v any) bool {
	switch x := v.(type) {
	case string:
		return jinja.IsTemplated(x)
	case []any:
		for _, e := range x {
			if containsTemplate(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range x {
			if containsTemplate(e) {
				return true
			}
		}
	}
	return false
}

// termFiles lists the files plugin reads for literal terms; kind is where
// first_found looks.
func termFiles(plugin, kind string, terms []any, kw map[string]any) []FileRef {
	strs := func() []string {
		var out []string
		for _, t := range terms {
			if s, ok := t.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	var refs []FileRef
	switch plugin {
	case "file", "unvault", "template":
		k := "files"
		if plugin == "template" {
			k = "templates"
		}
		for _, s := range strs() {
			refs = append(refs, FileRef{Plugin: plugin, Kind: k, Names: []string{s}})
		}
	case "first_found":
		if len(kw) > 0 {
			return nil
		}
		search, skip, err := firstFoundSearch(terms, nil)
		if err != nil || skip || len(search) == 0 || firstFoundHasPaths(terms) {
			return nil
		}
		refs = append(refs, FileRef{Plugin: plugin, Kind: kind, Names: search})
	case "ini", "csvfile":
		refs = append(refs, tableFiles(plugin, strs(), kw)...)
	}
	return refs
}

// firstFoundHasPaths reports a first_found term with paths: its files are
// joined to them, and the check leaves those to the run.
func firstFoundHasPaths(terms []any) bool {
	for _, t := range terms {
		if m, ok := t.(map[string]any); ok && m["paths"] != nil {
			return true
		}
		if l, ok := t.([]any); ok && firstFoundHasPaths(l) {
			return true
		}
	}
	return false
}

// tableFiles is the file each ini or csvfile term reads: its file=, the
// file option, or the plugin's default.
func tableFiles(plugin string, terms []string, kw map[string]any) []FileRef {
	def := "ansible.ini"
	if plugin == "csvfile" {
		def = "ansible.csv"
	}
	if f, ok := kw["file"]; ok {
		def = pyfmt.Str(f)
	}
	var refs []FileRef
	for _, t := range terms {
		file := def
		for _, w := range strings.Fields(t) {
			if v, ok := strings.CutPrefix(w, "file="); ok {
				file = strings.Trim(v, `"'`)
			}
		}
		refs = append(refs, FileRef{Plugin: plugin, Kind: "files", Names: []string{file}})
	}
	return refs
}

// exprRegions returns the insides of the {{ }} and {% %} tags of s.
func exprRegions(s string) []string {
	var out []string
	for {
		i := strings.Index(s, "{")
		if i < 0 || i+1 >= len(s) {
			return out
		}
		closer := map[byte]string{'{': "}}", '%': "%}"}[s[i+1]]
		if closer == "" {
			s = s[i+1:]
			continue
		}
		end := strings.Index(s[i+2:], closer)
		if end < 0 {
			return append(out, s[i+2:])
		}
		out = append(out, s[i+2:i+2+end])
		s = s[i+2+end+2:]
	}
}

// lookupCalls parses each lookup(), query() and q() call in an expression
// region; what does not parse is left to the syntax check.
func (e *Engine) lookupCalls(region string) []callNode {
	var out []callNode
	for i := 0; i < len(region); i++ {
		name := ""
		for _, n := range []string{"lookup", "query", "q"} {
			if strings.HasPrefix(region[i:], n) {
				name = n
				break
			}
		}
		if name == "" || (i > 0 && isIdentByte(region[i-1])) {
			continue
		}
		rest := strings.TrimLeft(region[i+len(name):], " \t")
		if !strings.HasPrefix(rest, "(") {
			continue
		}
		toks, err := lex(region[i:])
		if err != nil {
			continue
		}
		p := &parser{src: region[i:], toks: toks, e: e}
		n, err := p.parseName(p.next())
		if c, ok := n.(callNode); ok && err == nil {
			out = append(out, c)
		}
	}
	return out
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func litString(args []node, i int) (string, bool) {
	if i >= len(args) {
		return "", false
	}
	lit, ok := args[i].(litNode)
	if !ok {
		return "", false
	}
	s, ok := lit.v.(string)
	return s, ok
}

// literal is the value of a literal node: a constant, or a list or dict
// of constants.
func literal(n node) (any, bool) {
	switch x := n.(type) {
	case litNode:
		return x.v, true
	case listNode:
		out := make([]any, 0, len(x.items))
		for _, it := range x.items {
			v, ok := literal(it)
			if !ok {
				return nil, false
			}
			out = append(out, v)
		}
		return out, true
	case dictNode:
		out := map[string]any{}
		for i, k := range x.keys {
			ks, ok := literal(k)
			v, ok2 := literal(x.vals[i])
			if !ok || !ok2 {
				return nil, false
			}
			out[pyfmt.Str(ks)] = v
		}
		return out, true
	}
	return nil, false
}
