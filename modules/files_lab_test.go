package modules_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haplay/haplay/internal/e2e"
)

// filesPlaybook uses every file module once, idempotently.
const filesPlaybook = `- hosts: node1
  gather_facts: false
  tasks:
    - name: copy content
      copy: {content: "x=1\n", dest: /etc/app.conf, mode: "0600"}
    - name: copy src
      copy: {src: hello.txt, dest: /tmp/, mode: "u=rw,g=r,o=r", backup: true}
    - name: copy tree
      copy: {src: tree, dest: /opt/t/}
    - name: template
      template: {src: app.conf.j2, dest: /etc/app-t.conf}
    - name: directories
      file: {path: /srv/nas/msa_db, state: directory, owner: "70", mode: "0750"}
    - name: kafka data
      file: {path: /srv/nas/kafka, state: directory, owner: "1001", group: "0", recurse: true}
    - name: seed
      copy: {content: "line 1\nhost=node1\n", dest: /etc/edit.conf, force: false}
    - name: lineinfile
      lineinfile: {path: /etc/edit.conf, regexp: '^y=', line: "y=2", insertafter: '^line 1'}
    - name: blockinfile
      blockinfile: {path: /etc/edit.conf, block: "a\nb"}
    - name: replace
      replace: {path: /etc/edit.conf, regexp: '^host=(\w+)$', replace: 'host=\1.lab'}
    - name: link
      file: {src: /etc/app.conf, path: /etc/app.link, state: link}
    - name: stat
      stat: {path: /etc/app.conf}
      register: st
    - name: slurp
      slurp: {src: /etc/app.conf}
      register: sl
    - name: check
      assert:
        that:
          - st.stat.exists
          - st.stat.mode == '0600'
          - sl.content | b64decode == 'x=1\n'
    - name: fetch
      fetch: {src: /etc/app.conf, dest: fetched}
`

var fileTasks = []string{"copy content", "copy src", "copy tree", "template", "directories", "kafka data",
	"seed", "lineinfile", "blockinfile", "replace", "link", "fetch"}

func labDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	out, err := exec.Command("cp", "-r", "testdata/lab/files", "testdata/lab/templates", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("%v %s", err, out)
	}
	return dir
}

func TestFileModulesLab(t *testing.T) {
	l := e2e.Lab(t, 1)
	dir := labDir(t)

	// plan predicts every change and leaves the host untouched.
	plan := e2e.Playbook(t, l, dir, "pb.yml", filesPlaybook, "plan")
	if plan.ExitCode != 2 {
		t.Fatalf("plan exit %d\n%s\n%s", plan.ExitCode, plan.Stdout, plan.Stderr)
	}
	for _, task := range fileTasks {
		if s := plan.Doc.Status(task, "node1"); s != "changed" {
			t.Errorf("plan: %s is %q, want changed", task, s)
		}
	}
	if got := e2e.Exec(t, l, "node1", "sh", "-c", "for p in /etc/app.conf /etc/app-t.conf /srv/nas /opt/t /etc/app.link; do [ -e $p ] && echo $p; done; true"); got != "" {
		t.Fatalf("plan changed the host: %s", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "fetched")); err == nil {
		t.Fatal("plan fetched a file")
	}

	run := e2e.Playbook(t, l, dir, "pb.yml", filesPlaybook, "run", "--diff")
	if run.ExitCode != 0 {
		t.Fatalf("run exit %d\n%s\n%s", run.ExitCode, run.Stdout, run.Stderr)
	}
	for _, task := range fileTasks {
		if s := run.Doc.Status(task, "node1"); s != "changed" {
			t.Errorf("run: %s is %q, want changed", task, s)
		}
	}
	want := "line 1\ny=2\nhost=node1.lab\n# BEGIN ANSIBLE MANAGED BLOCK\na\nb\n# END ANSIBLE MANAGED BLOCK"
	if got := e2e.Exec(t, l, "node1", "cat", "/etc/edit.conf"); got != want {
		t.Errorf("/etc/edit.conf:\n%s\nwant:\n%s", got, want)
	}
	if got := e2e.Exec(t, l, "node1", "cat", "/etc/app-t.conf"); got != "# Ansible managed\nline 1\nline 2\nhost=node1" {
		t.Errorf("/etc/app-t.conf:\n%s", got)
	}
	for cmd, want := range map[string]string{
		"stat -c %a:%u /etc/app.conf":      "600:0",
		"stat -c %a:%u:%g /srv/nas/msa_db": "750:70:0",
		"stat -c %u:%g /srv/nas/kafka":     "1001:0",
		"readlink /etc/app.link":           "/etc/app.conf",
		"cat /opt/t/tree/sub/b":            "b",
		"cat /tmp/hello.txt":               "hello",
	} {
		if got := e2e.Exec(t, l, "node1", "sh", "-c", cmd); got != want {
			t.Errorf("%s = %q, want %q", cmd, got, want)
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, "fetched", "node1", "etc", "app.conf")); err != nil || string(b) != "x=1\n" {
		t.Errorf("fetched: %q %v", b, err)
	}
	// The fetched copy has the remote file's mode (less the umask), as
	// with Ansible's sftp transfer: 0600 here, not a fixed 0644.
	if st, err := os.Stat(filepath.Join(dir, "fetched", "node1", "etc", "app.conf")); err != nil {
		t.Error(err)
	} else if st.Mode().Perm() != 0o600 {
		t.Errorf("fetched file mode %v, want 0600", st.Mode().Perm())
	}
	if !strings.Contains(run.Stdout, "+host=node1.lab") && !strings.Contains(run.Stdout, "host=node1.lab") {
		t.Errorf("diff text missing from output")
	}

	again := e2e.Playbook(t, l, dir, "pb.yml", filesPlaybook, "run")
	if again.ExitCode != 0 || len(again.Doc.Changed()) != 0 {
		t.Fatalf("second run changed %v (exit %d)\n%s", again.Doc.Changed(), again.ExitCode, again.Stderr)
	}
	replan := e2e.Playbook(t, l, dir, "pb.yml", filesPlaybook, "plan")
	if replan.ExitCode != 0 {
		t.Fatalf("plan after run: exit %d, changes %v", replan.ExitCode, replan.Doc.Changed())
	}
}

func TestFileModulesErrorsLab(t *testing.T) {
	l := e2e.Lab(t, 1)
	dir := labDir(t)
	e2e.Exec(t, l, "node1", "sh", "-c", "printf 'keep\\n' > /etc/valid.conf")
	pb := `- hosts: node1
  gather_facts: false
  tasks:
    - name: missing src
      copy: {src: "{{ 'no-such-file.txt' }}", dest: /tmp/x}
      ignore_errors: true
    - name: permission denied
      copy: {content: "x\n", dest: /etc/denied.conf}
      become: true
      become_user: nobody
      ignore_errors: true
    - name: bad mode
      file: {path: /tmp, mode: "{{ 'u=rwz' }}"}
      ignore_errors: true
    - name: validate fails
      lineinfile: {path: /etc/valid.conf, line: "broken", validate: "grep -q good %s"}
      ignore_errors: true
    - name: missing directory
      copy: {content: "x\n", dest: /tmp/no-such-dir/x}
      ignore_errors: true
`
	r := e2e.Playbook(t, l, dir, "pb.yml", pb, "run")
	msgs := map[string][]string{
		"missing src":       {"no-such-file.txt"},
		"permission denied": {"/etc/denied.conf", "Permission denied"},
		"bad mode":          {"u=rwz"},
		"validate fails":    {"/etc/valid.conf", "grep -q good"},
		"missing directory": {"Destination directory /tmp/no-such-dir does not exist"},
	}
	for task, wants := range msgs {
		if s := r.Doc.Status(task, "node1"); s != "failed" {
			t.Errorf("%s: status %q", task, s)
		}
		msg := ""
		for _, p := range r.Doc.Plays {
			for _, tk := range p.Tasks {
				if tk.Name == task {
					msg = tk.Hosts["node1"].Msg
				}
			}
		}
		for _, w := range wants {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: message %q lacks %q", task, msg, w)
			}
		}
	}
	// Check mode fails the same way (Ansible's copy does too), rather
	// than predicting a write the run cannot do.
	r = e2e.Playbook(t, l, dir, "pb.yml", pb, "run", "--check")
	if s := r.Doc.Status("missing directory", "node1"); s != "failed" {
		t.Errorf("check mode: missing directory: status %q", s)
	}
	if got := e2e.Exec(t, l, "node1", "cat", "/etc/valid.conf"); got != "keep" {
		t.Errorf("failed validation changed the file: %q", got)
	}
	if got := e2e.Exec(t, l, "node1", "sh", "-c", "ls /etc/denied.conf 2>/dev/null; true"); got != "" {
		t.Errorf("denied write happened")
	}
}

// In one check run, copy creates a file and lineinfile diffs against the
// predicted content, not against a missing file.
func TestCheckModeOverlayLab(t *testing.T) {
	l := e2e.Lab(t, 1)
	dir := labDir(t)
	pb := `- hosts: node1
  gather_facts: false
  tasks:
    - name: create
      copy: {content: "a=1\n", dest: /etc/overlay.conf}
    - name: edit
      lineinfile: {path: /etc/overlay.conf, line: "b=2"}
`
	r := e2e.Playbook(t, l, dir, "pb.yml", pb, "run", "--check", "--diff")
	if r.ExitCode != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	if s := r.Doc.Status("edit", "node1"); s != "changed" {
		t.Fatalf("edit: %q", s)
	}
	var before, after string
	for _, p := range r.Doc.Plays {
		for _, tk := range p.Tasks {
			if tk.Name == "edit" && len(tk.Hosts["node1"].Diff) > 0 {
				before, after = tk.Hosts["node1"].Diff[0].Before, tk.Hosts["node1"].Diff[0].After
			}
		}
	}
	if before != "a=1\n" || after != "a=1\nb=2\n" {
		t.Errorf("edit diff %q -> %q, want built on the predicted file", before, after)
	}
	if got := e2e.Exec(t, l, "node1", "sh", "-c", "ls /etc/overlay.conf 2>/dev/null; true"); got != "" {
		t.Errorf("check mode created the file")
	}
}
