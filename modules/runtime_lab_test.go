package modules_test

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haplay/haplay/engine/lab"
	"github.com/haplay/haplay/internal/e2e"
)

// Lab tests for the modules that act on the run itself: include_vars,
// add_host, group_by, pause and wait_for_connection.

func TestRuntimeModulesLab(t *testing.T) {
	l := e2e.Lab(t, 2)
	t.Run("include_vars", func(t *testing.T) { testIncludeVars(t, l) })
	t.Run("add_host", func(t *testing.T) { testAddHost(t, l) })
	t.Run("group_by", func(t *testing.T) { testGroupBy(t, l) })
	t.Run("pause", func(t *testing.T) { testPause(t, l) })
	t.Run("wait_for_connection", func(t *testing.T) { testWaitForConnection(t, l) })
}

func runPB(t *testing.T, l *lab.Lab, dir, pb string, wantExit int, extra ...string) e2e.Result {
	t.Helper()
	r := e2e.Playbook(t, l, dir, "pb.yml", pb, "run", extra...)
	if r.ExitCode != wantExit {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.ExitCode, wantExit, r.Stdout, r.Stderr)
	}
	return r
}

func wantHostStatus(t *testing.T, r e2e.Result, task, host, want string) {
	t.Helper()
	if got := r.Doc.Status(task, host); got != want {
		t.Errorf("%s on %s: %q, want %q\n%s", task, host, got, want, r.Stdout)
	}
}

func testIncludeVars(t *testing.T, l *lab.Lab) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "vars"), 0o755); err != nil {
		t.Fatal(err)
	}
	// yes is a YAML 1.1 boolean, as Ansible reads it.
	if err := os.WriteFile(filepath.Join(dir, "vars", "cluster.yml"), []byte("cluster_name: alpha\nenabled: yes\nports: [80, 443]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pb := `- hosts: node1
  gather_facts: false
  tasks:
    - name: Load the cluster vars
      include_vars: cluster.yml
    - name: Load them under a key
      include_vars:
        file: cluster.yml
        name: settings
    - name: Use them
      copy:
        dest: /tmp/iv.txt
        content: "{{ cluster_name }} {{ settings.ports | join(',') }}\n"
    - name: The boolean is a boolean
      assert:
        that:
          - enabled == true
          - settings.enabled == true
`
	for _, mode := range [][]string{{"--check"}, nil} {
		r := runPB(t, l, dir, pb, 0, mode...)
		wantHostStatus(t, r, "Load the cluster vars", "node1", "ok")
		wantHostStatus(t, r, "Use them", "node1", "changed")
		wantHostStatus(t, r, "The boolean is a boolean", "node1", "ok")
	}
	if got := e2e.Exec(t, l, "node1", "cat", "/tmp/iv.txt"); got != "alpha 80,443" {
		t.Errorf("/tmp/iv.txt = %q", got)
	}
	// A literal missing file fails at load (the static check); one whose
	// name is a template fails when the task runs.
	r := runPB(t, l, dir, strings.Replace(pb, "cluster.yml\n    - name: Load them", "\"{{ 'missing' }}.yml\"\n    - name: Load them", 1), 2)
	wantHostStatus(t, r, "Load the cluster vars", "node1", "failed")

	testIncludeVarsMerge(t, l, dir)
}

// hash_behaviour merge and ignore_unknown_extensions, as ansible-playbook
// 2.14 does them: dictionaries merge recursively, anything else fails;
// an unknown extension in a directory fails unless ignored.
func testIncludeVarsMerge(t *testing.T, l *lab.Lab, dir string) {
	for name, text := range map[string]string{"m/a.yml": "conf: {y: 2, n: {q: 2}}\n", "m/README": "not vars\n", "scalar.yml": "plain: new\n"} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, "vars", name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "vars", name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pb := `- hosts: node1
  gather_facts: false
  vars: {conf: {x: 1, n: {p: 1}}, plain: old}
  tasks:
    - name: unknown extension
      include_vars: {dir: m}
      ignore_errors: true
    - name: merge
      include_vars: {dir: m, ignore_unknown_extensions: true, hash_behaviour: merge}
    - name: merged
      assert: {that: ["conf == {'x': 1, 'y': 2, 'n': {'p': 1, 'q': 2}}"]}
    - name: scalar
      include_vars: {file: scalar.yml, hash_behaviour: merge}
      ignore_errors: true
`
	r := runPB(t, l, dir, pb, 0)
	wantHostStatus(t, r, "unknown extension", "node1", "failed")
	wantHostStatus(t, r, "merge", "node1", "ok")
	wantHostStatus(t, r, "merged", "node1", "ok")
	wantHostStatus(t, r, "scalar", "node1", "failed")
	for _, want := range []string{"README does not have a valid extension: json, yaml, yml", "expected dicts but got a 'str' and a 'str'"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.Stdout)
		}
	}
}

func testAddHost(t *testing.T, l *lab.Lab) {
	// node2 again, under another name: the added host's connection vars
	// come from the add_host arguments.
	pb := `- hosts: all
  gather_facts: false
  tasks:
    - name: Add the alias
      add_host:
        name: alias2
        groups: newgroup
        ansible_host: "{{ hostvars['node2'].ansible_host }}"
        ansible_user: root
        ansible_ssh_private_key_file: "{{ hostvars['node2'].ansible_ssh_private_key_file }}"
        marker: from-add-host
- hosts: newgroup
  gather_facts: false
  tasks:
    - name: Reach the alias
      command: cat /etc/hostname
      register: hn
    - name: Its variable came along
      assert:
        that: marker == 'from-add-host'
`
	r := runPB(t, l, t.TempDir(), pb, 0)
	wantHostStatus(t, r, "Add the alias", "node1", "changed")
	wantHostStatus(t, r, "Reach the alias", "alias2", "changed")
	wantHostStatus(t, r, "Its variable came along", "alias2", "ok")
	if !strings.Contains(r.Stdout, e2e.Exec(t, l, "node2", "cat", "/etc/hostname")) {
		t.Errorf("the alias did not reach node2:\n%s", r.Stdout)
	}
}

func testGroupBy(t *testing.T, l *lab.Lab) {
	e2e.Exec(t, l, "node1", "rm", "-f", "/tmp/gb")
	e2e.Exec(t, l, "node2", "rm", "-f", "/tmp/gb")
	pb := `- hosts: all
  gather_facts: false
  tasks:
    - name: Group by name
      group_by:
        key: "kind_{{ inventory_hostname }}"
- hosts: kind_node2
  gather_facts: false
  tasks:
    - name: Only in the group
      file:
        path: /tmp/gb
        state: touch
`
	r := runPB(t, l, t.TempDir(), pb, 0)
	wantHostStatus(t, r, "Group by name", "node1", "changed")
	wantHostStatus(t, r, "Group by name", "node2", "changed")
	wantHostStatus(t, r, "Only in the group", "node2", "changed")
	if got := e2e.Exec(t, l, "node1", "sh", "-c", "test -e /tmp/gb && echo yes || echo no"); got != "no" {
		t.Errorf("node1 got /tmp/gb: the play ran outside the group")
	}
	if got := e2e.Exec(t, l, "node2", "sh", "-c", "test -e /tmp/gb && echo yes || echo no"); got != "yes" {
		t.Errorf("node2 has no /tmp/gb")
	}
}

func testPause(t *testing.T, l *lab.Lab) {
	pb := `- hosts: all
  gather_facts: false
  tasks:
    - name: Wait a second
      pause:
        seconds: 1
`
	start := time.Now()
	r := runPB(t, l, t.TempDir(), pb, 0)
	if d := time.Since(start); d < time.Second {
		t.Errorf("the run took %s, want at least 1s", d)
	}
	wantHostStatus(t, r, "Wait a second", "node1", "ok")
	// A prompt cannot be answered without a terminal: refused, not hung.
	r = runPB(t, l, t.TempDir(), strings.Replace(pb, "seconds: 1", "prompt: go on?", 1), 2)
	wantHostStatus(t, r, "Wait a second", "node1", "failed")
}

func testWaitForConnection(t *testing.T, l *lab.Lab) {
	ctx := t.Context()
	e2e.Binary(t) // built before the outage, so the run starts during it
	if err := l.StopSSHD(ctx, "node2"); err != nil {
		t.Fatal(err)
	}
	// The kill is asynchronous: wait until port 22 refuses, so the run
	// really starts during the outage.
	h, _ := l.Host("node2")
	for i := 0; ; i++ {
		c, err := net.DialTimeout("tcp", net.JoinHostPort(h.IP, "22"), time.Second)
		if err != nil {
			break
		}
		c.Close()
		if i == 100 {
			t.Fatal("node2's sshd still answers after StopSSHD")
		}
		time.Sleep(50 * time.Millisecond)
	}
	restarted := make(chan error, 1)
	go func() {
		time.Sleep(2 * time.Second)
		restarted <- l.StartSSHD(ctx, "node2")
	}()
	pb := `- hosts: node2
  gather_facts: false
  tasks:
    - name: Wait for sshd
      wait_for_connection:
        timeout: 60
    - name: Then run something
      command: "true"
`
	r := runPB(t, l, t.TempDir(), pb, 0)
	if err := <-restarted; err != nil {
		t.Fatal(err)
	}
	wantHostStatus(t, r, "Wait for sshd", "node2", "ok")
	wantHostStatus(t, r, "Then run something", "node2", "changed")
	_, res, _ := taskResultOn(r, "Wait for sshd", "node2")
	if e, ok := res["elapsed"].(float64); !ok || e < 1 {
		t.Errorf("elapsed = %v, want >= 1", res["elapsed"])
	}
}

func taskResultOn(r e2e.Result, task, host string) (string, map[string]any, bool) {
	for _, p := range r.Doc.Plays {
		for _, tk := range p.Tasks {
			if tk.Name == task {
				h, ok := tk.Hosts[host]
				return h.Msg, h.Result, ok
			}
		}
	}
	return "", nil, false
}
