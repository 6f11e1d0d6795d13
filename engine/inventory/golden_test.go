package inventory

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/inventory/*/expected.json from ansible-inventory")

const corpus = "../../testdata/inventory"

// caseSources reads a case's args file: one -i source per line, relative
// to the case directory.
func caseSources(t *testing.T, dir string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "args"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func corpusCases(t *testing.T) []string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(corpus, "*"))
	if err != nil || len(dirs) < 15 {
		t.Fatalf("corpus: %d cases, err %v", len(dirs), err)
	}
	return dirs
}

func decodeJSON(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	d := json.NewDecoder(bytes.NewReader(data))
	if err := d.Decode(&v); err != nil {
		t.Fatalf("decoding %q: %v", data, err)
	}
	return v
}

// haplayJSON loads a case like `haplay inventory --list` from its dir.
func haplayJSON(t *testing.T, dir string) any {
	t.Helper()
	t.Chdir(dir)
	inv, err := Load(caseSources(t, "."))
	if err != nil {
		t.Fatal(err)
	}
	b, err := MarshalAnsibleJSON(inv.ToAnsibleJSON())
	if err != nil {
		t.Fatal(err)
	}
	return decodeJSON(t, b)
}

// ansibleJSON runs the real ansible-inventory in a sandbox: its temp
// files and home in a test dir, an empty playbook dir.
func ansibleJSON(t *testing.T, dir string) []byte {
	t.Helper()
	tmp := t.TempDir()
	args := []string{"--list", "--playbook-dir", tmp}
	for _, s := range caseSources(t, dir) {
		args = append(args, "-i", s)
	}
	cmd := exec.Command("ansible-inventory", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+tmp, "ANSIBLE_LOCAL_TEMP="+filepath.Join(tmp, "tmp"),
		"ANSIBLE_INVENTORY_UNPARSED_WARNING=false", "ANSIBLE_NOCOLOR=1", "ANSIBLE_CONFIG="+filepath.Join(tmp, "none.cfg"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ansible-inventory: %v\n%s", err, stderr.String())
	}
	if stderr.Len() > 0 {
		t.Logf("ansible-inventory stderr: %s", stderr.String())
	}
	return out
}

func TestGoldenCorpus(t *testing.T) {
	for _, dir := range corpusCases(t) {
		abs, err := filepath.Abs(dir)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(filepath.Base(dir), func(t *testing.T) {
			golden := filepath.Join(abs, "expected.json")
			if *update {
				if err := os.WriteFile(golden, ansibleJSON(t, abs), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			got := haplayJSON(t, abs)
			if w := decodeJSON(t, want); !reflect.DeepEqual(got, w) {
				gb, _ := MarshalAnsibleJSON(got)
				t.Errorf("haplay differs from golden %s\n got: %s\nwant: %s", golden, gb, want)
			}
		})
	}
}

func TestAgainstAnsibleInventory(t *testing.T) {
	if _, err := exec.LookPath("ansible-inventory"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("ansible-inventory is required under CI=true: ", err)
		}
		t.Skip("ansible-inventory not installed")
	}
	for _, dir := range corpusCases(t) {
		abs, err := filepath.Abs(dir)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(filepath.Base(dir), func(t *testing.T) {
			want := decodeJSON(t, ansibleJSON(t, abs))
			if got := haplayJSON(t, abs); !reflect.DeepEqual(got, want) {
				gb, _ := MarshalAnsibleJSON(got)
				wb, _ := MarshalAnsibleJSON(want)
				t.Errorf("haplay differs from ansible-inventory\n got: %s\nwant: %s", gb, wb)
			}
		})
	}
}
