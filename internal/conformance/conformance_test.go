package conformance

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/haplay/haplay/engine/lab"
	"github.com/haplay/haplay/internal/e2e"
)

// outcome is what one run of a playbook did.
type outcome struct {
	rc     int
	rows   []row
	stats  map[string]map[string]int
	files  map[string]string
	output string // raw output, for failure messages
	// cannotPredict marks "play|task|host" results skipped because the
	// module cannot predict in check mode.
	cannotPredict map[string]bool
}

// TestCorpusAgainstAnsibleLab runs every corpus playbook with ansible-playbook
// and with haplay on one lab, and compares per-host per-task statuses, the
// recap, the exit code and the files left on the hosts. It also runs
// `haplay plan` first and compares its predicted changes with the run's.
func TestCorpusAgainstAnsibleLab(t *testing.T) {
	lockCorpus(t)
	cases := loadCorpus(t)
	if len(cases) < 25 {
		t.Errorf("the corpus has %d playbooks; the issue asks for at least 25", len(cases))
	}
	ansible, err := exec.LookPath("ansible-playbook")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("ansible-playbook is required under CI=true: %v", err)
		}
		t.Logf("no ansible-playbook: comparing plan with run only")
		ansible = ""
	}
	l := e2e.Lab(t, 4)
	e2e.Binary(t)
	// Cases share the lab; an exclusive one waits until no other runs,
	// and holds the others off while it runs.
	var share sync.RWMutex
	t.Run("cases", func(t *testing.T) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				// Released by a cleanup registered before runCase's, so
				// after the case's own cleanup (reset, uninstall).
				if c.spec.Exclusive {
					share.Lock()
					t.Cleanup(share.Unlock)
				} else {
					share.RLock()
					t.Cleanup(share.RUnlock)
				}
				runCase(t, l, ansible, c)
			})
		}
	})
}

func runCase(t *testing.T, l *lab.Lab, ansible string, c corpusCase) {
	work := t.TempDir()
	inv := filepath.Join(work, "inventory.ini")
	if err := os.WriteFile(inv, []byte(labInventory(l, c.inv)), 0o644); err != nil {
		t.Fatal(err)
	}
	resetHosts(t, l, c)
	t.Cleanup(func() {
		resetHosts(t, l, c)
		uninstall(t, l, c)
	})

	want := ansibleOutcome(t, l, ansible, work, inv, c)
	resetHosts(t, l, c)
	// Each run (case.yml runs: 2 for a second run on the hosts the first
	// left) is planned first: the plan changes nothing and predicts it.
	var runs []*outcome
	before := map[string]string{}
	seen := map[string]bool{}
	if !c.spec.NoPlan {
		defer checkPlanSeen(t, c, seen)
	}
	for n := 1; n <= c.runs(); n++ {
		if !c.spec.NoPlan {
			plan := runHaplay(t, l, "plan", work, inv, c)
			if a, b := renderFiles(before), renderFiles(plan.files); a != b {
				t.Errorf("haplay plan (run %d) changed hosts: %s", n, diffText("files", a, b, "before", "after plan"))
			}
			defer func() { comparePlan(t, c, plan, runs[n-1], seen) }()
		}
		runs = append(runs, runHaplay(t, l, "run", work, inv, c))
		before = runs[n-1].files
	}
	got := mergeRuns(runs)
	resetHosts(t, l, c)

	if want != nil {
		compareWithAnsible(t, c, want, got)
	}
}

// mergeRuns makes one outcome of a case's runs: rows and recap of each
// (a later run's rows numbered with it, its recap lines marked "(run N)"),
// the first failing exit code, and the files the last run left.
func mergeRuns(runs []*outcome) *outcome {
	if len(runs) == 1 {
		return runs[0]
	}
	o := &outcome{stats: map[string]map[string]int{}, cannotPredict: map[string]bool{}}
	for i, r := range runs {
		for _, rw := range r.rows {
			rw.run = i + 1
			o.rows = append(o.rows, rw)
		}
		for h, s := range r.stats {
			if i > 0 {
				h += fmt.Sprintf(" (run %d)", i+1)
			}
			o.stats[h] = s
		}
		if o.rc == 0 {
			o.rc = r.rc
		}
		o.files = r.files
		o.output += fmt.Sprintf("--- run %d\n%s", i+1, r.output)
	}
	return o
}

func compareWithAnsible(t *testing.T, c corpusCase, want, got *outcome) {
	t.Helper()
	expected := applyDifferences(t, c.spec.Differences, want.rows)
	if a, b := renderRows(expected), renderRows(got.rows); a != b {
		t.Errorf("%s\nhaplay output:\n%s", diffText("task statuses", a, b, "ansible-playbook", "haplay"), got.output)
	}
	if len(c.spec.Differences) == 0 {
		if a, b := renderStats(want.stats), renderStats(got.stats); a != b {
			t.Errorf("%s", diffText("recap", a, b, "ansible-playbook", "haplay"))
		}
	}
	if want.rc != got.rc {
		t.Errorf("exit code: ansible-playbook %d, haplay %d", want.rc, got.rc)
	}
	if a, b := renderFiles(want.files), renderFiles(got.files); a != b {
		t.Errorf("%s", diffText("files on the hosts", a, b, "ansible-playbook", "haplay"))
	}
}

// applyDifferences rewrites Ansible's rows with the expected haplay
// statuses, and fails when an expected difference no longer applies.
func applyDifferences(t *testing.T, diffs []difference, rows []row) []row {
	t.Helper()
	out := make([]row, len(rows))
	for i, r := range rows {
		out[i] = row{run: r.run, play: r.play, name: r.name, hosts: map[string]string{}}
		for h, s := range r.hosts {
			out[i].hosts[h] = s
		}
	}
	for _, d := range diffs {
		hit := false
		if d.Ansible == "not run" {
			// A task Ansible does not run at all: it is added after the
			// last task of its play that both run before it (After).
			for i, r := range out {
				if r.name == d.After {
					nr := row{run: r.run, play: r.play, name: d.Task, hosts: map[string]string{d.Host: d.Haplay}}
					if i+1 < len(out) && out[i+1].name == d.Task {
						out[i+1].hosts[d.Host] = d.Haplay
					} else {
						out = append(out[:i+1], append([]row{nr}, out[i+1:]...)...)
					}
					hit = true
					break
				}
			}
		}
		if d.Haplay == "not run" {
			// A task Ansible runs and haplay does not: the last match.
			for i := len(out) - 1; i >= 0 && !hit; i-- {
				if out[i].name == d.Task && out[i].hosts[d.Host] == d.Ansible {
					delete(out[i].hosts, d.Host)
					if len(out[i].hosts) == 0 {
						out = append(out[:i], out[i+1:]...)
					}
					hit = true
				}
			}
		}
		for _, r := range out {
			if !hit && r.name == d.Task && r.hosts[d.Host] == d.Ansible {
				r.hosts[d.Host] = d.Haplay
				hit = true
			}
		}
		if !hit {
			t.Errorf("expected difference on %s / %q (ansible %s) not seen: update case.yml and docs/ansible-differences.md", d.Host, d.Task, d.Ansible)
		}
	}
	return out
}

// comparePlan checks that plan predicted the run's changes, host by host
// and task by task: a change in the run is a change in the plan, or a
// "cannot predict" skip; nothing else in the plan is a change.
// seen collects the plan differences that applied (over every run).
func comparePlan(t *testing.T, c corpusCase, plan, run *outcome, seen map[string]bool) {
	t.Helper()
	allowed := planAllowed(c)
	type key struct {
		play int
		name string
		n    int
	}
	index := func(rows []row) map[key]row {
		m := map[key]row{}
		count := map[[2]any]int{}
		for _, r := range rows {
			k := [2]any{r.play, r.name}
			m[key{r.play, r.name, count[k]}] = r
			count[k]++
		}
		return m
	}
	pi, ri := index(plan.rows), index(run.rows)
	var problems []string
	check := func(k key, host, p, r string) {
		if (r == "changed") == (p == "changed") {
			return
		}
		if r == "changed" && p == "skipped" && plan.cannotPredict[cpKey(k.play, k.name, host)] {
			return
		}
		if d, ok := allowed[k.name+"|"+host]; ok && d.Run == orNone(r) && d.Plan == orNone(p) {
			seen[k.name+"|"+host] = true
			return
		}
		problems = append(problems, strings.TrimSpace(
			"play "+itoa(k.play)+" | "+k.name+" | "+host+": run "+orNone(r)+", plan "+orNone(p)))
	}
	for k, r := range ri {
		p := pi[k]
		for h, s := range r.hosts {
			check(k, h, p.hosts[h], s)
		}
	}
	for k, p := range pi {
		r := ri[k]
		for h, s := range p.hosts {
			if _, ok := r.hosts[h]; !ok {
				check(k, h, s, "")
			}
		}
	}
	if len(problems) > 0 {
		t.Errorf("plan does not match the run:\n%s\nplan:\n%s\nrun:\n%s", strings.Join(problems, "\n"), renderRows(plan.rows), renderRows(run.rows))
	}
}

func planAllowed(c corpusCase) map[string]difference {
	allowed := map[string]difference{}
	for _, d := range c.spec.PlanDifferences {
		allowed[d.Task+"|"+d.Host] = d
	}
	return allowed
}

// checkPlanSeen fails for a case.yml plan difference no run showed.
func checkPlanSeen(t *testing.T, c corpusCase, seen map[string]bool) {
	t.Helper()
	for k, d := range planAllowed(c) {
		if !seen[k] {
			t.Errorf("expected plan difference on %s / %q not seen: update case.yml", d.Host, d.Task)
		}
	}
}

func orNone(s string) string {
	if s == "" {
		return "not run"
	}
	return s
}

func itoa(i int) string { return strconv.Itoa(i) }

func cpKey(play int, task, host string) string { return itoa(play) + "|" + task + "|" + host }

// runHaplay runs `haplay run|plan` on the case with JSON output.
func runHaplay(t *testing.T, l *lab.Lab, command, work, inv string, c corpusCase) *outcome {
	t.Helper()
	args := append([]string{command, filepath.Join(c.dir, "site.yml"), "-i", inv,
		"--known-hosts", l.KnownHostsPath, "--output=json",
		// Not beside the playbook: a file in the case directory would
		// change the case's hash and make its recording stale.
		"--resume-dir", filepath.Join(work, ".haplay")}, c.spec.Args...)
	if command == "run" && !slices.Contains(c.spec.Args, "--check") {
		// Cases share the lab hosts at once on purpose, each under its
		// own /tmp/conf/CASE: the host lock would turn them away.
		args = append(args, "--no-lock")
	}
	start := time.Now()
	r := e2e.Run(t, work, args...)
	t.Logf("haplay %s: exit %d in %v", command, r.ExitCode, time.Since(start).Round(time.Millisecond))
	o := &outcome{rc: r.ExitCode, stats: map[string]map[string]int{}, cannotPredict: map[string]bool{},
		output: r.Stderr}
	for pi, p := range r.Doc.Plays {
		for _, task := range p.Tasks {
			rw := row{play: pi + 1, name: task.Name, hosts: map[string]string{}}
			for h, res := range task.Hosts {
				rw.hosts[h] = res.Status
				if res.Status == "failed" {
					o.output += fmt.Sprintf("%s | %s: %s\n", task.Name, h, res.Msg)
				}
				if res.Status == "skipped" && strings.Contains(res.Msg, "cannot predict") {
					o.cannotPredict[cpKey(pi+1, task.Name, h)] = true
				}
			}
			if len(rw.hosts) > 0 {
				o.rows = append(o.rows, rw)
			}
		}
	}
	names := map[string]string{"OK": "ok", "Changed": "changed", "Unreachable": "unreachable", "Failed": "failed",
		"Skipped": "skipped", "Rescued": "rescued", "Ignored": "ignored"}
	for h, s := range r.Doc.Stats {
		m := map[string]int{}
		for k, v := range s {
			m[names[k]] = v
		}
		o.stats[h] = m
	}
	o.files = snapshot(t, l, c.name)
	return o
}

// runAnsible runs ansible-playbook on the case (as many times as the case
// says) with the JSON callback.
func runAnsible(t *testing.T, l *lab.Lab, ansible, work, inv string, c corpusCase) *outcome {
	t.Helper()
	var runs []*outcome
	for n := 1; n <= c.runs(); n++ {
		runs = append(runs, runAnsibleOnce(t, l, ansible, work, inv, c))
	}
	return mergeRuns(runs)
}

func runAnsibleOnce(t *testing.T, l *lab.Lab, ansible, work, inv string, c corpusCase) *outcome {
	t.Helper()
	home := filepath.Join(work, "home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		t.Fatal(err)
	}
	// An empty config, so no ansible.cfg of the machine or user applies.
	cfg := filepath.Join(work, "ansible.cfg")
	if err := os.WriteFile(cfg, []byte("[defaults]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	args := append([]string{filepath.Join(c.dir, "site.yml"), "-i", inv}, c.spec.Args...)
	cmd := exec.Command(ansible, args...)
	cmd.Dir = work
	cmd.Env = append(os.Environ(),
		"HOME="+home,
		"ANSIBLE_CONFIG="+cfg,
		"ANSIBLE_LOCAL_TEMP="+filepath.Join(work, "ansible-tmp"),
		"ANSIBLE_SSH_CONTROL_PATH_DIR="+filepath.Join(work, "cp"),
		"ANSIBLE_HOST_KEY_CHECKING=True",
		"ANSIBLE_SSH_ARGS=-o UserKnownHostsFile="+l.KnownHostsPath+" -o ControlMaster=auto -o ControlPersist=15s",
		"ANSIBLE_PIPELINING=1",
		"ANSIBLE_STDOUT_CALLBACK=ansible.posix.json",
		"ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3",
		"ANSIBLE_RETRY_FILES_ENABLED=0",
		"ANSIBLE_NOCOLOR=1",
		"ANSIBLE_FORKS=10",
		"ANSIBLE_DEPRECATION_WARNINGS=0",
		"ANSIBLE_COLLECTIONS_PATH=/usr/lib/python3/dist-packages/ansible_collections",
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	o := &outcome{stats: map[string]map[string]int{}, output: stdout.String() + stderr.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		o.rc = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("ansible-playbook: %v", err)
	}
	t.Logf("ansible-playbook: exit %d in %v", o.rc, time.Since(start).Round(time.Millisecond))
	var doc struct {
		Plays []struct {
			Play struct {
				ID string `json:"id"`
			} `json:"play"`
			Tasks []struct {
				Task struct {
					Name string `json:"name"`
				} `json:"task"`
				Hosts map[string]map[string]any `json:"hosts"`
			} `json:"tasks"`
		} `json:"plays"`
		Stats map[string]struct {
			OK          int `json:"ok"`
			Changed     int `json:"changed"`
			Failures    int `json:"failures"`
			Unreachable int `json:"unreachable"`
			Skipped     int `json:"skipped"`
			Rescued     int `json:"rescued"`
			Ignored     int `json:"ignored"`
		} `json:"stats"`
	}
	// pause prints its prompt on stdout before the callback's JSON.
	js := stdout.Bytes()
	if i := bytes.Index(js, []byte("\n{\n")); i >= 0 && !bytes.HasPrefix(js, []byte("{")) {
		js = js[i+1:]
	}
	if err := json.Unmarshal(js, &doc); err != nil {
		t.Fatalf("ansible-playbook printed no JSON (%v):\n%s", err, o.output)
	}
	// The callback starts a new play for every serial batch; the play id
	// tells which play it is.
	playIndex := map[string]int{}
	for _, p := range doc.Plays {
		if _, ok := playIndex[p.Play.ID]; !ok {
			playIndex[p.Play.ID] = len(playIndex) + 1
		}
		for _, task := range p.Tasks {
			rw := row{play: playIndex[p.Play.ID], name: task.Task.Name, hosts: map[string]string{}}
			for h, res := range task.Hosts {
				if isInclude(res) {
					continue // haplay reports an include only where it was skipped
				}
				rw.hosts[h] = ansibleStatus(res)
			}
			if len(rw.hosts) > 0 {
				o.rows = append(o.rows, rw)
			}
		}
	}
	for h, s := range doc.Stats {
		o.stats[h] = map[string]int{"ok": s.OK, "changed": s.Changed, "failed": s.Failures, "unreachable": s.Unreachable,
			"skipped": s.Skipped, "rescued": s.Rescued, "ignored": s.Ignored}
	}
	o.files = snapshot(t, l, c.name)
	return o
}

func ansibleStatus(res map[string]any) string {
	is := func(k string) bool { b, _ := res[k].(bool); return b }
	switch {
	case is("unreachable"):
		return "unreachable"
	case is("failed"):
		return "failed"
	case is("skipped"):
		return "skipped"
	case is("changed"):
		return "changed"
	}
	return "ok"
}

// isInclude tells an include_tasks/include_role result that included
// something (Ansible reports it as ok; haplay prints "included:" lines,
// which are not results).
func isInclude(res map[string]any) bool {
	if _, ok := res["include"]; ok {
		return true
	}
	if items, ok := res["results"].([]any); ok && len(items) > 0 {
		for _, it := range items {
			m, _ := it.(map[string]any)
			if _, ok := m["include"]; !ok {
				return false
			}
		}
		return true
	}
	action, _ := res["action"].(string)
	action = strings.TrimPrefix(action, "ansible.builtin.")
	return (action == "include_tasks" || action == "include_role") && ansibleStatus(res) == "ok"
}

// lockCorpus keeps two corpus runs on one machine (a developer's and a CI
// clone's) apart: the cases write fixed paths under /tmp/conf on the
// controller, which a second run would remove under the first.
func lockCorpus(t *testing.T) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "haplay-conformance.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() }) // closing releases the lock
}
