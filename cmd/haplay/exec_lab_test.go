package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/haplay/haplay/engine/lab"
	"github.com/haplay/haplay/internal/e2e"
)

// adHocEntry is one host's entry in ad-hoc output: its first line and
// what follows it.
type adHocEntry struct {
	header string // "node1 | CHANGED | rc=0 >>"
	body   string // the command's output, or the result's JSON
}

var adHocHeader = regexp.MustCompile(`^(node\d+) \| `)

// parseAdHoc splits ad-hoc output into its hosts' entries, whatever the
// order the hosts finished in.
func parseAdHoc(t *testing.T, out string) map[string]adHocEntry {
	t.Helper()
	entries := map[string]adHocEntry{}
	host := ""
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if m := adHocHeader.FindStringSubmatch(line); m != nil {
			host = m[1]
			head, rest, isJSON := strings.Cut(line, " => ")
			if !isJSON {
				head = line
			}
			entries[host] = adHocEntry{header: head, body: rest}
			continue
		}
		if host == "" {
			t.Fatalf("output before any host's entry: %q\n%s", line, out)
		}
		e := entries[host]
		if e.body != "" {
			e.body += "\n"
		}
		e.body += line
		entries[host] = e
	}
	return entries
}

// labExec runs haplay exec and ansible with the same arguments on the
// lab's hosts and returns both outputs parsed, after checking that the
// exit codes are equal and rc. The variable tool names the tool.
func labExec(t *testing.T, l *lab.Lab, ansible, dir string, rc int, args ...string) (got, want map[string]adHocEntry) {
	t.Helper()
	args = append([]string{"all", "-i", "hosts", "--ssh-common-args=-o UserKnownHostsFile=" + l.KnownHostsPath}, args...)
	aout, aerr, arc := runAnsible(t, ansible, dir, append(args, "-e", "tool=ansible")...)
	r := e2e.Run(t, dir, append([]string{"exec", "-e", "tool=haplay"}, args...)...)
	if arc != rc || r.ExitCode != rc {
		t.Fatalf("exec %v: haplay exits %d, ansible %d, want %d\n--- haplay\n%s%s\n--- ansible\n%s%s", args, r.ExitCode, arc, rc, r.Stdout, r.Stderr, aout, aerr)
	}
	return parseAdHoc(t, r.Stdout), parseAdHoc(t, aout)
}

// sameHeaders checks that both tools gave every host the same first line.
func sameHeaders(t *testing.T, what string, got, want map[string]adHocEntry, header string) {
	t.Helper()
	for _, h := range []string{"node1", "node2"} {
		g := strings.TrimSuffix(got[h].header, " (cannot predict in check mode)")
		if g != want[h].header || g != h+" | "+header {
			t.Errorf("%s: %s: haplay %q, ansible %q, want %q", what, h, got[h].header, want[h].header, h+" | "+header)
		}
	}
}

func resultJSON(t *testing.T, e adHocEntry) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(e.body), &v); err != nil {
		t.Fatalf("%q is not JSON: %v\n%s", e.header, err, e.body)
	}
	return v
}

// The commands, `haplay exec all -m shell -a uptime`, -m setup,
// -m copy, --become and --check, on two lab hosts, against the real
// ansible on the same hosts: the same exit codes, each host's first
// line, and the values that must agree (command output, facts, the
// copied file's checksum, who ran the command).
func TestExecAgainstAnsibleLab(t *testing.T) {
	ansible := ansibleAdHoc(t)
	l := e2e.Lab(t, 2)
	dir := t.TempDir()
	var inv strings.Builder
	inv.WriteString("[nodes]\n")
	for _, n := range []string{"node1", "node2"} {
		h, _ := l.Host(n)
		fmt.Fprintf(&inv, "%s ansible_host=%s ansible_user=root ansible_ssh_private_key_file=%s ansible_python_interpreter=/usr/bin/python3\n", n, h.IP, l.KeyPath)
	}
	writeFile(t, filepath.Join(dir, "hosts"), inv.String())
	writeFile(t, filepath.Join(dir, "motd"), "hello from exec\n")

	got, want := labExec(t, l, ansible, dir, 0, "-m", "shell", "-a", "uptime")
	sameHeaders(t, "shell uptime", got, want, "CHANGED | rc=0 >>")
	for h, e := range got {
		if !strings.Contains(e.body, " up ") || !strings.Contains(want[h].body, " up ") {
			t.Errorf("uptime on %s: haplay %q, ansible %q", h, e.body, want[h].body)
		}
	}

	got, want = labExec(t, l, ansible, dir, 0, "-m", "setup")
	sameHeaders(t, "setup", got, want, "SUCCESS")
	for _, h := range []string{"node1", "node2"} {
		gf, _ := resultJSON(t, got[h])["ansible_facts"].(map[string]any)
		wf, _ := resultJSON(t, want[h])["ansible_facts"].(map[string]any)
		for _, k := range []string{"ansible_hostname", "ansible_os_family", "ansible_distribution", "ansible_architecture", "ansible_kernel"} {
			if gf[k] == nil || fmt.Sprint(gf[k]) != fmt.Sprint(wf[k]) {
				t.Errorf("setup on %s: %s is %v, ansible's %v", h, k, gf[k], wf[k])
			}
		}
		for k := range gf {
			if _, ok := wf[k]; !ok {
				t.Errorf("setup on %s: haplay names a fact %q that ansible does not have", h, k)
			}
		}
	}

	// Each tool copies to a file of its own ({{ tool }}), twice: the
	// second time there is nothing to do.
	for _, header := range []string{"CHANGED", "SUCCESS"} {
		got, want = labExec(t, l, ansible, dir, 0, "-m", "copy", "-a", "src=motd dest=/tmp/exec-{{ tool }}-motd mode=0640")
		sameHeaders(t, "copy", got, want, header)
		for _, h := range []string{"node1", "node2"} {
			g, w := resultJSON(t, got[h]), resultJSON(t, want[h])
			if g["checksum"] != w["checksum"] || g["dest"] != "/tmp/exec-haplay-motd" || g["mode"] != w["mode"] {
				t.Errorf("copy on %s: haplay %v, ansible %v", h, g, w)
			}
		}
	}
	for _, h := range []string{"node1", "node2"} {
		if out := e2e.Exec(t, l, h, "cat", "/tmp/exec-haplay-motd"); out != "hello from exec" {
			t.Errorf("copy on %s left %q", h, out)
		}
	}

	got, want = labExec(t, l, ansible, dir, 0, "-a", "whoami", "--become", "--become-user", "nobody")
	sameHeaders(t, "--become", got, want, "CHANGED | rc=0 >>")
	for h, e := range got {
		if e.body != "nobody" || want[h].body != "nobody" {
			t.Errorf("--become on %s: haplay %q, ansible %q", h, e.body, want[h].body)
		}
	}

	got, want = labExec(t, l, ansible, dir, 0, "-m", "copy", "-a", "content=x dest=/tmp/exec-check", "--check")
	sameHeaders(t, "copy --check", got, want, "CHANGED")
	got, want = labExec(t, l, ansible, dir, 0, "-a", "touch /tmp/exec-check", "--check")
	sameHeaders(t, "command --check", got, want, "SKIPPED")
	for _, h := range []string{"node1", "node2"} {
		if out := e2e.Exec(t, l, h, "sh", "-c", "ls /tmp/exec-check 2>&1 || true"); !strings.Contains(out, "No such file") {
			t.Errorf("--check changed %s: %s", h, out)
		}
	}
}
