package requirements

import (
	"strings"
	"testing"
)

func TestParseRequirements(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []Requirement // Pos not compared
		err  string
	}{
		{
			name: "top-level list of roles",
			yaml: "- src: https://github.com/acme/ansible-nginx.git\n  version: v1.2.0\n  name: nginx\n- src: git+https://git.example.com/ops/haproxy.git\n  version: 1.10\n",
			want: []Requirement{
				{Kind: KindRole, Name: "nginx", Src: "https://github.com/acme/ansible-nginx.git", Version: "v1.2.0"},
				{Kind: KindRole, Name: "haproxy", Src: "https://git.example.com/ops/haproxy.git", Version: "1.10"},
			},
		},
		{
			name: "roles and collections",
			yaml: "roles:\n  - name: base\n    src: ../../roles-src/base\n    version: main\n    subdir: roles/base/\n" +
				"collections:\n  - name: https://github.com/acme/tools.git#/collection\n    type: git\n    version: 2.0.0\n" +
				"  - name: acme.net\n    source: git@github.com:acme/net.git\n    type: git\n",
			err: "collection name \"tools\" must be namespace.name",
		},
		{
			name: "collections with names",
			yaml: "roles: []\ncollections:\n  - name: acme.net\n    source: git@github.com:acme/net.git\n    type: git\n    version: \"2\"\n",
			want: []Requirement{{Kind: KindCollection, Name: "acme.net", Src: "git@github.com:acme/net.git", Version: "2"}},
		},
		{
			name: "subdir and relative path",
			yaml: "roles:\n  - name: base\n    src: ../../roles-src/base\n    version: main\n    subdir: /roles/base/\n",
			want: []Requirement{{Kind: KindRole, Name: "base", Src: "../../roles-src/base", Version: "main", Subdir: "roles/base"}},
		},
		{
			name: "legacy comma string",
			yaml: "- git+https://github.com/acme/ansible-role-ntp.git,v2.1,ntp\n",
			want: []Requirement{{Kind: KindRole, Name: "ntp", Src: "https://github.com/acme/ansible-role-ntp.git", Version: "v2.1"}},
		},
		{
			name: "scm git and file URL, name from path",
			yaml: "- src: file:///srv/git/monitoring.git\n  scm: git\n",
			want: []Requirement{{Kind: KindRole, Name: "monitoring", Src: "file:///srv/git/monitoring.git"}},
		},
		{name: "galaxy name", yaml: "- src: geerlingguy.java\n", err: "Galaxy names are not supported"},
		{name: "hg", yaml: "- src: https://hg.example.com/r\n  scm: hg\n", err: "only git is supported"},
		{name: "duplicate", yaml: "- src: /a/x\n- src: /b/x\n", err: "listed twice"},
		{name: "unknown key", yaml: "- src: /a/x\n  branch: main\n", err: "unknown key \"branch\""},
		{name: "bad top-level", yaml: "packages: []\n", err: "unknown key \"packages\""},
		{name: "bad name", yaml: "- src: /a/x\n  name: ../evil\n", err: "name \"../evil\""},
		{name: "empty", yaml: "", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRequirements("requirements.yml", []byte(tt.yaml))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				if !strings.HasPrefix(err.Error(), "requirements.yml:") {
					t.Errorf("error has no position: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			for i := range got {
				got[i].Pos = ""
				if got[i] != tt.want[i] {
					t.Errorf("entry %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestResolveRefPrefersTagsAndPeels(t *testing.T) {
	f := newFixture(t)
	f.r.branch("v1", f.c4) // a branch named like a tag: the tag wins, as in git
	refs, err := localRefs(f.r.repo)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ version, kind, commit string }{
		{"v1", "tag", f.c1.String()},
		{"v2", "tag", f.c2.String()},
		{"dev", "branch", f.c3.String()},
		{"refs/heads/v1", "branch", f.c4.String()},
		{"", "branch", f.c4.String()},
	} {
		res, ok := resolveRef(refs, tt.version)
		if !ok || res.Kind != tt.kind || res.Commit.String() != tt.commit {
			t.Errorf("resolveRef(%q) = %+v %v, want %s %s", tt.version, res, ok, tt.kind, tt.commit)
		}
	}
	if _, ok := resolveRef(refs, "nope"); ok {
		t.Errorf("resolveRef(nope) found something")
	}
}

func TestTreeHashIsOrderIndependentAndSensitive(t *testing.T) {
	a := []fileSum{{"b", modeRegular, "11"}, {"a", modeExecutable, "22"}}
	b := []fileSum{{"a", modeExecutable, "22"}, {"b", modeRegular, "11"}}
	if treeHash(a) != treeHash(b) {
		t.Errorf("order changes the hash")
	}
	for _, c := range [][]fileSum{
		{{"a", modeRegular, "22"}, {"b", modeRegular, "11"}},
		{{"a", modeExecutable, "23"}, {"b", modeRegular, "11"}},
		{{"a", modeExecutable, "22"}, {"c", modeRegular, "11"}},
		{{"a", modeExecutable, "22"}},
	} {
		if treeHash(c) == treeHash(a) {
			t.Errorf("%v hashes like %v", c, a)
		}
	}
}
