package modules_test

import (
	"testing"

	"github.com/haplay/haplay/internal/e2e"
)

// apt_repository's diff per file, and a failing apt-get update: tried
// update_cache_retries times, then the sources files are put back as
// they were (the new file removed, the edited one restored).
func TestAptRepositoryLab(t *testing.T) {
	l := e2e.Lab(t, 1)
	sh(t, l, "node1", `set -e
rm -rf /etc/apt/sources.list /etc/apt/sources.list.d/* /var/tmp/ar; mkdir -p /var/tmp/ar/ok
: >/var/tmp/ar/ok/Packages
printf 'deb  [trusted=yes] file:/var/tmp/ar/ok ./\n#deb [trusted=yes] file:/var/tmp/ar/missing ./\n' >/etc/apt/sources.list`)
	add := "    - name: add\n      apt_repository: {repo: 'deb [trusted=yes] file:/var/tmp/ar/ok2 ./', filename: ok2}\n"
	r := play(t, l, add, 0, "--check", "--diff")
	wantStatuses(t, r, "changed", "add")
	if _, _, d := taskResult(r, "add"); d != "-+deb [trusted=yes] file:/var/tmp/ar/ok2 ./\n" {
		t.Errorf("add diff %q", d)
	}
	if got := sh(t, l, "node1", "ls /etc/apt/sources.list.d"); got != "" {
		t.Errorf("check mode wrote %q", got)
	}

	// Enabling the missing repository makes apt-get update fail: the
	// task fails after two tries and sources.list is as it was.
	before := sh(t, l, "node1", "cat /etc/apt/sources.list")
	bad := "    - name: bad\n      apt_repository: {repo: 'deb [trusted=yes] file:/var/tmp/ar/missing ./', update_cache_retries: 2, update_cache_retry_max_delay: 1}\n" +
		"    - name: bad new file\n      apt_repository: {repo: 'deb [trusted=yes] file:/var/tmp/ar/gone ./', update_cache_retries: 1}\n"
	r = play(t, l, bad, 0, "--check", "--diff")
	if _, _, d := taskResult(r, "bad"); d != "-deb [trusted=yes] file:/var/tmp/ar/ok ./\n# deb [trusted=yes] file:/var/tmp/ar/missing ./\n+deb [trusted=yes] file:/var/tmp/ar/ok ./\ndeb [trusted=yes] file:/var/tmp/ar/missing ./\n" {
		t.Errorf("enable diff %q", d)
	}
	r = play(t, l, bad, 2)
	want := "node1: Failed to update apt cache: apt-get update failed (exit 100): " +
		"E: Failed to fetch file:/var/tmp/ar/missing/./Packages  File not found - /var/tmp/ar/missing/./Packages (2: No such file or directory)\n" +
		"E: Some index files failed to download. They have been ignored, or old ones used instead. (the sources files were put back)"
	if msg, _, _ := taskResult(r, "bad"); msg != want {
		t.Errorf("failure message %q\nwant %q", msg, want)
	}
	if got := sh(t, l, "node1", "cat /etc/apt/sources.list"); got != before {
		t.Errorf("sources.list not restored:\n%s\nwant:\n%s", got, before)
	}
	play(t, l, "    - name: bad new file\n      apt_repository: {repo: 'deb [trusted=yes] file:/var/tmp/ar/gone ./', update_cache_retries: 1}\n", 2)
	if got := sh(t, l, "node1", "ls /etc/apt/sources.list.d"); got != "" {
		t.Errorf("new file left after the failed update: %q", got)
	}
}
