package files

import "testing"

func TestAuthorizedKeysAsAnsiblePosix(t *testing.T) {
	file := "# hand\n\nfrom=\"a,b\",no-pty ssh-ed25519 AAAA1 c1\nssh-rsa BBBB2\ngarbage line\n"
	ks := parseKeyFile(file)
	k := ks["AAAA1"]
	if k.Type != "ssh-ed25519" || k.Comment != "c1" || len(k.Options) != 2 || *k.Options[0].Value != `"a,b"` || k.Options[1].Value != nil {
		t.Fatalf("parsed %+v", k)
	}
	if got := ks.serialize(); got != "# hand\n\nfrom=\"a,b\",no-pty ssh-ed25519 AAAA1 c1\nssh-rsa BBBB2 \ngarbage line\n" {
		t.Errorf("serialize: %q", got)
	}
	// A key whose comment differs is replaced and moves to the end.
	changed, bad := keyEdit{Keys: "ssh-ed25519 AAAA1 new", Present: true}.apply(ks)
	if !changed || bad != "" || ks["AAAA1"].Rank != 5 || ks["AAAA1"].Options != nil {
		t.Errorf("replace: %v %q %+v", changed, bad, ks["AAAA1"])
	}
	if changed, _ := (keyEdit{Keys: "ssh-ed25519 AAAA1 new", Present: true}).apply(ks); changed {
		t.Errorf("the same key again is no change")
	}
	if changed, _ := (keyEdit{Keys: "ssh-rsa BBBB2", Present: true, Exclusive: true}).apply(ks); !changed || len(ks) != 1 {
		t.Errorf("exclusive leaves only the task's keys: %v", ks)
	}
	if _, bad := (keyEdit{Keys: "not a key", Present: true}).apply(keySet{}); bad != "not a key" {
		t.Errorf("invalid key: %q", bad)
	}
	if !sameOptions(parseKeyOptions(`a=1,b`), parseKeyOptions(`b,a=1`)) || sameOptions(parseKeyOptions(`a=1`), parseKeyOptions(`a=2`)) {
		t.Errorf("options compare by name, in any order")
	}
}
