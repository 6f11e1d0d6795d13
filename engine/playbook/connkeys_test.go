package playbook

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/haplay/haplay/modules"
)

func TestConnectionKeywords(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"ok.yml": `- hosts: all
  remote_user: deploy
  connection: local
  port: 2022
  become_method: su
  tasks:
    - block:
        - command: whoami
          remote_user: "{{ who }}"
          become_method: "{{ how }}"
      connection: ssh
      become_method: sudo
`,
		"bad.yml": `- hosts: all
  become_method: doas
  connection: winrm
  port: ssh
  tasks:
    - command: whoami
      become_method: pbrun
`,
	})
	pb, err := Load(filepath.Join(dir, "ok.yml"), Options{Modules: modules.Builtin()})
	if err != nil {
		t.Fatal(err)
	}
	p := pb.Plays[0]
	if p.RemoteUser != "deploy" || p.Connection != "local" || p.Port != "2022" || p.BecomeMethod != "su" {
		t.Errorf("play keywords: %q %q %q %q", p.RemoteUser, p.Connection, p.Port, p.BecomeMethod)
	}
	b := p.Tasks[0]
	if b.Connection != "ssh" || b.BecomeMethod != "sudo" || b.Block[0].RemoteUser != "{{ who }}" || b.Block[0].BecomeMethod != "{{ how }}" {
		t.Errorf("block and task keywords: %+v %+v", b, b.Block[0])
	}
	_, err = Load(filepath.Join(dir, "bad.yml"), Options{Modules: modules.Builtin()})
	if err == nil {
		t.Fatal("bad.yml loaded")
	}
	for _, want := range []string{
		`bad.yml:2:18: become_method "doas" is not supported: use sudo or su`,
		`bad.yml:3:15: connection "winrm" is not supported: use ssh or local`,
		`bad.yml:4:9: port "ssh" is not a port number`,
		`bad.yml:7:22: become_method "pbrun" is not supported`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}
