package yamlnode

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseTypesAndPositions(t *testing.T) {
	src := "a: yes\nb: 0644\nc: 'on'\nd: ~\ng: &x {k: 1}\nh: *x\ni:\n  <<: *x\n  z: 2\nj: |\n  hi\nl: [1, two]\n"
	docs, err := Parse("f.yml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	got := docs[0].Interface()
	want := map[string]any{
		"a": true, "b": 420, "c": "on", "d": nil,
		"g": map[string]any{"k": 1}, "h": map[string]any{"k": 1},
		"i": map[string]any{"k": 1, "z": 2}, "j": "hi\n", "l": []any{1, "two"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v\nwant %#v", got, want)
	}
	if p := docs[0].Get("l").Items[1].Pos.String(); p != "f.yml:12:8" {
		t.Errorf("position of 'two' = %s, want f.yml:12:8", p)
	}
}

func TestSyntaxErrorHasPosition(t *testing.T) {
	_, err := Parse("bad.yml", []byte("a: 1\nb: [1, 2\nc: 3\n"))
	if err == nil || !strings.HasPrefix(err.Error(), "bad.yml:") {
		t.Fatalf("err = %v, want a bad.yml:line:col prefix", err)
	}
}
