package system

import (
	"context"
	"fmt"
	"strings"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules/internal/hostscript"
)

// Getent reads a name service database into facts (ansible.builtin.getent).
type Getent struct{}

var _ module.Module = Getent{}

func (Getent) Name() string { return "getent" }

func (Getent) Spec() module.Spec {
	return module.Spec{
		Short: "Read a name service database (getent) into facts",
		Description: "Runs getent DATABASE [KEY] once and sets the fact getent_DATABASE: each entry's first field " +
			"maps to its other fields (split at ':' for passwd, shadow, group and gshadow, at whitespace for the " +
			"others unless split says otherwise; a name seen twice maps to the list of its entries). Changes " +
			"nothing, so it runs in check mode too.",
		Args: []module.Arg{
			{Name: "database", Type: module.TypeStr, Required: true, Doc: "passwd, group, hosts, services, shadow, ... (getent's databases)"},
			{Name: "key", Type: module.TypeStr, Doc: "one entry to look up instead of the whole database"},
			{Name: "service", Type: module.TypeStr, Doc: "the NSS service to ask (getent -s)"},
			{Name: "split", Type: module.TypeStr, Doc: "the field separator"},
			{Name: "fail_key", Type: module.TypeBool, Default: true, Doc: "fail when key is not found (false: the fact maps key to null)"},
		},
		Examples: `- name: Is the deploy user there?
  ansible.builtin.getent:
    database: passwd
    key: deploy
    fail_key: false

- debug:
    msg: "deploy's home is {{ getent_passwd.deploy[4] }}"
  when: getent_passwd.deploy is not none`,
	}
}

// getentFacts turns getent's lines into the fact's mapping, as Ansible does.
func getentFacts(out, split string) map[string]any {
	m := map[string]any{}
	seen := map[string]int{}
	for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if line == "" && out == "" {
			break
		}
		var rec []string
		if split == "" {
			rec = strings.Fields(line)
			if len(rec) == 0 {
				rec = []string{""}
			}
		} else {
			rec = strings.Split(line, split)
		}
		rest := make([]any, len(rec)-1)
		for i, f := range rec[1:] {
			rest[i] = f
		}
		switch seen[rec[0]] {
		case 0:
			m[rec[0]] = rest
		case 1:
			m[rec[0]] = []any{m[rec[0]], rest}
		default:
			m[rec[0]] = append(m[rec[0]].([]any), rest)
		}
		seen[rec[0]]++
	}
	return m
}

func (Getent) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	a := c.Args
	db := a.String("database")
	argv := []string{"getent", db}
	if a.Has("key") {
		argv = append(argv, a.String("key"))
	}
	if a.Has("service") {
		argv = append(argv, "-s", a.String("service"))
	}
	out, err := c.Host.Run(ctx, hostcmd.Cmd{Argv: argv, Become: c.Become})
	if err != nil {
		return module.Result{}, fmt.Errorf("getent %s: %w", db, err)
	}
	split := a.String("split")
	if !a.Has("split") && (db == "passwd" || db == "shadow" || db == "group" || db == "gshadow") {
		split = ":"
	}
	tree := "getent_" + db
	switch out.ExitCode {
	case 0:
		return factsResult(module.Result{}, map[string]any{tree: getentFacts(string(out.Stdout), split)}), nil
	case 1:
		return module.Result{Failed: true, Msg: "Missing arguments, or database unknown."}, nil
	case 2:
		msg := "One or more supplied key could not be found in the database."
		if !a.Bool("fail_key") {
			return factsResult(module.Result{Msg: msg}, map[string]any{tree: map[string]any{a.String("key"): nil}}), nil
		}
		return module.Result{Failed: true, Msg: msg}, nil
	case 3:
		return module.Result{Failed: true, Msg: "Enumeration not supported on this database."}, nil
	}
	return hostscript.Failed(c, strings.Join(argv, " "), out), nil
}

// factsResult sets the facts on the host and, as Ansible registers them,
// under ansible_facts in the registered result.
func factsResult(r module.Result, facts map[string]any) module.Result {
	r.Facts = facts
	r.Set("ansible_facts", facts)
	return r
}
