package runner

import "github.com/haplay/haplay/engine/playbook"

// frame is what a task inherits from the blocks, roles and includes
// around it: conditions, tags, variables and connection settings.
type frame struct {
	parent *frame
	block  *playbook.Task // the enclosing block (or include) task
	params map[string]any // include parameters
}

func (f *frame) push(b *playbook.Task, params map[string]any) *frame {
	return &frame{parent: f, block: b, params: params}
}

// chain lists the enclosing blocks from the outermost in.
func (f *frame) chain() []*frame {
	var out []*frame
	for c := f; c != nil; c = c.parent {
		if c.block != nil || c.params != nil {
			out = append([]*frame{c}, out...)
		}
	}
	return out
}

// effective is a task with what it inherits resolved.
type effective struct {
	task              *playbook.Task
	when              []string
	tags              []string
	become            *bool
	becomeUser        string
	becomeMethod      string
	remoteUser        string
	connection        string
	port              string
	ignoreErrors      bool
	ignoreUnreachable bool
	noLog             bool
	checkMode         *bool
	diff              *bool
	delegateTo        string
	runOnce           bool
	anyErrorsFatal    bool
	environment       []map[string]any
	timeout           int // seconds; 0 none
	retries, delay    *int
	throttle          int
	// templates are keywords still to render with a host's variables
	// (playbook.Task.KeywordTemplates, nearest level winning);
	// renderKeywords fills the fields above from them.
	templates map[string]string
	// moduleDefaults are the module_defaults of the play, the enclosing
	// blocks and the task, outermost first.
	moduleDefaults [][]playbook.ModuleDefault
}

func (pr *playRun) resolve(t *playbook.Task, f *frame) *effective {
	p := pr.play
	e := &effective{task: t, become: p.Become, becomeUser: p.BecomeUser, becomeMethod: p.BecomeMethod,
		remoteUser: p.RemoteUser, connection: p.Connection, port: p.Port, ignoreErrors: p.IgnoreErrors,
		ignoreUnreachable: p.IgnoreUnreachable, noLog: p.NoLog, checkMode: p.CheckMode, diff: p.Diff,
		anyErrorsFatal: p.AnyErrorsFatal}
	e.tags = append(e.tags, p.Tags...)
	e.throttle = p.Throttle
	e.moduleDefaults = [][]playbook.ModuleDefault{p.ModuleDefaults}
	if p.Environment != nil {
		e.environment = append(e.environment, p.Environment)
	}
	apply := func(b *playbook.Task) {
		e.when = append(e.when, b.When...)
		e.tags = append(e.tags, b.Tags...)
		if b.Become != nil {
			e.become = b.Become
		}
		if b.BecomeUser != "" {
			e.becomeUser = b.BecomeUser
		}
		e.becomeMethod = or(b.BecomeMethod, e.becomeMethod)
		e.remoteUser = or(b.RemoteUser, e.remoteUser)
		e.connection = or(b.Connection, e.connection)
		if b.IgnoreErrors != nil {
			e.ignoreErrors = *b.IgnoreErrors
		}
		if b.IgnoreUnreachable != nil {
			e.ignoreUnreachable = *b.IgnoreUnreachable
		}
		if b.NoLog != nil {
			e.noLog = *b.NoLog
		}
		if b.CheckMode != nil {
			e.checkMode = b.CheckMode
		}
		if b.Diff != nil {
			e.diff = b.Diff
		}
		if b.DelegateTo != "" {
			e.delegateTo = b.DelegateTo
		}
		if b.RunOnce {
			e.runOnce = true
		}
		if b.AnyErrorsFatal != nil {
			e.anyErrorsFatal = *b.AnyErrorsFatal
		}
		if b.Timeout != nil {
			e.timeout = *b.Timeout
		}
		if b.Environment != nil {
			e.environment = append(e.environment, b.Environment)
		}
		e.applyTemplates(b)
		if b.ModuleDefaults != nil {
			e.moduleDefaults = append(e.moduleDefaults, b.ModuleDefaults)
		}
	}
	for _, c := range f.chain() {
		if c.block != nil {
			apply(c.block)
		}
	}
	apply(t)
	if _, ok := e.templates["no_log"]; ok {
		e.noLog = true // hidden until the template says otherwise for a host
	}
	e.retries, e.delay = t.Retries, t.Delay
	if t.Throttle > 0 {
		e.throttle = t.Throttle
	}
	return e
}

// or returns s, or def when s is empty.
func or(s, def string) string {
	if s != "" {
		return s
	}
	return def
}

// applyTemplates takes a level's templated keywords; a literal value at a
// nearer level drops an outer template of the same keyword.
func (e *effective) applyTemplates(b *playbook.Task) {
	literal := map[string]bool{"ignore_errors": b.IgnoreErrors != nil, "ignore_unreachable": b.IgnoreUnreachable != nil,
		"any_errors_fatal": b.AnyErrorsFatal != nil, "run_once": b.RunOnce, "become": b.Become != nil,
		"timeout": b.Timeout != nil, "retries": b.Retries != nil, "delay": b.Delay != nil, "throttle": b.Throttle > 0,
		"no_log": b.NoLog != nil}
	for k, isSet := range literal {
		if isSet {
			delete(e.templates, k)
		}
	}
	if len(b.KeywordTemplates) == 0 {
		return
	}
	if e.templates == nil {
		e.templates = map[string]string{}
	}
	for k, v := range b.KeywordTemplates {
		e.templates[k] = v
	}
}
