package files

import (
	"io/fs"
	"strings"
	"testing"

	"github.com/haplay/haplay/engine/module"
)

func TestModeString(t *testing.T) {
	for _, tt := range []struct {
		in   any
		want string
	}{{420, "0644"}, {"0755", "0755"}, {"u=rw,g=r", "u=rw,g=r"}, {nil, ""}, {int64(0o1777), "1777"}} {
		got, err := modeString(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("modeString(%v) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestAttrsOfRejectsBadMode(t *testing.T) {
	_, err := attrsOf(module.Args{"mode": "u=rwz"})
	if err == nil || !strings.Contains(err.Error(), "u=rwz") {
		t.Fatalf("err = %v", err)
	}
}

func TestPlanAttrs(t *testing.T) {
	f := module.FileInfo{Path: "/d", Exists: true, Type: "directory", Mode: 0o755, Owner: "root", Group: "root"}
	tests := []struct {
		name        string
		f           module.FileInfo
		a           attrs
		changed     bool
		script      string
		before, aft string
	}{
		{"nothing asked", f, attrs{}, false, "", "", ""},
		{"same octal", f, attrs{Mode: "0755"}, false, "", "", ""},
		{"symbolic no-op", f, attrs{Mode: "u+rwx,go+rx"}, false, "", "", ""},
		{"octal change", f, attrs{Mode: "0750"}, true, "chmod 0750 -- /d\n", "mode: 0755\n", "mode: 0750\n"},
		{"symbolic X on dir", module.FileInfo{Path: "/d", Exists: true, Type: "directory", Mode: 0o700, Owner: "root", Group: "root"}, attrs{Mode: "go=rX"}, true, "chmod 0755 -- /d\n", "mode: 0700\n", "mode: 0755\n"},
		{"symbolic X on plain file", module.FileInfo{Path: "/f", Exists: true, Type: "file", Mode: 0o600, Owner: "root", Group: "root"}, attrs{Mode: "a+X"}, false, "", "", ""},
		{"numeric owner matches uid", module.FileInfo{Path: "/d", Exists: true, Type: "directory", Mode: 0o755, Owner: "UNKNOWN", UID: 70, Group: "root"}, attrs{Owner: "70"}, false, "", "", ""},
		{"numeric owner and group", f, attrs{Owner: "1001", Group: "50"}, true, "chown 1001:50 -- /d\n", "owner: root\ngroup: root\n", "owner: 1001\ngroup: 50\n"},
		{"gid 0 is root", f, attrs{Group: "0"}, false, "", "", ""},
		{"group only", f, attrs{Group: "1000"}, true, "chgrp 1000 -- /d\n", "group: root\n", "group: 1000\n"},
		{"unknown owner shown as number", module.FileInfo{Path: "/d", Exists: true, Type: "directory", Mode: 0o755, Owner: "UNKNOWN", UID: 70, Group: "root"}, attrs{Owner: "1000"}, true, "chown 1000 -- /d\n", "owner: 70\n", "owner: 1000\n"},
		{"link: no chmod, chown -h", module.FileInfo{Path: "/l", Exists: true, Type: "link", Mode: 0o777, Owner: "root", Group: "root"}, attrs{Mode: "0600", Owner: "nobody"}, true, "chown -h nobody -- /l\n", "owner: root\n", "owner: nobody\n"},
		{"chmod after chown keeps setgid", f, attrs{Mode: "2775", Owner: "1000"}, true, "chown 1000 -- /d\nchmod 2775 -- /d\n", "mode: 0755\nowner: root\n", "mode: 2775\nowner: 1000\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch, err := planAttrs(tt.f, tt.a)
			if err != nil {
				t.Fatal(err)
			}
			b, a := ch.lines()
			if ch.changed() != tt.changed || ch.script() != tt.script || b != tt.before || a != tt.aft {
				t.Errorf("changed=%v script=%q lines=%q/%q", ch.changed(), ch.script(), b, a)
			}
		})
	}
}

func TestApplyKeepsIDs(t *testing.T) {
	f := module.FileInfo{Path: "/d", Exists: true, Type: "directory", Mode: 0o755, Owner: "root", Group: "root"}
	ch, _ := planAttrs(f, attrs{Owner: "1001", Group: "0", Mode: "0700"})
	g := ch.apply(f)
	if g.UID != 1001 || g.GID != 0 || g.Mode != fs.FileMode(0o700) {
		t.Fatalf("%+v", g)
	}
	// A prediction matches the request on the next look.
	if ch2, _ := planAttrs(g, attrs{Owner: "1001", Group: "0", Mode: "0700"}); ch2.changed() {
		t.Fatalf("not idempotent: %+v", ch2)
	}
}

func TestFetchDest(t *testing.T) {
	for _, tt := range []struct {
		dest, src string
		flat      bool
		want      string
	}{
		{"out", "/etc/hosts", false, "out/node1/etc/hosts"},
		{"out/", "/etc/hosts", true, "out/hosts"},
		{"out/h.txt", "/etc/hosts", true, "out/h.txt"},
	} {
		if got := fetchDest(tt.dest, "node1", tt.src, tt.flat); got != tt.want {
			t.Errorf("fetchDest(%q,%q,%v) = %q, want %q", tt.dest, tt.src, tt.flat, got, tt.want)
		}
	}
}

func TestParseStat(t *testing.T) {
	out := "regular file|644|root|root|0|0|6|1700000000|1700000001|1700000002|42|1|2049|8|4096\n\n/etc/x\nda39a3ee\ntext/plain; charset=us-ascii\nr\nw\n-\n"
	st, err := parseStat("/etc/x", out)
	if err != nil {
		t.Fatal(err)
	}
	if st["mode"] != "0644" || st["isreg"] != true || st["checksum"] != "da39a3ee" || st["mimetype"] != "text/plain" ||
		st["charset"] != "us-ascii" || st["size"] != int64(6) || st["executable"] != false || st["pw_name"] != "root" {
		t.Fatalf("%v", st)
	}
	if st, _ := parseStat("/x", "ABSENT\n"); st["exists"] != false {
		t.Fatalf("%v", st)
	}
}
