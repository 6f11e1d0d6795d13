package shlex

import (
	"errors"
	"slices"
	"testing"
)

// Every expectation is what python3's shlex.split printed for the same
// input (comments as given).
func TestSplit(t *testing.T) {
	cases := []struct {
		in       string
		comments bool
		want     []string
		err      error
	}{
		{`a#b c`, true, []string{"a"}, nil},
		{"a#b c\nd e", true, []string{"a", "d", "e"}, nil},
		{`a#b c`, false, []string{"a#b", "c"}, nil},
		{`k="v w" #c`, true, []string{"k=v w"}, nil},
		{`"a\$b" c`, false, []string{`a\$b`, "c"}, nil},
		{`"a\\b\"c\xd"`, false, []string{`a\b"c\xd`}, nil},
		{`'a\b'`, false, []string{`a\b`}, nil},
		{`x "" y`, false, []string{"x", "", "y"}, nil},
		{`a"b c"d`, false, []string{"ab cd"}, nil},
		{"a\\\nb", false, []string{"a\nb"}, nil},
		{`echo a\ b`, false, []string{"echo", "a b"}, nil},
		{"  \t ", false, nil, nil},
		{`héllo "wörld"`, false, []string{"héllo", "wörld"}, nil},
		{`a\`, false, nil, ErrNoEscaped},
		{`"ab`, false, nil, ErrNoClosingQuote},
		{`'ab`, true, nil, ErrNoClosingQuote},
		{`"a\"`, false, nil, ErrNoClosingQuote},
	}
	for _, c := range cases {
		split := Split
		if c.comments {
			split = SplitComments
		}
		got, err := split(c.in)
		if !errors.Is(err, c.err) || !slices.Equal(got, c.want) {
			t.Errorf("split(%q, comments=%v) = %q, %v; want %q, %v", c.in, c.comments, got, err, c.want, c.err)
		}
	}
}
