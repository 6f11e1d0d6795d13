package modules_test

import (
	"strings"
	"testing"

	"github.com/haplay/haplay/internal/e2e"
)

func TestCopyRemoteDirLab(t *testing.T) {
	l := e2e.Lab(t, 1)
	sh(t, l, "node1", `set -e
mkdir -p /srv/conf/sub /srv/out
printf 'a\n' >/srv/conf/a.conf; chmod 640 /srv/conf/a.conf; chgrp adm /srv/conf/a.conf
printf 'b\n' >/srv/conf/sub/b.conf; chmod 600 /srv/conf/sub/b.conf
chmod 750 /srv/conf/sub`)
	state := func(root string) string {
		return sh(t, l, "node1", "cd "+root+" && find . -printf '%p %y %m %u:%g\\n' | sort && cat a.conf sub/b.conf")
	}
	tasks := `    - name: copy dir
      copy: {src: /srv/conf, dest: /srv/out/, remote_src: true}
    - name: copy contents
      copy: {src: /srv/conf/, dest: /srv/flat, remote_src: true, owner: nobody, mode: "0644"}
`
	// Check mode predicts, changes nothing.
	r := play(t, l, tasks, 0, "--check", "--diff")
	wantStatuses(t, r, "changed", "copy dir", "copy contents")
	_, _, d := taskResult(r, "copy dir")
	wantDiff := "-/srv/out/conf: absent\n/srv/out/conf/sub: absent\n/srv/out/conf/a.conf: absent\n/srv/out/conf/sub/b.conf: absent\n" +
		"+/srv/out/conf: directory, mode 0755, root:root\n/srv/out/conf/sub: directory, mode 0750, root:root\n"
	if !strings.HasPrefix(d, wantDiff) || !strings.Contains(d, "/srv/out/conf/a.conf: file, mode 0640, root:adm, sha1 ") {
		t.Errorf("check diff %q", d)
	}
	if got := sh(t, l, "node1", "ls -A /srv/out; ls -d /srv/flat 2>/dev/null; exit 0"); got != "" {
		t.Fatalf("check mode copied: %q", got)
	}
	r2 := play(t, l, tasks, 0, "--diff")
	wantStatuses(t, r2, "changed", "copy dir", "copy contents")
	if _, _, d2 := taskResult(r2, "copy dir"); d2 != d {
		t.Errorf("check diff %q\nreal diff %q", d, d2)
	}
	if got := state("/srv/out/conf"); got != ". d 755 root:root\n./a.conf f 640 root:adm\n./sub d 750 root:root\n./sub/b.conf f 600 root:root\na\nb" {
		t.Errorf("copy dir left %q", got)
	}
	if got := state("/srv/flat"); got != ". d 755 nobody:root\n./a.conf f 644 nobody:adm\n./sub d 750 nobody:root\n./sub/b.conf f 644 nobody:root\na\nb" {
		t.Errorf("copy contents left %q", got)
	}
	// Idempotent.
	wantStatuses(t, play(t, l, tasks, 0), "ok", "copy dir", "copy contents")

	// One changed file: only it is listed and rewritten.
	sh(t, l, "node1", "printf 'a2\\n' >/srv/conf/a.conf")
	r3 := play(t, l, tasks, 0, "--diff")
	wantStatuses(t, r3, "changed", "copy dir", "copy contents")
	if _, _, d3 := taskResult(r3, "copy dir"); !strings.HasPrefix(d3, "-/srv/out/conf/a.conf: file, mode 0640, root:adm, sha1 ") || strings.Count(d3, "\n") != 2 {
		t.Errorf("diff %q", d3)
	}
	if got := sh(t, l, "node1", "cat /srv/out/conf/a.conf /srv/flat/a.conf"); got != "a2\na2" {
		t.Errorf("content %q", got)
	}

	// A file where the source has a directory is not replaced.
	sh(t, l, "node1", "rm -rf /srv/out/conf/sub && touch /srv/out/conf/sub")
	r4 := play(t, l, "    - name: copy dir\n      copy: {src: /srv/conf, dest: /srv/out/, remote_src: true}\n", 2)
	if msg, _, _ := taskResult(r4, "copy dir"); !strings.Contains(msg, "./sub is a file on the host but a directory in the source") {
		t.Errorf("msg %q", msg)
	}
}
