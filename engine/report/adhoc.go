package report

import (
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/haplay/haplay/engine/connection"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/engine/playbook"
	"github.com/haplay/haplay/engine/runner"
)

// AdHoc writes the output of Ansible's ad-hoc command, `ansible`: one
// entry per host, in the shapes of its minimal callback
// (`node1 | CHANGED | rc=0 >>` and the output for the modules that run a
// command line, `node1 | SUCCESS => {...}` with the result indented 4
// for the others) or, with OneLine, of its oneline callback (-o). No
// banners and no recap, as there.
type AdHoc struct {
	mu  sync.Mutex
	w   io.Writer
	err io.Writer
	o   AdHocOptions
}

// AdHocOptions configure AdHoc.
type AdHocOptions struct {
	OneLine   bool
	Verbosity int // -vv shows the commands run
	Diff      bool
	Color     bool
	// Modules tells how a task's result is shown: as text
	// (module.AdHocCommand), like debug (module.PrintsLikeDebug), or as
	// facts (module.FactGatherer).
	Modules *module.Registry
}

// NewAdHoc returns an ad-hoc reporter writing results to w and warnings
// to errw, as Ansible writes them to stdout and stderr.
func NewAdHoc(w, errw io.Writer, o AdHocOptions) *AdHoc {
	return &AdHoc{w: w, err: errw, o: o}
}

func (a *AdHoc) PlayStart(*playbook.Play, []string)    {}
func (a *AdHoc) TaskStart(*playbook.Task, bool)        {}
func (a *AdHoc) RolloutStopped(runner.RolloutStop)     {}
func (a *AdHoc) lookup(t *playbook.Task) module.Module { return lookupModule(a.o.Modules, t) }

func (a *AdHoc) paint(c, s string) string {
	if !a.o.Color {
		return s
	}
	return c + s + reset
}

func (a *AdHoc) Warn(msg string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	fmt.Fprintln(a.err, a.paint(red, "[WARNING]: "+msg))
}

// Command prints a command as -vv shows it.
func (a *AdHoc) Command(host string, c connection.Cmd) {
	if a.o.Verbosity < 2 {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	fmt.Fprintln(a.w, commandLine(host, c))
}

// Recap prints nothing, as Ansible's ad-hoc output has no recap, but an
// interrupted run says so.
func (a *AdHoc) Recap(r *runner.Recap) {
	if r.Interrupted {
		a.mu.Lock()
		defer a.mu.Unlock()
		fmt.Fprintln(a.err, "Interrupted: the output covers what ran before Ctrl-C.")
	}
}

func (a *AdHoc) HostResult(r runner.HostResult) {
	if r.IsItem || r.Attempt > 0 || r.Status == "included" {
		return // an ad-hoc task has no loop, until or include
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.o.Diff && !r.NoLog {
		for _, d := range r.Result.Diffs {
			if s := UnifiedDiff(d); s != "" && a.o.Color {
				fmt.Fprintln(a.w, colorizeDiff(s))
			} else if s != "" {
				fmt.Fprintln(a.w, s)
			}
		}
	}
	fmt.Fprintln(a.w, a.line(r))
}

// line is a host's entry: its colour, state and body.
func (a *AdHoc) line(r runner.HostResult) string {
	plain := false
	if c, ok := a.lookup(r.Task).(module.AdHocCommand); ok {
		plain = c.PlainOutput() && !r.NoLog
	}
	switch r.Status {
	case runner.StatusSkipped:
		s := r.Host + " | SKIPPED"
		if r.CheckSkip {
			s += " (cannot predict in check mode)"
		}
		return a.paint(cyan, s)
	case runner.StatusUnreachable:
		if a.o.OneLine {
			return a.paint(red, r.Host+" | UNREACHABLE!: "+r.Msg)
		}
		return a.paint(red, r.Host+" | UNREACHABLE! => "+jsonIndent(map[string]any{"changed": false, "msg": r.Msg, "unreachable": true}))
	case runner.StatusFailed:
		// The oneline callback shows every failure as JSON.
		if plain && !a.o.OneLine {
			return a.paint(red, a.plain(r, "FAILED"))
		}
		return a.paint(red, r.Host+" | FAILED! => "+a.dump(a.values(r)))
	}
	state, c := "SUCCESS", green
	if r.Status == runner.StatusChanged {
		state, c = "CHANGED", yellow
	}
	if plain {
		return a.paint(c, a.plain(r, state))
	}
	return a.paint(c, r.Host+" | "+state+" => "+a.dump(a.values(r)))
}

// plain is the text entry of a command: rc and output.
func (a *AdHoc) plain(r runner.HostResult, state string) string {
	v := r.Result.Values
	rc, ok := v["rc"]
	if !ok {
		rc = -1
	}
	str := func(k string) string { s, _ := v[k].(string); return s }
	if a.o.OneLine {
		esc := strings.NewReplacer("\n", `\n`, "\r", `\r`)
		s := fmt.Sprintf("%s | %s | rc=%v | (stdout) %s", r.Host, state, rc, esc.Replace(str("stdout")))
		if e := str("stderr"); e != "" {
			s += " (stderr) " + esc.Replace(e)
		}
		return s
	}
	msg := r.Msg
	if msg == "" {
		msg = str("msg")
	}
	return fmt.Sprintf("%s | %s | rc=%v >>\n%s%s%s", r.Host, state, rc, str("stdout"), str("stderr"), msg)
}

// values is the result as Ansible's ad-hoc output shows it: debug's
// values alone, facts under their ansible_ names.
func (a *AdHoc) values(r runner.HostResult) map[string]any {
	if r.NoLog {
		return map[string]any{"censored": Censored, "changed": r.Status == runner.StatusChanged}
	}
	m := a.lookup(r.Task)
	if _, ok := m.(module.PrintsLikeDebug); ok && r.Status != runner.StatusFailed {
		return debugValues(r.Result.Values)
	}
	v := resultValues(r)
	if _, ok := m.(module.FactGatherer); ok {
		if facts, ok := v["ansible_facts"].(map[string]any); ok {
			v["ansible_facts"] = ansibleFactNames(facts)
		}
	}
	return v
}

// ansibleFactNames names facts as setup returns them in Ansible:
// ansible_ before each name but setup's own gather_subset and
// module_setup.
func ansibleFactNames(facts map[string]any) map[string]any {
	out := make(map[string]any, len(facts))
	for k, v := range facts {
		if !strings.HasPrefix(k, "ansible_") && k != "gather_subset" && k != "module_setup" {
			k = "ansible_" + k
		}
		out[k] = v
	}
	return out
}

// dump is a result as JSON: indented 4 (minimal), or on one line as
// json.dumps(indent=0) without its newlines (oneline).
func (a *AdHoc) dump(v map[string]any) string {
	if !a.o.OneLine {
		return jsonIndent(v)
	}
	norm, err := normalize(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	var b strings.Builder
	pyDump(&b, norm, ",")
	return b.String()
}

// lookupModule finds a task's module in reg, nil when there is none.
func lookupModule(reg *module.Registry, t *playbook.Task) module.Module {
	if reg == nil || t == nil {
		return nil
	}
	m, _ := reg.Lookup(t.Action)
	return m
}
