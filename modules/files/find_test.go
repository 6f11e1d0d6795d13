package files

import (
	"regexp"
	"testing"
)

func TestFnmatchAsPython(t *testing.T) {
	for _, tc := range []struct {
		pat, name string
		want      bool
	}{
		{"*.txt", "a.txt", true},
		{"*.txt", "a.txt.gz", false},
		{"?.log", "a.log", true},
		{"[!a]*", "abc", false},
		{"[!a]*", "bcd", true},
		{"[ab]x", "bx", true},
		{"[", "[", true},
		{"a\\b", "a\\b", true},
		{"x.y", "xzy", false},
		{"*", ".hidden", true},
	} {
		re := regexp.MustCompile(fnmatchRegexp(tc.pat))
		if got := re.MatchString(tc.name); got != tc.want {
			t.Errorf("fnmatch(%q, %q) = %v, want %v", tc.name, tc.pat, got, tc.want)
		}
	}
}

func TestParseFindUnit(t *testing.T) {
	for in, want := range map[string]int64{"10": 10, "2w": 1209600, "-1d": -86400, "3M": 180} {
		if got, err := parseFindUnit("age", in); err != nil || got != want {
			t.Errorf("age %q: got %d, %v; want %d", in, got, err, want)
		}
	}
	if got, err := parseFindUnit("size", "2k"); err != nil || got != 2048 {
		t.Errorf("size 2k: got %d, %v", got, err)
	}
	if _, err := parseFindUnit("size", "2kb"); err == nil || err.Error() != "failed to process size" {
		t.Errorf("size 2kb: %v", err)
	}
}

func TestParseFindOutputInWalkOrder(t *testing.T) {
	// find lists depth first; os.walk lists a directory's files, then its
	// directories, then walks each of them.
	rec := func(y, yy, rel string) string {
		return "F" + y + "|" + yy + "|644|0|0|root|root|1|2|3|1|1.5|2.5|3.5|" + rel + "\x00"
	}
	out := "H0 dir\x00" + rec("d", "d", "sub") + rec("f", "f", "sub/x") + rec("f", "f", "a") + rec("l", "d", "ld") + rec("f", "f", "b") + "E0\x00" + "H1 notdir\x00"
	fl, err := parseFindOutput([]string{"/r/", "/nope"}, []byte(out))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range fl.Entries[0] {
		got = append(got, e.Path)
	}
	want := []string{"/r/a", "/r/b", "/r/sub", "/r/ld", "/r/sub/x"}
	if len(got) != len(want) {
		t.Fatalf("got %v want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v want %v", got, want)
		}
	}
	if !fl.Dirs[0] || fl.Dirs[1] || fl.Entries[0][0].Mtime != 2.5 {
		t.Errorf("listing: %+v", fl)
	}
	o := findOptions{Patterns: []*regexp.Regexp{regexp.MustCompile(fnmatchRegexp("*"))}, FileType: "link"}
	if !o.selects(fl.Entries[0][3], 0) || o.selects(fl.Entries[0][2], 0) {
		t.Errorf("file_type link selects the link only")
	}
}
