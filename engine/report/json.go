package report

import (
	"encoding/json"
	"io"
	"sync"

	"github.com/haplay/haplay/engine/playbook"
	"github.com/haplay/haplay/engine/runner"
)

// JSON collects the whole run and writes one document at the end, for CI.
type JSON struct {
	mu    sync.Mutex
	w     io.Writer
	doc   jsonDoc
	play  *jsonPlay
	task  *jsonTask
	tasks map[*playbook.Task]*jsonTask
}

type jsonDoc struct {
	Plays    []*jsonPlay             `json:"plays"`
	Stats    map[string]runner.Stats `json:"stats"`
	Changes  []runner.Change         `json:"changes"`
	Warnings []string                `json:"warnings,omitempty"`
	Stopped  []runner.RolloutStop    `json:"rollout_stopped,omitempty"`
}

type jsonPlay struct {
	Name  string      `json:"name"`
	Hosts []string    `json:"hosts"`
	Tasks []*jsonTask `json:"tasks"`
}

type jsonTask struct {
	Name    string                `json:"name"`
	Pos     string                `json:"pos"`
	Handler bool                  `json:"handler,omitempty"`
	Hosts   map[string]jsonResult `json:"hosts"`
}

type jsonResult struct {
	Status  string         `json:"status"`
	Ignored bool           `json:"ignored,omitempty"`
	Msg     string         `json:"msg,omitempty"`
	Result  map[string]any `json:"result,omitempty"`
	Diff    []jsonDiff     `json:"diff,omitempty"`
}

type jsonDiff struct {
	Before string `json:"before"`
	After  string `json:"after"`
	Header string `json:"header,omitempty"`
}

// NewJSON returns a JSON reporter writing to w at the end of the run.
func NewJSON(w io.Writer) *JSON { return &JSON{w: w, tasks: map[*playbook.Task]*jsonTask{}} }

func (j *JSON) PlayStart(p *playbook.Play, hosts []string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.play = &jsonPlay{Name: p.Name, Hosts: hosts}
	j.doc.Plays = append(j.doc.Plays, j.play)
}

func (j *JSON) TaskStart(t *playbook.Task, handler bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.task = &jsonTask{Name: t.DisplayName(), Pos: t.Pos.String(), Handler: handler, Hosts: map[string]jsonResult{}}
	j.tasks[t] = j.task
	if j.play != nil {
		j.play.Tasks = append(j.play.Tasks, j.task)
	}
}

func (j *JSON) HostResult(r runner.HostResult) {
	if r.IsItem || r.Attempt > 0 || r.Status == "included" {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	jt := j.tasks[r.Task]
	if jt == nil {
		return
	}
	res := jsonResult{Status: string(r.Status), Ignored: r.Ignored, Msg: r.Msg, Result: r.Result.Values}
	if r.NoLog {
		res.Msg = ""
		res.Result = map[string]any{"censored": Censored}
	} else {
		for _, d := range r.Result.Diffs {
			res.Diff = append(res.Diff, jsonDiff{Before: d.Before, After: d.After, Header: d.BeforeHeader})
		}
	}
	jt.Hosts[r.Host] = res
}

func (j *JSON) Warn(msg string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.doc.Warnings = append(j.doc.Warnings, msg)
}

func (j *JSON) RolloutStopped(s runner.RolloutStop) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.doc.Stopped = append(j.doc.Stopped, s)
}

func (j *JSON) Recap(r *runner.Recap) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.doc.Stats = map[string]runner.Stats{}
	for h, s := range r.Stats {
		j.doc.Stats[h] = *s
	}
	j.doc.Changes = r.Changes
	if j.doc.Changes == nil {
		j.doc.Changes = []runner.Change{}
	}
	enc := json.NewEncoder(j.w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(j.doc)
}
