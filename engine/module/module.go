// Package module is the contract between haplay's modules and the engine:
// Module, the Call a module receives, the Host and Controller it talks to,
// the Result it returns, argument specs and their validation, the registry
// the loader and the runner look modules up in, and the capability
// interfaces through which a module declares what it is (capability.go).
// The modules themselves live in package module; the runner knows none of
// them by name.
//
// A module reads the current state of its host, computes the desired state
// and acts only on the difference. In check mode it stops after computing
// the difference and reports exactly what it would change; a module that
// cannot know (command without creates/removes) returns Skipped with a
// reason, never a guess.
package module

import (
	"context"

	"github.com/haplay/haplay/engine/connection/hostcmd"
)

// Module is one kind of task.
type Module interface {
	Name() string // "copy"; FQCNs such as ansible.builtin.copy map to it (see Registry)
	Spec() Spec
	Run(ctx context.Context, c *Call) (Result, error)
}

// Host is one host as a module sees it. The runner hands modules a Host
// that, in check mode, overlays the files earlier tasks would have written.
type Host interface {
	Name() string
	Run(ctx context.Context, cmd hostcmd.Cmd) (hostcmd.Output, error)
	WriteFile(ctx context.Context, path string, data []byte, opts hostcmd.WriteOptions) error
	// ReadFile stats path and reads its content (when withContent) in one
	// round trip. In check mode it returns what earlier tasks of this run
	// would have written, so diffs build on predicted state.
	ReadFile(ctx context.Context, path string, withContent bool) (FileInfo, error)
}

// Controller is what a module may ask of the controller side: templating,
// files from the role or playbook, and variables. Action-like modules
// (debug, set_fact, template, copy with src) need it.
type Controller interface {
	// Render templates text with the task's variables ({{ }} and {% %}).
	Render(text string) (string, error)
	// RenderFile renders a template file's text with the task's variables
	// plus opts.Vars, with Jinja's whitespace options.
	RenderFile(text string, opts TemplateOptions) (string, error)
	// Eval evaluates one expression (debug var=, assert that=).
	Eval(expr string) (any, error)
	// FindFile finds name under the role's or playbook's kind ("files",
	// "templates", "vars") directory, or as given when it is absolute.
	FindFile(kind, name string) (string, error)
	// Notify shows text to the operator, beside the run's output (pause's
	// prompt while it waits).
	Notify(text string)
	// Prompt asks the operator and returns the line typed; with echo false
	// the typing is not shown. It fails, rather than hang, when nobody can
	// answer (CI=true, no terminal).
	Prompt(ctx context.Context, text string, echo bool) (string, error)
	// ReadFile reads a controller file the task names (copy or template
	// src): vault text is decrypted with the run's vault ids, and what it
	// held is then never printed.
	ReadFile(path string) ([]byte, error)
	// LoadVarsFile reads a vars file (include_vars) as the loader does,
	// vaulted files and !vault values decrypted.
	LoadVarsFile(path string) (map[string]any, error)
}

// TemplateOptions shape how a template file renders (the template
// module's trim_blocks, lstrip_blocks and newline_sequence) and add
// variables (template_path, ansible_managed) for this rendering only.
type TemplateOptions struct {
	// Path is the template's file on the controller: its errors name it,
	// and the templates it includes are also looked for beside it.
	Path            string
	TrimBlocks      bool
	LstripBlocks    bool
	NewlineSequence string
	// The tag delimiters (variable_start_string...); "" is Jinja's.
	VarStart, VarEnd, BlockStart, BlockEnd, CommentStart, CommentEnd string
	Vars                                                             map[string]any
}

// Call is one invocation of a module on one host.
type Call struct {
	Host       Host
	Args       Args
	Check      bool // check mode: change nothing, predict exactly
	Diff       bool // produce before/after texts
	Become     hostcmd.Become
	Controller Controller
	// Hosts, when set, gives the module another inventory host's
	// connection (with this task's check mode and become), for modules
	// that must act on two hosts in one step: microk8s gets a join token
	// from the primary and joins with it on this host.
	Hosts func(name string) (Host, error)
}

// Result is what a module reports. Values is what `register` sees, with
// Ansible's keys (rc, stdout, stdout_lines, stderr, path, checksum, ...).
type Result struct {
	Changed    bool
	Failed     bool
	Skipped    bool
	SkipReason string
	Msg        string
	Diffs      []Diff
	Values     map[string]any
	// Facts are set on the host (set_fact, gathered facts).
	Facts map[string]any
	// CacheFacts puts Facts in the fact cache too (set_fact cacheable),
	// as gathered facts always are.
	CacheFacts bool
	// Inventory is the change an InventoryChanger asks of the run's
	// in-memory inventory; the runner applies it (in check mode too).
	Inventory *InventoryChange
}

// InventoryChange adds a host to groups, creating both as needed, and
// sets its variables. An empty Host means the host the task ran for.
type InventoryChange struct {
	Host   string
	Groups []string
	Vars   map[string]any
	// ChangedIfNew makes the task changed only when the host was not yet
	// in one of Groups (group_by); otherwise the module's Changed stands.
	ChangedIfNew bool
}

// Diff is one textual change, shown as a unified diff with --diff.
type Diff struct {
	BeforeHeader string // e.g. "/etc/hosts (before)"
	AfterHeader  string
	Before       string
	After        string
}

// Set is a small helper for building Values.
func (r *Result) Set(key string, v any) {
	if r.Values == nil {
		r.Values = map[string]any{}
	}
	r.Values[key] = v
}
