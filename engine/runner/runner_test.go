package runner

import (
	"reflect"
	"testing"
)

func TestBatches(t *testing.T) {
	hosts := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}
	cases := []struct {
		name   string
		serial []any
		want   []int
	}{
		{"no serial", nil, []int{10}},
		{"one", []any{1}, []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}},
		{"30 percent rounds down", []any{"30%"}, []int{3, 3, 3, 1}},
		{"a percentage is at least one host", []any{"5%"}, []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}},
		{"the last entry repeats", []any{1, 2, "50%"}, []int{1, 2, 5, 2}},
		{"zero means all", []any{0}, []int{10}},
		{"bigger than the play", []any{20}, []int{10}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bs, err := batches(hosts, c.serial)
			if err != nil {
				t.Fatal(err)
			}
			var sizes []int
			for _, b := range bs {
				sizes = append(sizes, len(b))
			}
			if !reflect.DeepEqual(sizes, c.want) {
				t.Errorf("batch sizes %v, want %v", sizes, c.want)
			}
		})
	}
}

func TestMentions(t *testing.T) {
	cases := []struct {
		text, name string
		want       bool
	}{
		{"out.stdout == 'x'", "out", true},
		{"{{ out }}", "out", true},
		{"output == 1", "out", false},
		{"r.out", "out", false}, // an attribute, not the variable
		{"not (out is changed)", "out", true},
		{"stdout", "out", false},
	}
	for _, c := range cases {
		if got := mentions(c.text, c.name); got != c.want {
			t.Errorf("mentions(%q, %q) = %v, want %v", c.text, c.name, got, c.want)
		}
	}
}
