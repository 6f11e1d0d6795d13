package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haplay/haplay/engine/lab"
	"github.com/haplay/haplay/internal/e2e"
)

// connPlaybook registers who and where each host's commands ran, and
// prints it; {{play}} takes the play's connection keywords.
const connPlaybook = `- hosts: nodes
  gather_facts: false
%s  tasks:
    - name: who
      command: whoami
      register: who
      changed_when: false
    - name: where
      command: hostname
      register: where
      changed_when: false
    - name: show
      debug:
        msg: "{{ who.stdout }}@{{ where.stdout }}"
`

// connOutcome is what one tool did: per "task host" its status, and the
// show task's message; per host its ok/changed/failed/unreachable counts.
type connOutcome struct {
	status map[string]string
	shown  map[string]string
	stats  map[string]string
	rc     int
	output string
}

// The connection settings reach the connection as in ansible-playbook:
// -e ansible_port and -e ansible_user beat the inventory, a templated
// ansible_host is rendered, a play's remote_user applies when the host
// has no ansible_user (and loses to it), a play's connection: local
// runs on the controller, and -u, -b, --become-user and --become-method
// take effect below the keywords and variables.
func TestConnectionSettingsAgainstAnsibleLab(t *testing.T) {
	ansible, err := exec.LookPath("ansible-playbook")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	l := e2e.Lab(t, 2)
	h1, _ := l.Host("node1")
	h2, _ := l.Host("node2")
	key := " ansible_ssh_private_key_file=" + l.KeyPath
	plain := fmt.Sprintf("[nodes]\nnode1 ansible_host=%s ansible_user=root%s\nnode2 ansible_host=%s ansible_user=root%s\n", h1.IP, key, h2.IP, key)
	noUser := fmt.Sprintf("[nodes]\nnode1 ansible_host=%s%s\nnode2 ansible_host=%s%s\n", h1.IP, key, h2.IP, key)
	ctl, _ := os.Hostname()
	for _, c := range []struct {
		name, inv, play string
		args            []string
		shown           string // what show prints on node1, "" when unreachable
	}{
		{"-e ansible_port", plain, "", []string{"-e", "ansible_port=2999"}, ""},
		{"-e ansible_user", strings.ReplaceAll(plain, "ansible_user=root", "ansible_user=nosuchuser"), "", []string{"-e", "ansible_user=root"}, "root@node1"},
		{"templated ansible_host", fmt.Sprintf("[nodes]\nnode1 ansible_host=\"{{ mgmt_ip }}\" mgmt_ip=%s ansible_user=root%s\n", h1.IP, key), "", nil, "root@node1"},
		{"play remote_user", noUser, "  remote_user: root\n", nil, "root@node1"},
		{"play remote_user, no such user", noUser, "  remote_user: nosuchuser\n", nil, ""},
		{"ansible_user beats remote_user", plain, "  remote_user: nosuchuser\n", nil, "root@node1"},
		{"play connection: local", strings.ReplaceAll(plain, h1.IP, "192.0.2.1"), "  connection: local\n", nil, "root@" + ctl},
		// The command line is the keywords' default: -u loses to
		// ansible_user and to remote_user:, -b and --become-user to
		// become: and to ansible_become_user.
		{"-u", noUser, "", []string{"-u", "root"}, "root@node1"},
		{"-u, no such user", noUser, "", []string{"--user", "nosuchuser"}, ""},
		{"ansible_user beats -u", plain, "", []string{"-u", "nosuchuser"}, "root@node1"},
		{"remote_user beats -u", noUser, "  remote_user: root\n", []string{"-u", "nosuchuser"}, "root@node1"},
		{"-b --become-user", plain, "", []string{"-b", "--become-user", "nobody"}, "nobody@node1"},
		{"become: false beats -b", plain, "  become: false\n", []string{"-b", "--become-user", "nobody"}, "root@node1"},
		{"become_user beats --become-user", plain, "  become_user: daemon\n", []string{"--become", "--become-user", "nobody"}, "daemon@node1"},
		{"ansible_become_user beats --become-user", strings.ReplaceAll(plain, "ansible_user=root", "ansible_user=root ansible_become_user=daemon"),
			"", []string{"-b", "--become-user", "nobody", "--become-method", "sudo"}, "daemon@node1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "hosts"), c.inv)
			writeFile(t, filepath.Join(dir, "pb.yml"), fmt.Sprintf(connPlaybook, c.play))
			want := ansibleConn(t, l, ansible, dir, c.args)
			got := haplayConn(t, l, dir, c.args)
			if fmt.Sprint(got.status) != fmt.Sprint(want.status) || fmt.Sprint(got.stats) != fmt.Sprint(want.stats) ||
				fmt.Sprint(got.shown) != fmt.Sprint(want.shown) {
				t.Errorf("haplay and ansible-playbook differ:\nhaplay  %v %v %v\nansible %v %v %v\nhaplay output:\n%s\nansible output:\n%s",
					got.status, got.shown, got.stats, want.status, want.shown, want.stats, got.output, want.output)
			}
			if got.shown["node1"] != c.shown {
				t.Errorf("node1 shows %q, want %q\n%s", got.shown["node1"], c.shown, got.output)
			}
			wantRC := 0
			if c.shown == "" {
				wantRC = 3
			}
			if got.rc != wantRC || (want.rc == 0) != (wantRC == 0) {
				t.Errorf("exit: haplay %d (want %d), ansible-playbook %d", got.rc, wantRC, want.rc)
			}
		})
	}
}

func haplayConn(t *testing.T, l *lab.Lab, dir string, args []string) connOutcome {
	t.Helper()
	r := e2e.Run(t, dir, append([]string{"run", "pb.yml", "-i", "hosts", "--known-hosts", l.KnownHostsPath, "--output=json"}, args...)...)
	o := connOutcome{status: map[string]string{}, shown: map[string]string{}, stats: map[string]string{}, rc: r.ExitCode, output: r.Stdout + r.Stderr}
	for _, p := range r.Doc.Plays {
		for _, task := range p.Tasks {
			for h, res := range task.Hosts {
				o.status[task.Name+" "+h] = res.Status
				if task.Name == "show" && res.Status == "ok" {
					o.shown[h] = fmt.Sprint(res.Result["msg"])
				}
			}
		}
	}
	for h, s := range r.Doc.Stats {
		o.stats[h] = fmt.Sprintf("ok=%d changed=%d failed=%d unreachable=%d", s["OK"], s["Changed"], s["Failed"], s["Unreachable"])
	}
	return o
}

// resultsCallback is an ansible stdout callback that prints every task
// result and the recap as one JSON document (ansible-core has no JSON
// callback of its own).
const resultsCallback = `from ansible.plugins.callback import CallbackBase
import json

class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'stdout'
    CALLBACK_NAME = 'results_json'

    def __init__(self):
        super().__init__()
        self.rows = []

    def add(self, result, status):
        self.rows.append({"task": result._task.get_name(), "host": result._host.get_name(),
                          "status": status, "msg": result._result.get("msg")})

    def v2_runner_on_ok(self, result):
        self.add(result, "changed" if result._result.get("changed") else "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self.add(result, "failed")

    def v2_runner_on_unreachable(self, result):
        self.add(result, "unreachable")

    def v2_runner_on_skipped(self, result):
        self.add(result, "skipped")

    def v2_playbook_on_stats(self, stats):
        recap = {h: stats.summarize(h) for h in stats.processed}
        print(json.dumps({"rows": self.rows, "stats": recap}))
`

func ansibleConn(t *testing.T, l *lab.Lab, ansible, dir string, args []string) connOutcome {
	t.Helper()
	cfg := filepath.Join(dir, "ansible.cfg")
	writeFile(t, cfg, "[defaults]\n")
	return ansibleResults(t, ansible, dir, append([]string{"pb.yml", "-i", "hosts"}, args...),
		"ANSIBLE_CONFIG="+cfg, "ANSIBLE_HOST_KEY_CHECKING=True", "ANSIBLE_SSH_ARGS=-o UserKnownHostsFile="+l.KnownHostsPath)
}

// ansibleResults runs ansible-playbook in dir with HOME there, the
// results_json callback and env added, and reads what it did.
func ansibleResults(t *testing.T, ansible, dir string, args []string, env ...string) connOutcome {
	t.Helper()
	writeFile(t, filepath.Join(dir, "callbacks", "results_json.py"), resultsCallback)
	cmd := exec.Command(ansible, args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "HOME="+dir,
		"ANSIBLE_LOCAL_TEMP="+filepath.Join(dir, "tmp"), "ANSIBLE_SSH_CONTROL_PATH_DIR="+filepath.Join(dir, "cp"),
		"ANSIBLE_CALLBACK_PLUGINS="+filepath.Join(dir, "callbacks"), "ANSIBLE_STDOUT_CALLBACK=results_json",
		"ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3",
		"ANSIBLE_RETRY_FILES_ENABLED=0", "ANSIBLE_NOCOLOR=1", "ANSIBLE_DEPRECATION_WARNINGS=0"), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	o := connOutcome{status: map[string]string{}, shown: map[string]string{}, stats: map[string]string{}, output: stdout.String() + stderr.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		o.rc = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("ansible-playbook: %v", err)
	}
	var doc struct {
		Rows []struct {
			Task, Host, Status string
			Msg                any
		} `json:"rows"`
		Stats map[string]struct {
			OK, Changed, Failures, Unreachable int
		} `json:"stats"`
	}
	js := stdout.Bytes()
	if i := bytes.LastIndex(js, []byte("\n{")); i >= 0 {
		js = js[i+1:]
	}
	if err := json.Unmarshal(js, &doc); err != nil {
		t.Fatalf("ansible-playbook printed no JSON (%v):\n%s", err, o.output)
	}
	for _, r := range doc.Rows {
		o.status[r.Task+" "+r.Host] = r.Status
		if (r.Task == "show" || strings.HasSuffix(r.Task, " : show")) && r.Status == "ok" {
			o.shown[r.Host] = fmt.Sprint(r.Msg)
		}
	}
	for h, s := range doc.Stats {
		o.stats[h] = fmt.Sprintf("ok=%d changed=%d failed=%d unreachable=%d", s.OK, s.Changed, s.Failures, s.Unreachable)
	}
	return o
}
