package run

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/haplay/haplay/engine/connection"
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

// The lock flags either do something or are refused: a check run takes no
// lock, so --lock-wait and --no-lock with it are usage errors, and a run
// takes one unless told not to.
func TestLockOptions(t *testing.T) {
	base := Options{Output: "text", Forks: 1, HostKeyChecking: "strict"}
	for _, tc := range []struct {
		name string
		edit func(o *Options)
		want string
	}{
		{"negative wait", func(o *Options) { o.LockWait = -time.Second }, "--lock-wait must not be negative"},
		{"wait with check", func(o *Options) { o.Check, o.LockWait = true, time.Minute }, "a check run takes no host lock"},
		{"no-lock with check", func(o *Options) { o.Check, o.NoLock = true, true }, "a check run takes no host lock"},
		{"wait with no-lock", func(o *Options) { o.NoLock, o.LockWait = true, time.Minute }, "--lock-wait does nothing with --no-lock"},
		{"wait", func(o *Options) { o.LockWait = time.Minute }, ""},
	} {
		o := base
		tc.edit(&o)
		err := o.Verify()
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	lc := func(o Options) *connection.LockConfig { return (&Loaded{opts: o}).lockConfig(nil) }
	if lc(Options{Check: true}) != nil || lc(Options{NoLock: true}) != nil {
		t.Error("a check run or --no-lock takes a lock")
	}
	c := lc(Options{LockWait: time.Minute})
	if c == nil || c.Wait != time.Minute || c.Owner.PID != os.Getpid() || len(c.Owner.RunID) != 12 || c.Owner.Controller == "" {
		t.Errorf("lock config %+v", c)
	}
	if c2 := lc(Options{}); c2.Owner.RunID == c.Owner.RunID {
		t.Error("two runs got one run id")
	}
}

// -c names a connection type haplay has, before anything is loaded.
func TestConnectionOption(t *testing.T) {
	o := Options{Output: "text", Forks: 1, HostKeyChecking: "strict"}
	o.Connection.Connection = "telnet"
	if err := o.Verify(); err == nil || !strings.Contains(err.Error(), `-c/--connection "telnet" is not supported (use ssh or local)`) {
		t.Errorf("telnet: %v", err)
	}
	o.Connection.Connection = "local"
	if err := o.Verify(); err != nil {
		t.Errorf("local: %v", err)
	}
}
