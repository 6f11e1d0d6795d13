package runner

import (
	"context"
	"path"
	"sort"
	"sync"

	"github.com/haplay/haplay/engine/connection"
	"github.com/haplay/haplay/engine/module"
)

// overlay holds, per host, the files earlier tasks of a check-mode run
// would have written, so later tasks diff against predicted state (Ansible
// diffs against the old file here and gets it wrong).
type overlay struct {
	mu    sync.Mutex
	files map[string]module.FileInfo
	units map[string]module.UnitState // service units, by modules' unit key
}

func (o *overlay) get(path string) (module.FileInfo, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	f, ok := o.files[path]
	return f, ok
}

func (o *overlay) put(f module.FileInfo) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.files == nil {
		o.files = map[string]module.FileInfo{}
	}
	o.files[f.Path] = f
}

// in lists the predicted files directly in dir, sorted by path.
func (o *overlay) in(dir string) []module.FileInfo {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []module.FileInfo
	for p, f := range o.files {
		if path.Dir(p) == dir {
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

func (o *overlay) getUnit(key string) (module.UnitState, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	u, ok := o.units[key]
	return u, ok
}

func (o *overlay) putUnit(key string, u module.UnitState) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.units == nil {
		o.units = map[string]module.UnitState{}
	}
	o.units[key] = u
}

// hostHandle is a host as a module sees it: a connection, plus the
// check-mode overlay. In check mode WriteFile records the predicted file
// instead of writing it, so modules use one code path for both modes and
// check mode cannot change the host through it.
type hostHandle struct {
	name    string
	target  connection.Target
	check   bool
	overlay *overlay
	become  connection.Become
	// onCmd, when set (-vv), is told every command before it runs. It is
	// nil for no_log tasks, whose commands may carry secrets.
	onCmd func(connection.Cmd)
}

// The capabilities a check-mode host offers modules.
var (
	_ module.Host          = (*hostHandle)(nil)
	_ module.Predictor     = (*hostHandle)(nil)
	_ module.UnitPredictor = (*hostHandle)(nil)
	_ module.Resetter      = (*hostHandle)(nil)
	_ module.Reconnecter   = (*hostHandle)(nil)
)

func (h *hostHandle) Name() string { return h.name }

// Reset forgets the target's failed dial (module.Resetter), for
// wait_for_connection.
func (h *hostHandle) Reset() {
	if r, ok := h.target.(interface{ Reset() }); ok {
		r.Reset()
	}
}

// connTarget is the target under the task's environment wrapper.
func (h *hostHandle) connTarget() connection.Target {
	if e, ok := h.target.(envTarget); ok {
		return e.Target
	}
	return h.target
}

// Reconnectable reports whether the host is reached over a connection
// that Disconnect can drop (module.Reconnecter, for reboot): false for
// ansible_connection=local, where the host is the controller itself.
func (h *hostHandle) Reconnectable() bool {
	_, ok := h.connTarget().(interface{ Disconnect() })
	return ok
}

// Disconnect drops the host's connection so the next command dials a new
// one, for every later task of the run too.
func (h *hostHandle) Disconnect() {
	if d, ok := h.connTarget().(interface{ Disconnect() }); ok {
		d.Disconnect()
	}
}

func (h *hostHandle) Run(ctx context.Context, c connection.Cmd) (connection.Output, error) {
	if h.onCmd != nil {
		h.onCmd(c)
	}
	return h.target.Run(ctx, c)
}

func (h *hostHandle) WriteFile(ctx context.Context, path string, data []byte, opts connection.WriteOptions) error {
	if h.check {
		prev, _ := h.ReadFile(ctx, path, false)
		f := module.FileInfo{Path: path, Exists: true, Type: "file", Content: append([]byte(nil), data...), HasData: true,
			Size: int64(len(data)), Owner: prev.Owner, Group: prev.Group, Mode: prev.Mode}
		if opts.Mode != 0 {
			f.Mode = opts.Mode
		} else if !prev.Exists {
			f.Mode = 0o644
		}
		if opts.Owner != "" {
			f.Owner = opts.Owner
		}
		if opts.Group != "" {
			f.Group = opts.Group
		}
		h.overlay.put(f)
		return nil
	}
	err := h.target.WriteFile(ctx, path, data, opts)
	return err
}

func (h *hostHandle) ReadFile(ctx context.Context, path string, withContent bool) (module.FileInfo, error) {
	if h.check {
		if f, ok := h.overlay.get(path); ok {
			return f, nil
		}
	}
	return module.ReadFileInfo(ctx, h.target, path, withContent, h.become)
}

// RecordPredicted lets modules that change files by other means than
// WriteFile (mkdir, chmod, rm) tell the overlay what a real run would
// leave behind.
func (h *hostHandle) RecordPredicted(f module.FileInfo) {
	if h.check {
		h.overlay.put(f)
	}
}

// PredictedIn lists the files earlier tasks of this check run predicted
// in dir (module.PredictionLister); none outside check mode.
func (h *hostHandle) PredictedIn(dir string) []module.FileInfo {
	if !h.check {
		return nil
	}
	return h.overlay.in(dir)
}

// PredictedUnit is the unit state an earlier task of this check run
// predicted (module.UnitPredictor).
func (h *hostHandle) PredictedUnit(key string) (module.UnitState, bool) {
	if !h.check {
		return module.UnitState{}, false
	}
	return h.overlay.getUnit(key)
}

// RecordUnit keeps a predicted unit state for later tasks of the check run.
func (h *hostHandle) RecordUnit(key string, u module.UnitState) {
	if h.check {
		h.overlay.putUnit(key, u)
	}
}
