// Package run is haplay's composition root: it loads a run (options,
// inventory, extra vars, playbook and its static checks, vars_prompt) and
// executes it, wiring the inventory, the connection pool, the reporters
// and the modules into the runner. cmd/haplay only turns flags into
// Options and outcomes into exit codes.
package run

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/haplay/haplay/engine/catalog"
	"github.com/haplay/haplay/engine/connection"
	"github.com/haplay/haplay/engine/connspec"
	"github.com/haplay/haplay/engine/inventory"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/engine/playbook"
	"github.com/haplay/haplay/engine/requirements"
	"github.com/haplay/haplay/engine/runner"
	"github.com/haplay/haplay/engine/template"
	"github.com/haplay/haplay/engine/vault"
	"github.com/haplay/haplay/engine/yamlnode"
	"github.com/haplay/haplay/modules"
)

// Options are what a run is made of, named after ansible-playbook's flags.
type Options struct {
	Playbook        string
	Inventories     []string
	Limit           []string // host patterns, or @FILE of host names
	Forks           int
	Check           bool
	Diff            bool
	Plan            bool // haplay plan: the text report ends with what would change
	Tags            []string
	SkipTags        []string
	StartAt         string
	ExtraVars       []string // -e values: k=v, @FILE, JSON or YAML
	KnownHosts      []string
	HostKeyChecking string // strict, accept-new or off
	Timeout         time.Duration
	RolesPath       []string
	// CollectionsPaths are ansible.cfg's collections_path(s): directories
	// holding ansible_collections/, after the vendored ones.
	CollectionsPaths []string
	Output           string // text or json
	ResumeDir        string // where a stopped rollout writes its resume file ("" = .haplay/ beside the playbook)
	SSHShells        int    // remote shells per host, -1 = channel per command
	// LockWait is how long a run waits for a host another haplay run
	// holds (its lock, connection.LockPath) before it gives that host up;
	// 0 gives it up at once. NoLock takes no lock at all. A check run
	// (plan, --check) takes none either: it changes nothing.
	LockWait  time.Duration
	NoLock    bool
	Verbosity int
	LogFile   string
	LogLevel  string
	Stdout    io.Writer
	Stderr    io.Writer // load-time warnings; nil: not shown
	// Connection holds -u, -b, --become-user, --become-method, the
	// passwords -K and -k asked for, --private-key and the ssh arguments:
	// the defaults below every keyword and variable.
	Connection    connspec.Defaults
	ForceHandlers bool // --force-handlers: the default of force_handlers
	// Step is --step: ask on Terminal before each task. Verify refuses it
	// without a Terminal.
	Step    bool
	NoColor bool // ANSIBLE_NOCOLOR, nocolor in ansible.cfg
	Facts   FactOptions
	// Prompt asks the user for a vars_prompt value; nil, or ErrNoTerminal,
	// means nobody can answer.
	Prompt Prompter
	// Terminal is where pause shows its text and asks; nil when there is
	// no operator.
	Terminal runner.Prompter
	// AdHoc, when set, is the one task of haplay exec, run in place of
	// Playbook.
	AdHoc *AdHoc
	// Vault holds the vault ids (vault.Load); what it decrypts is hidden
	// from every report, log and error. nil: no vault ids were given.
	Vault *vault.Keyring
}

// FactOptions are ansible.cfg's gathering and fact cache settings.
type FactOptions struct {
	Gathering     string   // implicit (""), explicit or smart
	GatherSubset  []string // gather_subset when the play sets none
	GatherTimeout *int     // gather_timeout when the play sets none
	FactPath      string   // fact_path of gathering
	// CacheDir is the jsonfile cache's directory; "" keeps facts for the
	// run only (Ansible's memory cache).
	CacheDir     string
	CachePrefix  string
	CacheTimeout time.Duration // 0: entries never expire
	FlushCache   bool          // --flush-cache
}

// Prompter asks for one value, without echo when private.
type Prompter func(prompt string, private bool) (string, error)

// ErrNoTerminal is what a Prompter returns when nobody can answer.
var ErrNoTerminal = errors.New("no terminal to prompt on")

// Kind says what a user error is about, for the exit code.
type Kind int

// The kinds of user errors.
const (
	BadOptions Kind = iota + 1 // exit 5
	ParseError                 // exit 4
	// AdHocTaskError is an ad-hoc task that does not load (-m, -a): exit
	// 2, as Ansible's ad-hoc command fails that task on every host.
	AdHocTaskError
)

// Error is an error meant for the user, of some Kind.
type Error struct {
	Kind Kind
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

func usageErrorf(format string, a ...any) error {
	return &Error{Kind: BadOptions, Err: fmt.Errorf(format, a...)}
}

func parseError(err error) error { return &Error{Kind: ParseError, Err: err} }

// Verify checks the options that need no file: output, forks and the
// host key policy.
func (o Options) Verify() error {
	if o.Output != "text" && o.Output != "json" {
		return usageErrorf("--output %q: use text or json", o.Output)
	}
	if o.Forks < 1 {
		return usageErrorf("--forks must be at least 1")
	}
	if _, err := connection.ParseHostKeyPolicy(o.HostKeyChecking); err != nil {
		return usageErrorf("--host-key-checking: %v", err)
	}
	if c := o.Connection.Connection; c != "" {
		if _, ok := playbook.ConnectionType(c); !ok {
			return usageErrorf("-c/--connection %q is not supported (use ssh or local)", c)
		}
	}
	if m := o.Connection.BecomeMethod; m != "" && !playbook.BecomeMethod(m) {
		return usageErrorf("--become-method %q is not supported (use sudo or su)", m)
	}
	if o.Step && o.Terminal == nil {
		return usageErrorf("--step needs a terminal to ask on")
	}
	if o.LockWait < 0 {
		return usageErrorf("--lock-wait must not be negative")
	}
	if o.Check && (o.LockWait > 0 || o.NoLock) {
		return usageErrorf("--lock-wait and --no-lock do nothing with --check: a check run takes no host lock")
	}
	if o.NoLock && o.LockWait > 0 {
		return usageErrorf("--lock-wait does nothing with --no-lock")
	}
	return nil
}

// Loaded is a playbook and inventory ready to run.
type Loaded struct {
	Playbook  *playbook.Playbook
	Inventory *inventory.Inventory
	opts      Options
	extraVars map[string]any
	registry  *module.Registry
	templates *template.Engine
	catalog   *catalog.Catalog
}

// Load does everything that can fail before a host is contacted:
// options, inventory, extra vars, the playbook and its static checks,
// and vars_prompt.
func Load(o Options) (_ *Loaded, err error) {
	defer func() { err = redactError(o.Vault, err) }()
	if err := o.Verify(); err != nil {
		return nil, err
	}
	yr := yamlnode.Reader{Vault: o.Vault}
	extra, err := parseExtraVars(o.ExtraVars, yr)
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	inv, err := inventory.LoadWith(o.Inventories, yr)
	if err != nil {
		return nil, parseError(fmt.Errorf("inventory: %w", err))
	}
	if len(o.Inventories) == 0 {
		inv = inventory.New()
	}
	reg := modules.Builtin()
	eng := template.New()
	eng.SetLookupHooks(template.LookupHooks{ReadFile: o.Vault.ReadFile})
	roles := append([]string{}, o.RolesPath...)
	if env := os.Getenv("HAPLAY_ROLES_PATH"); env != "" {
		roles = append(roles, filepath.SplitList(env)...)
	}
	cat := catalog.New()
	popts := playbook.Options{Modules: reg, Templates: templateChecker{eng}, RolesPath: roles,
		VendorRolesPath: requirements.RolesPath(o.Inventories), CollectionsPaths: append(requirements.CollectionsPath(o.Inventories), o.CollectionsPaths...),
		YAML: yr, Catalog: cat}
	var pb *playbook.Playbook
	if o.AdHoc != nil {
		if pb, err = loadAdHoc(o.AdHoc, reg, popts); err != nil {
			return nil, err
		}
	} else if pb, err = playbook.Load(o.Playbook, popts); err != nil {
		return nil, parseError(err)
	}
	if o.Stderr != nil {
		for _, w := range pb.Warnings {
			fmt.Fprintf(o.Stderr, "[WARNING]: %s\n", w)
		}
	}
	if err := promptVars(pb, extra, o.Prompt); err != nil {
		return nil, usageErrorf("%v", err)
	}
	return &Loaded{Playbook: pb, Inventory: inv, opts: o, extraVars: extra, registry: reg, templates: eng, catalog: cat}, nil
}

// templateChecker adapts the template engine to the loader's checks.
type templateChecker struct{ e *template.Engine }

func (c templateChecker) Check(s string) error { return c.e.CheckTemplate(s) }

func (c templateChecker) HasLookup(name string) bool { return c.e.HasLookup(name) }

func (c templateChecker) LookupFiles(s string) ([]playbook.LookupFile, []error) {
	refs, errs := c.e.LookupFiles(s)
	return lookupFiles(refs), errs
}

func (c templateChecker) LoopFiles(name, action string, terms any) []playbook.LookupFile {
	return lookupFiles(c.e.LoopFiles(name, action, terms))
}

func lookupFiles(refs []template.FileRef) []playbook.LookupFile {
	out := make([]playbook.LookupFile, len(refs))
	for i, r := range refs {
		out[i] = playbook.LookupFile{Plugin: r.Plugin, Kind: r.Kind, Names: r.Names}
	}
	return out
}

// CheckFile checks a template file named by a literal src, and the
// templates it includes by a literal name.
func (c templateChecker) CheckFile(path, text string, delims map[string]string, load func(string) (string, string, error)) error {
	opts := template.AnsibleFileOptions()
	opts.Delims = template.Delims{VarStart: delims["variable_start_string"], VarEnd: delims["variable_end_string"],
		BlockStart: delims["block_start_string"], BlockEnd: delims["block_end_string"],
		CommentStart: delims["comment_start_string"], CommentEnd: delims["comment_end_string"]}
	return c.e.CheckFileTree(path, text, opts, load)
}

// Limits returns the --limit patterns, with @FILE read into host lists.
func (l *Loaded) Limits() ([]string, error) {
	out, err := limitPatterns(l.opts.Limit)
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	return out, nil
}

// PlayHosts lists the hosts play p runs on, as the run chooses them
// (--limit and the play's order: applied), for --list-hosts.
func (l *Loaded) PlayHosts(p *playbook.Play) ([]string, error) {
	limits, err := l.Limits()
	if err != nil {
		return nil, err
	}
	return runner.PlayHosts(quietInventory{l.Inventory}, p, limits)
}

// quietInventory matches patterns without the warnings (a listing is not
// a run, and says nothing more than ansible-playbook --list-hosts does).
type quietInventory struct{ inv *inventory.Inventory }

func (q quietInventory) Match(p string) ([]string, error) {
	hosts, _, err := q.inv.Match(p)
	return hosts, err
}

// SplitTags splits comma lists of tags (-t a,b -t c).
func SplitTags(l []string) []string {
	var out []string
	for _, s := range l {
		out = append(out, module.SplitCommaList(s)...)
	}
	return out
}

// limitPatterns expands @FILE limits into host lists.
func limitPatterns(l []string) ([]string, error) {
	var out []string
	for _, s := range l {
		if !strings.HasPrefix(s, "@") {
			out = append(out, s)
			continue
		}
		data, err := os.ReadFile(s[1:])
		if err != nil {
			return nil, fmt.Errorf("--limit %s: %w", s, err)
		}
		var hosts []string
		for _, line := range strings.Split(string(data), "\n") {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				hosts = append(hosts, line)
			}
		}
		if len(hosts) == 0 {
			return nil, fmt.Errorf("--limit %s: the file lists no hosts", s)
		}
		out = append(out, strings.Join(hosts, ","))
	}
	return out, nil
}
