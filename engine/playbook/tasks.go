package playbook

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/haplay/haplay/engine/jinja"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/engine/suggest"
	"github.com/haplay/haplay/engine/yamlnode"
)

// taskCtx is where a task list comes from.
type taskCtx struct {
	dir      string // directory for relative include paths
	role     *Role
	handlers bool
	stack    []string // files being imported, for cycle detection
}

func (l *loader) taskList(n *yamlnode.Node, ctx taskCtx) []*Task {
	if n == nil || (n.Kind == yamlnode.Scalar && n.Value == nil) {
		return nil
	}
	if n.Kind != yamlnode.List {
		l.errorf(n.Pos, "expected a list of tasks, got %s", n.KindName())
		return nil
	}
	var out []*Task
	for _, it := range n.Items {
		out = append(out, l.task(it, ctx)...)
	}
	return out
}

// task parses one task; import_tasks and import_role expand into several.
func (l *loader) task(n *yamlnode.Node, ctx taskCtx) []*Task {
	if n.Kind != yamlnode.Map {
		l.errorf(n.Pos, "a task must be a mapping, got %s", n.KindName())
		return nil
	}
	t := &Task{Pos: n.Pos, Role: ctx.role, FileDir: ctx.dir}
	if n.Get("block") != nil {
		return l.block(n, t, ctx)
	}
	var moduleKey *yamlnode.Pair
	unknown := false
	for i := range n.Pairs {
		kv := &n.Pairs[i]
		switch {
		case taskKeywords[kv.Key], l.isLookupLoop(kv.Key):
		case includeKeywords[kv.Key]:
			if moduleKey != nil {
				l.errorf(kv.KeyPos, "task has both %q and %q: one module or include per task", moduleKey.Key, kv.Key)
				continue
			}
			moduleKey = kv
		default:
			if l.isModule(kv.Key) {
				if moduleKey != nil {
					l.errorf(kv.KeyPos, "task has both %q and %q: one module per task", moduleKey.Key, kv.Key)
					continue
				}
				moduleKey = kv
				continue
			}
			l.unknownTaskKey(*kv)
			unknown = true
		}
	}
	l.taskKeywords(n, t, ctx)
	if a := firstOf(n, "action", "local_action"); a != nil && moduleKey == nil {
		l.action(t, n, a)
	} else if moduleKey == nil {
		// An unknown key was most likely the module, misspelt: that
		// error says it all.
		if !unknown {
			l.errorf(n.Pos, "task %q has no module: add one, such as 'command: echo hi'", t.Name)
		}
		return []*Task{t}
	} else if includeKeywords[moduleKey.Key] {
		return l.include(t, moduleKey, n, ctx)
	} else {
		t.Module = moduleKey.Key
		if !l.moduleArgs(t, moduleKey.Value, moduleKey.KeyPos) {
			return []*Task{t}
		}
	}
	if extra := n.Get("args"); extra != nil {
		if extra.Kind != yamlnode.Map {
			l.errorf(extra.Pos, "args must be a mapping, got %s", extra.KindName())
		} else {
			for _, kv := range extra.Pairs {
				if _, set := t.Args[kv.Key]; !set {
					t.Args[kv.Key] = kv.Value.Interface()
					t.ArgPos[kv.Key] = kv.Value.Pos
				}
			}
		}
	}
	l.validateArgs(t)
	l.checkLoopFiles(t, n)
	return []*Task{t}
}

// includeKV reads "include_role: name=r tasks_from=x" and
// "include_tasks: file=x.yml" as the mapping they stand for, as Ansible
// does; a plain file or role name stays as it is.
func includeKV(v *yamlnode.Node) *yamlnode.Node {
	s, ok := v.Value.(string)
	if !ok || !strings.Contains(s, "=") {
		return v
	}
	kvs, free, err := splitKV(s, module.Spec{})
	if err != nil || strings.TrimSpace(free) != "" || len(kvs) == 0 {
		return v
	}
	m := &yamlnode.Node{Pos: v.Pos, Kind: yamlnode.Map}
	for _, k := range slices.Sorted(maps.Keys(kvs)) {
		m.Pairs = append(m.Pairs, yamlnode.Pair{Key: k, KeyPos: v.Pos, Value: &yamlnode.Node{Pos: v.Pos, Kind: yamlnode.Scalar, Value: kvs[k]}})
	}
	return m
}

// isModule reports whether a task key names a module: one of haplay's, or
// one Ansible has.
func (l *loader) isModule(key string) bool {
	if _, ok := l.opts.Modules.Lookup(key); ok {
		return true
	}
	_, ok := l.ansibleModule(key)
	return ok
}

func (l *loader) ansibleModule(name string) (string, bool) {
	if l.opts.Catalog == nil {
		return "", false
	}
	return l.opts.Catalog.Resolve(name, l.playCollections)
}

// notImplemented loads a task whose module Ansible has and haplay does
// not: it loads, as under ansible-playbook, with a warning, and fails if
// it runs. Its arguments are kept as written; there is no spec to check
// them against.
func (l *loader) notImplemented(t *Task, fqcn string, v *yamlnode.Node, pos Pos) {
	t.NotImplemented = fqcn
	l.warnf(pos, "%s", NotImplementedMsg(t.Module, fqcn))
	switch {
	case v == nil:
	case v.Kind == yamlnode.Map:
		for _, kv := range v.Pairs {
			t.Args[kv.Key] = kv.Value.Interface()
			t.ArgPos[kv.Key] = kv.Value.Pos
		}
	case v.Kind == yamlnode.Scalar && v.Value != nil:
		kvs, free, err := splitKV(fmt.Sprint(v.Value), module.Spec{})
		if err == nil {
			for k, x := range kvs {
				t.Args[k] = x
			}
			if strings.TrimSpace(free) != "" {
				t.Args["_raw_params"] = free
			}
		}
	}
}

// NotImplementedMsg is the load-time warning and the run-time failure of
// a task whose module haplay lacks.
func NotImplementedMsg(name, fqcn string) string {
	if name != fqcn {
		name += " (" + fqcn + ")"
	}
	return name + ": not implemented by haplay; this task fails if it runs"
}

// templatedKeyword records a keyword whose value is a template, for the
// runner to render per host, as Ansible templates these keywords; its
// syntax is checked now, its value when it is rendered. It reports
// whether the value was a template.
func (l *loader) templatedKeyword(n *yamlnode.Node, key string, t *Task) bool {
	v := n.Get(key)
	if v == nil || v.Kind != yamlnode.Scalar {
		return false
	}
	s, ok := v.Value.(string)
	if !ok || !jinja.IsTemplated(s) {
		return false
	}
	l.checkTemplate(v.Pos, s)
	if t.KeywordTemplates == nil {
		t.KeywordTemplates = map[string]string{}
	}
	t.KeywordTemplates[key] = s
	return true
}

// optIntUnlessTemplated is optInt for a keyword that may be a template.
func (l *loader) optIntUnlessTemplated(n *yamlnode.Node, key string, t *Task) *int {
	if l.templatedKeyword(n, key, t) {
		return nil
	}
	return l.optInt(n, key)
}

func (l *loader) unknownTaskKey(kv yamlnode.Pair) {
	candidates := append(taskKeywords.list(), l.opts.Modules.Names()...)
	msg := fmt.Sprintf("unknown module or task keyword %q", kv.Key)
	if s := suggest.Closest(kv.Key, candidates); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	} else {
		msg += "; run 'haplay doc' for the list of modules"
	}
	l.errorf(kv.KeyPos, "%s", msg)
}

// action handles "action: copy src=a dest=b" and "action: {module: copy, ...}".
func (l *loader) action(t *Task, n, a *yamlnode.Node) {
	if n.Get("local_action") != nil {
		t.DelegateTo = "localhost"
	}
	switch a.Kind {
	case yamlnode.Scalar:
		s := strings.TrimSpace(fmt.Sprint(a.Value))
		name, rest, _ := strings.Cut(s, " ")
		t.Module = name
		l.moduleArgs(t, &yamlnode.Node{Pos: a.Pos, Kind: yamlnode.Scalar, Value: rest}, a.Pos)
	case yamlnode.Map:
		mod := a.Get("module")
		if mod == nil {
			l.errorf(a.Pos, "action mapping needs a 'module' key")
			return
		}
		t.Module = fmt.Sprint(mod.Value)
		rest := &yamlnode.Node{Pos: a.Pos, Kind: yamlnode.Map}
		for _, kv := range a.Pairs {
			if kv.Key != "module" {
				rest.Pairs = append(rest.Pairs, kv)
			}
		}
		l.moduleArgs(t, rest, a.Pos)
	}
}

// moduleArgs reads a module's arguments: a mapping, or a "k=v" string (with
// a free-form part for modules such as command and shell).
// It reports whether they could be read (and so be validated).
func (l *loader) moduleArgs(t *Task, v *yamlnode.Node, pos Pos) bool {
	t.Args = map[string]any{}
	t.ArgPos = map[string]Pos{}
	m, ok := l.opts.Modules.Lookup(t.Module)
	if !ok {
		if fqcn, known := l.ansibleModule(t.Module); known {
			l.notImplemented(t, fqcn, v, pos)
			return false
		}
		l.errorf(pos, "unknown module %q; run 'haplay doc' for the list", t.Module)
		return false
	}
	t.Action = m.Name()
	spec := m.Spec()
	switch {
	case v == nil || (v.Kind == yamlnode.Scalar && v.Value == nil):
	case v.Kind == yamlnode.Map:
		for _, kv := range v.Pairs {
			t.Args[kv.Key] = kv.Value.Interface()
			t.ArgPos[kv.Key] = kv.Value.Pos
		}
	case v.Kind == yamlnode.Scalar:
		kvs, free, err := splitKV(fmt.Sprint(v.Value), spec)
		if err != nil {
			l.errorf(v.Pos, "%s arguments: %v", t.Module, err)
			return false
		}
		for k, val := range kvs {
			t.Args[k] = val
			t.ArgPos[k] = v.Pos
		}
		if free != "" {
			if spec.FreeForm == "" {
				l.errorf(v.Pos, "%s takes key=value arguments, not free text %q", t.Module, free)
				return false
			}
			t.Args[spec.FreeForm] = free
			t.ArgPos[spec.FreeForm] = v.Pos
		}
	default:
		l.errorf(v.Pos, "%s arguments must be a mapping or a key=value string, got %s", t.Module, v.KindName())
		return false
	}
	return true
}

func (l *loader) validateArgs(t *Task) {
	m, ok := l.opts.Modules.Lookup(t.Module)
	if !ok {
		return
	}
	args, errs := module.Validate(m.Spec(), withDefaults(t.Args, m, append(l.defaultsScope, t.ModuleDefaults)...), false)
	fatal := 0
	for _, e := range errs {
		if e.Removed {
			// As in Ansible: the task loads, and fails if it runs
			// (Validate says so again then).
			l.warnf(l.argPos(t, e.Arg), "%s: %s; this task fails if it runs", t.Module, e.Msg)
			continue
		}
		fatal++
		l.errorf(l.argPos(t, e.Arg), "%s: %s", t.Module, e.Msg)
	}
	for k, v := range t.Args {
		l.checkTemplate(t.ArgPos[k], v)
		l.checkLookupFiles(t, l.argPos(t, k), v)
	}
	if fu, ok := m.(module.ControllerFileUser); ok && fatal == 0 {
		l.checkControllerFiles(t, fu.ControllerFiles(args))
	}
}

// argPos is where argument name is written, or the task when it is not.
func (l *loader) argPos(t *Task, name string) Pos {
	if p, ok := t.ArgPos[name]; ok {
		return p
	}
	return t.Pos
}

// checkControllerFiles reports the literal controller files a task names
// that are not where the runner will look for them.
func (l *loader) checkControllerFiles(t *Task, files []module.ControllerFile) {
	for _, f := range files {
		if f.Name == "" || jinja.IsTemplated(f.Name) {
			continue // checked when the task runs, with its variables
		}
		p, err := FindFile(SearchDirs(t, l.playbookDir, f.Kind), f.Kind, f.Name)
		if err != nil {
			l.errorf(l.argPos(t, f.Arg), "%s: %s: %v", t.Module, f.Arg, err)
			continue
		}
		if f.Kind == "templates" {
			l.checkTemplateFile(t, f, p)
		}
	}
}

// checkTemplateFile checks the syntax of the template file at path and
// of the templates it includes by a literal name, so that an unknown
// statement fails at load with the template's file:line.
func (l *loader) checkTemplateFile(t *Task, f module.ControllerFile, path string) {
	fc, ok := l.opts.Templates.(TemplateFileChecker)
	if !ok {
		return
	}
	delims := map[string]string{}
	for _, k := range DelimiterArgs {
		if v, ok := t.Args[k]; ok {
			s, isStr := v.(string)
			if !isStr || jinja.IsTemplated(s) {
				return // known when the task runs; checked then
			}
			delims[k] = s
		}
	}
	read := os.ReadFile
	if l.opts.YAML.Vault != nil {
		read = l.opts.YAML.Vault.ReadFile
	}
	text, err := read(path)
	if err != nil {
		return // a vault the run cannot open: the task says so when it runs
	}
	dirs := TemplateDirs(t, l.playbookDir, path)
	load := func(name string) (string, string, error) {
		p, err := FindTemplate(dirs, name)
		if err != nil {
			return "", "", err
		}
		b, err := read(p)
		return p, string(b), err
	}
	if err := fc.CheckFile(path, string(text), delims, load); err != nil {
		l.errorf(l.argPos(t, f.Arg), "%s: %s: %v", t.Module, f.Arg, err)
	}
}

// taskKeywords reads the keywords every task and block may carry.
func (l *loader) taskKeywords(n *yamlnode.Node, t *Task, ctx taskCtx) {
	t.Name = l.str(n, "name")
	l.checkTemplate(n.Pos, t.Name)
	t.When = l.conditions(n, "when")
	t.ChangedWhen = l.conditions(n, "changed_when")
	t.FailedWhen = l.conditions(n, "failed_when")
	t.Until = l.conditions(n, "until")
	l.checkConditionLookups(t, n)
	t.Register = l.str(n, "register")
	if !l.templatedKeyword(n, "ignore_errors", t) {
		t.IgnoreErrors = l.optBool(n, "ignore_errors")
	}
	if !l.templatedKeyword(n, "ignore_unreachable", t) {
		t.IgnoreUnreachable = l.optBool(n, "ignore_unreachable")
	}
	t.Notify = l.strList(n, "notify")
	t.Listen = l.strList(n, "listen")
	if len(t.Listen) > 0 && !ctx.handlers {
		l.errorf(n.Get("listen").Pos, "listen is only for handlers")
	}
	t.Tags = l.strList(n, "tags")
	t.DelegateTo = l.str(n, "delegate_to")
	t.DelegateFacts = l.boolOr(n, "delegate_facts", false)
	if !l.templatedKeyword(n, "run_once", t) {
		t.RunOnce = l.boolOr(n, "run_once", false)
	}
	if !l.templatedKeyword(n, "retries", t) {
		t.Retries = l.optInt(n, "retries")
	}
	if !l.templatedKeyword(n, "delay", t) {
		t.Delay = l.optInt(n, "delay")
	}
	if !l.templatedKeyword(n, "become", t) {
		t.Become = l.optBool(n, "become")
	}
	t.BecomeUser = l.str(n, "become_user")
	l.connKeywords(n, &t.RemoteUser, &t.Connection, &t.BecomeMethod, nil)
	t.Vars = l.mapping(n, "vars")
	t.Environment = l.mapping(n, "environment")
	if !l.templatedKeyword(n, "no_log", t) {
		t.NoLog = l.optBool(n, "no_log")
	}
	if th := l.optIntUnlessTemplated(n, "throttle", t); th != nil {
		t.Throttle = *th
	}
	if to := l.optIntUnlessTemplated(n, "timeout", t); to != nil {
		if *to < 0 {
			l.errorf(n.Get("timeout").Pos, "timeout must be a number of seconds, 0 for none, got %d", *to)
		} else {
			t.Timeout = to
		}
	}
	t.CheckMode = l.optBool(n, "check_mode")
	t.Diff = l.optBool(n, "diff")
	if !l.templatedKeyword(n, "any_errors_fatal", t) {
		t.AnyErrorsFatal = l.optBool(n, "any_errors_fatal")
	}
	t.ModuleDefaults = l.moduleDefaults(n)
	if a := l.optInt(n, "async"); a != nil {
		t.Async = *a
		if *a < 0 {
			l.errorf(n.Get("async").Pos, "async must be a number of seconds, got %d", *a)
		}
	}
	t.Poll = l.optInt(n, "poll")
	if t.Poll != nil && t.Async == 0 {
		l.warnf(n.Get("poll").Pos, "poll has no effect without async, as in Ansible")
	}
	for _, kw := range l.loopKeys(n) {
		if v := n.Get(kw); v != nil {
			if t.LoopKeyword != "" {
				l.errorf(v.Pos, "task has both %s and %s: use one loop", t.LoopKeyword, kw)
			}
			t.LoopKeyword = kw
			t.Loop = v.Interface()
			l.checkTemplate(v.Pos, t.Loop)
			l.checkLookupFiles(t, v.Pos, t.Loop)
		}
	}
	if lc := n.Get("loop_control"); lc != nil {
		if lc.Kind != yamlnode.Map {
			l.errorf(lc.Pos, "loop_control must be a mapping")
		} else {
			for _, kv := range lc.Pairs {
				if !oneOf(kv.Key, "loop_var", "index_var", "label", "pause", "extended", "extended_allitems") {
					l.errorf(kv.KeyPos, "unknown loop_control key %q: use loop_var, index_var, label, pause or extended", kv.Key)
				}
			}
			t.LoopVar = l.str(lc, "loop_var")
			t.IndexVar = l.str(lc, "index_var")
			t.LoopLabel = l.str(lc, "label")
			t.LoopExtended = l.boolOr(lc, "extended", false)
			t.LoopAllItems = l.boolOr(lc, "extended_allitems", true)
			if p := lc.Get("pause"); p != nil {
				switch v := p.Value.(type) {
				case int:
					t.LoopPause = float64(v)
				case float64:
					t.LoopPause = v
				default:
					l.errorf(p.Pos, "loop_control pause must be a number of seconds, got %v", p.Interface())
				}
				if t.LoopPause < 0 {
					l.errorf(p.Pos, "loop_control pause must not be negative")
				}
			}
		}
	}
}

func (l *loader) block(n *yamlnode.Node, t *Task, ctx taskCtx) []*Task {
	for _, kv := range n.Pairs {
		if !blockKeywords[kv.Key] {
			l.unknownKey(kv, "block", blockKeywords)
		}
	}
	l.taskKeywords(n, t, ctx)
	l.defaultsScope = append(l.defaultsScope, t.ModuleDefaults)
	defer func() { l.defaultsScope = l.defaultsScope[:len(l.defaultsScope)-1] }()
	t.Block = l.taskList(n.Get("block"), ctx)
	if t.Block == nil {
		t.Block = []*Task{}
	}
	t.Rescue = l.taskList(n.Get("rescue"), ctx)
	t.Always = l.taskList(n.Get("always"), ctx)
	return []*Task{t}
}

// include handles include_tasks/import_tasks/include_role/import_role.
func (l *loader) include(t *Task, kv *yamlnode.Pair, n *yamlnode.Node, ctx taskCtx) []*Task {
	kind := strings.TrimPrefix(kv.Key, "ansible.builtin.")
	v := kv.Value
	params := map[string]any{}
	file := ""
	var role, tasksFrom string
	from := map[string]string{} // vars_from, defaults_from, handlers_from
	var apply *Task
	if v.Kind == yamlnode.Scalar {
		v = includeKV(v)
	}
	switch v.Kind {
	case yamlnode.Scalar:
		file = fmt.Sprint(v.Value)
		role = file
	case yamlnode.Map:
		for _, p := range v.Pairs {
			switch p.Key {
			case "file":
				file = fmt.Sprint(p.Value.Value)
			case "name":
				role = fmt.Sprint(p.Value.Value)
			case "tasks_from":
				tasksFrom = fmt.Sprint(p.Value.Value)
			case "vars_from", "defaults_from", "handlers_from":
				from[p.Key] = fmt.Sprint(p.Value.Value)
			case "apply":
				apply = l.applyKeywords(p.Value, ctx)
			case "public", "allow_duplicates", "rolespec_validate":
			default:
				l.errorf(p.KeyPos, "%s: unknown argument %q", kind, p.Key)
			}
		}
	}
	if vars := n.Get("vars"); vars != nil && vars.Kind == yamlnode.Map {
		for k, val := range vars.Interface().(map[string]any) {
			params[k] = val
		}
	}
	switch kind {
	case "import_tasks":
		if jinja.IsTemplated(file) {
			l.errorf(v.Pos, "import_tasks is static: its file name cannot use variables (use include_tasks)")
			return nil
		}
		tasks := l.tasksFile(l.resolveTaskFile(file, ctx), ctx, v.Pos)
		return []*Task{wrapAsBlock(t, tasks)}
	case "include_tasks":
		t.Include = &Include{Kind: "tasks", As: kv.Key, File: file, Params: params, Apply: apply}
		if !jinja.IsTemplated(file) {
			t.Include.File = l.resolveTaskFile(file, ctx)
			t.Include.Loaded = l.tasksFile(t.Include.File, ctx, v.Pos)
		}
		return []*Task{t}
	case "import_role", "include_role":
		if role == "" {
			l.errorf(v.Pos, "%s needs a role name (name: ROLE)", kind)
			return nil
		}
		lr := l.loadRole(role, v.Pos, nil)
		if lr == nil {
			return nil
		}
		var tasks []*Task
		if tasksFrom == "" {
			tasks = l.mainTasks(lr)
		} else {
			tasks = l.tasksFile(filepath.Join(lr.role.Path, "tasks", withYAMLExt(filepath.Join(lr.role.Path, "tasks"), tasksFrom)), taskCtx{dir: filepath.Join(lr.role.Path, "tasks"), role: lr.role}, v.Pos)
		}
		handlers := lr.handlers
		if r, hs, changed := l.roleFrom(lr, from, v.Pos); changed {
			tasks, handlers = retagRole(tasks, r), retagRole(hs, r)
		}
		if l.handlerRoles != nil && !l.handlerRoles[lr.role.Name] && !ctx.handlers {
			// A role's handlers join the play's wherever the role is
			// imported or included.
			l.handlerRoles[lr.role.Name] = true
			l.extraHandlers = append(l.extraHandlers, handlers...)
		}
		b := wrapAsBlock(t, tasks)
		if kind == "include_role" {
			b.Include = &Include{Kind: "role", As: kv.Key, Role: role, TasksFrom: tasksFrom, Params: params, Loaded: tasks, Apply: apply}
			b.Block = nil
		}
		return []*Task{b}
	}
	return nil
}

// applyKeywords reads an include's apply: the keywords (tags, become,
// when, vars...) of a block Ansible puts around the included tasks.
func (l *loader) applyKeywords(n *yamlnode.Node, ctx taskCtx) *Task {
	if n.Kind != yamlnode.Map {
		l.errorf(n.Pos, "apply must be a mapping of task keywords, got %s", n.KindName())
		return nil
	}
	for _, kv := range n.Pairs {
		if !blockKeywords[kv.Key] || kv.Key == "block" || kv.Key == "rescue" || kv.Key == "always" {
			l.unknownKey(kv, "apply", blockKeywords)
		}
	}
	b := &Task{Pos: n.Pos, Role: ctx.role, FileDir: ctx.dir, Block: []*Task{}}
	l.taskKeywords(n, b, ctx)
	return b
}

// roleFrom is the role as vars_from, defaults_from and handlers_from ask:
// its vars, defaults or handlers read from vars/NAME, defaults/NAME or
// handlers/NAME instead of main. changed is false when none is given.
func (l *loader) roleFrom(lr *loadedRole, from map[string]string, pos Pos) (*Role, []*Task, bool) {
	if len(from) == 0 {
		return lr.role, lr.handlers, false
	}
	r := *lr.role
	read := func(sub, name string) map[string]any {
		f := yamlFile(filepath.Join(r.Path, sub), strings.TrimSuffix(strings.TrimSuffix(name, ".yml"), ".yaml"))
		if f == "" {
			l.errorf(pos, "%s_from: %s not found in %s", sub, name, filepath.Join(r.Path, sub))
			return nil
		}
		v, err := l.opts.YAML.LoadVarsFile(f)
		if err != nil {
			l.addErr(err)
		}
		return v
	}
	if n, ok := from["vars_from"]; ok {
		r.Vars = read("vars", n)
	}
	if n, ok := from["defaults_from"]; ok {
		r.Defaults = read("defaults", n)
	}
	handlers := lr.handlers
	if n, ok := from["handlers_from"]; ok {
		dir := filepath.Join(r.Path, "handlers")
		f := yamlFile(dir, strings.TrimSuffix(strings.TrimSuffix(n, ".yml"), ".yaml"))
		if f == "" {
			l.errorf(pos, "handlers_from: %s not found in %s", n, dir)
		} else {
			handlers = l.tasksFile(f, taskCtx{dir: dir, role: &r, handlers: true}, pos)
		}
	}
	return &r, handlers, true
}

// wrapAsBlock turns an import into a block carrying the import's keywords
// (when, tags, vars...), which is how Ansible applies them to every
// imported task.
func wrapAsBlock(t *Task, tasks []*Task) *Task {
	b := *t
	b.Module, b.Args = "", nil
	b.Block = tasks
	if b.Block == nil {
		b.Block = []*Task{}
	}
	return &b
}

func (l *loader) resolveTaskFile(file string, ctx taskCtx) string {
	if filepath.IsAbs(file) {
		return file
	}
	if ctx.role != nil {
		return filepath.Join(ctx.role.Path, "tasks", file)
	}
	return filepath.Join(ctx.dir, file)
}

func (l *loader) tasksFile(path string, ctx taskCtx, from Pos) []*Task {
	for _, s := range ctx.stack {
		if s == path {
			l.errorf(from, "include cycle: %s", strings.Join(append(ctx.stack, path), " -> "))
			return nil
		}
	}
	root := l.parseFile(path, from)
	if root == nil {
		return nil
	}
	sub := ctx
	sub.dir = filepath.Dir(path)
	sub.stack = append(append([]string{}, ctx.stack...), path)
	return l.taskList(root, sub)
}
