// Package modules holds haplay's modules, one per file, and the registry the
// playbook loader and the runner look them up in.
//
// A module reads the current state of its host, computes the desired state
// and acts only on the difference. In check mode it stops after computing
// the difference and reports exactly what it would change; a module that
// cannot know (command without creates/removes) returns Skipped with a
// reason, never a guess.
package modules

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
}

// TemplateOptions shape how a template file renders (the template
// module's trim_blocks, lstrip_blocks and newline_sequence) and add
// variables (template_path, ansible_managed) for this rendering only.
type TemplateOptions struct {
	TrimBlocks      bool
	LstripBlocks    bool
	NewlineSequence string
	Vars            map[string]any
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
}

// Diff is one textual change, shown as a unified diff with --diff.
type Diff struct {
	BeforeHeader string // e.g. "/etc/hosts (before)"
	AfterHeader  string
	Before       string
	After        string
}

// ValueOf is a small helper for building Values.
func (r *Result) Set(key string, v any) {
	if r.Values == nil {
		r.Values = map[string]any{}
	}
	r.Values[key] = v
}
