package storage

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/jinja"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/engine/shlex"
	"github.com/haplay/haplay/modules/internal/hostscript"
)

// Lvg creates, extends, reduces and removes LVM volume groups
// (community.general.lvg).
type Lvg struct{}

var _ module.Module = Lvg{}

func (Lvg) Name() string { return "lvg" }

func (Lvg) Spec() module.Spec {
	return module.Spec{
		Short: "Manage LVM volume groups",
		Description: "state=present creates the group on pvs, or makes its physical volumes exactly pvs " +
			"(vgextend the new ones, vgreduce the others); pvresize grows PVs whose device grew. Devices are " +
			"compared after resolving symlinks (/dev/disk/by-id/...). state=absent removes the group, which " +
			"must have no logical volumes unless force. LVM commands see the task's environment (LVM_SYSTEM_DIR " +
			"selects another lvm.conf).",
		Args: []module.Arg{
			{Name: "vg", Type: module.TypeStr, Required: true, Doc: "the volume group"},
			{Name: "pvs", Type: module.TypeList, Elements: module.TypeStr, Doc: "devices of the group (required to create it)"},
			{Name: "pesize", Type: module.TypeStr, Default: "4", Doc: "extent size for vgcreate: megabytes, or with a unit (4M, 128K)"},
			{Name: "pv_options", Type: module.TypeStr, Default: "", Doc: "more pvcreate options"},
			{Name: "vg_options", Type: module.TypeStr, Default: "", Doc: "more vgcreate options"},
			{Name: "state", Type: module.TypeStr, Default: "present", Choices: []string{"present", "absent"}, Doc: "whether the group should exist"},
			{Name: "force", Type: module.TypeBool, Default: false, Doc: "remove a group that still has logical volumes"},
			{Name: "pvresize", Type: module.TypeBool, Default: false, Doc: "grow physical volumes to their devices' size"},
		},
		Check: func(a module.Args, _ bool) []module.ArgError {
			s := a.String("pesize")
			if s == "" || jinja.IsTemplated(s) {
				return nil
			}
			if z, err := parseLVSize(s); err != nil || z.Plus || z.Percent != "" {
				return []module.ArgError{{Arg: "pesize", Msg: fmt.Sprintf("pesize %q: expected a size such as 4 (megabytes), 4M or 128K", s)}}
			}
			return nil
		},
		Examples: `# Seed 001 expects the installer's ubuntu-vg; the storage tool lists
# vg_data and vg_share on /dev/sdb1 and /dev/sdb2.
- name: Volume group for unshared volumes
  community.general.lvg:
    vg: vg_data
    pvs: /dev/sdb1

- name: Grow the group after the disk grew
  lvg: {vg: ubuntu-vg, pvs: /dev/sda3, pvresize: true}`,
	}
}

// Run reads the VGs and PVs in one script, plans the LVM commands, and
// (outside check mode) runs them.
func (Lvg) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	vgName := c.Args.String("vg")
	st, err := readLvg(ctx, c, vgName)
	if err != nil {
		return hostscript.FailedOr(module.Result{}, err)
	}
	r := module.Result{}
	r.Set("vg", vgName)
	before := lvgText(vgName, st.vg != nil, st.members)
	var cmds [][]string
	after := before
	if c.Args.String("state") == "present" {
		cmds, after, err = planLvgPresent(c.Args, vgName, st)
	} else if st.vg != nil {
		cmds, after, err = planLvgAbsent(c.Args, vgName, st)
	}
	if err != nil {
		return hostscript.FailedOr(module.Result{}, err)
	}
	if len(cmds) == 0 {
		return r, nil
	}
	r.Changed = true
	shown := lvmShow(&r, cmds)
	if c.Diff {
		if before == after {
			// pvresize only: say so in the diff rather than show nothing.
			after += "pvresize: " + strings.Join(shown, "; ") + "\n"
		}
		r.Diffs = []module.Diff{{BeforeHeader: "lvm (before)", AfterHeader: "lvm (after)", Before: before, After: after}}
	}
	if c.Check {
		return r, nil
	}
	return runLVMCommands(ctx, c, cmds, r)
}

// lvgState is what readLvg found: the VG (nil when absent), its member
// PVs, every PV by name, and the wanted pvs with symlinks resolved.
type lvgState struct {
	vg       lvmRow
	members  []string
	pvByName map[string]lvmRow
	real     []string
}

func readLvg(ctx context.Context, c *module.Call, vgName string) (lvgState, error) {
	var s strings.Builder
	s.WriteString(hostscript.RCSectionFunc + lvmEnv)
	s.WriteString("sec vgs vgs --reportformat json --units b --nosuffix -o vg_name,vg_extent_size,lv_count\n")
	s.WriteString("sec pvs pvs --reportformat json --units b --nosuffix -o pv_name,vg_name,pv_size,dev_size,pe_start\n")
	s.WriteString("printf '\\036real 0\\n'\n")
	for _, p := range c.Args.List("pvs") {
		s.WriteString("readlink -f -- " + hostcmd.Quote(p) + " || echo " + hostcmd.Quote(p) + "\n")
	}
	s.WriteString("printf '\\037\\n'\n")
	out, err := c.Host.Run(ctx, hostcmd.Cmd{Script: s.String(), Become: c.Become})
	if err != nil {
		return lvgState{}, fmt.Errorf("lvg: read state: %w", err)
	}
	secs := hostscript.ParseRCSections(string(out.Stdout))
	for _, k := range []string{"vgs", "pvs"} {
		if secs[k].RC != 0 {
			return lvgState{}, hostscript.Failf("%s failed (exit %d): %s", k, secs[k].RC, secs[k].Stderr)
		}
	}
	vgs, err := parseLVMReport(secs["vgs"].Stdout, "vg")
	if err != nil {
		return lvgState{}, &hostscript.Failure{Msg: err.Error()}
	}
	pvs, err := parseLVMReport(secs["pvs"].Stdout, "pv")
	if err != nil {
		return lvgState{}, &hostscript.Failure{Msg: err.Error()}
	}
	st := lvgState{real: strings.Fields(secs["real"].Stdout), pvByName: map[string]lvmRow{}}
	for _, v := range vgs {
		if v["vg_name"] == vgName {
			st.vg = v
		}
	}
	for _, p := range pvs {
		st.pvByName[p["pv_name"]] = p
		if p["vg_name"] == vgName {
			st.members = append(st.members, p["pv_name"])
		}
	}
	return st, nil
}

// planLvgAbsent removes an existing VG.
func planLvgAbsent(a module.Args, vgName string, st lvgState) ([][]string, string, error) {
	if st.vg.num("lv_count") > 0 && !a.Bool("force") {
		return nil, "", hostscript.Failf("Refuse to remove non-empty volume group %s without force=true", vgName)
	}
	argv := []string{"vgremove", vgName}
	if a.Bool("force") {
		argv = []string{"vgremove", "--force", vgName}
	}
	return [][]string{argv}, lvgText(vgName, false, nil), nil
}

// planLvgPresent creates the VG or makes its members the wanted pvs.
func planLvgPresent(a module.Args, vgName string, st lvgState) ([][]string, string, error) {
	vg, real, members, pvByName := st.vg, st.real, st.members, st.pvByName
	if vg == nil && len(real) == 0 {
		return nil, "", hostscript.Failf("no pvs given to create volume group %s", vgName)
	}
	for _, p := range real {
		if row, ok := pvByName[p]; ok && row["vg_name"] != "" && row["vg_name"] != vgName {
			return nil, "", hostscript.Failf("device %s is already in volume group %s", p, row["vg_name"])
		}
	}
	pvOpts, err := shlex.Split(a.String("pv_options"))
	if err != nil {
		return nil, "", hostscript.Failf("pv_options: %v in %q", err, a.String("pv_options"))
	}
	var cmds [][]string
	add, drop := lvgMembership(real, members)
	// pvcreate first, with pv_options, for devices that are not PVs
	// yet: vgcreate/vgextend would do it without the options.
	var fresh []string
	for _, p := range add {
		if _, ok := pvByName[p]; !ok {
			fresh = append(fresh, p)
		}
	}
	if len(fresh) > 0 {
		cmds = append(cmds, append(append([]string{"pvcreate"}, pvOpts...), fresh...))
	}
	if vg == nil {
		vgOpts, err := shlex.Split(a.String("vg_options"))
		if err != nil {
			return nil, "", hostscript.Failf("vg_options: %v in %q", err, a.String("vg_options"))
		}
		pe := a.String("pesize")
		if z, err := parseLVSize(pe); err == nil && z.Percent == "" {
			pe = fmt.Sprintf("%dk", z.Bytes/1024)
		}
		argv := append([]string{"vgcreate", "-s", pe}, vgOpts...)
		cmds = append(cmds, append(append(argv, vgName), add...))
	} else {
		if len(add) > 0 {
			cmds = append(cmds, append([]string{"vgextend", vgName}, add...))
		}
		if len(drop) > 0 {
			cmds = append(cmds, append([]string{"vgreduce", "--force", vgName}, drop...))
		}
		if a.Bool("pvresize") {
			cmds = append(cmds, lvgResizes(st, drop)...)
		}
	}
	newMembers := slices.Clone(members)
	newMembers = slices.DeleteFunc(newMembers, func(m string) bool { return slices.Contains(drop, m) })
	newMembers = append(newMembers, add...)
	return cmds, lvgText(vgName, true, newMembers), nil
}

// lvgMembership gives the wanted pvs to add and, when pvs is given, the
// members to drop.
func lvgMembership(real, members []string) (add, drop []string) {
	for _, p := range real {
		if !slices.Contains(members, p) && !slices.Contains(add, p) {
			add = append(add, p)
		}
	}
	if len(real) > 0 {
		for _, m := range members {
			if !slices.Contains(real, m) {
				drop = append(drop, m)
			}
		}
	}
	return add, drop
}

// lvgResizes grows the members (not being dropped) that have room.
func lvgResizes(st lvgState, drop []string) [][]string {
	var cmds [][]string
	ext := st.vg.num("vg_extent_size")
	for _, m := range st.members {
		p := st.pvByName[m]
		// A PV can hold dev_size minus its metadata area; grow
		// it when at least one more extent would fit.
		if slices.Contains(drop, m) || ext <= 0 {
			continue
		}
		if p.num("dev_size")-p.num("pe_start")-p.num("pv_size") >= ext {
			cmds = append(cmds, []string{"pvresize", m})
		}
	}
	return cmds
}

func lvgText(vg string, exists bool, pvs []string) string {
	if !exists {
		return "vg " + vg + ": absent\n"
	}
	s := slices.Clone(pvs)
	slices.Sort(s)
	return "vg " + vg + ": present\npvs: " + strings.Join(s, ", ") + "\n"
}
