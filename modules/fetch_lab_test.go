package modules_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/haplay/haplay/internal/e2e"
)

// A relative fetch dest is relative to the playbook's directory, as in
// Ansible (path_dwim), whatever directory haplay runs in.
func TestFetchRelativeDestLab(t *testing.T) {
	l := e2e.Lab(t, 1)
	sh(t, l, "node1", "printf 'k=v\\n' >/etc/fetch-me.conf")
	pbDir, cwd := t.TempDir(), t.TempDir()
	pb := `- hosts: node1
  gather_facts: false
  tasks:
    - name: fetch tree
      fetch: {src: /etc/fetch-me.conf, dest: fetched}
    - name: fetch flat
      fetch: {src: /etc/fetch-me.conf, dest: out/, flat: true}
`
	p := filepath.Join(pbDir, "pb.yml")
	if err := os.WriteFile(p, []byte(pb), 0o644); err != nil {
		t.Fatal(err)
	}
	r := e2e.Run(t, cwd, "run", p, "-i", l.InventoryPath, "--known-hosts", l.KnownHostsPath, "--output=json")
	if r.ExitCode != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	wantStatuses(t, r, "changed", "fetch tree", "fetch flat")
	for _, f := range []string{"fetched/node1/etc/fetch-me.conf", "out/fetch-me.conf"} {
		if b, err := os.ReadFile(filepath.Join(pbDir, f)); err != nil || string(b) != "k=v\n" {
			t.Errorf("%s in the playbook's directory: %q %v", f, b, err)
		}
	}
	if ents, _ := os.ReadDir(cwd); len(ents) != 0 {
		t.Errorf("files written in the working directory: %v", ents)
	}
}
