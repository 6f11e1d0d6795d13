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
		files, err = varsDirFiles(p, c.Args.String("files_matching"), c.Args.List("ignore_files"), c.Args.List("extensions"), c.Args.Int("depth"))
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
	r := module.Result{Facts: facts}
	r.Set("ansible_facts", facts)
	included := make([]any, len(files))
	for i, f := range files {
		included[i] = f
	}
	r.Set("ansible_included_var_files", included)
	return r, nil
}

// varsDirFiles lists the vars files under dir in the order Ansible loads
// them: sorted by path, filtered by extension, name pattern and ignores.
func varsDirFiles(dir, matching string, ignore, exts []string, depth int) ([]string, error) {
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
		if !slices.Contains(exts, strings.TrimPrefix(filepath.Ext(name), ".")) {
			return nil
		}
		if re != nil && !re.MatchString(name) {
			return nil
		}
		out = append(out, p)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", dir, err)
	}
	sort.Strings(out)
	return out, nil
}

// ControllerFiles: a literal vars file or directory must exist at load.
func (IncludeVars) ControllerFiles(a module.Args) []module.ControllerFile {
	if f := a.String("file"); f != "" {
		return []module.ControllerFile{{Arg: "file", Kind: "vars", Name: f}}
	}
	return []module.ControllerFile{{Arg: "dir", Kind: "vars", Name: a.String("dir")}}
}
