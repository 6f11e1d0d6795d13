package modules_test

import (
	"strings"
	"testing"

	"github.com/haplay/haplay/internal/e2e"
)

// deb822_repository on a lab host: ansible-core 2.14 (installed here) has
// no such module, so this test pins the file Ansible 2.15's module writes,
// field for field, and what haplay reads back: check mode predicts the
// run exactly, a second run changes nothing, a URL key is downloaded from
// a local web server, and state=absent removes file and key.
func TestDeb822RepositoryLab(t *testing.T) {
	l := e2e.Lab(t, 1)
	sh(t, l, "node1", `set -e
rm -rf /etc/apt/keyrings /var/tmp/d822; mkdir -p /var/tmp/d822/www /var/tmp/d822/repo
: >/var/tmp/d822/repo/Packages
printf -- '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAAAA\n-----END PGP PUBLIC KEY BLOCK-----\n' >/var/tmp/d822/www/key.asc
setsid busybox httpd -f -p 127.0.0.1:8095 -h /var/tmp/d822/www </dev/null >/dev/null 2>&1 &`)
	add := `    - name: add
      deb822_repository:
        name: "HPT Local_repo"
        types: [deb, deb-src]
        uris: file:/var/tmp/d822/repo
        suites: ["./"]
        trusted: true
        enabled: yes
        date_max_future: 10
        signed_by: http://127.0.0.1:8095/key.asc
    - name: inline key
      deb822_repository:
        name: inline
        uris: [http://127.0.0.1:9/debian]
        suites: [bookworm]
        components: [main, contrib]
        signed_by: |
          -----BEGIN PGP PUBLIC KEY BLOCK-----

          BBBB
          -----END PGP PUBLIC KEY BLOCK-----
`
	r := play(t, l, add, 0, "--check", "--diff")
	wantStatuses(t, r, "changed", "add", "inline key")
	if got := sh(t, l, "node1", "ls /etc/apt/sources.list.d/hpt-local-repo.sources /etc/apt/keyrings 2>&1; exit 0"); !strings.Contains(got, "No such file") {
		t.Fatalf("check mode wrote: %s", got)
	}
	play(t, l, add, 0)
	want := "Date-Max-Future: 10\nEnabled: yes\nX-Repolib-Name: HPT Local_repo\nSigned-By: /etc/apt/keyrings/hpt-local-repo.asc\n" +
		"Suites: ./\nTrusted: yes\nTypes: deb deb-src\nURIs: file:/var/tmp/d822/repo\n"
	if got := sh(t, l, "node1", "cat /etc/apt/sources.list.d/hpt-local-repo.sources"); got+"\n" != want {
		t.Errorf("sources file:\n%s\nwant:\n%s", got, want)
	}
	wantInline := "Components: main contrib\nX-Repolib-Name: inline\nSigned-By:\n    -----BEGIN PGP PUBLIC KEY BLOCK-----\n    .\n    BBBB\n" +
		"    -----END PGP PUBLIC KEY BLOCK-----\nSuites: bookworm\nTypes: deb\nURIs: http://127.0.0.1:9/debian\n"
	if got := sh(t, l, "node1", "cat /etc/apt/sources.list.d/inline.sources"); got+"\n" != wantInline {
		t.Errorf("inline sources file:\n%s\nwant:\n%s", got, wantInline)
	}
	if got := sh(t, l, "node1", "stat -c '%a %n' /etc/apt/keyrings /etc/apt/keyrings/* /etc/apt/sources.list.d/hpt-local-repo.sources /etc/apt/sources.list.d/inline.sources"); got != "755 /etc/apt/keyrings\n644 /etc/apt/keyrings/hpt-local-repo.asc\n644 /etc/apt/sources.list.d/hpt-local-repo.sources\n644 /etc/apt/sources.list.d/inline.sources" {
		t.Errorf("modes:\n%s", got)
	}
	wantStatuses(t, play(t, l, add, 0), "ok", "add", "inline key")
	wantStatuses(t, play(t, l, add, 0, "--check"), "ok", "add", "inline key")

	// A mode change alone is a change; absent removes the file and the key.
	mode := "    - name: mode\n      deb822_repository: {name: inline, uris: [http://127.0.0.1:9/debian], suites: [bookworm], components: [main, contrib], mode: '0600', signed_by: \"-----BEGIN PGP PUBLIC KEY BLOCK-----\\n\\nBBBB\\n-----END PGP PUBLIC KEY BLOCK-----\\n\"}\n"
	wantStatuses(t, play(t, l, mode, 0), "changed", "mode")
	wantStatuses(t, play(t, l, mode, 0), "ok", "mode")
	rm := "    - name: rm\n      deb822_repository: {name: HPT Local_repo, state: absent}\n"
	r = play(t, l, rm, 0, "--check", "--diff")
	wantStatuses(t, r, "changed", "rm")
	if _, _, d := taskResult(r, "rm"); !strings.Contains(d, "X-Repolib-Name: HPT Local_repo") {
		t.Errorf("absent diff %q", d)
	}
	wantStatuses(t, play(t, l, rm, 0), "changed", "rm")
	wantStatuses(t, play(t, l, rm, 0), "ok", "rm")
	if got := sh(t, l, "node1", "ls /etc/apt/keyrings /etc/apt/sources.list.d"); strings.Contains(got, "hpt") {
		t.Errorf("left behind: %s", got)
	}
}
