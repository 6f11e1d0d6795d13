package conformance

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/haplay/haplay/engine/lab"
)

// ansible-playbook needs one to three seconds per task on a few hosts, so
// a live run of the whole corpus takes minutes. Each live run is therefore
// recorded beside its case (ansible.json), keyed by a hash of the case's
// files and the ansible-playbook version; a fresh recording stands in for
// the live run. Any change to a case makes its recording stale, and a
// stale case runs live again.
var (
	ansibleMode = flag.String("ansible", "auto",
		"auto: use a case's ansible.json when fresh, else run ansible-playbook; live: always run it; recorded: never run it")
	update = flag.Bool("update", false, "rewrite ansible.json recordings (and bad-input golden files) from live runs")
)

const recordingFile = "ansible.json"

// recording is one live ansible-playbook run of a case.
type recording struct {
	AnsibleVersion string                    `json:"ansible_version"`
	Format         int                       `json:"format"` // snapshotFormat it was made with
	Hash           string                    `json:"hash"`
	RC             int                       `json:"rc"`
	Rows           []recordedRow             `json:"rows"`
	Stats          map[string]map[string]int `json:"stats"`
	Files          map[string]string         `json:"files"`
}

type recordedRow struct {
	Run   int               `json:"run,omitempty"`
	Play  int               `json:"play"`
	Name  string            `json:"name"`
	Hosts map[string]string `json:"hosts"`
}

var (
	versionOnce sync.Once
	version     string
)

// ansibleVersion is the first line of `ansible-playbook --version`.
func ansibleVersion(t *testing.T, ansible string) string {
	versionOnce.Do(func() {
		out, err := exec.Command(ansible, "--version").Output()
		if err != nil {
			t.Logf("ansible-playbook --version: %v", err)
		}
		version, _, _ = strings.Cut(string(out), "\n")
	})
	return version
}

// caseHash hashes the case's files (not its recording) and its args, as
// written (before $CASE is replaced).
func caseHash(t *testing.T, dir string, args []string) string {
	t.Helper()
	h := sha256.New()
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		// case.yml counts only through its args (below): its expected
		// differences do not change what Ansible does.
		if !d.IsDir() && d.Name() != recordingFile && p != filepath.Join(dir, "case.yml") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(dir, f)
		h.Write([]byte(rel + "\x00"))
		h.Write(data)
		h.Write([]byte{0})
	}
	h.Write([]byte("args\x00" + strings.Join(args, "\x00")))
	// What a recording holds is part of its key too: a new snapshot
	// format makes every recording stale.
	h.Write([]byte("\x00format\x00" + strconv.Itoa(snapshotFormat)))
	return hex.EncodeToString(h.Sum(nil))
}

// loadRecording returns the case's recording if it matches hash (and the
// ansible version, when known).
func loadRecording(c corpusCase, hash, ver string) *outcome {
	data, err := os.ReadFile(filepath.Join(c.dir, recordingFile))
	if err != nil {
		return nil
	}
	var r recording
	if json.Unmarshal(data, &r) != nil || r.Hash != hash || r.Format != snapshotFormat || (ver != "" && r.AnsibleVersion != ver) {
		return nil
	}
	o := &outcome{rc: r.RC, stats: r.Stats, files: r.Files, output: "(recorded " + r.AnsibleVersion + " run)"}
	if o.files == nil {
		o.files = map[string]string{}
	}
	for _, rw := range r.Rows {
		o.rows = append(o.rows, row{run: rw.Run, play: rw.Play, name: rw.Name, hosts: rw.Hosts})
	}
	return o
}

func saveRecording(t *testing.T, c corpusCase, hash, ver string, o *outcome) {
	t.Helper()
	r := recording{AnsibleVersion: ver, Format: snapshotFormat, Hash: hash, RC: o.rc, Stats: o.stats, Files: o.files}
	for _, rw := range o.rows {
		r.Rows = append(r.Rows, recordedRow{Run: rw.run, Play: rw.play, Name: rw.name, Hosts: rw.hosts})
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(c.dir, recordingFile), append(data, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

// ansibleOutcome is Ansible's outcome for a case: recorded or live,
// following -ansible. It returns nil when there is nothing to compare with.
func ansibleOutcome(t *testing.T, l *lab.Lab, ansible, work, inv string, c corpusCase) *outcome {
	t.Helper()
	// runs and reset change what Ansible does, so they key it too (when
	// set, so cases without them keep their hashes).
	key := c.spec.RawArgs
	if c.runs() > 1 || c.spec.Reset != "" {
		key = append([]string{fmt.Sprintf("runs=%d", c.runs()), "reset=" + c.spec.Reset}, key...)
	}
	key = append(key, installKey(t, c)...)
	hash := caseHash(t, c.dir, key)
	ver := ""
	if ansible != "" {
		ver = ansibleVersion(t, ansible)
	}
	if *ansibleMode != "live" && !*update {
		if o := loadRecording(c, hash, ver); o != nil {
			return o
		}
		if *ansibleMode == "recorded" {
			t.Errorf("%s/%s is missing or stale: run the test with -update and ansible-playbook installed", c.name, recordingFile)
			return nil
		}
	}
	if ansible == "" {
		t.Logf("no fresh %s and no ansible-playbook: not compared with Ansible", recordingFile)
		return nil
	}
	o := runAnsible(t, l, ansible, work, inv, c)
	if *update {
		saveRecording(t, c, hash, ver, o)
	} else {
		t.Logf("%s is missing or stale; run with -update to record this run", recordingFile)
	}
	return o
}
