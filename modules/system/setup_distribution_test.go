package system

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestDistributionFromReleaseFiles reads each testdata/distributions/NAME
// tree (os-release and the release files the distribution ships, as
// documented) and compares the distribution facts with ansible.json: what
// Ansible 2.14's distribution collector (with distro 1.8) returned for the
// same files.
func TestDistributionFromReleaseFiles(t *testing.T) {
	roots, err := filepath.Glob("testdata/distributions/*")
	if err != nil || len(roots) < 10 {
		t.Fatalf("distributions: %v %v", roots, err)
	}
	for _, root := range roots {
		t.Run(filepath.Base(root), func(t *testing.T) {
			s := factSections{}
			err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() || d.Name() == "ansible.json" {
					return err
				}
				b, err := os.ReadFile(p)
				s[strings.TrimPrefix(p, root)] = strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(filepath.Join(root, "ansible.json"))
			if err != nil {
				t.Fatal(err)
			}
			var want map[string]any
			if err := json.Unmarshal(b, &want); err != nil {
				t.Fatal(err)
			}
			got := map[string]any{}
			parseDistribution(got, s, gatherOpts{})
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got  %v\nwant %v", got, want)
			}
		})
	}
}
