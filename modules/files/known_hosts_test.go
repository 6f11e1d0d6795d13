package files

import "testing"

func TestKnownHostsMatchingAndEdits(t *testing.T) {
	hashed := hashKnownHost("h.example.org", "h.example.org ssh-ed25519 AAAA")
	k, _ := normalizeKnownKey(hashed)
	if !hostFieldMatches(k.Host, "h.example.org") || hostFieldMatches(k.Host, "other") {
		t.Errorf("hashed host %q", k.Host)
	}
	for field, want := range map[string]bool{"a.org,10.0.0.1": true, "*.org": true, "!a.org,*.org": false, "[a.org]:22": false, "A.ORG": true} {
		if got := hostFieldMatches(field, "a.org"); got != want {
			t.Errorf("%s: got %v", field, got)
		}
	}
	content := "# c\na.org ssh-rsa OLD\na.org ssh-ed25519 ED\n"
	if f, r, l := searchKnownHosts(content, "a.org", "a.org ssh-rsa NEW\n"); !f || !r || l != 2 {
		t.Errorf("replace: %v %v %d", f, r, l)
	}
	if f, r, l := searchKnownHosts(content, "a.org", "a.org ssh-ed25519 ED\n"); !f || r || l != 3 {
		t.Errorf("same: %v %v %d", f, r, l)
	}
	if got := knownHostsEdit(content, 2, true, true, "a.org ssh-rsa NEW\n"); got != "# c\na.org ssh-ed25519 ED\na.org ssh-rsa NEW\n" {
		t.Errorf("edit: %q", got)
	}
	if got := removeHostLines(content, "a.org"); got != "# c\n" {
		t.Errorf("remove: %q", got)
	}
}
