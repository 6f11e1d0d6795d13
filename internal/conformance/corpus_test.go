package conformance

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"flag"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aymanbagabas/go-udiff"
	"github.com/goccy/go-yaml"

	"github.com/haplay/haplay/engine/lab"
)

// corpusDir holds one directory per playbook case: site.yml, optionally
// inventory.ini, roles/, vars files, and case.yml (see caseSpec).
var corpusDir = filepath.Join("..", "..", "testdata", "playbooks")

// TestMain lets the corpus run several cases at once (they write under
// their own paths, so they can share one lab), unless -parallel was given.
func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		_ = flag.Set("test.parallel", "4")
	}
	os.Exit(m.Run())
}

// caseSpec is a case's case.yml.
type caseSpec struct {
	// Args are passed to both haplay and ansible-playbook (-e, --tags,
	// --check...).
	Args []string `yaml:"args"`
	// Differences are the statuses where haplay must differ from Ansible,
	// each one listed in docs/ansible-differences.md.
	Differences []difference `yaml:"differences"`
	// PlanDifferences are tasks whose plan status may differ from the
	// run's (beyond "cannot predict" skips, which are always allowed).
	PlanDifferences []difference `yaml:"plan_differences"`
	// NoPlan skips the plan-versus-run comparison (check-mode cases, where
	// the run itself is a plan).
	NoPlan bool `yaml:"no_plan"`
	// Runs is how many times the playbook runs, one after the other on
	// the same hosts (2: the second run must report what Ansible's
	// second run does, changed=0 for idempotent tasks). Default 1.
	Runs int `yaml:"runs"`
	// Reset is a shell script run on every lab host before and after
	// each run, for what a case changes outside its root (users, groups,
	// packages): the runs must start from the same hosts.
	Reset string `yaml:"reset"`
	// Install puts files from testdata/ on every lab host before each
	// run, as path on the host -> path under testdata/, mode 0755: the
	// stand-ins for tools the lab lacks (systemctl, shutdown). What was
	// at the path comes back when the case ends.
	Install map[string]string `yaml:"install"`
	// Exclusive runs the case alone on the lab, no other case at the same
	// time: for what changes a whole host (its service manager, a
	// reboot that drops every SSH session).
	Exclusive bool `yaml:"exclusive"`
	// RawArgs are Args as written, for the recording's hash.
	RawArgs []string `yaml:"-"`
}

// difference is one expected difference: on Host, task Task (as printed,
// role prefix included) has status Ansible under ansible-playbook (or Run
// under haplay run) and Haplay under haplay (or Plan under haplay plan).
type difference struct {
	Task    string `yaml:"task"`
	Host    string `yaml:"host"`
	Ansible string `yaml:"ansible"`
	Haplay  string `yaml:"haplay"`
	Run     string `yaml:"run"`
	Plan    string `yaml:"plan"`
	After   string `yaml:"after"` // for a task Ansible does not run: the task before it
	Why     string `yaml:"why"`
}

type corpusCase struct {
	name string
	dir  string // absolute
	spec caseSpec
	inv  string // the case's inventory.ini, host names only
}

func (c corpusCase) runs() int { return max(c.spec.Runs, 1) }

func loadCorpus(t *testing.T) []corpusCase {
	t.Helper()
	entries, err := os.ReadDir(corpusDir)
	if err != nil {
		t.Fatal(err)
	}
	var out []corpusCase
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dir, err := filepath.Abs(filepath.Join(corpusDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		c := corpusCase{name: e.Name(), dir: dir, inv: "[all]\nnode1\nnode2\n"}
		if data, err := os.ReadFile(filepath.Join(dir, "case.yml")); err == nil {
			if err := yaml.UnmarshalWithOptions(data, &c.spec, yaml.Strict()); err != nil {
				t.Fatalf("%s/case.yml: %v", e.Name(), err)
			}
		}
		c.spec.RawArgs = append([]string{}, c.spec.Args...)
		for i, a := range c.spec.Args {
			c.spec.Args[i] = strings.ReplaceAll(a, "$CASE", dir)
		}
		if data, err := os.ReadFile(filepath.Join(dir, "inventory.ini")); err == nil {
			c.inv = string(data)
		}
		out = append(out, c)
	}
	return out
}

// testdataDir is the repository's testdata/, where Install's sources are.
var testdataDir = filepath.Join("..", "..", "testdata")

// installScript puts the testdata file src at dst (mode 0755), keeping
// what was at dst as dst.haplay-orig the first time.
func installScript(t *testing.T, dst, src string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testdataDir, src))
	if err != nil {
		t.Fatalf("install %s: %v", dst, err)
	}
	q := func(s string) string { return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'" }
	d, orig, tmp := q(dst), q(dst+".haplay-orig"), q(dst+".haplay-new")
	return "set -e\nprintf '%s' " + base64.StdEncoding.EncodeToString(data) + " | base64 -d >" + tmp + "\nchmod 0755 " + tmp +
		"\nif { [ -e " + d + " ] || [ -L " + d + " ]; } && ! { [ -e " + orig + " ] || [ -L " + orig + " ]; }; then mv " + d + " " + orig + "; fi" +
		"\nmv -f " + tmp + " " + d + "\n"
}

// uninstallScript puts back what installScript replaced at dst.
func uninstallScript(dst string) string {
	q := func(s string) string { return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'" }
	d, orig := q(dst), q(dst+".haplay-orig")
	return "if [ -e " + orig + " ] || [ -L " + orig + " ]; then mv -f " + orig + " " + d + "; else rm -f " + d + "; fi"
}

// uninstall undoes the case's Install on every host.
func uninstall(t *testing.T, l *lab.Lab, c corpusCase) {
	t.Helper()
	for _, h := range l.Hosts() {
		for _, dst := range slices.Sorted(maps.Keys(c.spec.Install)) {
			if out, err := l.Exec(context.Background(), h.Name, "sh", "-c", uninstallScript(dst)); err != nil {
				t.Errorf("uninstall %s on %s: %v\n%s", dst, h.Name, err, out)
			}
		}
	}
}

// installKey is what the case installs, for the recording's hash: a
// changed stand-in changes what Ansible does.
func installKey(t *testing.T, c corpusCase) []string {
	t.Helper()
	var key []string
	for _, dst := range slices.Sorted(maps.Keys(c.spec.Install)) {
		data, err := os.ReadFile(filepath.Join(testdataDir, c.spec.Install[dst]))
		if err != nil {
			t.Fatalf("install %s: %v", dst, err)
		}
		sum := sha256.Sum256(data)
		key = append(key, "install="+dst+":"+hex.EncodeToString(sum[:]))
	}
	return key
}

// caseRoot is where a case's tasks write on hosts and on the controller;
// each case has its own, so cases can run at once on one lab.
func caseRoot(name string) string { return "/tmp/conf/" + name }

var hostLine = regexp.MustCompile(`^(node\d+)(\s|$)`)

// labInventory adds the lab's connection variables to every host line of
// the case's inventory (only in host sections, not :vars or :children).
func labInventory(l *lab.Lab, caseInv string) string {
	var b strings.Builder
	section := ""
	sc := bufio.NewScanner(strings.NewReader(caseInv))
	for sc.Scan() {
		line := sc.Text()
		trim := strings.TrimSpace(line)
		if strings.HasPrefix(trim, "[") {
			section = trim
		}
		m := hostLine.FindStringSubmatch(trim)
		if m != nil && !strings.Contains(section, ":") {
			if h, ok := l.Host(m[1]); ok {
				line = fmt.Sprintf("%s ansible_host=%s ansible_user=root ansible_ssh_private_key_file=%s", trim, h.IP, l.KeyPath)
			}
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}

// resetHosts removes what a case wrote, on every lab host and on the
// controller (delegate_to: localhost).
func resetHosts(t *testing.T, l *lab.Lab, c corpusCase) {
	t.Helper()
	root := caseRoot(c.name)
	for _, h := range l.Hosts() {
		if out, err := l.Exec(context.Background(), h.Name, "rm", "-rf", root); err != nil {
			t.Fatalf("reset %s: %v\n%s", h.Name, err, out)
		}
		for _, dst := range slices.Sorted(maps.Keys(c.spec.Install)) {
			if out, err := l.Exec(context.Background(), h.Name, "sh", "-c", installScript(t, dst, c.spec.Install[dst])); err != nil {
				t.Fatalf("install %s on %s: %v\n%s", dst, h.Name, err, out)
			}
		}
		if c.spec.Reset == "" {
			continue
		}
		if out, err := l.Exec(context.Background(), h.Name, "sh", "-c", c.spec.Reset); err != nil {
			t.Fatalf("reset %s (case.yml reset): %v\n%s", h.Name, err, out)
		}
	}
	if err := os.RemoveAll(root); err != nil {
		t.Fatal(err)
	}
}

// snapshotFormat versions what snapshot records: recordings made with
// another format are stale (loadRecording), never compared as if they
// were the same thing. 2: type, mode, owner and group of every path
// (directories and symlinks too), content of files.
const snapshotFormat = 2

// snapshotScript prints every path under the case root (the root too) as a
// header line "\x1e== <type> <mode> <owner>:<group> <path>[ -> <target>]",
// followed by the content for a regular file and a newline (so a file
// without a final newline does not run into the next header). find -printf reads
// everything in the one process, so a host costs one round trip.
const snapshotScript = `cd "$1" 2>/dev/null || exit 0
find . -printf '%y %m %u:%g %p\t%l\n' | LC_ALL=C sort -t ' ' -k4 | while IFS='	' read -r head target; do
  printf '\036== %s' "$head"
  [ -n "$target" ] && printf ' -> %s' "$target"
  printf '\n'
  case "$head" in f*) f=${head#* * * }; cat "$f"; printf '\n';; esac
done`

// snapshot lists the paths a case left on every host and the controller,
// as "host:path" -> "type mode owner:group[ -> target]\n" + content for a
// regular file (type: f file, d directory, l symlink; mode in octal).
func snapshot(t *testing.T, l *lab.Lab, name string) map[string]string {
	t.Helper()
	out := map[string]string{}
	root := caseRoot(name)
	for _, h := range l.Hosts() {
		b, err := l.Exec(t.Context(), h.Name, "sh", "-c", snapshotScript, "sh", root)
		if err != nil {
			t.Fatalf("snapshot %s: %v\n%s", h.Name, err, b)
		}
		parseSnapshot(out, h.Name, string(b))
	}
	// The controller's side (fetch, delegate_to: localhost), same script.
	b, err := exec.Command("sh", "-c", snapshotScript, "sh", root).CombinedOutput()
	if err != nil {
		t.Fatalf("snapshot localhost: %v\n%s", err, b)
	}
	parseSnapshot(out, "localhost", string(b))
	return out
}

// parseSnapshot adds snapshotScript's output for host to out.
func parseSnapshot(out map[string]string, host, text string) {
	cur := ""
	for _, line := range strings.SplitAfter(text, "\n") {
		// A header starts with the record separator (\x1e), which no
		// text file in the corpus holds.
		if strings.HasPrefix(line, "\x1e== ") {
			// "\x1e== f 644 root:root ./a/b[ -> target]"
			fields := strings.SplitN(strings.TrimSuffix(line[4:], "\n"), " ", 4)
			if len(fields) == 4 {
				path, target, _ := strings.Cut(fields[3], " -> ")
				path = strings.TrimPrefix(strings.TrimPrefix(path, "."), "/")
				if path == "" {
					path = "."
				}
				cur = host + ":" + path
				head := fields[0] + " " + fmt.Sprintf("%04s", fields[1]) + " " + fields[2]
				if fields[0] == "l" {
					head += " -> " + target
				}
				out[cur] = head + "\n"
				continue
			}
		}
		if cur != "" {
			out[cur] += line
		}
	}
	for k, v := range out {
		if strings.HasPrefix(k, host+":") && strings.HasPrefix(v, "f ") {
			out[k] = v[:len(v)-1] // the newline the script added
		}
	}
}

func renderFiles(files map[string]string) string {
	keys := make([]string, 0, len(files))
	for k := range files {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "== %s\n%s", k, files[k])
		if !strings.HasSuffix(files[k], "\n") {
			b.WriteString("\n")
		}
	}
	return b.String()
}

// row is one task as run: its play, its printed name and each host's
// status.
type row struct {
	run   int // 0 or 1: the first run; 2: the second (case.yml runs)
	play  int
	name  string
	hosts map[string]string
}

func (r row) String() string {
	hosts := make([]string, 0, len(r.hosts))
	for h := range r.hosts {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	var parts []string
	for _, h := range hosts {
		parts = append(parts, h+"="+r.hosts[h])
	}
	prefix := ""
	if r.run > 1 {
		prefix = fmt.Sprintf("run %d | ", r.run)
	}
	return fmt.Sprintf("%splay %d | %s | %s", prefix, r.play, r.name, strings.Join(parts, " "))
}

func renderRows(rows []row) string {
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(r.String() + "\n")
	}
	return b.String()
}

func renderStats(stats map[string]map[string]int) string {
	hosts := make([]string, 0, len(stats))
	for h := range stats {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	var b strings.Builder
	for _, h := range hosts {
		s := stats[h]
		fmt.Fprintf(&b, "%s ok=%d changed=%d unreachable=%d failed=%d skipped=%d rescued=%d ignored=%d\n",
			h, s["ok"], s["changed"], s["unreachable"], s["failed"], s["skipped"], s["rescued"], s["ignored"])
	}
	return b.String()
}

func diffText(name, a, b, aName, bName string) string {
	return fmt.Sprintf("%s differ:\n%s", name, udiff.Unified(aName, bName, a, b))
}
