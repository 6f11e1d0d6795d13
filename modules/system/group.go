package system

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules/internal/hostscript"
)

// Group manages local groups with groupadd, groupmod and groupdel
// (ansible.builtin.group).
type Group struct{}

var _ module.Module = Group{}

func (Group) Name() string { return "group" }

func (Group) Spec() module.Spec {
	return module.Spec{
		Short:       "Manage groups",
		Description: "Creates, renumbers and removes local groups. The group is read with one getent group call.",
		Args: []module.Arg{
			{Name: "name", Type: module.TypeStr, Required: true, Doc: "the group name"},
			{Name: "gid", Type: module.TypeInt, Doc: "the group ID"},
			{Name: "state", Type: module.TypeStr, Default: "present", Choices: []string{"absent", "present"}, Doc: "whether the group exists"},
			{Name: "system", Type: module.TypeBool, Default: false, Doc: "create a system group (only at creation)"},
			{Name: "non_unique", Type: module.TypeBool, Default: false, Doc: "allow a GID that is already used"},
			{Name: "local", Type: module.TypeBool, Doc: "accepted for compatibility; the shadow tools are always used"},
		},
		Examples: `- name: The docker group (seed 002)
  ansible.builtin.group:
    name: docker
    system: true`,
	}
}

func (Group) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	a := c.Args
	name := a.String("name")
	out, err := hostscript.Run(ctx, c, "getent group "+hostcmd.Quote(name)+"; exit 0", nil)
	if err != nil {
		return module.Result{}, fmt.Errorf("read group %s: %w", name, err)
	}
	var cur *groupEntry
	if gs := parseGroupLines(string(out.Stdout)); len(gs) > 0 {
		cur = &gs[0]
	}
	cmd, before, after := planGroup(a, cur)
	r := module.Result{}
	r.Set("name", name)
	r.Set("state", a.String("state"))
	r.Set("system", a.Bool("system"))
	if cur != nil {
		r.Set("gid", cur.GID)
	}
	if cmd == nil {
		return r, nil
	}
	r.Changed = true
	if c.Diff {
		r.Diffs = []module.Diff{{BeforeHeader: "group " + name + " (before)", AfterHeader: "group " + name + " (after)", Before: before, After: after}}
	}
	if c.Check {
		r.Msg = "would run: " + strings.Join(cmd, " ")
		return r, nil
	}
	// getent after the change reports the GID groupadd picked.
	o, err := hostscript.Run(ctx, c, hostcmd.Join(cmd)+" || exit $?\ngetent group "+hostcmd.Quote(name)+"\nexit 0", nil)
	if err != nil {
		return module.Result{}, fmt.Errorf("%s: %w", strings.Join(cmd, " "), err)
	}
	if o.ExitCode != 0 {
		return hostscript.Failed(c, strings.Join(cmd, " "), o), nil
	}
	if gs := parseGroupLines(string(o.Stdout)); len(gs) > 0 {
		r.Set("gid", gs[0].GID)
	}
	return r, nil
}

// planGroup returns the command that brings the group where the task
// asks (nil when it is there) and the before/after texts.
func planGroup(a module.Args, cur *groupEntry) (cmd []string, before, after string) {
	name := a.String("name")
	text := func(g *groupEntry, gid string) string {
		if g == nil && gid == "" {
			return "state: absent\n"
		}
		return hostscript.TextLines([][2]string{{"state", "present"}, {"name", name}, {"gid", gid}})
	}
	if a.String("state") == "absent" {
		if cur == nil {
			return nil, "", ""
		}
		return []string{"groupdel", name}, text(cur, strconv.Itoa(cur.GID)), "state: absent\n"
	}
	if cur == nil {
		cmd = []string{"groupadd"}
		gid := "(auto)"
		if a.Has("gid") {
			gid = strconv.Itoa(a.Int("gid"))
			cmd = append(cmd, "-g", gid)
			if a.Bool("non_unique") {
				cmd = append(cmd, "-o")
			}
		}
		if a.Bool("system") {
			cmd = append(cmd, "-r")
		}
		return append(cmd, name), "state: absent\n", text(nil, gid)
	}
	if a.Has("gid") && a.Int("gid") != cur.GID {
		cmd = []string{"groupmod", "-g", strconv.Itoa(a.Int("gid"))}
		if a.Bool("non_unique") {
			cmd = append(cmd, "-o")
		}
		return append(cmd, name), text(cur, strconv.Itoa(cur.GID)), text(cur, strconv.Itoa(a.Int("gid")))
	}
	return nil, "", ""
}
