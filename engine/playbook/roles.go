package playbook

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/haplay/haplay/engine/yamlnode"
)

// roleRef is one entry of a play's roles: or a meta dependency.
type roleRef struct {
	name   string
	pos    Pos
	node   *yamlnode.Node // the entry, for when/tags/vars
	params map[string]any
}

// playRoles loads the play's roles (and their meta dependencies, each role
// once) and returns their tasks, wrapped in blocks carrying the role
// entry's when/tags/vars, and their handlers.
func (l *loader) playRoles(p *Play, n *yamlnode.Node) (tasks, handlers []*Task) {
	if n.Kind != yamlnode.List {
		l.errorf(n.Pos, "roles must be a list, got %s", n.KindName())
		return nil, nil
	}
	seen := map[string]bool{}
	var add func(ref roleRef, stack, paths []string)
	add = func(ref roleRef, stack, paths []string) {
		for _, s := range stack {
			if s == ref.name {
				l.errorf(ref.pos, "role dependency cycle: %v -> %s", stack, ref.name)
				return
			}
		}
		lr := l.loadRole(ref.name, ref.pos, ref.params)
		if lr == nil {
			return
		}
		for _, dep := range lr.deps {
			add(dep, append(stack, ref.name), append(slices.Clip(paths), lr.role.Path))
		}
		if len(stack) == 0 {
			p.PlayRoleNames = appendOnce(p.PlayRoleNames, lr.role.Name)
		} else {
			p.DependentRoleNames = appendOnce(p.DependentRoleNames, lr.role.Name)
		}
		if seen[ref.name] {
			return
		}
		seen[ref.name] = true
		role := *lr.role
		role.Params = ref.params
		role.Dependents = slices.Clone(paths)
		slices.Reverse(role.Dependents)
		p.Roles = append(p.Roles, &role)
		if !lr.tasksLoaded {
			// The static checks of its tasks (files found through the
			// roles that depend on it) run as they load, now.
			lr.role.Dependents = role.Dependents
		}
		b := &Task{Pos: ref.pos, Name: "", Role: &role, Block: retagRole(l.mainTasks(lr), &role), FileDir: role.Path}
		if ref.node != nil && ref.node.Kind == yamlnode.Map {
			b.When = l.conditions(ref.node, "when")
			b.Tags = l.strList(ref.node, "tags")
			b.Become = l.optBool(ref.node, "become")
			b.BecomeUser = l.str(ref.node, "become_user")
		}
		b.RoleParams = ref.params
		tasks = append(tasks, b)
		if l.handlerRoles != nil {
			l.handlerRoles[role.Name] = true
		}
		handlers = append(handlers, retagRole(lr.handlers, &role)...)
	}
	for _, it := range n.Items {
		ref, ok := l.roleRef(it)
		if ok {
			add(ref, nil, nil)
		}
	}
	return tasks, handlers
}

func appendOnce(l []string, s string) []string {
	for _, x := range l {
		if x == s {
			return l
		}
	}
	return append(l, s)
}

// InRole is tasks (and the blocks in them) as tasks of role r: the tasks
// a role's include_tasks loads when it runs.
func InRole(ts []*Task, r *Role) []*Task { return retagRole(ts, r) }

// retagRole points tasks at the play's copy of the role (with its params).
func retagRole(ts []*Task, r *Role) []*Task {
	if ts == nil {
		return nil // a nil Block marks a plain task; keep it nil
	}
	out := make([]*Task, len(ts))
	for i, t := range ts {
		c := *t
		c.Role = r
		c.Block, c.Rescue, c.Always = retagRole(t.Block, r), retagRole(t.Rescue, r), retagRole(t.Always, r)
		if t.Block != nil && c.Block == nil {
			c.Block = []*Task{}
		}
		out[i] = &c
	}
	return out
}

func (l *loader) roleRef(it *yamlnode.Node) (roleRef, bool) {
	switch it.Kind {
	case yamlnode.Scalar:
		return roleRef{name: fmt.Sprint(it.Value), pos: it.Pos}, true
	case yamlnode.Map:
		name := l.str(it, "role")
		if name == "" {
			name = l.str(it, "name")
		}
		if name == "" {
			l.errorf(it.Pos, "role entry needs 'role: NAME'")
			return roleRef{}, false
		}
		params := map[string]any{}
		for _, kv := range it.Pairs {
			switch kv.Key {
			case "role", "name", "when", "tags", "become", "become_user":
			case "vars":
				if m, ok := kv.Value.Interface().(map[string]any); ok {
					for k, v := range m {
						params[k] = v
					}
				}
			default:
				params[kv.Key] = kv.Value.Interface()
			}
		}
		return roleRef{name: name, pos: it.Pos, node: it, params: params}, true
	}
	l.errorf(it.Pos, "role entry must be a name or a mapping, got %s", it.KindName())
	return roleRef{}, false
}

// findRole looks a role up as Ansible does: a name NS.COLL.ROLE in the
// collections (the environment's vendored ones, then collections/ beside
// the playbook), a short name first in each collection of the play's
// collections: keyword; then the vendored roles of the environment,
// roles/ beside the playbook and the roles path. A dotted name no
// collection holds is still tried as a plain directory name (old Galaxy
// roles are named like acme.web).
func (l *loader) findRole(name string) (string, []string) {
	if filepath.IsAbs(name) {
		return name, []string{name}
	}
	var tried []string
	collPaths := append(append([]string{}, l.opts.CollectionsPaths...), filepath.Join(l.playbookDir, "collections"))
	for _, fq := range l.collectionRoleNames(name) {
		parts := strings.Split(fq, ".")
		for _, cp := range collPaths {
			p := filepath.Join(cp, "ansible_collections", parts[0], parts[1], "roles", parts[2])
			tried = append(tried, p)
			if st, err := os.Stat(p); err == nil && st.IsDir() {
				return p, tried
			}
		}
	}
	dirs := append(append([]string{}, l.opts.VendorRolesPath...), filepath.Join(l.playbookDir, "roles"))
	dirs = append(dirs, l.opts.RolesPath...)
	dirs = append(dirs, l.playbookDir)
	for _, d := range dirs {
		p := filepath.Join(d, name)
		tried = append(tried, p)
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return p, tried
		}
	}
	return "", tried
}

// collectionRoleNames lists the fully qualified names a role name may
// stand for: itself when it is NS.COLL.ROLE, else ROLE in each collection
// of the play's collections: keyword (ansible.builtin and ansible.legacy
// hold no roles).
func (l *loader) collectionRoleNames(name string) []string {
	if isFQCR(name) {
		return []string{name}
	}
	if strings.Contains(name, ".") || strings.Contains(name, "/") || !isIdent(name) {
		return nil
	}
	var out []string
	for _, c := range l.playCollections {
		if c == "ansible.builtin" || c == "ansible.legacy" {
			continue
		}
		if fq := c + "." + name; isFQCR(fq) {
			out = append(out, fq)
		}
	}
	return out
}

// isFQCR reports whether name is a collection role name, NS.COLL.ROLE,
// each part a Python identifier as Ansible requires.
func isFQCR(name string) bool {
	parts := strings.Split(name, ".")
	if len(parts) != 3 {
		return false
	}
	for _, p := range parts {
		if !isIdent(p) {
			return false
		}
	}
	return true
}

func (l *loader) loadRole(name string, from Pos, params map[string]any) *loadedRole {
	// A short name may resolve differently in a play with another
	// collections: keyword.
	key := name + "\x00" + strings.Join(l.playCollections, ",")
	if lr, ok := l.roles[key]; ok {
		return lr
	}
	path, tried := l.findRole(name)
	if path == "" {
		hint := "add it under roles/, or use --roles-path"
		if isFQCR(name) {
			hint = "list its collection in the environment's requirements.yml and run haplay vendor"
		}
		l.errorf(from, "role %q not found; looked in: %v (%s)", name, tried, hint)
		l.roles[key] = nil
		return nil
	}
	r := &Role{Name: roleDisplayName(name, path), Path: path}
	lr := &loadedRole{role: r}
	l.roles[key] = lr
	r.Defaults = l.varsFileIfAny(filepath.Join(path, "defaults"))
	r.Vars = l.varsFileIfAny(filepath.Join(path, "vars"))
	lr.from = from
	if f := yamlFile(filepath.Join(path, "handlers"), "main"); f != "" {
		hctx := taskCtx{dir: filepath.Join(path, "handlers"), role: r, handlers: true}
		lr.handlers = l.tasksFile(f, hctx, from)
	}
	if f := yamlFile(filepath.Join(path, "meta"), "main"); f != "" {
		if meta := l.parseFile(f, from); meta != nil && meta.Kind == yamlnode.Map {
			if deps := meta.Get("dependencies"); deps != nil && deps.Kind == yamlnode.List {
				for _, d := range deps.Items {
					if ref, ok := l.roleRef(d); ok {
						lr.deps = append(lr.deps, ref)
					}
				}
			}
		}
	}
	return lr
}

// mainTasks loads the role's tasks/main.yml the first time it is needed.
// A role that is only imported or included with tasks_from never loads
// it, nor what it imports, as in Ansible.
func (l *loader) mainTasks(lr *loadedRole) []*Task {
	if !lr.tasksLoaded {
		lr.tasksLoaded = true
		ctx := taskCtx{dir: filepath.Join(lr.role.Path, "tasks"), role: lr.role}
		if f := yamlFile(ctx.dir, "main"); f != "" {
			lr.tasks = l.tasksFile(f, ctx, lr.from)
		}
	}
	return lr.tasks
}

// roleDisplayName is the role's name in task banners: NS.COLL.ROLE for a
// collection's role (however it was named), else the directory name.
func roleDisplayName(name, path string) string {
	d := filepath.Dir(path) // .../ansible_collections/NS/COLL/roles
	if filepath.Base(d) == "roles" {
		coll := filepath.Dir(d)
		ns := filepath.Dir(coll)
		if filepath.Base(filepath.Dir(ns)) == "ansible_collections" {
			return filepath.Base(ns) + "." + filepath.Base(coll) + "." + filepath.Base(path)
		}
	}
	return filepath.Base(name)
}

// varsFileIfAny reads DIR/main.yml (or .yaml, or no extension) as a
// mapping of variables, through the one vars-file loader: an empty file,
// one of comments or a bare "---" has no variables, as in Ansible.
func (l *loader) varsFileIfAny(dir string) map[string]any {
	f := yamlFile(dir, "main")
	if f == "" {
		return nil
	}
	v, err := l.opts.YAML.LoadVarsFile(f)
	if err != nil {
		l.addErr(err)
		return nil
	}
	return v
}

// yamlFile finds DIR/NAME.yml, .yaml or NAME itself.
func yamlFile(dir, name string) string {
	for _, ext := range []string{".yml", ".yaml", ""} {
		p := filepath.Join(dir, name+ext)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	return ""
}

func withYAMLExt(dir, name string) string {
	if f := yamlFile(dir, name); f != "" {
		return filepath.Base(f)
	}
	return name
}
