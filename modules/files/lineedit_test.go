package files

import (
	"testing"
)

func sp(s string) *string { return &s }

func TestEditLine(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		o       lineOpts
		want    string
		changed bool
		msg     string
	}{
		{"append to empty file", "", lineOpts{Line: "a"}, "a\n", true, "line added"},
		{"append at EOF", "x\ny\n", lineOpts{Line: "a"}, "x\ny\na\n", true, "line added"},
		{"newline added before appending", "x\ny", lineOpts{Line: "a"}, "x\ny\na\n", true, "line added"},
		{"exact line present", "x\na\ny\n", lineOpts{Line: "a"}, "x\na\ny\n", false, ""},
		{"regexp replaces last match", "p=1\nq\np=2\n", lineOpts{Regexp: sp("^p="), Line: "p=3"}, "p=1\nq\np=3\n", true, "line replaced"},
		{"regexp firstmatch replaces first", "p=1\nq\np=2\n", lineOpts{Regexp: sp("^p="), Line: "p=3", Firstmatch: true}, "p=3\nq\np=2\n", true, "line replaced"},
		{"regexp already right", "p=1\np=3\n", lineOpts{Regexp: sp("^p="), Line: "p=3"}, "p=1\np=3\n", false, ""},
		{"regexp no match appends", "q\n", lineOpts{Regexp: sp("^p="), Line: "p=3"}, "q\np=3\n", true, "line added"},
		{"regexp $ matches before newline", "p=1\n", lineOpts{Regexp: sp("^p=1$"), Line: "p=2"}, "p=2\n", true, "line replaced"},
		{"search_string replaces", "Listen 80\nx\n", lineOpts{SearchString: sp("Listen "), Line: "Listen 8080"}, "Listen 8080\nx\n", true, "line replaced"},
		{"insertafter regex last match", "[a]\nk\n[a]\nk\n", lineOpts{Line: "n", InsertAfter: `^\[a\]`}, "[a]\nk\n[a]\nn\nk\n", true, "line added"},
		{"insertafter firstmatch", "[a]\nk\n[a]\nk\n", lineOpts{Line: "n", InsertAfter: `^\[a\]`, Firstmatch: true}, "[a]\nn\nk\n[a]\nk\n", true, "line added"},
		{"insertafter at end of file", "k\n[a]\n", lineOpts{Line: "n", InsertAfter: `^\[a\]`}, "k\n[a]\nn\n", true, "line added"},
		{"insertafter no match appends", "k\n", lineOpts{Line: "n", InsertAfter: `^\[z\]`}, "k\nn\n", true, "line added"},
		{"insertafter already there", "[a]\nn\n", lineOpts{Line: "n", InsertAfter: `^\[a\]`}, "[a]\nn\n", false, ""},
		{"insertafter ignored when regexp matches", "[a]\np=1\n", lineOpts{Regexp: sp("^p="), Line: "p=2", InsertAfter: `^\[a\]`}, "[a]\np=2\n", true, "line replaced"},
		{"insertafter used when regexp misses", "[a]\nk\n", lineOpts{Regexp: sp("^p="), Line: "p=2", InsertAfter: `^\[a\]`}, "[a]\np=2\nk\n", true, "line added"},
		{"insertbefore regex last match", "k\n# end\nk\n# end\n", lineOpts{Line: "n", InsertBefore: "^# end"}, "k\n# end\nk\nn\n# end\n", true, "line added"},
		{"insertbefore firstmatch", "k\n# end\nk\n# end\n", lineOpts{Line: "n", InsertBefore: "^# end", Firstmatch: true}, "k\nn\n# end\nk\n# end\n", true, "line added"},
		{"insertbefore first line", "# end\n", lineOpts{Line: "n", InsertBefore: "^# end"}, "n\n# end\n", true, "line added"},
		{"insertbefore BOF", "k\n", lineOpts{Line: "n", InsertBefore: "BOF"}, "n\nk\n", true, "line added"},
		{"insertafter BOF", "k\n", lineOpts{Line: "n", InsertAfter: "BOF"}, "n\nk\n", true, "line added"},
		{"insertafter EOF", "k\n", lineOpts{Line: "n", InsertAfter: "EOF"}, "k\nn\n", true, "line added"},
		{"BOF but line exists", "k\nn\n", lineOpts{Line: "n", InsertBefore: "BOF"}, "k\nn\n", false, ""},
		{"backrefs expand", "port = 80\n", lineOpts{Regexp: sp(`^port = (\d+)$`), Line: `port = \1\1`, Backrefs: true}, "port = 8080\n", true, "line replaced"},
		{"backrefs named group", "port = 80\n", lineOpts{Regexp: sp(`^port = (?P<n>\d+)$`), Line: `port: \g<n>`, Backrefs: true}, "port: 80\n", true, "line replaced"},
		{"backrefs \\g<1> followed by digit", "v=1\n", lineOpts{Regexp: sp(`^v=(\d)$`), Line: `v=\g<1>0`, Backrefs: true}, "v=10\n", true, "line replaced"},
		{"backrefs no match leaves file", "x\n", lineOpts{Regexp: sp(`^port = (\d+)$`), Line: `port = \1`, Backrefs: true}, "x\n", false, ""},
		{"dollar kept literally", "a\n", lineOpts{Regexp: sp(`^a$`), Line: `PS1=$HOME \1`, Backrefs: false}, "PS1=$HOME \\1\n", true, "line replaced"},
		{"absent exact", "a\nb\na\n", lineOpts{Line: "a", Absent: true}, "b\n", true, "2 line(s) removed"},
		{"absent regexp", "#x\ny\n#z\n", lineOpts{Regexp: sp("^#"), Absent: true}, "y\n", true, "2 line(s) removed"},
		{"absent search_string", "foo bar\nbaz\n", lineOpts{SearchString: sp("bar"), Absent: true}, "baz\n", true, "1 line(s) removed"},
		{"absent nothing", "a\n", lineOpts{Line: "b", Absent: true}, "a\n", false, ""},
		// Ansible compares with the line plus "\n", so a CRLF line is rewritten.
		{"crlf line rewritten as Ansible does", "a\r\nb\r\n", lineOpts{Line: "a"}, "a\nb\r\n", true, "line replaced"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := editLine(tt.in, tt.o)
			if err != nil {
				t.Fatal(err)
			}
			if e.Changed != tt.changed || (tt.changed && e.Text != tt.want) || e.Msg != tt.msg {
				t.Errorf("got %q changed=%v msg=%q, want %q changed=%v msg=%q", e.Text, e.Changed, e.Msg, tt.want, tt.changed, tt.msg)
			}
		})
	}
}

func TestEditLineBadRegexp(t *testing.T) {
	_, err := editLine("a\n", lineOpts{Regexp: sp(`^(?=x)`), Line: "b"})
	if err == nil || !contains(err.Error(), "lookaround") {
		t.Fatalf("err = %v", err)
	}
}

func contains(s, sub string) bool { return len(sub) == 0 || indexOf(s, sub) >= 0 }

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

func TestEditBlock(t *testing.T) {
	std := func(o blockOpts) blockOpts {
		o.MarkerBegin, o.MarkerEnd = "# BEGIN ANSIBLE MANAGED BLOCK", "# END ANSIBLE MANAGED BLOCK"
		return o
	}
	const B, E = "# BEGIN ANSIBLE MANAGED BLOCK\n", "# END ANSIBLE MANAGED BLOCK\n"
	tests := []struct {
		name, in string
		o        blockOpts
		want     string
		changed  bool
	}{
		{"insert into empty", "", std(blockOpts{Block: "a\nb"}), B + "a\nb\n" + E, true},
		{"append at EOF", "x\n", std(blockOpts{Block: "a"}), "x\n" + B + "a\n" + E, true},
		{"missing final newline", "x", std(blockOpts{Block: "a"}), "x\n" + B + "a\n" + E, true},
		{"replace existing block in place", "x\n" + B + "old\n" + E + "y\n", std(blockOpts{Block: "new\n"}), "x\n" + B + "new\n" + E + "y\n", true},
		{"same block unchanged", "x\n" + B + "a\n" + E, std(blockOpts{Block: "a"}), "x\n" + B + "a\n" + E, false},
		{"remove block", "x\n" + B + "a\n" + E + "y\n", std(blockOpts{Absent: true}), "x\ny\n", true},
		{"remove absent block", "x\n", std(blockOpts{Absent: true}), "x\n", false},
		{"insertbefore BOF", "x\n", std(blockOpts{Block: "a", InsertBefore: "BOF"}), B + "a\n" + E + "x\n", true},
		{"insertafter regex last match", "[s]\nk\n[s]\nk\n", std(blockOpts{Block: "a", InsertAfter: `^\[s\]`}), "[s]\nk\n[s]\n" + B + "a\n" + E + "k\n", true},
		{"insertbefore regex", "x\n# end\n", std(blockOpts{Block: "a", InsertBefore: "^# end"}), "x\n" + B + "a\n" + E + "# end\n", true},
		{"insertafter no match goes to EOF", "x\n", std(blockOpts{Block: "a", InsertAfter: "^nomatch"}), "x\n" + B + "a\n" + E, true},
		{"insertafter ignored for existing block", B + "a\n" + E + "[s]\n", std(blockOpts{Block: "b", InsertAfter: `^\[s\]`}), B + "b\n" + E + "[s]\n", true},
		{"empty block keeps markers", "x\n", std(blockOpts{}), "x\n" + B + E, true},
		{"custom markers", "x\n", blockOpts{Block: "a", MarkerBegin: "<!-- start -->", MarkerEnd: "<!-- stop -->"}, "x\n<!-- start -->\na\n<!-- stop -->\n", true},
		{"markers reversed", E + "a\n" + B + "y\n", std(blockOpts{Block: "b"}), B + "b\n" + E + "y\n", true},
		{"prepend and append newline", "x\ny\n", std(blockOpts{Block: "a", InsertAfter: "^x", PrependNewline: true, AppendNewline: true}), "x\n\n" + B + "a\n" + E + "\ny\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := editBlock(tt.in, tt.o)
			if err != nil {
				t.Fatal(err)
			}
			if e.Changed != tt.changed || e.Text != tt.want {
				t.Errorf("got %q changed=%v, want %q changed=%v", e.Text, e.Changed, tt.want, tt.changed)
			}
		})
	}
}

func TestReplaceText(t *testing.T) {
	tests := []struct {
		name, in, re, repl, after, before string
		want                              string
		n                                 int
		msg                               string
	}{
		{"multiline anchors", "a=1\nb=1\n", `^(\w)=1$`, `\1=2`, "", "", "a=2\nb=2\n", 2, ""},
		{"no match", "a\n", `^z`, "y", "", "", "a\n", 0, ""},
		{"\\g<name>", "host: x\n", `^host: (?P<h>\w+)`, `server: \g<h>`, "", "", "server: x\n", 1, ""},
		{"after", "x=1\n[s]\nx=1\n", `x=1`, "x=2", `\[s\]`, "", "x=1\n[s]\nx=2\n", 1, ""},
		{"before", "x=1\n[s]\nx=1\n", `x=1`, "x=2", "", `\[s\]`, "x=2\n[s]\nx=1\n", 1, ""},
		{"after and before", "x\n<a>\nx\n</a>\nx\n", `x`, "y", "<a>", "</a>", "x\n<a>\ny\n</a>\nx\n", 1, ""},
		{"after misses", "x\n", `x`, "y", "nomatch", "", "x\n", 0, "Pattern for before/after params did not match the given file: nomatch(?P<subsection>.*)"},
		{"delete lines", "# c\nv\n", `^#.*\n`, "", "", "", "v\n", 1, ""},
		{"escapes in replacement", "a b\n", ` `, `\t`, "", "", "a\tb\n", 1, ""},
		{"replacement equal to match", "a\n", `a`, "a", "", "", "a\n", 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, n, msg, err := replaceText(tt.in, tt.re, tt.repl, tt.after, tt.before)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want || n != tt.n || msg != tt.msg {
				t.Errorf("got %q n=%d msg=%q, want %q n=%d msg=%q", got, n, msg, tt.want, tt.n, tt.msg)
			}
		})
	}
}

func TestPyTemplate(t *testing.T) {
	for in, want := range map[string]string{
		`\1`:         "${1}",
		`\g<1>0`:     "${1}0",
		`\g<name>`:   "${name}",
		`$HOME`:      "$$HOME",
		`a\nb`:       "a\nb",
		`\\1`:        `\1`,
		`\.`:         `\.`,
		`\12`:        "${12}",
		`plain text`: "plain text",
	} {
		if got := pyTemplate(in); got != want {
			t.Errorf("pyTemplate(%q) = %q, want %q", in, got, want)
		}
	}
}
