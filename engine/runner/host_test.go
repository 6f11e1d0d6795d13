package runner

import (
	"testing"

	"github.com/haplay/haplay/engine/module"
)

// PredictedIn lists only a directory's own files, sorted, and only in
// check mode.
func TestPredictedIn(t *testing.T) {
	h := &hostHandle{check: true, overlay: &overlay{}}
	for _, p := range []string{"/etc/apt/sources.list.d/b.list", "/etc/apt/sources.list.d/a.list", "/etc/apt/sources.list", "/etc/apt/sources.list.d/sub/c.list"} {
		h.RecordPredicted(module.FileInfo{Path: p, Exists: true})
	}
	got := h.PredictedIn("/etc/apt/sources.list.d")
	if len(got) != 2 || got[0].Path != "/etc/apt/sources.list.d/a.list" || got[1].Path != "/etc/apt/sources.list.d/b.list" {
		t.Fatalf("PredictedIn = %+v", got)
	}
	h.check = false
	if got := h.PredictedIn("/etc/apt/sources.list.d"); got != nil {
		t.Fatalf("outside check mode: %+v", got)
	}
}
