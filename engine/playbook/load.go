package playbook

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/go-multierror"

	"github.com/haplay/haplay/engine/jinja"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/engine/suggest"
	"github.com/haplay/haplay/engine/yamlnode"
)

// ModuleLookup finds modules by short name or FQCN.
type ModuleLookup interface {
	Lookup(name string) (module.Module, bool)
	Names() []string
}

// TemplateChecker checks the syntax of {{ }} and {% %} expressions.
type TemplateChecker interface {
	Check(s string) error
}

// TemplateFileChecker is a TemplateChecker that also checks template
// files: the text of the file at path, and the templates it names by a
// literal, which load finds (FindTemplate's rules).
type TemplateFileChecker interface {
	CheckFile(path, text string, delims map[string]string, load func(name string) (path, text string, err error)) error
}

// DelimiterArgs are the template module's arguments that change its
// tag delimiters, passed to CheckFile when the task sets them.
var DelimiterArgs = []string{"variable_start_string", "variable_end_string", "block_start_string",
	"block_end_string", "comment_start_string", "comment_end_string"}

// Options configure loading.
type Options struct {
	Modules   ModuleLookup
	Templates TemplateChecker // nil: template syntax is checked at run time only
	// RolesPath lists extra role directories searched after roles/ beside
	// the playbook (--roles-path, HAPLAY_ROLES_PATH).
	RolesPath []string
	// VendorRolesPath lists the vendored role directories of the
	// inventory's environment (haplay vendor); they are searched before
	// roles/, so what an environment pinned wins over a local copy.
	VendorRolesPath []string
	// CollectionsPaths lists directories holding an ansible_collections/
	// tree (the environment's vendored collections, haplay vendor), where
	// a role named NS.COLL.ROLE is ansible_collections/NS/COLL/roles/ROLE.
	// collections/ beside the playbook is searched after them, as Ansible
	// does.
	CollectionsPaths []string
	// YAML reads every file, with the run's vault ids: !vault values and
	// vaulted role vars are decrypted as they are read.
	YAML yamlnode.Reader
	// Catalog knows the modules Ansible has and haplay does not: a task
	// naming one loads with a warning and fails only if it runs. Nil:
	// every module haplay lacks is an error.
	Catalog ModuleCatalog
}

// ModuleCatalog resolves a module name as Ansible does (engine/catalog).
type ModuleCatalog interface {
	Resolve(name string, collections []string) (fqcn string, ok bool)
}

// Load reads a playbook and everything it imports, and runs the static
// checks. All problems are returned together (a *multierror.Error), each
// with file:line:col.
func Load(path string, opts Options) (*Playbook, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	l := &loader{opts: opts, playbookDir: filepath.Dir(abs), roles: map[string]*loadedRole{}}
	pb := &Playbook{Path: abs, Dir: l.playbookDir}
	pb.Plays = l.loadPlaybookFile(abs, nil, Pos{File: path})
	pb.Warnings = l.warnings
	return pb, l.errs.ErrorOrNil()
}

// LoadTree loads a playbook given as a parsed tree instead of a file:
// haplay exec's one play, built from the command line. dir stands for
// the playbook's directory (roles/, group_vars/ and relative files are
// looked up there) and name for its path.
func LoadTree(root *yamlnode.Node, dir, name string, opts Options) (*Playbook, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	l := &loader{opts: opts, playbookDir: abs, roles: map[string]*loadedRole{}}
	pb := &Playbook{Path: filepath.Join(abs, name), Dir: abs}
	pb.Plays = l.plays(root, pb.Path, nil)
	pb.Warnings = l.warnings
	return pb, l.errs.ErrorOrNil()
}

type loader struct {
	opts        Options
	playbookDir string
	errs        multierror.Error
	warnings    []string // positioned, as "file:line:col: text"
	roles       map[string]*loadedRole
	// handlerRoles are the roles whose handlers the play being parsed
	// has; include_role and import_role add theirs to extraHandlers.
	handlerRoles  map[string]bool
	extraHandlers []*Task
	// playCollections is the play's collections: keyword, where short
	// role names are looked up first.
	playCollections []string
	// defaultsScope holds the module_defaults of the play and the blocks
	// around the task being parsed, outermost first.
	defaultsScope [][]ModuleDefault
}

type loadedRole struct {
	role *Role
	// tasks are tasks/main.yml's, loaded by mainTasks when first needed.
	tasks       []*Task
	tasksLoaded bool
	from        Pos // where the role was first named
	handlers    []*Task
	deps        []roleRef
}

func (l *loader) errorf(pos Pos, format string, a ...any) {
	l.errs.Errors = append(l.errs.Errors, yamlnode.Errorf(pos, format, a...))
}

// warnf records what loads but is worth saying before any host is
// contacted.
func (l *loader) warnf(pos Pos, format string, a ...any) {
	l.warnings = append(l.warnings, yamlnode.Errorf(pos, format, a...).Error())
}

func (l *loader) addErr(err error) {
	var me *multierror.Error
	if errors.As(err, &me) {
		l.errs.Errors = append(l.errs.Errors, me.Errors...)
		return
	}
	l.errs.Errors = append(l.errs.Errors, err)
}

// parseFile reads one YAML file that must hold one document.
func (l *loader) parseFile(path string, from Pos) *yamlnode.Node {
	docs, err := l.opts.YAML.ParseFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			l.errorf(from, "file not found: %s", path)
		} else {
			l.addErr(err)
		}
		return nil
	}
	if len(docs) == 0 {
		return &yamlnode.Node{Pos: Pos{File: path, Line: 1, Col: 1}, Kind: yamlnode.List}
	}
	return docs[0]
}

func (l *loader) loadPlaybookFile(path string, stack []string, from Pos) []*Play {
	for _, s := range stack {
		if s == path {
			l.errorf(from, "import_playbook cycle: %s", strings.Join(append(stack, path), " -> "))
			return nil
		}
	}
	stack = append(stack, path)
	root := l.parseFile(path, from)
	if root == nil {
		return nil
	}
	return l.plays(root, path, stack)
}

// plays reads the plays of one playbook file's tree, following its
// import_playbook entries.
func (l *loader) plays(root *yamlnode.Node, path string, stack []string) []*Play {
	if root.Kind != yamlnode.List {
		l.errorf(root.Pos, "a playbook must be a list of plays, got %s", root.KindName())
		return nil
	}
	var plays []*Play
	for _, item := range root.Items {
		if item.Kind != yamlnode.Map {
			l.errorf(item.Pos, "a play must be a mapping, got %s", item.KindName())
			continue
		}
		if imp := firstOf(item, "import_playbook", "ansible.builtin.import_playbook"); imp != nil {
			name, ok := imp.Value.(string)
			if !ok {
				l.errorf(imp.Pos, "import_playbook needs a file name")
				continue
			}
			p := name
			if !filepath.IsAbs(p) {
				p = filepath.Join(filepath.Dir(path), p)
			}
			plays = append(plays, l.loadPlaybookFile(p, stack, imp.Pos)...)
			continue
		}
		if p := l.parsePlay(item, filepath.Dir(path)); p != nil {
			plays = append(plays, p)
		}
	}
	return plays
}

func firstOf(n *yamlnode.Node, keys ...string) *yamlnode.Node {
	for _, k := range keys {
		if v := n.Get(k); v != nil {
			return v
		}
	}
	return nil
}

func (l *loader) parsePlay(n *yamlnode.Node, dir string) *Play {
	p := &Play{Pos: n.Pos, Dir: dir}
	for _, kv := range n.Pairs {
		if !playKeywords[kv.Key] {
			l.unknownKey(kv, "play", playKeywords)
		}
	}
	p.Name = l.str(n, "name")
	hosts := n.Get("hosts")
	switch {
	case hosts == nil:
		l.errorf(n.Pos, "play %q has no 'hosts' (use hosts: all or a group name)", p.Name)
	case hosts.Kind == yamlnode.List:
		var parts []string
		for _, it := range hosts.Items {
			parts = append(parts, fmt.Sprint(it.Value))
		}
		p.Hosts = strings.Join(parts, ",")
	default:
		p.Hosts = fmt.Sprint(hosts.Value)
	}
	p.Vars = l.mapping(n, "vars")
	p.VarsFiles = l.strList(n, "vars_files")
	l.checkVarsFiles(n.Get("vars_files"), p)
	p.GatherFacts = l.optBool(n, "gather_facts")
	p.GatherSubset = l.strList(n, "gather_subset")
	p.GatherTimeout = l.optInt(n, "gather_timeout")
	p.Become = l.optBool(n, "become")
	p.BecomeUser = l.str(n, "become_user")
	p.Order = l.str(n, "order")
	if p.Order != "" && !oneOf(p.Order, "inventory", "reverse_inventory", "sorted", "reverse_sorted", "shuffle") {
		l.errorf(n.Get("order").Pos, "order %q: use inventory, reverse_inventory, sorted, reverse_sorted or shuffle", p.Order)
	}
	p.Strategy = l.str(n, "strategy")
	if p.Strategy != "" && !oneOf(p.Strategy, "linear", "free") {
		l.errorf(n.Get("strategy").Pos, "strategy %q: use linear or free", p.Strategy)
	}
	p.AnyErrorsFatal = l.boolOr(n, "any_errors_fatal", false)
	p.ForceHandlers = l.optBool(n, "force_handlers")
	p.IgnoreErrors = l.boolOr(n, "ignore_errors", false)
	p.IgnoreUnreachable = l.boolOr(n, "ignore_unreachable", false)
	p.NoLog = l.boolOr(n, "no_log", false)
	p.CheckMode = l.optBool(n, "check_mode")
	p.Diff = l.optBool(n, "diff")
	p.Environment = l.mapping(n, "environment")
	p.Tags = l.strList(n, "tags")
	l.connKeywords(n, &p.RemoteUser, &p.Connection, &p.BecomeMethod, &p.Port)
	if mf := n.Get("max_fail_percentage"); mf != nil {
		switch v := mf.Value.(type) {
		case int:
			f := float64(v)
			p.MaxFailPercentage = &f
		case float64:
			p.MaxFailPercentage = &v
		default:
			l.errorf(mf.Pos, "max_fail_percentage must be a number, got %s", mf.KindName())
		}
	}
	if s := n.Get("serial"); s != nil {
		p.Serial = l.serial(s)
	}
	if vp := n.Get("vars_prompt"); vp != nil {
		p.VarsPrompt = l.varsPrompt(vp)
	}
	ctx := taskCtx{dir: dir}
	l.playCollections = l.strList(n, "collections")
	p.ModuleDefaults = l.moduleDefaults(n)
	if th := l.optInt(n, "throttle"); th != nil {
		p.Throttle = *th
	}
	l.defaultsScope = [][]ModuleDefault{p.ModuleDefaults}
	defer func() { l.defaultsScope = nil }()
	l.handlerRoles, l.extraHandlers = map[string]bool{}, nil
	p.PreTasks = l.taskList(n.Get("pre_tasks"), ctx)
	if r := n.Get("roles"); r != nil {
		roleTasks, roleHandlers := l.playRoles(p, r)
		p.Tasks = append(p.Tasks, roleTasks...)
		p.Handlers = append(p.Handlers, roleHandlers...)
	}
	p.Tasks = append(p.Tasks, l.taskList(n.Get("tasks"), ctx)...)
	p.PostTasks = l.taskList(n.Get("post_tasks"), ctx)
	p.Handlers = append(p.Handlers, l.extraHandlers...)
	p.Handlers = append(p.Handlers, l.taskList(n.Get("handlers"), taskCtx{dir: dir, handlers: true})...)
	if ro := n.Get("rollout"); ro != nil {
		p.Rollout = l.rollout(ro, ctx)
	}
	l.checkNotify(p)
	return p
}

func oneOf(s string, choices ...string) bool {
	for _, c := range choices {
		if s == c {
			return true
		}
	}
	return false
}

func (l *loader) serial(s *yamlnode.Node) []any {
	items := []*yamlnode.Node{s}
	if s.Kind == yamlnode.List {
		items = s.Items
	}
	var out []any
	for _, it := range items {
		switch v := it.Value.(type) {
		case int:
			if v < 0 {
				l.errorf(it.Pos, "serial must not be negative")
			}
			out = append(out, v)
		case string:
			if strings.HasSuffix(v, "%") {
				out = append(out, v)
				continue
			}
			var n int
			if _, err := fmt.Sscanf(v, "%d", &n); err == nil && fmt.Sprint(n) == v {
				out = append(out, n)
				continue
			}
			if jinja.IsTemplated(v) {
				out = append(out, v)
				continue
			}
			l.errorf(it.Pos, "serial %q: use a number, a percentage such as \"30%%\", or a list of them", v)
		default:
			l.errorf(it.Pos, "serial must be a number, a percentage or a list, got %s", it.KindName())
		}
	}
	return out
}

func (l *loader) varsPrompt(n *yamlnode.Node) []VarPrompt {
	if n.Kind != yamlnode.List {
		l.errorf(n.Pos, "vars_prompt must be a list")
		return nil
	}
	var out []VarPrompt
	for _, it := range n.Items {
		vp := VarPrompt{Name: l.str(it, "name"), Prompt: l.str(it, "prompt"), Private: l.boolOr(it, "private", true)}
		if d := it.Get("default"); d != nil {
			vp.Default = d.Interface()
		}
		if vp.Name == "" {
			l.errorf(it.Pos, "vars_prompt entry needs a name")
		}
		out = append(out, vp)
	}
	return out
}

func (l *loader) rollout(n *yamlnode.Node, ctx taskCtx) *Rollout {
	r := &Rollout{Pos: n.Pos}
	if n.Kind != yamlnode.Map {
		l.errorf(n.Pos, "rollout must be a mapping with gate, timeout and quorum_group")
		return r
	}
	for _, kv := range n.Pairs {
		if !oneOf(kv.Key, "gate", "timeout", "quorum_group") {
			l.errorf(kv.KeyPos, "unknown rollout key %q: use gate, timeout or quorum_group", kv.Key)
		}
	}
	r.Gate = l.taskList(n.Get("gate"), ctx)
	if t := n.Get("timeout"); t != nil {
		switch v := t.Value.(type) {
		case int:
			r.GateTimeout = v
		case string:
			if !jinja.IsTemplated(v) {
				l.errorf(t.Pos, "rollout timeout must be a number of seconds, got %q", v)
			}
			r.TimeoutExpr = v
		default:
			l.errorf(t.Pos, "rollout timeout must be a number of seconds")
		}
	}
	r.QuorumGroup = l.str(n, "quorum_group")
	return r
}

// checkNotify makes sure every notify names a handler or a listen topic.
func (l *loader) checkNotify(p *Play) {
	known := map[string]bool{}
	var names []string
	for _, h := range p.Handlers {
		for _, n := range append([]string{h.Name, h.Module}, h.Listen...) {
			if n != "" {
				known[n] = true
				names = append(names, n)
			}
		}
		if h.Role != nil && h.Name != "" {
			known[h.Role.Name+" : "+h.Name] = true
		}
	}
	var walk func([]*Task)
	walk = func(ts []*Task) {
		for _, t := range ts {
			for _, n := range t.Notify {
				if !known[n] && !jinja.IsTemplated(n) {
					msg := fmt.Sprintf("notify %q: no handler has that name or listens to it", n)
					if s := suggest.Closest(n, names); s != "" {
						msg += fmt.Sprintf(" (did you mean %q?)", s)
					}
					l.errorf(t.Pos, "%s", msg)
				}
			}
			walk(t.Block)
			walk(t.Rescue)
			walk(t.Always)
			if t.Include != nil {
				walk(t.Include.Loaded)
			}
		}
	}
	walk(p.PreTasks)
	walk(p.Tasks)
	walk(p.PostTasks)
}

func (l *loader) unknownKey(kv yamlnode.Pair, what string, known keywords) {
	msg := fmt.Sprintf("unknown %s keyword %q", what, kv.Key)
	if s := suggest.Closest(kv.Key, known.list()); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	l.errorf(kv.KeyPos, "%s", msg)
}

// LoadTasks loads a task file at run time (include_tasks with a templated
// name), with the same checks as at load time.
func LoadTasks(path string, opts Options) ([]*Task, error) {
	l := &loader{opts: opts, playbookDir: filepath.Dir(path), roles: map[string]*loadedRole{}}
	tasks := l.tasksFile(path, taskCtx{dir: filepath.Dir(path)}, Pos{File: path})
	return tasks, l.errs.ErrorOrNil()
}

// checkVarsFiles reports a literal vars_files entry that is not there: the
// play would stop on it before its first task, after the connections are
// open. A templated name is resolved when the play starts.
func (l *loader) checkVarsFiles(n *yamlnode.Node, p *Play) {
	for i, f := range p.VarsFiles {
		if jinja.IsTemplated(f) {
			continue
		}
		path := f
		if !filepath.IsAbs(path) {
			path = filepath.Join(p.Dir, f)
		}
		if _, err := os.Stat(path); err != nil {
			pos := n.Pos
			if n.Kind == yamlnode.List && i < len(n.Items) {
				pos = n.Items[i].Pos
			}
			l.errorf(pos, "vars_files: vars file %s not found", path)
		}
	}
}
