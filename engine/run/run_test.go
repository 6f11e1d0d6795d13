package run

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/haplay/haplay/engine/yamlnode"
)

func TestParseExtraVars(t *testing.T) {
	f := filepath.Join(t.TempDir(), "x.yml")
	if err := os.WriteFile(f, []byte("a: 1\nb: [x]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := parseExtraVars([]string{"k=v 'q=a b'", `{"n": 2, "f": 1.5}`, "@" + f, "k=last"}, yamlnode.Reader{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"k": "last", "q": "a b", "n": 2, "f": 1.5, "a": 1, "b": []any{"x"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v\nwant %#v", got, want)
	}
	if _, err := parseExtraVars([]string{"novalue"}, yamlnode.Reader{}); err == nil || !strings.Contains(err.Error(), "expected key=value") {
		t.Errorf("novalue: %v", err)
	}
}

func TestLoadErrorKinds(t *testing.T) {
	dir := t.TempDir()
	pb := filepath.Join(dir, "pb.yml")
	write := func(text string) {
		if err := os.WriteFile(pb, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	base := Options{Playbook: pb, Forks: 5, Output: "text", HostKeyChecking: "strict"}
	write("- hosts: all\n  become_method: doas\n  tasks: []\n")
	kind := func(o Options) (Kind, error) {
		_, err := Load(o)
		var re *Error
		if !errors.As(err, &re) {
			return 0, err
		}
		return re.Kind, err
	}
	if k, err := kind(base); k != ParseError || !strings.Contains(err.Error(), `pb.yml:2:18: become_method "doas" is not supported`) {
		t.Errorf("bad become_method: kind %d, %v", k, err)
	}
	bad := base
	bad.Output = "xml"
	if k, _ := kind(bad); k != BadOptions {
		t.Errorf("--output xml: kind %d", k)
	}
	write("- hosts: all\n  vars_prompt:\n    - name: pw\n  tasks: []\n")
	if k, err := kind(base); k != BadOptions || !strings.Contains(err.Error(), `vars_prompt "pw" needs a terminal; pass it with -e pw=VALUE`) {
		t.Errorf("vars_prompt without a prompter: kind %d, %v", k, err)
	}
	withPrompt := base
	withPrompt.Prompt = func(prompt string, private bool) (string, error) {
		if prompt != "pw" || !private {
			t.Errorf("prompt %q private %v", prompt, private)
		}
		return "s3", nil
	}
	l, err := Load(withPrompt)
	if err != nil {
		t.Fatal(err)
	}
	if got := l.Playbook.Plays[0].Vars["pw"]; got != "s3" {
		t.Errorf("prompted pw = %v", got)
	}
}
