// Package modules holds haplay's modules, one per file, and Builtin, the
// registry of all of them. The contract they implement (Module, Call,
// Result, Spec, the capability interfaces) is package engine/module.
//
// A module reads the current state of its host, computes the desired state
// and acts only on the difference. In check mode it stops after computing
// the difference and reports exactly what it would change; a module that
// cannot know (command without creates/removes) returns Skipped with a
// reason, never a guess.
package modules

import (
	"context"
	"io/fs"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/module"
)

// The contract's names, so that the module files read as before. They are
// aliases, not new types: a modules.Spec is a module.Spec. (When modules/
// splits by domain, the subpackages name engine/module directly.)
type (
	Module          = module.Module
	Host            = module.Host
	Controller      = module.Controller
	TemplateOptions = module.TemplateOptions
	Call            = module.Call
	Result          = module.Result
	Diff            = module.Diff
	InventoryChange = module.InventoryChange
	Args            = module.Args
	Type            = module.Type
	Arg             = module.Arg
	Spec            = module.Spec
	ArgError        = module.ArgError
	Registry        = module.Registry
	FileInfo        = module.FileInfo
	UnitState       = module.UnitState
	Predictor       = module.Predictor
	UnitPredictor   = module.UnitPredictor
	Resetter        = module.Resetter
	Reconnecter     = module.Reconnecter
)

const (
	TypeStr  = module.TypeStr
	TypeInt  = module.TypeInt
	TypeBool = module.TypeBool
	TypeList = module.TypeList
	TypeDict = module.TypeDict
	TypePath = module.TypePath
	TypeRaw  = module.TypeRaw
	TypeMode = module.TypeMode
)

// NewRegistry returns a registry holding ms (see module.NewRegistry).
func NewRegistry(ms ...Module) *Registry { return module.NewRegistry(ms...) }

// SplitCommaList splits "a,b, c" into its trimmed elements.
func SplitCommaList(s string) []string { return module.SplitCommaList(s) }

// ParseMode parses an octal or symbolic file mode (module.ParseMode).
func ParseMode(s string, current fs.FileMode, isDir bool) (fs.FileMode, error) {
	return module.ParseMode(s, current, isDir)
}

// FormatMode prints a mode as Ansible does: "0644".
func FormatMode(m fs.FileMode) string { return module.FormatMode(m) }

func octalToMode(n uint32) fs.FileMode { return module.OctalToMode(n) }
func modeToOctal(m fs.FileMode) uint32 { return module.ModeToOctal(m) }
func kindOf(v any) string              { return module.KindOf(v) }

// Validate checks arguments against a spec (module.Validate).
func Validate(spec Spec, raw map[string]any, final bool) (Args, []ArgError) {
	return module.Validate(spec, raw, final)
}

// ReadFileInfo reads a path's attributes and content in one round trip
// (module.ReadFileInfo).
func ReadFileInfo(ctx context.Context, h interface {
	Run(context.Context, hostcmd.Cmd) (hostcmd.Output, error)
}, path string, withContent bool, become hostcmd.Become) (FileInfo, error) {
	return module.ReadFileInfo(ctx, h, path, withContent, become)
}
