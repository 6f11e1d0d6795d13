package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/internal/e2e"
)

// user's password is no_log: it travels on usermod's argv, which -vv
// shows; no output shows the hash, and the EXEC line has the mark.
func TestUserPasswordNeverShownLab(t *testing.T) {
	l := e2e.Lab(t, 1)
	const hash = "$6$saltsalt$Zq0nologsecretHashValue0123456789"
	dir := t.TempDir()
	pb := `- hosts: node1
  gather_facts: false
  tasks:
    - name: another password first, so every run changes it
      user: {name: nologuser, password: "$6$resetsalt$placeholderhash"}
    - name: set password
      user: {name: nologuser, password: "{{ pw }}"}
    - name: bad group
      user: {name: nologuser, password: "{{ pw }}x", group: no-such-group-nolog}
      ignore_errors: true
`
	if err := os.WriteFile(filepath.Join(dir, "pb.yml"), []byte(pb), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"run", "pb.yml", "-i", l.InventoryPath, "--known-hosts", l.KnownHostsPath, "-e", "pw=" + hash}
	for name, out := range noLogOutputs(t, dir, args...) {
		if strings.Contains(out, "Zq0nologsecret") {
			t.Errorf("%s shows the no_log value:\n%s", name, out)
		}
		if (name == "text -vv" || name == "text -vvv") && !strings.Contains(out, "EXEC") {
			t.Errorf("%s shows no command:\n%s", name, out)
		}
		if strings.HasPrefix(name, "text -vv") && !strings.Contains(out, "-p "+module.NoLogValue) {
			t.Errorf("%s: the password's argument is not %s:\n%s", name, module.NoLogValue, out)
		}
	}
	if got := e2e.Exec(t, l, "node1", "sh", "-c", "getent shadow nologuser | cut -d: -f2"); got != hash {
		t.Errorf("the password was not set: %q", got)
	}
}
