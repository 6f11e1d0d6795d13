package yamlnode

import (
	"reflect"
	"strings"
	"testing"

	"github.com/haplay/haplay/engine/jinja"
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

func TestHostileInputIsAnError(t *testing.T) {
	laughs := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	for i, prev := 'b', 'a'; i <= 'i'; i, prev = i+1, i {
		laughs += string(i) + ": &" + string(i) + " [" + strings.Repeat("*"+string(prev)+", ", 9) + "*" + string(prev) + "]\n"
	}
	tests := []struct{ name, src, want string }{
		{"self alias in a list", "a: &x [*x]\n", "f.yml:1:8: alias *x refers to the node its anchor &x is on"},
		{"self alias in a mapping", "a: &x\n  b: *x\n", "f.yml:2:6: alias *x refers to"},
		{"self merge", "a: &x\n  <<: *x\n", "f.yml:2:7: alias *x refers to"},
		{"billion laughs", laughs, "f.yml:"},
		{"deep flow", strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1), "f.yml:1:1000: YAML nested deeper than 1000 levels"},
		{"deep block", strings.Repeat("- ", MaxDepth+1) + "x\n", "f.yml:1:2001: YAML nested deeper than 1000 levels"},
		{"anchor defined again around its alias", "a: &x 1\nb: &x [*x]\n", "f.yml:2:8: alias *x refers to"},
		{"unknown alias", "a: *nope\n", "f.yml:1:4: unknown alias *nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("f.yml", []byte(tt.src))
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("err = %v, want prefix %q", err, tt.want)
			}
		})
	}
	if _, err := Parse("f.yml", []byte(laughs)); err == nil || !strings.Contains(err.Error(), "aliases expand to more than") {
		t.Errorf("billion laughs: err = %v", err)
	}
}

func TestLegitimateAliasesAndDepth(t *testing.T) {
	docs, err := Parse("f.yml", []byte("a: &x 1\nb: &y [*x, 2]\nc: *y\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"a": 1, "b": []any{1, 2}, "c": []any{1, 2}}
	if got := docs[0].Interface(); !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
	deep := strings.Repeat("[", MaxDepth-1) + strings.Repeat("]", MaxDepth-1)
	if _, err := Parse("f.yml", []byte(deep)); err != nil {
		t.Errorf("%d levels: %v", MaxDepth-1, err)
	}
}

func TestStrTagKeepsTheText(t *testing.T) {
	docs, err := Parse("f.yml", []byte("a: !!str 0644\nb: !!str yes\nc: !!str 1.50\nd: !unsafe '{{ x }}'\n"))
	if err != nil {
		t.Fatal(err)
	}
	// !unsafe keeps the text too, marked never to be rendered.
	want := map[string]any{"a": "0644", "b": "yes", "c": "1.50", "d": jinja.Unsafe{V: "{{ x }}"}}
	if got := docs[0].Interface(); !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
}

func TestParseOne(t *testing.T) {
	if _, err := ParseOne("f.yml", []byte("a: 1\n---\nb: 2\n")); err == nil || err.Error() != "f.yml: expected one YAML document, found several" {
		t.Errorf("two documents: err = %v", err)
	}
	if n, err := ParseOne("f.yml", []byte("# nothing\n")); n != nil || err != nil {
		t.Errorf("empty: %v, %v", n, err)
	}
}
