package files

import (
	"strings"
	"testing"

	"github.com/haplay/haplay/engine/module"
)

func TestUnarchiveScript(t *testing.T) {
	a := module.Args{"src": "/srv/it's.tar", "dest": "/opt/$x", "remote_src": true, "exclude": []any{"*.log/"},
		"extra_opts": []any{"--strip-components=1"}, "include": []any{}}
	u := &unarchive{c: &module.Call{Args: a, Check: true}, src: a.String("src"), dest: a.String("dest")}
	s, stdin := u.script()
	for _, want := range []string{`A='/srv/it'"'"'s.tar'`, `D='/opt/$x'`, `'--exclude=*.log'`, "--show-transformed-names --strip-components=1"} {
		if !strings.Contains(s, want) {
			t.Errorf("script lacks %q:\n%s", want, s)
		}
	}
	if stdin != nil || strings.Contains(s, "@@haplay:extract") {
		t.Errorf("check mode must not unpack:\n%s", s)
	}
	u.c.Check = false
	if s, _ := u.script(); !strings.Contains(s, `eval "$xcmd"`) || !strings.Contains(s, `is not a directory`) {
		t.Errorf("a run unpacks and needs dest:\n%s", s)
	}
	url := &unarchive{c: &module.Call{Host: &memHost{}, Args: module.Args{"validate_certs": false}}, src: "http://127.0.0.1/a.tgz", dest: "/d"}
	if s, in := url.sourceLines(); !strings.Contains(s, "curl -K") || !strings.Contains(string(in), "insecure") {
		t.Errorf("a URL src is downloaded with the host's tool:\n%s\n%s", s, in)
	}
}

func TestUnarchiveRemoteSrcSpellings(t *testing.T) {
	for _, tc := range []struct {
		a    module.Args
		want bool
	}{
		{module.Args{"remote_src": true}, true},
		{module.Args{"remote_src": false, "copy": false}, true},
		{module.Args{"remote_src": false, "copy": true}, false},
		{module.Args{"remote_src": false}, false},
	} {
		if got := isRemoteSrc(tc.a); got != tc.want {
			t.Errorf("%v: got %v", tc.a, got)
		}
		if files := (Unarchive{}).ControllerFiles(tc.a); (len(files) == 0) != tc.want {
			t.Errorf("%v: controller files %v", tc.a, files)
		}
	}
}
