package system

import (
	"reflect"
	"testing"

	"github.com/haplay/haplay/engine/module"
)

// The expected values are what Ansible's SourcesList._parse and
// _suggest_filename return for the same input (ansible-core 2.14).
func TestParseSourceLine(t *testing.T) {
	for in, want := range map[string]sourceLine{
		"deb  http://a/debian   bookworm main":   {valid: true, enabled: true, source: "deb http://a/debian bookworm main"},
		"#deb http://a/debian bookworm main":     {valid: true, source: "deb http://a/debian bookworm main"},
		"# deb http://a/x y # note here":         {valid: true, source: "deb http://a/x y", comment: "note here"},
		"## deb x":                               {source: "# deb x"},
		"   ":                                    {enabled: true},
		"# plain comment":                        {source: "plain comment"},
		"deb-src [arch=amd64] http://x/y z c#c2": {valid: true, enabled: true, source: "deb-src [arch=amd64] http://x/y z c", comment: "c2"},
		"garbage  two":                           {enabled: true, source: "garbage  two"},
		"#":                                      {},
		"deb\n":                                  {valid: true, enabled: true, source: "deb"},
	} {
		if got := parseSourceLine(in); got != want {
			t.Errorf("parseSourceLine(%q) = %+v, want %+v", in, got, want)
		}
	}
}

func TestSourcesFileFor(t *testing.T) {
	d := "/etc/apt/sources.list.d"
	for _, c := range []struct{ src, filename, want string }{
		{"deb [trusted=yes] file:/tmp/conf/repo ./", "", d + "/file_tmp_conf_repo.list"},
		{"deb http://user:pw@127.0.0.1:8080/debian stable main", "", d + "/127_0_0_1_8080_debian.list"},
		{"deb-src https://download.docker.com/linux/debian bookworm stable", "", d + "/download_docker_com_linux_debian.list"},
		{"deb [ arch=amd64 ] http://a.b/c d", "", d + "/a_b_c.list"},
		{"deb http://a/b c", "mine", d + "/mine.list"},
		{"deb http://a/b c", "/etc/apt/other/x", "/etc/apt/other/x.list"},
	} {
		if got := sourcesFileFor(c.src, c.filename, d); got != c.want {
			t.Errorf("sourcesFileFor(%q, %q) = %q, want %q", c.src, c.filename, got, c.want)
		}
	}
}

// A file round-trips through parse and dump as Ansible rewrites it.
func TestDumpSourcesNormalises(t *testing.T) {
	in := "deb  http://a/d  x main\n#deb http://b/d y main\n\n# a comment\ngarbage  two\ndeb http://c/d z # why"
	want := "deb http://a/d x main\n# deb http://b/d y main\n\n# a comment\ngarbage  two\ndeb http://c/d z # why\n"
	if got := dumpSources(parseSources(in)); got != want {
		t.Errorf("dump = %q, want %q", got, want)
	}
	if got := parseSources(""); got != nil {
		t.Errorf("empty file: %+v", got)
	}
}

func TestPlanAptRepo(t *testing.T) {
	mk := func(p, content string) *sourcesFile {
		l := parseSources(content)
		return &sourcesFile{info: module.FileInfo{Path: p, Exists: true, Type: "file", Content: []byte(content)}, before: l, lines: append([]sourceLine(nil), l...)}
	}
	src := "deb http://h/d x main"
	// A commented-out copy is enabled, in every file it is in; nothing is appended.
	files := planAptRepo([]*sourcesFile{mk("/a.list", "#deb  http://h/d x main\n"), mk("/b.list", "# deb http://h/d x main # c\n")}, src, "present", "/t.list")
	if len(files) != 2 || dumpSources(files[0].lines) != src+"\n" || dumpSources(files[1].lines) != src+" # c\n" || files[0].added {
		t.Fatalf("enable: %+v", files)
	}
	// Otherwise the target file gets it (created when missing).
	files = planAptRepo([]*sourcesFile{mk("/a.list", "deb http://o/d y main\n")}, src, "present", "/t.list")
	if len(files) != 2 || files[1].info.Path != "/t.list" || !files[1].added || dumpSources(files[1].lines) != src+"\n" {
		t.Fatalf("append: %+v", files[1])
	}
	// absent removes enabled copies only; a file left empty has no lines.
	files = planAptRepo([]*sourcesFile{mk("/a.list", src+"\n# "+src+"\n"), mk("/b.list", src+"\n")}, src, "absent", "/t.list")
	if dumpSources(files[0].lines) != "# "+src+"\n" || len(files[1].lines) != 0 {
		t.Fatalf("absent: %q %q", dumpSources(files[0].lines), dumpSources(files[1].lines))
	}
	d := aptRepoDiffs(files)
	want := []module.Diff{
		{BeforeHeader: "/a.list", AfterHeader: "/a.list", Before: src + "\n# " + src + "\n", After: "# " + src + "\n"},
		{BeforeHeader: "/b.list", AfterHeader: "/dev/null", Before: src + "\n"},
	}
	if !reflect.DeepEqual(d, want) {
		t.Fatalf("diffs %+v", d)
	}
}

func TestParseSourcesRead(t *testing.T) {
	out := "@@haplay:file /etc/apt/sources.list\n644\ndeb http://a b c\n\n@@haplay:file /etc/apt/sources.list.d/x.list\n600\nno newline\n"
	got, err := parseSourcesRead([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	if string(got["/etc/apt/sources.list"].Content) != "deb http://a b c\n" || got["/etc/apt/sources.list"].Mode != 0o644 {
		t.Errorf("sources.list: %+v", got["/etc/apt/sources.list"])
	}
	if f := got["/etc/apt/sources.list.d/x.list"]; string(f.Content) != "no newline" || f.Mode != 0o600 {
		t.Errorf("x.list: %+v", f)
	}
}

func TestAptRepoProblem(t *testing.T) {
	for in, want := range map[string]string{
		"deb http://a b c": "",
		"":                 "Please set argument 'repo' to a non-empty value",
		"# deb http://a b": "Invalid repository string: # deb http://a b (commented out)",
		"rpm http://a b":   "Invalid repository string: rpm http://a b (a source line starts with deb or deb-src)",
		"ppa:nginx/stable": "repo ppa:nginx/stable: ppa: repositories need Launchpad (an outside address), which haplay does not contact; give the deb line and its key (apt_key, or a keyring file with signed-by=)",
	} {
		if got := aptRepoProblem(in); got != want {
			t.Errorf("aptRepoProblem(%q) = %q, want %q", in, got, want)
		}
	}
}
