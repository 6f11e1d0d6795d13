package playbook

import (
	"reflect"
	"testing"

	"github.com/haplay/haplay/modules"
)

func TestSplitKV(t *testing.T) {
	shell := modules.Shell{}.Spec()
	copySpec := modules.Spec{Args: []modules.Arg{{Name: "src"}, {Name: "dest"}}}
	cases := []struct {
		in   string
		spec modules.Spec
		kv   map[string]any
		free string
	}{
		{"echo hi", shell, map[string]any{}, "echo hi"},
		{"chdir=/tmp ls -l", shell, map[string]any{"chdir": "/tmp"}, "ls -l"},
		{"echo a=b creates=/x", shell, map[string]any{"creates": "/x"}, "echo a=b"},
		{"for i in 1 2; do\n  echo $i\ndone\n", shell, map[string]any{}, "for i in 1 2; do\n  echo $i\ndone"},
		{`echo "a  b"`, shell, map[string]any{}, `echo "a  b"`},
		{`src=a dest='b c'`, copySpec, map[string]any{"src": "a", "dest": "b c"}, ""},
	}
	for _, c := range cases {
		kv, free, err := splitKV(c.in, c.spec)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(kv, c.kv) || free != c.free {
			t.Errorf("splitKV(%q) = %v, %q; want %v, %q", c.in, kv, free, c.kv, c.free)
		}
	}
}
