package runner_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/haplay/haplay/engine/catalog"
	"github.com/haplay/haplay/engine/inventory"
	"github.com/haplay/haplay/engine/playbook"
	"github.com/haplay/haplay/engine/report"
	"github.com/haplay/haplay/engine/runner"
	"github.com/haplay/haplay/engine/template"
	"github.com/haplay/haplay/engine/yamlnode"
	"github.com/haplay/haplay/internal/golden"
	"github.com/haplay/haplay/modules"
)

// corpusDir is the playbook corpus internal/conformance runs on lab
// hosts under both haplay and ansible-playbook.
var corpusDir = filepath.Join("..", "..", "testdata", "playbooks")

// labOnly are the corpus cases that stay lab-only, and why. The fake
// hosts are the controller as the test's user, with /tmp/conf moved: the
// file modules' probes (tar and stat) report the moved path back, which
// the module then refuses, and nothing is root.
var labOnly = map[string]string{
	"mod_commands": "add_host needs ansible_host; the file probes see the moved root",
	"mod_edits":    "lineinfile and friends read files through the probes, which see the moved root",
	"mod_files":    "sets owners and groups (root); the probes see the moved root",
	"mod_reboot":   "reboots a host through a shutdown stand-in installed as root",
	"mod_services": "drives a systemctl stand-in installed in /usr/bin as root",
	"mod_system":   "adds users, groups and a .deb package (root)",
	"user_aging":   "adds a user (root)",
	"mod_repos":    "rewrites /etc/apt and runs apt-get update and apt-key (root); on the controller that is the real machine's apt",
	"mod_getters":  "downloads from a web server the case starts on each lab host; the probes see the moved root",
	"mod_sys":      "sets kernel parameters, root's crontab and /etc/cron.d (root)",
	"mod_mount":    "mounts tmpfs (root, in the lab host's own mount namespace) and makes filesystems with mkfs",
	"async":        "job ids are random and how often async_status retries depends on when the background job ends",
}

// timings are the result fields that change from run to run.
var timings = regexp.MustCompile(`"(delta|start|end)": "[^"]*"`)

// corpusCase is what the in-process run needs of a case's case.yml: the
// rest (differences, resets, installs) is for the lab run.
type corpusCase struct {
	Args        []string `yaml:"args"`
	Differences []any    `yaml:"differences"`
	Runs        int      `yaml:"runs"`
}

// TestCorpusInProcess runs every host-free case of testdata/playbooks with
// the runner in this process, on fake hosts (fakeHosts), and compares the
// text report with testdata/corpus/<case>.txt (go test -update rewrites
// them). Where haplay and Ansible are expected to agree (no differences in
// case.yml), the recap and exit code must also equal ansible.json, the
// recording of ansible-playbook on lab hosts.
func TestCorpusInProcess(t *testing.T) {
	entries, err := os.ReadDir(corpusDir)
	if err != nil {
		t.Fatal(err)
	}
	ran := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if why, ok := labOnly[e.Name()]; ok {
			t.Logf("%s: lab only: %s", e.Name(), why)
			continue
		}
		ran++
		t.Run(e.Name(), func(t *testing.T) {
			t.Parallel()
			runCase(t, e.Name())
		})
	}
	if ran < 30 {
		t.Errorf("only %d corpus cases ran in-process", ran)
	}
}

func runCase(t *testing.T, name string) {
	dir, err := filepath.Abs(filepath.Join(corpusDir, name))
	if err != nil {
		t.Fatal(err)
	}
	var c corpusCase
	if data, err := os.ReadFile(filepath.Join(dir, "case.yml")); err == nil {
		if err := yaml.Unmarshal(data, &c); err != nil {
			t.Fatalf("case.yml: %v", err)
		}
	}
	args := make([]string, len(c.Args))
	for i, a := range c.Args {
		args[i] = strings.ReplaceAll(a, "$CASE", dir)
	}
	root := t.TempDir()
	hosts := newFakeHosts(filepath.Join(root, "hosts"))
	var out bytes.Buffer
	var stats map[string]*runner.Stats
	rc := 0
	for run := 1; run <= max(c.Runs, 1); run++ {
		fmt.Fprintf(&out, "=== run %d\n", run)
		opts := caseOptions(t, dir, args)
		opts.Connector = hosts
		opts.ResumeDir = filepath.Join(root, "resume")
		opts.Reporter = report.NewText(&out, report.TextOptions{Check: opts.Check, Modules: opts.Modules})
		var recap *runner.Recap
		var err error
		recap, rc, err = runPlaybook(t, filepath.Join(dir, "site.yml"), opts)
		if err != nil {
			fmt.Fprintf(&out, "=== error: %v\n", err)
		}
		stats = recap.Stats
	}
	got := regexp.MustCompile(regexp.QuoteMeta(filepath.Join(root, "hosts"))+`/[^/\s"']+`).
		ReplaceAllLiteralString(out.String(), "/tmp/conf")
	got = strings.NewReplacer(dir, "$CASE", root, "$TMP").Replace(got)
	got = timings.ReplaceAllString(got, `"$1": "T"`)
	golden.Check(t, filepath.Join("testdata", "corpus", name+".txt"), got)
	if len(c.Differences) == 0 && c.Runs <= 1 {
		compareAnsible(t, dir, stats, rc)
	}
}

// caseOptions turns the case's ansible-playbook arguments into runner
// options, with an inventory and a loader as cmd/haplay gives them. Only
// the flags the corpus uses are known: any other fails the test.
func caseOptions(t *testing.T, dir string, args []string) runner.Options {
	opts := runner.Options{Modules: modules.Builtin(), Templates: template.New(), ExtraVars: map[string]any{}, Forks: 1}
	for i := 0; i < len(args); i++ {
		flag, val := args[i], ""
		if flag != "--check" && flag != "-C" {
			if i++; i == len(args) {
				t.Fatalf("case.yml args: %s without a value", flag)
			}
			val = args[i]
		}
		switch flag {
		case "--check", "-C":
			opts.Check = true
		case "-e", "--extra-vars":
			extraVars(t, val, opts.ExtraVars)
		case "-t", "--tags":
			opts.Tags = append(opts.Tags, splitComma(val)...)
		case "--skip-tags":
			opts.SkipTags = append(opts.SkipTags, splitComma(val)...)
		case "-f", "--forks":
			// Checked, but the in-process run keeps one fork: with more,
			// hosts finish in any order and the golden output would too.
			if _, err := strconv.Atoi(val); err != nil {
				t.Fatalf("case.yml args: --forks %q: %v", val, err)
			}
		case "-l", "--limit":
			opts.Limit = append(opts.Limit, val)
		case "--vault-password-file":
			vaultPasswordFile(t, &opts, val)
		default:
			t.Fatalf("case.yml args: %s is not known to the in-process run", flag)
		}
	}
	opts.Inventory = caseInventory(t, dir)
	opts.LoadTasks = func(path string) ([]*playbook.Task, error) {
		return playbook.LoadTasks(path, loadOptions(opts))
	}
	return opts
}

func splitComma(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// extraVars reads one -e value into into: @FILE, JSON, or k=v words
// without quotes (all the corpus uses).
func extraVars(t *testing.T, s string, into map[string]any) {
	switch {
	case strings.HasPrefix(s, "@"):
		docs, err := yamlnode.ParseFile(s[1:])
		if err != nil || len(docs) == 0 {
			t.Fatalf("-e %s: %v", s, err)
		}
		m, ok := docs[0].Interface().(map[string]any)
		if !ok {
			t.Fatalf("-e %s: not a mapping", s)
		}
		for k, v := range m {
			into[k] = v
		}
	case strings.HasPrefix(s, "{"):
		// Through YAML, which types whole numbers as ints, as -e does.
		docs, err := yamlnode.Parse("-e", []byte(s))
		if err != nil || len(docs) == 0 {
			t.Fatalf("-e %s: %v", s, err)
		}
		for k, v := range docs[0].Interface().(map[string]any) {
			into[k] = v
		}
	default:
		if strings.ContainsAny(s, `'"\`) {
			t.Fatalf("-e %q: quoting is not known to the in-process run", s)
		}
		for _, w := range strings.Fields(s) {
			k, v, ok := strings.Cut(w, "=")
			if !ok {
				t.Fatalf("-e %q: expected key=value", s)
			}
			into[k] = v
		}
	}
}

// templateChecker adapts the template engine to the loader's checks.
type templateChecker struct{ e *template.Engine }

func (c templateChecker) Check(s string) error { return c.e.CheckTemplate(s) }

func loadOptions(opts runner.Options) playbook.Options {
	return playbook.Options{Modules: opts.Modules, Templates: templateChecker{opts.Templates.(*template.Engine)}, Catalog: catalog.New(), YAML: opts.YAML}
}

// runPlaybook loads and runs the playbook, and returns the recap,
// ansible-playbook's exit code for it and the run's error.
func runPlaybook(t *testing.T, path string, opts runner.Options) (*runner.Recap, int, error) {
	pb, err := playbook.Load(path, loadOptions(opts))
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	inv := opts.Inventory.(*caseInv)
	inv.warn = opts.Reporter.Warn
	if inv.pbVars, err = inventory.LoadVarsDirs(pb.Dir); err != nil {
		t.Fatalf("playbook vars dirs: %v", err)
	}
	recap, err := runner.Run(t.Context(), pb, opts)
	if err != nil {
		return recap, 1, err
	}
	rc := 0
	for _, s := range recap.Stats {
		switch {
		case s.Failed > 0:
			rc = 2
		case s.Unreachable > 0 && rc == 0:
			rc = 3
		}
	}
	return recap, rc, nil
}

// compareAnsible checks the recap and exit code against ansible.json.
func compareAnsible(t *testing.T, dir string, stats map[string]*runner.Stats, rc int) {
	data, err := os.ReadFile(filepath.Join(dir, "ansible.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		RC    int                       `json:"rc"`
		Stats map[string]map[string]int `json:"stats"`
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatalf("ansible.json: %v", err)
	}
	if rc != rec.RC {
		t.Errorf("exit code %d, ansible-playbook %d", rc, rec.RC)
	}
	for _, h := range slices.Sorted(func(yield func(string) bool) {
		for h := range rec.Stats {
			if !yield(h) {
				return
			}
		}
	}) {
		s, want := stats[h], rec.Stats[h]
		if s == nil {
			t.Errorf("%s: not in the recap; ansible-playbook %v", h, want)
			continue
		}
		got := map[string]int{"ok": s.OK, "changed": s.Changed, "unreachable": s.Unreachable, "failed": s.Failed,
			"skipped": s.Skipped, "rescued": s.Rescued, "ignored": s.Ignored}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: %s=%d, ansible-playbook %d", h, k, got[k], v)
			}
		}
	}
	if len(stats) != len(rec.Stats) {
		t.Errorf("recap has %d hosts, ansible-playbook %d", len(stats), len(rec.Stats))
	}
}

// caseInv is the case's inventory.ini (or the corpus default, node1 and
// node2) with the playbook's group_vars/host_vars, behind the one lock
// add_host and group_by need, as cmd/haplay's invAdapter.
type caseInv struct {
	mu     sync.RWMutex
	inv    *inventory.Inventory
	pbVars *inventory.VarsFiles
	warn   func(string)
}

func caseInventory(t *testing.T, dir string) *caseInv {
	path := filepath.Join(dir, "inventory.ini")
	if _, err := os.Stat(path); err != nil {
		path = filepath.Join(t.TempDir(), "inventory.ini")
		if err := os.WriteFile(path, []byte("[all]\nnode1\nnode2\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	inv, err := inventory.Load([]string{path})
	if err != nil {
		t.Fatalf("inventory: %v", err)
	}
	return &caseInv{inv: inv}
}

func (a *caseInv) Match(p string) ([]string, error) {
	a.mu.RLock()
	hosts, warnings, err := a.inv.Match(p)
	a.mu.RUnlock()
	for _, w := range warnings {
		a.warn(w)
	}
	return hosts, err
}

func (a *caseInv) HostVars(h string) map[string]any {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.inv.HostVars(h, a.pbVars)
}

func (a *caseInv) GroupNames(h string) []string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.inv.GroupNames(h)
}

func (a *caseInv) GroupHosts() map[string][]string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.inv.GroupHosts()
}

func (a *caseInv) AddHost(name string, groups []string, vars map[string]any) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.inv.AddHost(name, groups, vars)
}
