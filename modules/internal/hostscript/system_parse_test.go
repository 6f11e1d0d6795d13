package hostscript

import (
	"reflect"
	"testing"
)

func TestSections(t *testing.T) {
	got := Sections([]byte("pre\n@@haplay:a\none\ntwo\n@@haplay:b\n@@haplay:c\nthree\n"))
	want := map[string]string{"": "pre\n", "a": "one\ntwo\n", "b": "", "c": "three\n"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q want %q", got, want)
	}
}
