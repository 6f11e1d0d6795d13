package modules_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/haplay/haplay/internal/e2e"
)

// TestBackupsInOneSecondLab edits one file twice with backup: yes, as two
// tasks of one run do well within a second. Both tasks run on the host's
// one remote shell, whose PID ($$) is the same for both, so Ansible's
// name pattern alone (FILE.PID.TIME~) would give both backups one name
// and the second would overwrite the first. Each must keep its own copy.
func TestBackupsInOneSecondLab(t *testing.T) {
	l := e2e.Lab(t, 1)
	put(t, l, "node1", "/etc/hpt-backup.conf", "a=1\n", "640")
	r := play(t, l, `    - name: first edit
      lineinfile: {path: /etc/hpt-backup.conf, line: b=2, backup: true}
      register: first
    - name: second edit
      lineinfile: {path: /etc/hpt-backup.conf, line: c=3, backup: true}
      register: second
    - name: names
      debug: {msg: "{{ first.backup_file }} {{ second.backup_file }}"}
`, 0)
	wantStatuses(t, r, "changed", "first edit", "second edit")
	names := sh(t, l, "node1", "ls /etc/hpt-backup.conf.*")
	files := strings.Fields(names)
	if len(files) != 2 {
		t.Fatalf("backups: %q, want two", names)
	}
	pattern := regexp.MustCompile(`^/etc/hpt-backup\.conf\.\d+\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~$`)
	contents := map[string]bool{}
	for _, f := range files {
		if !pattern.MatchString(f) {
			t.Errorf("backup name %q", f)
		}
		contents[sh(t, l, "node1", "cat '"+f+"'; stat -c %a '"+f+"'")] = true
	}
	for _, want := range []string{"a=1\n640", "a=1\nb=2\n640"} {
		if !contents[want] {
			t.Errorf("no backup holds %q: %v", want, contents)
		}
	}
	if !strings.Contains(r.Stdout, files[0]) || !strings.Contains(r.Stdout, files[1]) {
		t.Errorf("backup_file results do not name both backups:\n%s", r.Stdout)
	}
}
