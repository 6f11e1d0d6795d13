package module

// Capabilities. A module declares what the runner must know about it by
// implementing these interfaces; the runner type-asserts for them and
// never looks at a module's name. The first group is implemented by
// modules, the second by the hosts the runner hands to modules.

// RunsOnController is a module that never touches the host: it works on
// the controller alone (debug, set_fact, assert), so the runner opens no
// connection for it.
type RunsOnController interface{ RunsOnController() }

// RunsOnce is a module that runs once per batch whatever the hosts, as if
// it had run_once (add_host adds its host once, pause waits once).
type RunsOnce interface{ RunsOnce() }

// InventoryChanger is a module whose Result.Inventory changes the run's
// inventory (add_host, group_by). The runner applies Result.Inventory only
// for modules that declare this.
type InventoryChanger interface{ ChangesInventory() }

// FactSetter is a module whose facts are named by its arguments
// (set_fact). FactNames returns the facts a task with these raw arguments
// sets, so that, when the task cannot predict in check mode, the runner
// marks those facts unknown too.
type FactSetter interface {
	FactNames(args map[string]any) []string
}

// FactGatherer is the module that gathers a host's facts (setup). The
// runner runs it for gather_facts, and the facts it returns rank below
// play variables, as gathered facts do in Ansible, while facts of other
// modules (set_fact) rank above.
type FactGatherer interface{ GathersFacts() }

// RunControl is a module whose action the runner carries out on the run
// itself rather than on a host (meta: flush_handlers, end_play, ...).
// Its Run is never called inside a play.
type RunControl interface{ ControlsRun() }

// PrintsLikeDebug is a module whose result the text output shows in full
// at every verbosity (debug's msg or var), as Ansible's debug does.
type PrintsLikeDebug interface{ PrintsLikeDebug() }

// Predictor is implemented by hosts that keep a check-mode overlay: a module
// that changes files by other means than WriteFile (mkdir, chmod, rm)
// records what a real run would leave, so later tasks of the same check run
// see it.
type Predictor interface {
	RecordPredicted(f FileInfo)
}

// PredictionLister is implemented by hosts that keep a check-mode overlay:
// the files that earlier tasks of the check run predicted directly in dir
// (written, or removed: Exists false). A module that reads a whole
// directory in one command (apt_repository reads sources.list.d) merges
// them over what it read, so it plans from what those tasks would leave.
type PredictionLister interface {
	PredictedIn(dir string) []FileInfo
}

// UnitPredictor is implemented by hosts that keep a check-mode overlay of
// service units, as they do of files: a task that would start, stop,
// enable or mask a unit records what a real run would leave, so later
// tasks of the same check run plan from that rather than from the host.
// Other named state that is not a file goes there too, under a key with
// a prefix of its own: "mount:PATH" (mount's mount points),
// "filesystem:DEV" (filesystem's filesystems).
type UnitPredictor interface {
	PredictedUnit(key string) (UnitState, bool)
	RecordUnit(key string, u UnitState)
}

// Resetter is implemented by hosts whose connection remembers a failed
// dial; Reset forgets it so the next command dials again.
type Resetter interface{ Reset() }

// Reconnecter is implemented by hosts reached over a connection that can
// be dropped and dialled again (SSH). Reconnectable is false for the
// controller itself (ansible_connection=local).
type Reconnecter interface {
	Reconnectable() bool
	Disconnect()
}

// ControllerFileUser is a module that reads files on the controller named
// by its arguments (template's src, copy's src unless remote_src, script's
// script, include_vars' file). The loader checks that each literal one
// exists where the runner will look for it, so a typo fails before any
// host is contacted; a templated name is checked when the task runs.
type ControllerFileUser interface {
	ControllerFiles(a Args) []ControllerFile
}

// ControllerFile is one file a task reads on the controller.
type ControllerFile struct {
	Arg  string // the argument that names it, for the error's position
	Kind string // the role or playbook directory searched: "files", "templates", "vars"
	Name string // as written in the task
}

// AdHocCommand is a module whose arguments are a command line (command,
// shell, raw, script): haplay exec refuses it without -a, as Ansible's
// ad-hoc command does (MODULE_REQUIRE_ARGS). PlainOutput says whether
// the ad-hoc output shows its rc, stdout and stderr as text instead of
// its result as JSON (Ansible's MODULE_NO_JSON: all of them but script).
type AdHocCommand interface{ PlainOutput() bool }
