package template

// lookups_files.go holds the lookups that read controller files and run
// controller commands: file, unvault, template, fileglob, first_found,
// pipe and lines.

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/haplay/haplay/engine/pyfmt"
	"github.com/haplay/haplay/engine/truth"
)

func kwBool(kw kwargs, name string, def bool) bool {
	if v, ok := kw[name]; ok {
		return truth.Truthy(v)
	}
	return def
}

func lookupFile(r *run, terms []any, kw kwargs) ([]any, error) {
	names, err := termStrings("file", terms)
	if err != nil {
		return nil, err
	}
	var out []any
	for _, n := range names {
		p, err := r.mustFindFile("files", n)
		if err != nil {
			return nil, err
		}
		data, err := r.readFile(p)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", n, err)
		}
		s := string(data)
		if kwBool(kw, "lstrip", false) {
			s = strings.TrimLeft(s, " \t\n\r\v\f")
		}
		if kwBool(kw, "rstrip", true) {
			s = strings.TrimRight(s, " \t\n\r\v\f")
		}
		out = append(out, s)
	}
	return out, nil
}

func lookupUnvault(r *run, terms []any, kw kwargs) ([]any, error) {
	names, err := termStrings("unvault", terms)
	if err != nil {
		return nil, err
	}
	var out []any
	for _, n := range names {
		p, ok := r.findFile("files", n)
		if !ok {
			return nil, fmt.Errorf("Unable to find file matching %q", n)
		}
		data, err := r.readFile(p)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", n, err)
		}
		out = append(out, string(data))
	}
	return out, nil
}

func lookupTemplate(r *run, terms []any, kw kwargs) ([]any, error) {
	names, err := termStrings("template", terms)
	if err != nil {
		return nil, err
	}
	extra, _ := asMap(kw["template_vars"])
	var out []any
	for _, n := range names {
		p, ok := r.findFile("templates", n)
		if !ok {
			return nil, fmt.Errorf("the template file %s could not be found for the lookup", n)
		}
		s, err := r.renderLookupTemplate(n, p, extra)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// renderLookupTemplate renders the controller file p with the run's
// variables, template_path and template_fullpath, and template_vars.
func (r *run) renderLookupTemplate(name, p string, extra map[string]any) (string, error) {
	key := "lookup('template', " + pyfmt.Repr(p) + ")"
	if slices.Contains(r.stack, key) {
		return "", &RecursionError{Chain: append(slices.Clone(r.stack), key)}
	}
	if len(r.stack) >= r.e.MaxDepth {
		return "", fmt.Errorf("template nesting deeper than %d rendering %s", r.e.MaxDepth, name)
	}
	data, err := r.readFile(p)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", name, err)
	}
	vars := make(map[string]any, len(r.vars)+len(extra)+2)
	for k, v := range r.vars {
		vars[k] = v
	}
	abs, _ := filepath.Abs(p)
	vars["template_path"] = name
	vars["template_fullpath"] = abs
	for k, v := range extra {
		vars[k] = v
	}
	child := &run{e: r.e, vars: vars, stack: append(slices.Clip(r.stack), key), unsafe: r.unsafe, steps: r.steps}
	s, err := child.renderText(string(data), stringOptions)
	if err != nil {
		return "", fmt.Errorf("rendering %s: %w", name, err)
	}
	return s, nil
}

func lookupFileglob(r *run, terms []any, kw kwargs) ([]any, error) {
	pats, err := termStrings("fileglob", terms)
	if err != nil {
		return nil, err
	}
	var out []any
	for _, pat := range pats {
		base := filepath.Base(pat)
		var dirs []string
		if base != pat {
			if d, ok := r.findFile("files", filepath.Dir(pat)); ok {
				dirs = append(dirs, d)
			}
		} else {
			for _, p := range r.searchPath() {
				dirs = append(dirs, filepath.Join(p, "files"), p)
			}
		}
		for _, d := range dirs {
			found, err := globFiles(filepath.Join(d, base))
			if err != nil {
				return nil, err
			}
			if len(found) > 0 {
				out = append(out, found...)
				break
			}
		}
	}
	return out, nil
}

// globFiles is glob.glob keeping regular files, sorted (Python's order is
// the directory's, which says nothing).
func globFiles(pat string) ([]any, error) {
	matches, err := filepath.Glob(pat)
	if err != nil {
		return nil, fmt.Errorf("bad pattern %q: %w", pat, err)
	}
	slices.Sort(matches)
	var out []any
	for _, m := range matches {
		if st, err := os.Stat(m); err == nil && st.Mode().IsRegular() {
			out = append(out, m)
		}
	}
	return out, nil
}

// splitOn splits each string of v on any of the characters in seps
// (first_found's files and paths).
func splitOn(v any, seps string) []string {
	var out []string
	add := func(s string) {
		for _, p := range strings.FieldsFunc(s, func(c rune) bool { return strings.ContainsRune(seps, c) }) {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	if l, ok := asList(v); ok {
		for _, e := range l {
			add(pyfmt.Str(e))
		}
	} else if v != nil {
		add(pyfmt.Str(v))
	}
	return out
}

// firstFoundSearch is the list of candidates first_found tries, and its
// skip flag, as Ansible's _process_terms builds them.
func firstFoundSearch(terms []any, kw kwargs) ([]string, bool, error) {
	var search []string
	skip := kwBool(kw, "skip", false)
	for _, t := range terms {
		opts := kw
		switch x := t.(type) {
		case string:
		case map[string]any:
			opts = kwargs(x)
		default:
			l, ok := asList(t)
			if !ok {
				return nil, false, fmt.Errorf("Invalid term supplied, can handle string, mapping or list of strings but got: %s for %s", typeName(t), pyfmt.Str(t))
			}
			sub, s, err := firstFoundSearch(l, kw)
			if err != nil {
				return nil, false, err
			}
			search, skip = append(search, sub...), s
			continue
		}
		for k := range opts {
			if k != "files" && k != "paths" && k != "skip" {
				return nil, false, fmt.Errorf("first_found: unknown option %q: use files, paths or skip", k)
			}
		}
		files, paths := splitOn(opts["files"], ",;"), splitOn(opts["paths"], ",:;")
		skip = kwBool(opts, "skip", false)
		switch {
		case len(paths) > 0:
			for _, p := range paths {
				for _, f := range files {
					search = append(search, filepath.Join(p, f))
				}
			}
		case len(files) > 0:
			search = files // as Ansible: files given without paths replace the list
		default:
			search = append(search, pyfmt.Str(t))
		}
	}
	return search, skip, nil
}

// firstFoundKind is the directory kind first_found searches: a with_
// loop's task action decides it, as in Ansible (templates for template,
// vars for include_vars, else files).
func firstFoundKind(kw kwargs) string {
	if k, ok := kw[subdirOption].(string); ok {
		return k
	}
	return "files"
}

// subdirOption carries the with_ loop's directory kind to first_found; no
// template can name it.
const subdirOption = "\x00subdir"

func lookupFirstFound(r *run, terms []any, kw kwargs) ([]any, error) {
	kind := firstFoundKind(kw)
	opts := kwargs{}
	for k, v := range kw {
		if k != subdirOption {
			opts[k] = v
		}
	}
	search, skip, err := firstFoundSearch(terms, opts)
	if err != nil {
		return nil, err
	}
	for _, fn := range search {
		if p, ok := r.findFile(kind, fn); ok {
			return []any{p}, nil
		}
	}
	if skip {
		return nil, nil
	}
	return nil, errors.New("No file was found when using first_found.")
}

// runPipe runs a command with sh in the playbook's directory, as
// Ansible's pipe and lines do.
func (r *run) runPipe(plugin, cmd string) (string, error) {
	c := exec.Command("/bin/sh", "-c", cmd)
	c.Dir = r.baseDir()
	c.Stderr = os.Stderr
	out, err := c.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", fmt.Errorf("lookup_plugin.%s(%s) returned %d", plugin, cmd, ee.ExitCode())
		}
		return "", fmt.Errorf("lookup_plugin.%s(%s): %w", plugin, cmd, err)
	}
	return string(out), nil
}

func lookupPipe(r *run, terms []any, kw kwargs) ([]any, error) {
	cmds, err := termStrings("pipe", terms)
	if err != nil {
		return nil, err
	}
	var out []any
	for _, c := range cmds {
		s, err := r.runPipe("pipe", c)
		if err != nil {
			return nil, err
		}
		out = append(out, strings.TrimRight(s, " \t\n\r\v\f"))
	}
	return out, nil
}

func lookupLines(r *run, terms []any, kw kwargs) ([]any, error) {
	cmds, err := termStrings("lines", terms)
	if err != nil {
		return nil, err
	}
	var out []any
	for _, c := range cmds {
		s, err := r.runPipe("lines", c)
		if err != nil {
			return nil, err
		}
		for _, l := range splitLines(s) {
			out = append(out, l)
		}
	}
	return out, nil
}

// renderText renders a template text to a string with the run's variables
// (the template lookup's body), statements included.
func (r *run) renderText(s string, opts FileOptions) (string, error) {
	p, err := r.e.parseTemplate(s, opts)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	r.ensureTC()
	if err := r.execTemplate(p.nodes, &b); err != nil {
		return "", err
	}
	return b.String(), nil
}
