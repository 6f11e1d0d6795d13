package control

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/haplay/haplay/engine/module"
)

// IncludeVars loads variables from YAML/JSON files on the controller
// (ansible.builtin.include_vars).
type IncludeVars struct{}

var _ module.RunsOnController = IncludeVars{}
var _ module.ControllerFileUser = IncludeVars{}

// RunsOnController: it never contacts the host.
func (IncludeVars) RunsOnController() {}

func (IncludeVars) Name() string { return "include_vars" }

func (IncludeVars) Spec() module.Spec {
	return module.Spec{
		Short: "Load variables from a YAML or JSON file on the controller",
		Description: "Reads one file (looked up in the role's vars/ directory, then the playbook's vars/ " +
			"directory and the playbook directory) or every matching file of a directory, and sets " +
			"its variables on the host for the rest of the run. YAML 1.1 scalars (yes/no booleans) " +
			"are read as Ansible reads them. Never touches the host; runs in check mode too.",
		FreeForm: "file",
		Args: []module.Arg{
			{Name: "file", Type: module.TypePath, Aliases: []string{"free_form", "_raw_params"}, Doc: "the vars file (relative names are looked up under vars/)"},
			{Name: "dir", Type: module.TypePath, Doc: "a directory whose vars files are all loaded, in name order"},
			{Name: "name", Type: module.TypeStr, Doc: "put the variables under this one key instead of at the top level"},
			{Name: "files_matching", Type: module.TypeStr, Doc: "with dir: only files whose name matches this regular expression"},
			{Name: "ignore_files", Type: module.TypeList, Elements: module.TypeStr, Doc: "with dir: file names to skip"},
			{Name: "extensions", Type: module.TypeList, Elements: module.TypeStr, Default: []any{"json", "yaml", "yml"}, Doc: "with dir: the file extensions to load"},
			{Name: "depth", Type: module.TypeInt, Default: 0, Doc: "with dir: how deep to descend (0: no limit)"},
			{Name: "ignore_unknown_extensions", Type: module.TypeBool, Default: false, Doc: "with dir: skip files whose extension is not in extensions; without it such a file fails the task (\"F does not have a valid extension: json, yaml, yml\"), as in Ansible"},
			{Name: "hash_behaviour", Type: module.TypeStr, Choices: []string{"replace", "merge"}, Doc: "merge: each dictionary loaded is merged recursively into the variable's current value (Ansible's combine_vars with merge, as combine(recursive=true)); as in Ansible, the task fails when a loaded value or the variable's current value is no dictionary (an undefined variable too). replace, haplay's only global behaviour: it replaces it"},
		},
		MutuallyExclusive: [][]string{{"file", "dir"}},
		RequiredOneOf:     [][]string{{"file", "dir"}},
		Examples: `- name: Cluster settings shared by every play
  include_vars: cluster.yml

- name: Per-environment settings under one key
  include_vars:
    file: "{{ env }}.yml"
    name: settings

- name: Every vars file of a directory
  include_vars:
    dir: vars/nodes
    files_matching: '\.yml$'`,
	}
}

func (IncludeVars) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	var files []string
	if f := c.Args.String("file"); f != "" {
		p, err := c.Controller.FindFile("vars", f)
		if err != nil {
			return module.Result{Failed: true, Msg: fmt.Sprintf("include_vars: could not find %s: %v", f, err)}, nil
		}
		files = []string{p}
	} else {
		d := c.Args.String("dir")
		p, err := c.Controller.FindFile("vars", d)
		if err != nil {
			return module.Result{Failed: true, Msg: fmt.Sprintf("include_vars: could not find directory %s: %v", d, err)}, nil
		}
		files, err = varsDirFiles(p, varsDirFilter{matching: c.Args.String("files_matching"), ignore: c.Args.List("ignore_files"),
			exts: c.Args.List("extensions"), depth: c.Args.Int("depth"), ignoreUnknown: c.Args.Bool("ignore_unknown_extensions")})
		if err != nil {
			return module.Result{Failed: true, Msg: "include_vars: " + err.Error()}, nil
		}
	}
	vars := map[string]any{}
	for _, f := range files {
		v, err := c.Controller.LoadVarsFile(f)
		if err != nil {
			return module.Result{Failed: true, Msg: "include_vars: " + err.Error()}, nil
		}
		for k, x := range v {
			vars[k] = x
		}
	}
	facts := vars
	if n := c.Args.String("name"); n != "" {
		facts = map[string]any{n: vars}
	}
	if c.Args.String("hash_behaviour") == "merge" {
		if err := mergeCurrent(c.Controller, facts); err != nil {
			return module.Result{Failed: true, Msg: "include_vars: hash_behaviour merge: " + err.Error()}, nil
		}
	}
	r := module.Result{Facts: facts}
	r.Set("ansible_facts", facts)
	included := make([]any, len(files))
	for i, f := range files {
		included[i] = f
	}
	r.Set("ansible_included_var_files", included)
	return r, nil
}

// varsDirFilter is what include_vars' dir arguments select.
type varsDirFilter struct {
	matching      string
	ignore, exts  []string
	depth         int
	ignoreUnknown bool
}

// varsDirFiles lists the vars files under dir in the order Ansible loads
// them: sorted by path, filtered by name pattern and ignores; a file left
// with an extension not in exts fails, unless ignoreUnknown.
func varsDirFiles(dir string, f varsDirFilter) ([]string, error) {
	matching, ignore, exts, depth := f.matching, f.ignore, f.exts, f.depth
	var re *regexp.Regexp
	if matching != "" {
		var err error
		if re, err = regexp.Compile(matching); err != nil {
			return nil, fmt.Errorf("files_matching %q: %w", matching, err)
		}
	}
	if len(exts) == 0 {
		exts = []string{"json", "yaml", "yml"}
	}
	var out []string
	var bad error // the first file of an unknown extension
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		level := 0
		if rel != "." {
			level = strings.Count(rel, string(filepath.Separator)) + 1
		}
		if d.IsDir() {
			if depth > 0 && level >= depth {
				return filepath.SkipDir
			}
			return nil
		}
		name := d.Name()
		if slices.Contains(ignore, name) {
			return nil
		}
		if re != nil && !re.MatchString(name) {
			return nil
		}
		if !slices.Contains(exts, strings.TrimPrefix(filepath.Ext(name), ".")) {
			if f.ignoreUnknown {
				return nil
			}
			bad = fmt.Errorf("%s does not have a valid extension: %s", p, strings.Join(exts, ", "))
			return filepath.SkipAll
		}
		out = append(out, p)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", dir, err)
	}
	if bad != nil {
		return nil, bad
	}
	sort.Strings(out)
	return out, nil
}

// mergeCurrent merges each loaded value into the variable's current
// value, as Ansible's combine_vars(old, new, merge=True), which fails
// unless both are dictionaries (an undefined variable too).
func mergeCurrent(ctl module.Controller, facts map[string]any) error {
	keys := make([]string, 0, len(facts))
	for k := range facts {
		keys = append(keys, k)
	}
	sort.Strings(keys) // the first failure is the same every run
	for _, k := range keys {
		v := facts[k]
		var old any
		if identRe.MatchString(k) {
			def, err := ctl.Eval(k + " is defined")
			if err != nil {
				return fmt.Errorf("variable %s: %w", k, err)
			}
			if d, _ := def.(bool); d {
				if old, err = ctl.Eval(k); err != nil {
					return fmt.Errorf("variable %s: %w", k, err)
				}
			}
		}
		om, ok1 := old.(map[string]any)
		_, ok2 := v.(map[string]any)
		if !ok1 || !ok2 {
			return fmt.Errorf("failed to combine variables, expected dicts but got a '%s' and a '%s' (variable %s)", pyTypeName(old), pyTypeName(v), k)
		}
		facts[k] = mergeHash(om, v)
	}
	return nil
}

// pyTypeName names a value's type as Python does in Ansible's messages.
func pyTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "NoneType"
	case map[string]any:
		return "dict"
	case []any:
		return "list"
	case string:
		return "str"
	case bool:
		return "bool"
	case int, int64:
		return "int"
	case float64:
		return "float"
	}
	return fmt.Sprintf("%T", v)
}

var identRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// mergeHash is Ansible's merge_hash(a, b, recursive=True): dictionaries
// merge key by key, anything else in b replaces a.
func mergeHash(a, b any) any {
	am, ok1 := a.(map[string]any)
	bm, ok2 := b.(map[string]any)
	if !ok1 || !ok2 {
		return b
	}
	out := make(map[string]any, len(am)+len(bm))
	for k, v := range am {
		out[k] = v
	}
	for k, v := range bm {
		if old, ok := out[k]; ok {
			out[k] = mergeHash(old, v)
		} else {
			out[k] = v
		}
	}
	return out
}

// ControllerFiles: a literal vars file or directory must exist at load.
func (IncludeVars) ControllerFiles(a module.Args) []module.ControllerFile {
	if f := a.String("file"); f != "" {
		return []module.ControllerFile{{Arg: "file", Kind: "vars", Name: f}}
	}
	return []module.ControllerFile{{Arg: "dir", Kind: "vars", Name: a.String("dir")}}
}
