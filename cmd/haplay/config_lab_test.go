package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/haplay/haplay/engine/vault"
	"github.com/haplay/haplay/internal/e2e"
)

// A project whose ansible.cfg names the inventory, the login user, the
// key, the roles path, become, the vault password file and the
// known_hosts file (in ssh_args) runs
// with `haplay run site.yml` and no flag, as `ansible-playbook site.yml`
// runs it: the same tasks, statuses and users. stdout_callback = json
// gives haplay's JSON output (ansible-playbook's callback is replaced by
// the environment, which beats the file).
func TestProjectConfigAgainstAnsibleLab(t *testing.T) {
	ansible := ansiblePlaybook(t)
	l := e2e.Lab(t, 2)
	h1, _ := l.Host("node1")
	h2, _ := l.Host("node2")
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "ansible.cfg"), fmt.Sprintf(`[defaults]
inventory = hosts
remote_user = root
private_key_file = %s
roles_path = myroles
stdout_callback = json
vault_password_file = vault.pass
[privilege_escalation]
become = true
become_user = nobody
[ssh_connection]
ssh_args = -o UserKnownHostsFile=%s
`, l.KeyPath, l.KnownHostsPath))
	writeFile(t, filepath.Join(dir, "hosts"), fmt.Sprintf("[nodes]\nnode1 ansible_host=%s\nnode2 ansible_host=%s ansible_become_user=daemon\n", h1.IP, h2.IP))
	writeFile(t, filepath.Join(dir, "vault.pass"), "project-pass\n")
	vaulted, err := vault.Encrypt([]byte("greeting: vaulted-hello\n"), []byte("project-pass"), "")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "group_vars", "nodes.yml"), string(vaulted))
	writeFile(t, filepath.Join(dir, "site.yml"), "- hosts: nodes\n  gather_facts: false\n  roles: [who]\n")
	writeFile(t, filepath.Join(dir, "myroles", "who", "tasks", "main.yml"), `- name: who
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
- name: vaulted
  assert:
    that: greeting == 'vaulted-hello'
`)
	r := e2e.Run(t, dir, "run", "site.yml")
	var doc e2e.Doc
	if err := json.Unmarshal([]byte(r.Stdout), &doc); err != nil || r.ExitCode != 0 {
		t.Fatalf("haplay run site.yml: exit %d, %v\n%s%s", r.ExitCode, err, r.Stdout, r.Stderr)
	}
	got := map[string]string{}
	for _, p := range doc.Plays {
		for _, task := range p.Tasks {
			for h, res := range task.Hosts {
				got[task.Name+" "+h] = res.Status
				if task.Name == "who : show" {
					got[h] = fmt.Sprint(res.Result["msg"])
				}
			}
		}
	}
	want := ansibleResults(t, ansible, dir, []string{"site.yml"})
	for k, v := range want.status {
		if got[k] != v {
			t.Errorf("%s: haplay %q, ansible-playbook %q", k, got[k], v)
		}
	}
	for h, msg := range map[string]string{"node1": "nobody@node1", "node2": "daemon@node2"} {
		if got[h] != msg || want.shown[h] != msg {
			t.Errorf("%s: haplay shows %q, ansible-playbook %q, want %q\n%s", h, got[h], want.shown[h], msg, want.output)
		}
	}
	if len(want.status) != 8 {
		t.Errorf("ansible-playbook ran %d task results, want 8\n%s", len(want.status), want.output)
	}
}
