package module

import (
	"reflect"
	"strings"
	"testing"

	"github.com/haplay/haplay/engine/connection/hostcmd"
)

func TestRedactReadsNoLog(t *testing.T) {
	spec := Spec{Args: []Arg{
		{Name: "name", Type: TypeStr},
		{Name: "url_password", Type: TypeStr, Aliases: []string{"password"}, NoLog: true},
		{Name: "tokens", Type: TypeList, NoLog: true},
		{Name: "flag", Type: TypeBool, NoLog: true},
	}}
	s := Redact(spec, map[string]any{
		"name": "alice", "password": "s3cret", "tokens": []any{"tok", 42, "", nil}, "flag": true,
	})
	if want := (Secrets{"s3cret", "tok", "42"}); !reflect.DeepEqual(s, want) {
		t.Fatalf("secrets %q, want %q (by alias, list leaves, numbers; not names, empties or booleans)", s, want)
	}
}

func TestSecretsHide(t *testing.T) {
	s := Secrets{"s3cret-long", "s3cret"}
	if got := s.String("s3cret"); got != NoLogValue {
		t.Errorf("whole value: %q", got)
	}
	if got := s.String("pw=s3cret-long and s3cret."); got != "pw="+NoLogMask+" and "+NoLogMask+"." {
		t.Errorf("inside a string: %q", got)
	}
	in := map[string]any{"stdout": "x s3cret y", "n": 7, "list": []any{"s3cret", map[string]any{"k": "s3cret"}}, "ok": true}
	got := s.Value(in).(map[string]any)
	if got["stdout"] != "x "+NoLogMask+" y" || got["list"].([]any)[0] != NoLogValue ||
		got["list"].([]any)[1].(map[string]any)["k"] != NoLogValue || got["ok"] != true || got["n"] != 7 {
		t.Errorf("values: %#v", got)
	}
	if in["stdout"] != "x s3cret y" {
		t.Error("Value changed its input")
	}
	if got := (Secrets{"42"}).Value(42); got != NoLogValue {
		t.Errorf("number: %v", got)
	}
	r := s.Result(Result{Msg: "failed with s3cret", Diffs: []Diff{{Before: "a\n", After: "pw s3cret\n"}}})
	if strings.Contains(r.Msg+r.Diffs[0].After, "s3cret") {
		t.Errorf("result: %+v", r)
	}
	c := s.Cmd(hostcmd.Cmd{Argv: []string{"usermod", "-p", "s3cret", "bob"}, Script: "echo s3cret", Env: map[string]string{"P": "s3cret"}})
	if c.Argv[2] != NoLogValue || c.Script != "echo "+NoLogMask || c.Env["P"] != NoLogValue {
		t.Errorf("command: %+v", c)
	}
	if (Secrets(nil)).String("s3cret") != "s3cret" {
		t.Error("no secrets hide nothing")
	}
}
