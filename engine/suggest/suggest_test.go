package suggest

import "testing"

func TestClosest(t *testing.T) {
	names := []string{"copy", "command", "lineinfile", "template", "systemd"}
	cases := []struct{ in, want string }{
		{"copy", "copy"},
		{"cpoy", "copy"},           // 2 edits
		{"comand", "command"},      // 1 edit
		{"linefile", "lineinfile"}, // 2 edits
		{"templtae", "template"},   // 2 edits
		{"sysetmdd", "systemd"},    // 3 edits, long name
		{"xyz", ""},
		{"zzzz", ""},
	}
	for _, c := range cases {
		if got := Closest(c.in, names); got != c.want {
			t.Errorf("Closest(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := Closest("x", nil); got != "" {
		t.Errorf("no candidates: %q", got)
	}
}
