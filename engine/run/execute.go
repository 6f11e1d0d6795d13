package run

import (
	"context"
	"crypto/rand"
	"io"
	"os"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/term"

	"github.com/haplay/haplay/engine/connection"
	"github.com/haplay/haplay/engine/inventory"
	"github.com/haplay/haplay/engine/playbook"
	"github.com/haplay/haplay/engine/report"
	"github.com/haplay/haplay/engine/runner"
	"github.com/haplay/haplay/engine/template"
	"github.com/haplay/haplay/engine/yamlnode"
)

// Execute runs the loaded playbook. The recap is complete even when the
// error is non-nil (an interrupted run); user errors are *Error.
func (l *Loaded) Execute(ctx context.Context) (_ *runner.Recap, err error) {
	o := l.opts
	defer func() { err = redactError(o.Vault, err) }()
	yr := yamlnode.Reader{Vault: o.Vault}
	policy, _ := connection.ParseHostKeyPolicy(o.HostKeyChecking)
	knownHosts := append(append(append([]string{}, o.KnownHosts...), inventoryKnownHosts(l.Inventory)...), defaultsKnownHosts(o.Connection)...)
	hk, err := connection.NewHostKeyChecker(policy, knownHosts)
	if err != nil {
		return nil, usageErrorf("known hosts: %v", err)
	}
	pbVars, err := inventory.LoadVarsDirsWith(l.Playbook.Dir, yr)
	if err != nil {
		return nil, parseError(err)
	}
	multi, closeLog, err := l.reporters()
	if err != nil {
		return nil, err
	}
	defer closeLog()
	// Every reporter (text, JSON, --log-file) sees the run through one
	// redaction of the values that came out of a vault.
	reporters := report.Redact{R: multi, Secrets: o.Vault.Revealed}
	pool, err := connection.NewPool(connection.PoolConfig{HostKeys: hk, ConnectTimeout: o.Timeout, Shells: o.SSHShells,
		Lock: l.lockConfig(reporters.Warn)})
	if err != nil {
		return nil, err
	}
	// Before closeLog, so a lock that could not be released is logged.
	defer pool.Close()
	limits, err := l.Limits()
	if err != nil {
		return nil, err
	}
	inv := newInventory(l.Inventory, pbVars, reporters.Warn)
	// A lookup with errors='warn' warns through the same redaction.
	l.templates.SetLookupHooks(template.LookupHooks{ReadFile: o.Vault.ReadFile, Warn: reporters.Warn})
	cache, err := l.factCache(limits)
	if err != nil {
		return nil, err
	}
	opts := runner.Options{
		Inventory: inv,
		Modules:   l.registry,
		Templates: l.templates,
		Connector: poolConnector{pool: pool, inv: inv},
		Reporter:  reporters,
		Prompter:  o.Terminal,
		YAML:      yr,
		LoadTasks: func(path string) ([]*playbook.Task, error) {
			return playbook.LoadTasks(path, playbook.Options{Modules: l.registry, Templates: templateChecker{l.templates}, YAML: yr, Catalog: l.catalog})
		},
		Forks: o.Forks, Check: o.Check, Diff: o.Diff, Limit: limits,
		Tags: SplitTags(o.Tags), SkipTags: SplitTags(o.SkipTags), StartAt: o.StartAt,
		ExtraVars: l.extraVars, Verbosity: o.Verbosity, ResumeDir: o.ResumeDir,
		InventorySources: l.Inventory.Sources(),
		Connection:       o.Connection, ForceHandlers: o.ForceHandlers, Step: o.Step,
		Gathering: o.Facts.Gathering, GatherSubset: o.Facts.GatherSubset, GatherTimeout: o.Facts.GatherTimeout,
		FactPath: o.Facts.FactPath,
	}
	if cache != nil {
		opts.FactCache = cache
	}
	return runner.Run(ctx, l.Playbook, opts)
}

// lockConfig is how this run takes its hosts' locks: nil for a check run
// (it changes nothing, so it neither takes a lock nor waits for one) and
// with --no-lock. The run id is random, so two runs of one controller
// process (tests) are told apart too.
func (l *Loaded) lockConfig(warn func(string)) *connection.LockConfig {
	if l.opts.Check || l.opts.NoLock {
		return nil
	}
	name, err := os.Hostname()
	if err != nil || name == "" {
		name = "unknown"
	}
	id := rand.Text()[:12]
	return &connection.LockConfig{Wait: l.opts.LockWait, Warn: warn,
		Owner: connection.LockOwner{Controller: strings.ReplaceAll(name, " ", "_"), PID: os.Getpid(), RunID: id, Start: time.Now()}}
}

// reporters builds the text or JSON report and the --log-file log; the
// returned func closes the log file.
func (l *Loaded) reporters() (report.Multi, func(), error) {
	o := l.opts
	var reporters report.Multi
	switch o.Output {
	case "json":
		reporters = append(reporters, report.NewJSON(o.Stdout))
	case "text":
		if o.AdHoc == nil {
			reporters = append(reporters, l.textReporter())
			break
		}
		stderr := o.Stderr
		if stderr == nil {
			stderr = io.Discard
		}
		reporters = append(reporters, report.NewAdHoc(o.Stdout, stderr, report.AdHocOptions{
			OneLine: o.AdHoc.OneLine, Verbosity: o.Verbosity, Diff: o.Diff, Color: isTerminal(o.Stdout) && !o.NoColor, Modules: l.registry}))
	}
	if o.LogFile == "" {
		return reporters, func() {}, nil
	}
	f, err := os.OpenFile(o.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, usageErrorf("--log-file: %v", err)
	}
	lvl, err := zerolog.ParseLevel(o.LogLevel)
	if err != nil {
		f.Close()
		return nil, nil, usageErrorf("--log-level: %v", err)
	}
	reporters = append(reporters, report.Log{L: zerolog.New(f).Level(lvl).With().Timestamp().Logger()})
	return reporters, func() { f.Close() }, nil
}

// textReporter is ansible-playbook's output.
func (l *Loaded) textReporter() *report.Text {
	o := l.opts
	return report.NewText(o.Stdout, report.TextOptions{
		Verbosity: o.Verbosity, Diff: o.Diff, Color: isTerminal(o.Stdout) && !o.NoColor, Check: o.Check, Plan: o.Plan, Modules: l.registry})
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
