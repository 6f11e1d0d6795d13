package template

// lookups.go runs Ansible's lookup plugins: lookup(), query()/q() and the
// with_<lookup> loops (Engine.Lookup). The plugins live in lookups_*.go;
// each takes the lookup's terms and keyword options and returns a list.
// Every lookup runs on the controller and finds its files as Ansible
// does, through the task's ansible_search_path (lookupDirs).

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/haplay/haplay/engine/pyfmt"
	"github.com/haplay/haplay/engine/truth"
)

// lookupFunc is one lookup plugin: terms are its positional arguments
// (or the with_ loop's value as a list), kw its options.
type lookupFunc func(r *run, terms []any, kw kwargs) ([]any, error)

// LookupHooks are what lookups need from the run: set them with
// SetLookupHooks before the engine is used.
type LookupHooks struct {
	// ReadFile reads a controller file, decrypting vault text and
	// recording what it decrypts as secret (vault.Keyring.ReadFile). Nil:
	// os.ReadFile.
	ReadFile func(path string) ([]byte, error)
	// Warn shows a warning (errors='warn'); nil: warnings are dropped.
	Warn func(msg string)
}

// lookupState is the engine's part for lookups: the plugins and hooks.
type lookupState struct {
	plugins map[string]lookupFunc
	hooks   LookupHooks
}

func newLookupState() lookupState {
	return lookupState{plugins: builtinLookups()}
}

// SetLookupHooks sets how lookups read controller files and warn. Call it
// before the engine is used; it is not safe to call concurrently with
// evaluations.
func (e *Engine) SetLookupHooks(h LookupHooks) { e.lk.hooks = h }

func builtinLookups() map[string]lookupFunc {
	return map[string]lookupFunc{
		"env": lookupEnv, "vars": lookupVars, "items": lookupItems, "list": lookupList,
		"indexed_items": lookupIndexedItems, "dict": lookupDict, "sequence": lookupSequence,
		"together": lookupTogether, "nested": lookupNested, "subelements": lookupSubelements,
		"file": lookupFile, "template": lookupTemplate, "fileglob": lookupFileglob,
		"first_found": lookupFirstFound, "unvault": lookupUnvault, "lines": lookupLines,
		"pipe": lookupPipe, "ini": lookupINI, "csvfile": lookupCSVFile, "url": lookupURL,
		"password": lookupPassword,
	}
}

// HasLookup reports whether name (short or ansible.builtin.NAME) is a
// lookup plugin haplay has.
func (e *Engine) HasLookup(name string) bool {
	_, ok := e.lk.plugins[lookupName(name)]
	return ok
}

// LookupNames lists the lookup plugins, sorted.
func (e *Engine) LookupNames() []string {
	out := make([]string, 0, len(e.lk.plugins))
	for n := range e.lk.plugins {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func lookupName(name string) string {
	for _, p := range []string{"ansible.builtin.", "ansible.legacy."} {
		name = strings.TrimPrefix(name, p)
	}
	return name
}

// LoopLookup runs a with_<name> loop's lookup: terms is the loop's
// rendered value (a string is one term, a list its terms), and the result
// is the loop's items, as Ansible's lookup(name, terms, wantlist=True).
// action is the task's module: as in Ansible, with_first_found looks in
// templates/ for a template task and vars/ for include_vars. The caller
// marks the items jinja.Unsafe, as Ansible marks lookup results, so that
// they are never rendered again.
func (e *Engine) LoopLookup(name, action string, terms any, vars map[string]any) ([]any, error) {
	r := newRun(e, vars)
	var kw kwargs
	if lookupName(name) == "first_found" {
		kind := "files"
		for _, k := range []string{"template", "var"} {
			if strings.Contains(action, k) {
				kind = k + "s"
				break
			}
		}
		kw = kwargs{subdirOption: kind}
	}
	var list []any
	if terms != nil {
		list = listify(terms)
	}
	return r.runLookup(name, list, kw)
}

// callLookup is lookup(), query() and q() in a template.
func (r *run) callLookup(fn string, pos []any, kw kwargs) (any, error) {
	if len(pos) == 0 {
		return nil, fmt.Errorf("%s() needs a plugin name", fn)
	}
	plugin := pyfmt.Str(pos[0])
	wantlist := fn != "lookup" || truth.Truthy(kw["wantlist"])
	errMode := "strict"
	if v, ok := kw["errors"]; ok {
		errMode = pyfmt.Str(v)
	}
	opts := kwargs{}
	for k, v := range kw {
		if k != "wantlist" && k != "errors" {
			opts[k] = v
		}
	}
	vals, err := r.runLookup(plugin, pos[1:], opts)
	if err != nil {
		var ue *UndefinedError
		if errors.As(err, &ue) || errors.Is(err, errUnknownLookup) {
			return nil, err
		}
		switch errMode {
		case "strict":
			return nil, err
		case "warn":
			if w := r.e.lk.hooks.Warn; w != nil {
				w(err.Error())
			}
		case "ignore":
		default:
			return nil, fmt.Errorf(`lookup %s: errors must be "strict", "warn" or "ignore", got %q`, plugin, errMode)
		}
		if wantlist {
			return []any{}, nil
		}
		return nil, nil
	}
	// Ansible marks what a lookup returns unsafe: it is never rendered
	// again, whatever it holds.
	*r.unsafe = true
	if wantlist || len(vals) == 0 {
		return vals, nil
	}
	return joinLookup(vals), nil
}

// joinLookup is what lookup() returns without wantlist: the strings
// joined with commas, a single non-string value as it is, else the list.
func joinLookup(vals []any) any {
	parts := make([]string, len(vals))
	for i, v := range vals {
		s, ok := v.(string)
		if !ok {
			if len(vals) == 1 {
				return vals[0]
			}
			return vals
		}
		parts[i] = s
	}
	return strings.Join(parts, ",")
}

var errUnknownLookup = errors.New("lookup plugin not found")

// lookupOptions are the keyword options each plugin takes; any other is
// an error, never ignored. Plugins missing here take none.
var lookupOptions = map[string][]string{
	"env": {"default"}, "vars": {"default"}, "file": {"lstrip", "rstrip"}, "template": {"template_vars"},
	"first_found": {"files", "paths", "skip"},
	"ini":         {"file", "section", "re", "encoding", "default", "case_sensitive", "allow_no_value", "allow_none", "type"},
	"csvfile":     {"file", "col", "delimiter", "default", "encoding"},
	"url": {"validate_certs", "split_lines", "headers", "timeout", "username", "password", "force_basic_auth",
		"http_agent", "force", "follow_redirects", "use_proxy"},
	"password": {"length", "encrypt", "chars", "ident", "seed"},
}

// checkOptions refuses the options plugin does not take.
func checkOptions(plugin string, kw kwargs) error {
	for k, v := range kw {
		if k == subdirOption {
			continue
		}
		if !slices.Contains(lookupOptions[plugin], k) {
			if len(lookupOptions[plugin]) == 0 {
				return fmt.Errorf("the %s lookup takes no option, got %s=", plugin, k)
			}
			return fmt.Errorf("the %s lookup has no option %q (it has %s)", plugin, k, strings.Join(lookupOptions[plugin], ", "))
		}
		if k == "encoding" {
			if e := strings.ToLower(pyfmt.Str(v)); e != "utf-8" && e != "utf8" {
				return fmt.Errorf("%s: encoding %q: haplay reads utf-8 only", plugin, pyfmt.Str(v))
			}
		}
	}
	return nil
}

// runLookup runs plugin name, with its errors named after it.
func (r *run) runLookup(name string, terms []any, kw kwargs) ([]any, error) {
	f, ok := r.e.lk.plugins[lookupName(name)]
	if !ok {
		return nil, fmt.Errorf("%w: %q (haplay has %s)", errUnknownLookup, name, strings.Join(r.e.LookupNames(), ", "))
	}
	for _, t := range terms {
		if _, err := strict(t); err != nil {
			return nil, err
		}
	}
	if err := checkOptions(lookupName(name), kw); err != nil {
		return nil, fmt.Errorf("lookup plugin '%s': %w", lookupName(name), err)
	}
	out, err := f(r, terms, kw)
	if err != nil {
		var ue *UndefinedError
		if errors.As(err, &ue) {
			return nil, err
		}
		return nil, fmt.Errorf("lookup plugin '%s': %w", lookupName(name), err)
	}
	if out == nil {
		out = []any{}
	}
	return out, nil
}

// readFile reads a controller file through the run's hook (vault).
func (r *run) readFile(path string) ([]byte, error) {
	if f := r.e.lk.hooks.ReadFile; f != nil {
		return f(path)
	}
	return os.ReadFile(path)
}

// searchPath is the task's ansible_search_path (the role, the task file's
// directory, the playbook's), or the playbook dir when it is not set.
func (r *run) searchPath() []string {
	var out []string
	if v, ok, err := r.lookup("ansible_search_path"); ok && err == nil {
		if l, ok := asList(r.unwrap(v)); ok {
			for _, p := range l {
				out = append(out, pyfmt.Str(p))
			}
		}
	}
	if len(out) == 0 {
		if d := r.baseDir(); d != "" {
			out = append(out, d)
		}
	}
	return out
}

// baseDir is the playbook's directory, where Ansible's loader resolves
// what no search path finds (pipe's working directory, password files).
func (r *run) baseDir() string {
	if v, ok, err := r.lookup("playbook_dir"); ok && err == nil {
		if s := pyfmt.Str(r.unwrap(v)); s != "" {
			return s
		}
	}
	d, _ := os.Getwd()
	return d
}

// lookupDirs lists where a lookup looks for a relative file of kind
// ("files", "templates"): each search path directory's kind directory,
// then the directory itself, then the playbook's (Ansible's
// path_dwim_relative_stack; playbook.SearchDirs is the same order).
func (r *run) lookupDirs(kind, name string) []string {
	var out []string
	add := func(d string) {
		for _, o := range out {
			if o == d {
				return
			}
		}
		out = append(out, d)
	}
	inKind := strings.SplitN(filepath.ToSlash(name), "/", 2)[0] == kind
	for _, p := range append(r.searchPath(), r.baseDir()) {
		if !inKind {
			add(filepath.Join(p, kind))
		}
		add(p)
	}
	return out
}

// findFile finds a relative name where lookups look for kind; ok is false
// when it is nowhere.
func (r *run) findFile(kind, name string) (string, bool) {
	name = expandUser(name)
	if filepath.IsAbs(name) {
		_, err := os.Stat(name)
		return name, err == nil
	}
	for _, d := range r.lookupDirs(kind, name) {
		p := filepath.Join(d, name)
		if _, err := os.Stat(p); err == nil {
			return p, true
		}
	}
	return "", false
}

// mustFindFile is findFile with Ansible's error.
func (r *run) mustFindFile(kind, name string) (string, error) {
	p, ok := r.findFile(kind, name)
	if !ok {
		if filepath.IsAbs(expandUser(name)) {
			return "", fmt.Errorf("could not locate file in lookup: %s", name)
		}
		return "", fmt.Errorf("could not locate file in lookup: %s (looked in %s)", name, strings.Join(r.lookupDirs(kind, name), ", "))
	}
	return p, nil
}

func expandUser(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if h, err := os.UserHomeDir(); err == nil {
			return filepath.Join(h, p[1:])
		}
	}
	return p
}

// termStrings turns terms into strings, refusing what is not a scalar.
func termStrings(plugin string, terms []any) ([]string, error) {
	out := make([]string, 0, len(terms))
	for _, t := range terms {
		switch t.(type) {
		case []any, map[string]any:
			return nil, fmt.Errorf("%s takes strings, got %s", plugin, typeName(t))
		}
		out = append(out, pyfmt.Str(t))
	}
	return out, nil
}
