package conformance

import (
	"os/exec"
	"testing"
)

// TestSnapshotScript runs snapshotScript on a local tree and checks what
// parseSnapshot makes of it: every kind of path, its mode and owner, and
// file contents with and without a final newline.
func TestSnapshotScript(t *testing.T) {
	root := t.TempDir()
	script := `cd "$1" && mkdir -p "a/sp ace" && chmod 0750 a && printf 'hi\n' >a/x && chmod 0600 a/x &&
printf 'no newline' >"a/sp ace/f" && : >empty && printf '== d 755 x:y ./fake\n' >tricky && ln -s a/x l`
	if out, err := exec.Command("sh", "-c", script, "sh", root).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	b, err := exec.Command("sh", "-c", snapshotScript, "sh", root).CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	got := map[string]string{}
	parseSnapshot(got, "h", string(b))
	owner := exec.Command("stat", "-c", "%U:%G", root)
	o, err := owner.Output()
	if err != nil {
		t.Fatal(err)
	}
	og := string(o[:len(o)-1])
	want := map[string]string{
		"h:.":          "d 0755 " + og + "\n",
		"h:a":          "d 0750 " + og + "\n",
		"h:a/x":        "f 0600 " + og + "\nhi\n",
		"h:a/sp ace":   "d 0755 " + og + "\n",
		"h:a/sp ace/f": "f 0644 " + og + "\nno newline",
		"h:empty":      "f 0644 " + og + "\n",
		"h:tricky":     "f 0644 " + og + "\n== d 755 x:y ./fake\n",
		"h:l":          "l 0777 " + og + " -> a/x\n",
	}
	if a, b := renderFiles(want), renderFiles(got); a != b {
		t.Error(diffText("snapshot", a, b, "want", "got"))
	}
}
