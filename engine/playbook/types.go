// Package playbook loads Ansible playbooks into plays, blocks, tasks and
// handlers, each with its file:line:col, and runs the static checks that
// must pass before any host is contacted.
package playbook

import "github.com/haplay/haplay/engine/yamlnode"

// Pos is a place in a source file.
type Pos = yamlnode.Pos

// Playbook is a loaded playbook file, with import_playbook expanded.
type Playbook struct {
	Path  string
	Dir   string // playbook_dir
	Plays []*Play
	// Warnings are what loads but deserves a word before the run, each
	// as "file:line:col: text" (a module haplay does not implement).
	Warnings []string
}

// Play is one play.
type Play struct {
	Pos               Pos
	Dir               string // directory of the file that holds the play
	Name              string
	Hosts             string
	Vars              map[string]any
	VarsFiles         []string
	VarsPrompt        []VarPrompt
	GatherFacts       *bool
	GatherSubset      []string // the fact-gathering module's gather_subset
	GatherTimeout     *int     // and its gather_timeout, in seconds
	Become            *bool
	BecomeUser        string
	Serial            []any // ints and "N%" strings; empty means all hosts at once
	Order             string
	MaxFailPercentage *float64
	AnyErrorsFatal    bool
	Strategy          string
	Environment       map[string]any
	Tags              []string
	CheckMode         *bool
	Diff              *bool
	ForceHandlers     *bool // nil: --force-handlers decides (runner.Options.ForceHandlers)
	IgnoreErrors      bool
	IgnoreUnreachable bool
	NoLog             bool
	// RemoteUser, Connection, Port and BecomeMethod are the play's
	// connection keywords; connection variables beat them (connspec).
	RemoteUser   string
	Connection   string
	Port         string
	BecomeMethod string
	Rollout      *Rollout

	// Roles are expanded into PreTasks/Tasks/Handlers at load time; Roles
	// keeps them for defaults and vars.
	Roles []*Role
	// ModuleDefaults is the play's module_defaults; Throttle its throttle,
	// the default of every task's.
	ModuleDefaults []ModuleDefault
	Throttle       int
	// PlayRoleNames are the roles the play lists (ansible_play_role_names);
	// DependentRoleNames those pulled in by meta dependencies
	// (ansible_dependent_role_names).
	PlayRoleNames      []string
	DependentRoleNames []string
	PreTasks           []*Task
	Tasks              []*Task // role tasks first, then the play's own tasks
	PostTasks          []*Task
	Handlers           []*Task
}

// VarPrompt is one vars_prompt entry.
type VarPrompt struct {
	Name    string
	Prompt  string
	Default any
	Private bool
}

// Rollout holds haplay's rollout safety settings for a play (health gates
// and quorum guards); see docs/rollouts.md.
type Rollout struct {
	Pos         Pos
	Gate        []*Task
	GateTimeout int    // seconds
	TimeoutExpr string // a templated timeout, rendered when the gate runs
	QuorumGroup string
}

// Role is a loaded role.
type Role struct {
	Name     string
	Path     string
	Defaults map[string]any
	Vars     map[string]any
	Params   map[string]any // role: {role: x, vars...} parameters
	// Dependents are the paths of the roles that pulled this one in by
	// meta dependencies, nearest first (Ansible's dependency chain, in
	// ansible_search_path).
	Dependents []string
}

// Task is a task, a block, or a handler.
type Task struct {
	Pos  Pos
	Name string
	// Module is the module name as written (possibly an FQCN); empty for
	// blocks and includes.
	Module string
	Args   map[string]any // raw, not yet templated
	ArgPos map[string]Pos
	Action string // canonical module name once looked up
	// NotImplemented is the FQCN of a module Ansible has and haplay does
	// not (Action is empty): the task fails if it runs.
	NotImplemented string
	// KeywordTemplates are keywords whose value is a template (ignore_errors,
	// ignore_unreachable, any_errors_fatal, run_once, retries, delay,
	// timeout, throttle, become, no_log), by name: the runner renders them with
	// the host's variables; the typed field stays unset.
	KeywordTemplates map[string]string
	// Async is the async keyword: at most this many seconds, and with Poll
	// 0 the task runs in the background (async_status follows it). Poll
	// is nil when not set (Ansible's default, 15 seconds).
	Async int
	Poll  *int
	// ModuleDefaults is the task's or block's module_defaults.
	ModuleDefaults []ModuleDefault
	Role           *Role  // the role the task came from, or nil
	FileDir        string // directory of the file holding the task (for relative paths)

	// Block, when non-nil, makes this task a block.
	Block  []*Task
	Rescue []*Task
	Always []*Task

	// Include is set for include_tasks/include_role (dynamic, resolved at
	// run time); import_* are expanded at load time and never appear here.
	Include *Include

	When        []string
	Loop        any
	LoopKeyword string // "loop", "with_items", ...
	LoopVar     string
	IndexVar    string
	LoopLabel   string
	// LoopPause is loop_control's pause: seconds between two items.
	LoopPause float64
	// LoopExtended is loop_control's extended: ansible_loop is set, with
	// allitems unless extended_allitems is false (LoopAllItems).
	LoopExtended, LoopAllItems bool
	Register                   string
	ChangedWhen                []string
	FailedWhen                 []string
	IgnoreErrors               *bool
	IgnoreUnreachable          *bool
	Notify                     []string
	Listen                     []string
	Tags                       []string
	DelegateTo                 string
	DelegateFacts              bool
	RunOnce                    bool
	Retries                    *int
	Until                      []string
	Delay                      *int
	Become                     *bool
	BecomeUser                 string
	BecomeMethod               string
	RemoteUser                 string
	Connection                 string
	Vars                       map[string]any
	// RoleParams are the parameters of a roles: entry, on the block that
	// holds the role's tasks; they rank above set_fact, as in Ansible.
	RoleParams     map[string]any
	Environment    map[string]any
	NoLog          *bool
	Throttle       int
	Timeout        *int // task keyword timeout, in seconds; nil or 0: none; a block's applies to its tasks
	CheckMode      *bool
	Diff           *bool
	AnyErrorsFatal *bool
}

// Include is a dynamic include resolved at run time.
type Include struct {
	Kind string // "tasks" or "role"
	As   string // the keyword as written (ansible.builtin.include_tasks), for the banner
	File string // include_tasks: the file (may be templated)
	Role string // include_role: the role name
	// TasksFrom etc. for include_role.
	TasksFrom string
	// Params become include parameters (variables) for the included tasks.
	Params map[string]any
	// Apply is the include's apply: a block of keywords around the
	// included tasks (nil when not given).
	Apply *Task
	// Loaded holds the tasks when the file name was static and could be
	// loaded ahead for static checks.
	Loaded []*Task
}

// DisplayName is the task name as Ansible prints it.
func (t *Task) DisplayName() string {
	prefix := ""
	if t.Role != nil {
		prefix = t.Role.Name + " : "
	}
	if t.Name != "" {
		return prefix + t.Name
	}
	if t.Block != nil {
		return prefix + "block"
	}
	if t.Include != nil {
		as := t.Include.As
		if as == "" {
			as = "include_" + t.Include.Kind
		}
		if t.Include.Kind == "role" {
			// Ansible's IncludeRole.get_name: the action and the role, with
			// no prefix of the role the task is in.
			return as + " : " + t.Include.Role
		}
		return prefix + as
	}
	return prefix + t.Module
}
