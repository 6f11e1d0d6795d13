package conformance

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/haplay/haplay/internal/e2e"
)

// badDir holds one directory per bad-input case: site.yml (and whatever
// it refers to), optionally inventory.ini and case.yml, and expected.txt,
// the golden output (rewritten with -update).
var badDir = filepath.Join("..", "..", "testdata", "bad")

// badSpec is a bad case's case.yml.
type badSpec struct {
	// Runtime marks a problem found only when the task runs (an undefined
	// variable): haplay exits 2, and must fail before changing anything.
	Runtime bool `yaml:"runtime"`
	// Exit overrides the expected exit code (4, a parse error, by default).
	Exit int `yaml:"exit"`
}

// unreachableInventory points at a port nobody listens on: a case that
// contacted its host would print "unreachable".
const unreachableInventory = "[all]\nnowhere ansible_host=127.0.0.1 ansible_port=1 ansible_user=nobody\n"

var positioned = regexp.MustCompile(`\.(yml|yaml|ini):\d+`)

// TestBadInput runs every bad-input case with `haplay run` and checks the
// exit code, that the error has a file:line, that no host was contacted,
// and the whole output against expected.txt.
func TestBadInput(t *testing.T) {
	entries, err := os.ReadDir(badDir)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(entries); n < 30 {
		t.Errorf("the bad-input corpus has %d cases; the issue asks for at least 30", n)
	}
	e2e.Binary(t)
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		t.Run(e.Name(), func(t *testing.T) {
			t.Parallel()
			dir, err := filepath.Abs(filepath.Join(badDir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			var spec badSpec
			if data, err := os.ReadFile(filepath.Join(dir, "case.yml")); err == nil {
				if err := yaml.UnmarshalWithOptions(data, &spec, yaml.Strict()); err != nil {
					t.Fatalf("case.yml: %v", err)
				}
			}
			want := 4
			switch {
			case spec.Exit != 0:
				want = spec.Exit
			case spec.Runtime:
				want = 2
			}
			inv := filepath.Join(dir, "inventory.ini")
			if _, err := os.Stat(inv); err != nil {
				inv = filepath.Join(t.TempDir(), "inventory.ini")
				if err := os.WriteFile(inv, []byte(unreachableInventory), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			// The resume file of a failed run goes to a temp dir, not
			// into testdata beside the playbook.
			r := e2e.Run(t, t.TempDir(), "run", filepath.Join(dir, "site.yml"), "-i", inv, "--resume-dir", t.TempDir())
			out := r.Stdout + r.Stderr
			if r.ExitCode != want {
				t.Errorf("exit code %d, want %d; output:\n%s", r.ExitCode, want, out)
			}
			if strings.Contains(strings.ToLower(out), "unreachable!") || strings.Contains(out, "UNREACHABLE") ||
				regexp.MustCompile(`unreachable=[1-9]`).MatchString(out) {
				t.Errorf("a host was contacted:\n%s", out)
			}
			if want != 5 && !positioned.MatchString(out) {
				t.Errorf("the error has no file:line:\n%s", out)
			}
			if spec.Runtime && (strings.Contains(out, "changed:") || regexp.MustCompile(`changed=[1-9]`).MatchString(out)) {
				t.Errorf("something changed before the error:\n%s", out)
			}
			got := strings.ReplaceAll(out, dir, "$CASE")
			got = strings.ReplaceAll(got, inv, "$INVENTORY")
			golden := filepath.Join(dir, "expected.txt")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			wantOut, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(wantOut) {
				t.Errorf("%s", diffText("output", string(wantOut), got, "expected.txt", "haplay"))
			}
		})
	}
}
