package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/haplay/haplay/engine/catalog"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules"
	"github.com/haplay/haplay/modules/storage"
)

// Every module has a complete page: a summary, documented arguments and
// at least one example that loads as a task.
func TestDocIsCompleteForEveryModule(t *testing.T) {
	reg := modules.Builtin()
	for _, name := range reg.Names() {
		m, _ := reg.Lookup(name)
		s := m.Spec()
		if s.Short == "" {
			t.Errorf("%s: no summary", name)
		}
		if s.Examples == "" {
			t.Errorf("%s: no examples", name)
		}
		for _, a := range s.Args {
			if a.Doc == "" {
				t.Errorf("%s: argument %s has no doc", name, a.Name)
			}
		}
		var b bytes.Buffer
		writeModuleDoc(&b, m)
		if !strings.Contains(b.String(), "ARGUMENTS") {
			t.Errorf("%s: page has no ARGUMENTS section", name)
		}
	}
}

func TestDocUnknownModuleSuggests(t *testing.T) {
	err := runDoc(t.Context(), "comand", &docOptions{out: &bytes.Buffer{}})
	if err == nil || !strings.Contains(err.Error(), `did you mean "command"?`) || exitCode(err) != exitBadOptions {
		t.Fatalf("err = %v (exit %d)", err, exitCode(err))
	}
}

func TestDocListsModules(t *testing.T) {
	var b bytes.Buffer
	if err := runDoc(t.Context(), "", &docOptions{out: &b}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"command", "shell", "debug"} {
		if !strings.Contains(b.String(), n) {
			t.Errorf("list lacks %s", n)
		}
	}
}

// haplay doc names the arguments of Ansible's module that haplay's lacks,
// and shows a module haplay does not implement as Ansible documents it.
func TestDocAgainstAnsibleCatalog(t *testing.T) {
	page := func(name string) string {
		var b bytes.Buffer
		if err := runDoc(t.Context(), name, &docOptions{out: &b}); err != nil {
			t.Fatalf("doc %s: %v", name, err)
		}
		return b.String()
	}
	// Every module haplay has now has every argument of Ansible's (issue
	// 15), so a lvol without thinpool stands for one that lacks some.
	var b bytes.Buffer
	writeMissingArgs(&b, withoutArg{storage.Lvol{}, "thinpool"}, catalog.New())
	if p := b.String(); !strings.Contains(p, "arguments of community.general.lvol") || !strings.Contains(p, "    thinpool\n") {
		t.Errorf("lvol without thinpool: its page lacks the missing argument:\n%s", p)
	}
	if p := page("shell"); !strings.Contains(p, "none: every argument of ansible.builtin.shell") {
		t.Errorf("shell's free form counted as missing:\n%s", p)
	}
	p := page("yum")
	if !strings.Contains(p, "yum (ansible.builtin.yum): not implemented by haplay; this task fails if it runs") ||
		!strings.Contains(p, "  name (list; aliases: pkg)") {
		t.Errorf("yum page:\n%s", p)
	}
}

// withoutArg is a module with one argument of its spec left out.
type withoutArg struct {
	module.Module
	drop string
}

func (w withoutArg) Spec() module.Spec {
	sp := w.Module.Spec()
	var args []module.Arg
	for _, a := range sp.Args {
		if a.Name != w.drop {
			args = append(args, a)
		}
	}
	sp.Args = args
	return sp
}
