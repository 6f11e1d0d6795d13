package system

import (
	"reflect"
	"testing"
)

func TestGetentFactsAsAnsible(t *testing.T) {
	got := getentFacts("root:x:0:0:root:/root:/bin/bash\nbin:x:2:2::/bin:\nroot:y:0\n", ":")
	want := map[string]any{
		"root": []any{[]any{"x", "0", "0", "root", "/root", "/bin/bash"}, []any{"y", "0"}},
		"bin":  []any{"x", "2", "2", "", "/bin", ""},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("colon split: got %v", got)
	}
	if got := getentFacts("ssh   22/tcp\n", ""); !reflect.DeepEqual(got, map[string]any{"ssh": []any{"22/tcp"}}) {
		t.Errorf("whitespace split: got %v", got)
	}
	if got := getentFacts("", ":"); len(got) != 0 {
		t.Errorf("no output: %v", got)
	}
}
