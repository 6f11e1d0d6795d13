package runner

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/haplay/haplay/engine/jinja"
	"github.com/haplay/haplay/engine/pyfmt"

	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/engine/playbook"
	"github.com/haplay/haplay/engine/template"
	"github.com/haplay/haplay/engine/truth"
	"github.com/haplay/haplay/engine/yamlnode"
)

// taskVars builds the variables a task sees on a host, with Ansible's
// precedence, lowest first (see docs/variables.md): role defaults,
// inventory group and host vars, playbook group_vars/host_vars, play vars,
// vars_files, role vars, block vars, task vars, set_fact and registered
// values, role params, include params, extra vars; then the magic
// variables.
func (pr *playRun) taskVars(host string, t *playbook.Task, f *frame) (map[string]any, error) {
	v := map[string]any{}
	merge := func(m map[string]any) {
		for k, x := range m {
			v[k] = x
		}
	}
	for _, r := range pr.play.Roles {
		if t.Role == nil || r.Name != t.Role.Name {
			merge(r.Defaults)
		}
	}
	if t.Role != nil {
		merge(t.Role.Defaults)
	}
	merge(pr.opts.Inventory.HostVars(host)) // with playbook group_vars/host_vars
	hs := pr.host(host)
	pr.mu.Lock()
	merge(hs.gathered)
	pr.mu.Unlock()
	merge(pr.play.Vars)
	merge(pr.varsFiles)
	merge(pr.hostVarsFiles[host])
	for _, r := range pr.play.Roles {
		if t.Role == nil || r.Name != t.Role.Name {
			merge(r.Vars)
		}
	}
	if t.Role != nil {
		merge(t.Role.Vars)
	}
	for _, c := range f.chain() {
		if c.block != nil {
			merge(c.block.Vars)
		}
	}
	merge(t.Vars)
	pr.mu.Lock()
	merge(hs.facts)
	merge(hs.registered)
	pr.mu.Unlock()
	// Role params and include params rank above set_fact in Ansible.
	for _, c := range f.chain() {
		if c.block != nil {
			merge(c.block.RoleParams)
		}
	}
	for _, c := range f.chain() {
		merge(c.params)
	}
	merge(pr.opts.ExtraVars)
	pr.magic(v, host, t, f)
	return v, nil
}

// magic adds inventory_hostname, groups, hostvars and the other magic
// variables.
func (pr *playRun) magic(v map[string]any, host string, t *playbook.Task, f *frame) {
	v["inventory_hostname"] = host
	v["inventory_hostname_short"], _, _ = strings.Cut(host, ".")
	groups := map[string]any{}
	for g, hs := range pr.opts.Inventory.GroupHosts() {
		l := make([]any, len(hs))
		for i, h := range hs {
			l[i] = h
		}
		groups[g] = l
	}
	v["groups"] = groups
	gn := pr.opts.Inventory.GroupNames(host)
	gl := make([]any, len(gn))
	for i, g := range gn {
		gl[i] = g
	}
	v["group_names"] = gl
	v["hostvars"] = hostvarsView{pr: pr}
	play := make([]any, 0, len(pr.playHosts))
	for _, h := range pr.hostsList() {
		play = append(play, h)
	}
	v["ansible_play_hosts"] = play
	v["ansible_play_hosts_all"] = toAny(pr.playHosts)
	v["play_hosts"] = play
	v["ansible_play_batch"] = toAny(pr.active(pr.batch))
	v["ansible_check_mode"] = pr.opts.Check
	v["ansible_diff_mode"] = pr.opts.Diff
	v["playbook_dir"] = pr.pb.Dir
	v["ansible_play_name"] = pr.play.Name
	if pr.play.Name == "" {
		v["ansible_play_name"] = pr.play.Hosts // as Ansible names an unnamed play
	}
	pr.connDefaults(v, host, t, f)
	pr.runMagic(v)
	pr.roleMagic(v, t, f)
	v["ansible_search_path"] = pr.searchPath(t, f)
	v["omit"] = pr.omit
	if _, ok := v["ansible_facts"]; !ok {
		v["ansible_facts"] = map[string]any{}
	}
}

// connDefaultsKey lists the connection variables connDefaults filled in,
// so that connSpec can drop them: a default shown to templates must not
// outrank a connection keyword. No template can name the key.
const connDefaultsKey = "\x00haplay:connection-defaults"

// connDefaults gives templates ansible_host and ansible_connection when
// the inventory sets neither, as Ansible does: the host's name, and the
// connection keyword (task, block or play), else local for the implicit
// localhost, else ssh.
func (pr *playRun) connDefaults(v map[string]any, host string, t *playbook.Task, f *frame) {
	var added []string
	if _, ok := v["ansible_host"]; !ok {
		v["ansible_host"] = host
		added = append(added, "ansible_host")
	}
	if _, ok := v["ansible_connection"]; !ok {
		c := pr.resolve(t, f).connection
		switch {
		case c != "":
		case host == "localhost" && v["inventory_file"] == nil:
			c = "local" // the implicit localhost
		case pr.opts.Connection.Connection != "":
			c = pr.opts.Connection.Connection // -c
		default:
			c = "ssh"
		}
		v["ansible_connection"] = c
		added = append(added, "ansible_connection")
	}
	if added != nil {
		v[connDefaultsKey] = added
	}
}

// withoutConnDefaults is vars without what connDefaults filled in.
func withoutConnDefaults(vars map[string]any) map[string]any {
	added, ok := vars[connDefaultsKey].([]string)
	if !ok {
		return vars
	}
	out := copyVars(vars)
	delete(out, connDefaultsKey)
	for _, k := range added {
		delete(out, k)
	}
	return out
}

// runMagic adds what the command line and the play decide: forks, tags,
// verbosity, limit, version, inventory sources, config file, role names.
func (pr *playRun) runMagic(v map[string]any) {
	o := pr.opts
	v["ansible_forks"] = o.Forks
	v["ansible_verbosity"] = o.Verbosity
	v["ansible_run_tags"] = toAny(o.Tags)
	if len(o.Tags) == 0 {
		v["ansible_run_tags"] = []any{"all"}
	}
	v["ansible_skip_tags"] = toAny(o.SkipTags)
	if len(o.Limit) > 0 {
		v["ansible_limit"] = strings.Join(o.Limit, ":&")
	}
	v["ansible_inventory_sources"] = toAny(o.InventorySources)
	v["ansible_config_file"] = o.ConfigFile
	v["ansible_version"] = ansibleVersion()
	v["ansible_play_role_names"] = toAny(pr.play.PlayRoleNames)
	v["role_names"] = toAny(pr.play.PlayRoleNames)
	v["ansible_dependent_role_names"] = toAny(pr.play.DependentRoleNames)
	names := slices.Clone(pr.play.PlayRoleNames)
	for _, d := range pr.play.DependentRoleNames {
		if !slices.Contains(names, d) {
			names = append(names, d)
		}
	}
	v["ansible_role_names"] = toAny(names)
}

// roleMagic adds role_name, role_path, ansible_role_name and, in a role
// reached by include_role, ansible_parent_role_names (nearest first).
func (pr *playRun) roleMagic(v map[string]any, t *playbook.Task, f *frame) {
	if t.Role == nil {
		return
	}
	v["role_path"] = t.Role.Path
	v["role_name"] = t.Role.Name
	v["ansible_role_name"] = t.Role.Name
	var parents []any
	for c := f; c != nil; c = c.parent {
		if b := c.block; b != nil && b.Include != nil && b.Include.Kind == "role" && b.Role != nil {
			parents = append(parents, b.Role.Name)
		}
	}
	if parents != nil {
		v["ansible_parent_role_names"] = parents
		v["ansible_parent_role_paths"] = parentPaths(f)
	}
}

func parentPaths(f *frame) []any {
	var out []any
	for c := f; c != nil; c = c.parent {
		if b := c.block; b != nil && b.Include != nil && b.Include.Kind == "role" && b.Role != nil {
			out = append(out, b.Role.Path)
		}
	}
	return out
}

func ansibleVersion() map[string]any {
	var major, minor, rev int
	fmt.Sscanf(AnsibleVersion, "%d.%d.%d", &major, &minor, &rev)
	return map[string]any{"full": AnsibleVersion, "string": AnsibleVersion, "major": major, "minor": minor, "revision": rev}
}

func (pr *playRun) hostsList() []string {
	var out []string
	for _, h := range pr.playHosts {
		if hs := pr.host(h); !hs.failed.Load() && !hs.unreachable.Load() {
			out = append(out, h)
		}
	}
	return out
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}

// hostvarsView is the hostvars magic variable: each host's inventory vars
// and facts, built only for the hosts an expression looks at.
type hostvarsView struct{ pr *playRun }

// Get returns one host's variables, or nil for an unknown host.
func (h hostvarsView) Get(host string) map[string]any {
	v := map[string]any{}
	for k, x := range h.pr.opts.Inventory.HostVars(host) {
		v[k] = x
	}
	h.pr.mu.Lock()
	defer h.pr.mu.Unlock()
	if hs, ok := h.pr.hosts[host]; ok {
		for k, x := range hs.gathered {
			v[k] = x
		}
		for k, x := range hs.facts {
			v[k] = x
		}
		for k, x := range hs.registered {
			v[k] = x
		}
	}
	v["inventory_hostname"] = host
	return v
}

// Map builds the whole hostvars map (for templaters that need a plain map).
func (h hostvarsView) Map() map[string]any {
	out := map[string]any{}
	for _, hs := range h.pr.opts.Inventory.GroupHosts()["all"] {
		out[hs] = h.Get(hs)
	}
	return out
}

func copyVars(v map[string]any) map[string]any {
	out := make(map[string]any, len(v)+4)
	for k, x := range v {
		out[k] = x
	}
	return out
}

// conditionsHold evaluates when/until/changed_when conditions (ANDed) with
// Python's truthiness, as Ansible does: `when: v` with v the string
// "false" holds (use `v | bool`).
func (pr *playRun) conditionsHold(conds []string, vars map[string]any) (bool, error) {
	for _, c := range conds {
		v, err := pr.conditionValue(c, prepare(vars))
		if err != nil {
			return false, fmt.Errorf("condition %q: %w", c, err)
		}
		if !truth.Truthy(v) {
			return false, nil
		}
	}
	return true, nil
}

// conditionValue evaluates one condition as Ansible's Conditional does. A
// bare expression is evaluated once. A condition written "{{ x }}" is
// templated first, and the text it gives is then evaluated as the
// expression: with v the string "false", "{{ v }}" is false where a bare
// v is true. A value that is not a string, or is empty, is taken as is.
func (pr *playRun) conditionValue(c string, vars map[string]any) (any, error) {
	inner, braced := playbook.WholeExpression(c)
	if !braced {
		return pr.opts.Templates.Eval(c, vars)
	}
	v, err := pr.opts.Templates.EvalMarked(inner, vars)
	if err != nil {
		return nil, err
	}
	if _, unsafe := v.(jinja.Unsafe); unsafe {
		// Evaluating text a host printed would run it, as Ansible refuses to.
		return nil, template.ErrUnsafeCondition
	}
	if s, ok := v.(string); ok && s != "" {
		return pr.opts.Templates.Eval(s, vars)
	}
	return v, nil
}

// prepare turns the hostvars view into a plain map for the templater. The
// map is built once per task (see hostvarsCache), not per expression.
func prepare(vars map[string]any) map[string]any {
	if hv, ok := vars["hostvars"].(hostvarsView); ok {
		vars = copyVars(vars)
		vars["hostvars"] = hv.pr.hostvars()
	}
	return vars
}

// hostvarsCache holds the hostvars map for the task being run. runTask
// resets it, so every task sees the facts and registers of the ones before.
type hostvarsCache struct {
	once sync.Once
	m    map[string]any
}

func (c *hostvarsCache) get(pr *playRun) map[string]any {
	c.once.Do(func() { c.m = hostvarsView{pr: pr}.Map() })
	return c.m
}

// renderValue renders the templates in v. A result computed from unsafe
// data (registered results, facts, !unsafe values) comes back marked
// jinja.Unsafe, and a value already marked is returned as it is, never
// rendered: whoever stores the result (set_fact, a loop's items) keeps the
// mark. A list or mapping with a marked element is marked as a whole, so
// marks sit at the top of a value, where one look finds them.
func (pr *playRun) renderValue(v any, vars map[string]any) (any, error) {
	switch x := v.(type) {
	case string:
		if !jinja.IsTemplated(x) {
			return x, nil
		}
		return pr.opts.Templates.RenderMarked(x, prepare(vars))
	case []any:
		out := make([]any, 0, len(x))
		unsafe := false
		for _, e := range x {
			r, err := pr.renderValue(e, vars)
			if err != nil {
				return nil, err
			}
			if r == pr.omit {
				continue
			}
			r, u := jinja.Unwrap(r)
			unsafe = unsafe || u
			out = append(out, r)
		}
		return markIf(unsafe, out), nil
	case map[string]any:
		out := make(map[string]any, len(x))
		unsafe := false
		for k, e := range x {
			r, err := pr.renderValue(e, vars)
			if err != nil {
				return nil, err
			}
			if r == pr.omit {
				continue
			}
			r, u := jinja.Unwrap(r)
			unsafe = unsafe || u
			out[k] = r
		}
		return markIf(unsafe, out), nil
	}
	return v, nil
}

func markIf(unsafe bool, v any) any {
	if unsafe {
		return jinja.MarkUnsafe(v)
	}
	return v
}

// markAll marks every value of a map that came from a host (module
// facts, gathered facts) Unsafe, in a new map.
func markAll(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = jinja.MarkUnsafe(v)
	}
	return out
}

// plainArgs removes the marks from rendered arguments, for the module,
// and says which arguments were marked.
func plainArgs(args map[string]any) (map[string]any, map[string]bool) {
	var unsafe map[string]bool
	for k, v := range args {
		if p, ok := jinja.Unwrap(v); ok {
			if unsafe == nil {
				unsafe = map[string]bool{}
			}
			unsafe[k] = true
			args[k] = p
		}
	}
	return args, unsafe
}

func (pr *playRun) renderString(s string, vars map[string]any) (string, error) {
	v, err := pr.renderValue(s, vars)
	if err != nil {
		return "", err
	}
	v, _ = jinja.Unwrap(v)
	return fmt.Sprint(v), nil
}

func (pr *playRun) renderArgs(args map[string]any, mod module.Module, vars map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(args))
	keys := make([]string, 0, len(args))
	for k := range args {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	spec := mod.Spec()
	for _, k := range keys {
		// Raw arguments hold expressions the module evaluates itself.
		if a, ok := spec.Lookup(k); ok && a.Raw {
			out[k] = args[k]
			continue
		}
		v, err := pr.renderValue(args[k], vars)
		if err != nil {
			return nil, fmt.Errorf("argument %q: %w", k, err)
		}
		if v == pr.omit {
			continue
		}
		out[k] = v
	}
	return out, nil
}

// loopItems renders loop/with_items into a list.
func (pr *playRun) loopItems(t *playbook.Task, vars map[string]any) ([]any, error) {
	v, err := pr.renderValue(t.Loop, vars)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", t.LoopKeyword, err)
	}
	v, unsafe := jinja.Unwrap(v)
	if name, ok := lookupLoop(t); ok {
		return pr.lookupItems(t, name, v, vars)
	}
	items, err := loopList(t, v)
	if unsafe {
		// Items from a host's output stay unsafe as `item`.
		for i, it := range items {
			items[i] = jinja.MarkUnsafe(it)
		}
	}
	return items, err
}

func loopList(t *playbook.Task, v any) ([]any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case []any:
		if t.LoopKeyword == "with_items" {
			return flattenOnce(x), nil
		}
		return x, nil
	case map[string]any:
		if t.LoopKeyword == "with_dict" {
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			out := make([]any, len(keys))
			for i, k := range keys {
				out[i] = map[string]any{"key": k, "value": x[k]}
			}
			return out, nil
		}
	case string:
		if t.LoopKeyword == "with_items" || t.LoopKeyword == "with_list" {
			return []any{x}, nil
		}
	}
	return nil, fmt.Errorf("%s needs a list, got %T (use dict2items for a mapping)", t.LoopKeyword, v)
}

func flattenOnce(l []any) []any {
	var out []any
	for _, e := range l {
		if sub, ok := e.([]any); ok {
			out = append(out, sub...)
		} else {
			out = append(out, e)
		}
	}
	return out
}

func (pr *playRun) itemLabel(t *playbook.Task, vars map[string]any, item any) string {
	if t.LoopLabel != "" {
		if s, err := pr.renderString(t.LoopLabel, vars); err == nil {
			return s
		}
	}
	return pyfmt.Str(item)
}

// loadVarsFile reads a vars_files entry, relative to the play's dir.
func loadVarsFile(r yamlnode.Reader, name, dir string) (map[string]any, error) {
	p := name
	if !filepath.IsAbs(p) {
		p = filepath.Join(dir, p)
	}
	if _, err := os.Stat(p); err != nil {
		return nil, fmt.Errorf("vars file %s not found", p)
	}
	return r.LoadVarsFile(p)
}

// controller is what modules may ask of the controller side.
type controller struct {
	pr   *playRun
	vars map[string]any
	task *playbook.Task
}

func (c *controller) Render(text string) (string, error) { return c.pr.renderString(text, c.vars) }

// RenderFile renders a template file with the task's variables plus
// opts.Vars (template_path, ansible_managed...), which win.
func (c *controller) RenderFile(text string, opts module.TemplateOptions) (string, error) {
	vars := c.vars
	if len(opts.Vars) > 0 {
		vars = copyVars(c.vars)
		for k, v := range opts.Vars {
			vars[k] = v
		}
	}
	fo := template.FileOptions{TrimBlocks: opts.TrimBlocks, LstripBlocks: opts.LstripBlocks, NewlineSequence: opts.NewlineSequence,
		Delims: template.Delims{VarStart: opts.VarStart, VarEnd: opts.VarEnd, BlockStart: opts.BlockStart, BlockEnd: opts.BlockEnd,
			CommentStart: opts.CommentStart, CommentEnd: opts.CommentEnd}}
	if opts.Path != "" {
		fo.Name = opts.Path
		fo.Loader = templateLoader{dirs: playbook.TemplateDirs(c.task, c.pr.pb.Dir, opts.Path), read: c.ReadFile}
	}
	return c.pr.opts.Templates.RenderFile(text, prepare(vars), fo)
}

// templateLoader finds the templates a template file includes, imports
// or extends where Ansible's template action points Jinja
// (playbook.TemplateDirs), reading them as template src is read: a
// vaulted one is decrypted and never printed.
type templateLoader struct {
	dirs []string
	read func(path string) ([]byte, error)
}

func (l templateLoader) Load(name string) (string, string, error) {
	p, err := playbook.FindTemplate(l.dirs, name)
	if err != nil {
		return "", "", err
	}
	b, err := l.read(p)
	if err != nil {
		return "", "", fmt.Errorf("read template %s: %w", p, err)
	}
	return p, string(b), nil
}

// Notify shows text to the operator through the run's Prompter, if any.
func (c *controller) Notify(text string) {
	if c.pr.opts.Prompter != nil {
		c.pr.opts.Prompter.Notify(text)
	}
}

// Prompt asks the operator through the run's Prompter; a run without one
// (tests, a library caller) has nobody to ask.
func (c *controller) Prompt(ctx context.Context, text string, echo bool) (string, error) {
	if c.pr.opts.Prompter == nil {
		return "", fmt.Errorf("cannot prompt for input: this run has no terminal")
	}
	return c.pr.opts.Prompter.Prompt(ctx, text, echo)
}

func (c *controller) Eval(expr string) (any, error) {
	return c.pr.opts.Templates.Eval(expr, prepare(c.vars))
}

// ReadFile reads a controller file, decrypting vault text.
func (c *controller) ReadFile(path string) ([]byte, error) {
	return c.pr.opts.YAML.Vault.ReadFile(path)
}

// LoadVarsFile reads a vars file with the run's vault ids.
func (c *controller) LoadVarsFile(path string) (map[string]any, error) {
	return c.pr.opts.YAML.LoadVarsFile(path)
}

// FindFile looks for name in the role's KIND directory, then beside the
// task file, then in the playbook's KIND directory and the playbook dir
// (playbook.SearchDirs, which the loader's static check shares).
func (c *controller) FindFile(kind, name string) (string, error) {
	if filepath.IsAbs(name) {
		return name, nil
	}
	return playbook.FindFile(playbook.SearchDirs(c.task, c.pr.pb.Dir, kind), kind, name)
}
