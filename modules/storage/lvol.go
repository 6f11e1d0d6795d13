package storage

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/jinja"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/engine/shlex"
	"github.com/haplay/haplay/modules/internal/hostscript"
)

// Lvol creates, resizes and removes LVM logical volumes
// (community.general.lvol). State comes from one script running vgs, lvs
// and pvs in JSON; the size is planned in extents so check mode predicts
// exactly what lvcreate/lvextend/lvreduce will do.
type Lvol struct{}

var _ module.Module = Lvol{}

func (Lvol) Name() string { return "lvol" }

func (Lvol) Spec() module.Spec {
	return module.Spec{
		Short: "Create, resize or remove LVM logical volumes",
		Description: "size is lvcreate's: a number with a unit (20G, 512m; megabytes by default; units are " +
			"powers of 1024), or a percentage N%VG, N%FREE, N%PVS; a leading + grows the volume by that much. " +
			"An existing volume larger than size shrinks only with shrink (default) and force; removal needs " +
			"force too. N%FREE on an existing volume is N% of its own plus the free space, so 100%FREE stays put " +
			"once reached. LVM commands see the task's environment: set LVM_SYSTEM_DIR there to use another " +
			"lvm.conf (tests use one with activation disabled and a device filter).",
		Args: []module.Arg{
			{Name: "vg", Type: module.TypeStr, Required: true, Doc: "the volume group"},
			{Name: "lv", Type: module.TypeStr, Doc: "the logical volume's name: the volume managed, the origin of snapshot, or the thin volume made in thinpool (lv or thinpool is required)"},
			{Name: "snapshot", Type: module.TypeStr, Doc: "the name of a snapshot of lv to manage (lvcreate -s -n SNAPSHOT VG/LV): size is the snapshot's copy-on-write space, not needed when lv is a thin volume; state absent removes the snapshot, not lv"},
			{Name: "thinpool", Type: module.TypeStr, Doc: "a thin pool: alone, the pool managed (lvcreate -l N -T VG/POOL); with lv, the thin volume lv is made in it (lvcreate -n LV -V SIZE -T VG/POOL), whose size is virtual (may exceed the free space; no percentages)"},
			{Name: "size", Type: module.TypeStr, Doc: "size: 20G, 512m, +10G, 50%VG, 100%FREE, 80%PVS"},
			{Name: "state", Type: module.TypeStr, Default: "present", Choices: []string{"present", "absent"}, Doc: "whether the volume should exist"},
			{Name: "shrink", Type: module.TypeBool, Default: true, Doc: "shrink the volume when it is larger than size (needs force)"},
			{Name: "force", Type: module.TypeBool, Default: false, Doc: "allow shrinking and removal, which can destroy data"},
			{Name: "resizefs", Type: module.TypeBool, Default: false, Doc: "resize the filesystem with the volume (lvresize --resizefs)"},
			{Name: "active", Type: module.TypeBool, Default: true, Doc: "whether the volume should be active"},
			{Name: "opts", Type: module.TypeStr, Doc: "more lvcreate options, e.g. \"--type raid1 -m 1\""},
			{Name: "pvs", Type: module.TypeList, Elements: module.TypeStr, Doc: "physical volumes to allocate from"},
		},
		RequiredOneOf: [][]string{{"lv", "thinpool"}},
		Check: func(a module.Args, _ bool) []module.ArgError {
			if a.Has("snapshot") && a.Has("thinpool") {
				return []module.ArgError{{Arg: "snapshot", Msg: "Snapshots of thin pool LVs are not supported."}}
			}
			s := a.String("size")
			if a.Has("thinpool") && a.Has("lv") && strings.Contains(s, "%") {
				return []module.ArgError{{Arg: "size", Msg: "Thin volume sizing with percentage not supported."}}
			}
			if s == "" || jinja.IsTemplated(s) {
				return nil
			}
			if _, err := parseLVSize(s); err != nil {
				return []module.ArgError{{Arg: "size", Msg: err.Error()}}
			}
			return nil
		},
		Examples: `# Seed 001: sudo lvcreate -L 20G -n shared ubuntu-vg
- name: Volume for shared storage
  community.general.lvol:
    vg: ubuntu-vg
    lv: shared
    size: 20G

- name: Give the rest of the group to the data volume
  lvol: {vg: vg_data, lv: data, size: 100%FREE}`,
	}
}

// lvStateScript prints the VG, its LVs and the PVs as framed JSON reports.
func lvStateScript(vg string) string {
	q := hostcmd.Quote(vg)
	return hostscript.RCSectionFunc + lvmEnv +
		"sec vgs vgs --reportformat json --units b --nosuffix -o vg_name,vg_extent_size,vg_extent_count,vg_free_count,lv_count " + q + "\n" +
		"sec lvs lvs --reportformat json --units b --nosuffix -o lv_name,vg_name,lv_size,lv_active,lv_attr " + q + "\n" +
		"sec pvs pvs --reportformat json --units b --nosuffix -o pv_name,vg_name,pv_pe_count,pv_pe_alloc_count,pv_size,dev_size,pe_start\n"
}

// Run reads the VG and its LVs in one script, plans the LVM commands, and
// (outside check mode) runs them.
func (Lvol) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	vgName, lvName := c.Args.String("vg"), lvolManaged(c.Args)
	st, err := readLvol(ctx, c, vgName, lvName)
	if err != nil {
		return hostscript.FailedOr(module.Result{}, err)
	}
	if c.Args.String("state") == "present" {
		if err := st.checkKind(c.Args, vgName); err != nil {
			return hostscript.FailedOr(module.Result{}, err)
		}
	}
	full := vgName + "/" + lvName
	r := module.Result{}
	r.Set("lv", lvName)
	r.Set("vg", vgName)
	p := lvolPlan{cur: -1}
	if st.lv != nil {
		p.cur = st.lv.num("lv_size") / st.vg.ExtentSize
		p.before = fmt.Sprintf("lv %s: present, size %d extents (%s)\n", full, p.cur, humanBytes(st.lv.num("lv_size")))
	} else {
		p.before = fmt.Sprintf("lv %s: absent\n", full)
	}
	p.after = p.before
	if c.Args.String("state") == "present" {
		err = p.present(c.Args, vgName, lvName, st)
	} else if st.lv != nil {
		if !c.Args.Bool("force") {
			return module.Result{Failed: true, Msg: fmt.Sprintf("Sorry, no removal of logical volume %s without force=true.", full)}, nil
		}
		p.cmds = append(p.cmds, []string{"lvremove", "--force", full})
		p.after = fmt.Sprintf("lv %s: absent\n", full)
	}
	if err != nil {
		return hostscript.FailedOr(module.Result{}, err)
	}
	if p.size != nil {
		r.Set("size", *p.size)
	}
	if len(p.cmds) == 0 {
		return r, nil
	}
	r.Changed = true
	lvmShow(&r, p.cmds)
	if c.Diff {
		r.Diffs = []module.Diff{{BeforeHeader: "lvm (before)", AfterHeader: "lvm (after)", Before: p.before, After: p.after}}
	}
	if c.Check {
		return r, nil
	}
	return runLVMCommands(ctx, c, p.cmds, r)
}

// lvolState is what readLvol found: the VG's extents (PVExtents counts
// the wanted pvs') and the LV (nil when absent).
type lvolState struct {
	vg  lvVG
	lv  lvmRow
	all []lvmRow // every LV of the VG (origins, pools)
}

// lvolManaged is the LV a task manages: the snapshot, else lv, else the
// thin pool (Ansible's check_lv).
func lvolManaged(a module.Args) string {
	for _, k := range []string{"snapshot", "lv", "thinpool"} {
		if a.Has(k) {
			return a.String(k)
		}
	}
	return ""
}

// row is the VG's LV named name, nil when there is none.
func (st lvolState) row(name string) lvmRow {
	for _, r := range st.all {
		if r["lv_name"] == name {
			return r
		}
	}
	return nil
}

// lvAttrType is the volume type letter of lv_attr: t thin pool, V thin
// volume, s snapshot, - plain.
func lvAttrType(r lvmRow) byte {
	if a := r["lv_attr"]; a != "" {
		return a[0]
	}
	return '-'
}

// checkKind checks Ansible's preconditions of a snapshot (its origin
// exists and is no thin pool) and of a thin volume (its pool exists).
func (st lvolState) checkKind(a module.Args, vg string) error {
	lv := a.String("lv")
	switch {
	case a.Has("snapshot"):
		o := st.row(lv)
		if o == nil {
			return hostscript.Failf("Snapshot origin LV %s does not exist in volume group %s.", lv, vg)
		}
		if lvAttrType(o) == 't' {
			return hostscript.Failf("Snapshots of thin pool LVs are not supported.")
		}
	case a.Has("thinpool") && a.Has("lv"):
		if st.row(a.String("thinpool")) == nil {
			return hostscript.Failf("Thin pool LV %s does not exist in volume group %s.", a.String("thinpool"), vg)
		}
	}
	return nil
}

func readLvol(ctx context.Context, c *module.Call, vgName, lvName string) (lvolState, error) {
	out, err := c.Host.Run(ctx, hostcmd.Cmd{Script: lvStateScript(vgName), Become: c.Become})
	if err != nil {
		return lvolState{}, fmt.Errorf("lvol: read state: %w", err)
	}
	secs := hostscript.ParseRCSections(string(out.Stdout))
	vs := secs["vgs"]
	if vs.RC != 0 {
		return lvolState{}, hostscript.Failf("volume group %s not found: vgs exit %d: %s", vgName, vs.RC, vs.Stderr)
	}
	vgs, err := parseLVMReport(vs.Stdout, "vg")
	if err != nil || len(vgs) != 1 {
		return lvolState{}, hostscript.Failf("vgs %s: unexpected report (%v): %s", vgName, err, vs.Stdout)
	}
	vgRow := vgs[0]
	ls := secs["lvs"]
	if ls.RC != 0 {
		return lvolState{}, hostscript.Failf("lvs %s failed (exit %d): %s", vgName, ls.RC, ls.Stderr)
	}
	lvs, err := parseLVMReport(ls.Stdout, "lv")
	if err != nil {
		return lvolState{}, &hostscript.Failure{Msg: err.Error()}
	}
	st := lvolState{all: lvs}
	for _, r := range lvs {
		if r["lv_name"] == lvName {
			st.lv = r
		}
	}
	st.vg = lvVG{ExtentSize: vgRow.num("vg_extent_size"), Extents: vgRow.num("vg_extent_count"), Free: vgRow.num("vg_free_count")}
	if want := c.Args.List("pvs"); len(want) > 0 {
		pvs, _ := parseLVMReport(secs["pvs"].Stdout, "pv")
		for _, p := range pvs {
			for _, w := range want {
				if p["pv_name"] == w && p["vg_name"] == vgName {
					st.vg.PVExtents += p.num("pv_pe_count")
				}
			}
		}
	}
	return st, nil
}

// lvolPlan is what a task changes: the commands, the diff texts, and the
// size it settles on (when size is given).
type lvolPlan struct {
	cmds          [][]string
	before, after string
	cur           int64 // current size in extents, -1 when absent
	size          *int64
}

// present sizes, creates and (de)activates the LV.
func (p *lvolPlan) present(a module.Args, vgName, lvName string, st lvolState) error {
	full := vgName + "/" + lvName
	sizeArg := a.String("size")
	thinSnap := a.Has("snapshot") && lvAttrType(st.row(a.String("lv"))) == 'V'
	if sizeArg == "" && st.lv == nil && thinSnap {
		// A snapshot of a thin volume is thin itself: no size.
		words, err := shlex.Split(a.String("opts"))
		if err != nil {
			return hostscript.Failf("opts: %v in %q", err, a.String("opts"))
		}
		p.cmds = append(p.cmds, lvolCreateArgv(a, vgName, lvName, words))
		p.after = fmt.Sprintf("lv %s: present (thin snapshot of %s)\n", full, a.String("lv"))
		return nil
	}
	if sizeArg == "" && st.lv == nil {
		return hostscript.Failf("no size given to create %s", full)
	}
	if sizeArg != "" {
		vg := st.vg
		if a.Has("thinpool") && a.Has("lv") {
			// A thin volume's size is virtual: the VG's free space does
			// not bound it.
			vg.Free = math.MaxInt64 / 2
		}
		z, err := parseLVSize(sizeArg)
		if err != nil {
			return &hostscript.Failure{Msg: err.Error()}
		}
		plan, err := planLVSize(z, vg, p.cur, a.Bool("shrink"))
		if err != nil {
			return hostscript.Failf("%s: size %s: %v", full, sizeArg, err)
		}
		if err := p.resize(a, vgName, lvName, plan, st.vg.ExtentSize); err != nil {
			return err
		}
		if plan.Action != "" {
			p.after = fmt.Sprintf("lv %s: present, size %d extents (%s)\n", full, plan.Extents, humanBytes(plan.Extents*st.vg.ExtentSize))
		}
		size := plan.Extents * st.vg.ExtentSize
		p.size = &size
	}
	// lv_active is "unknown" when LVM runs with activation disabled:
	// nothing to decide then.
	if st.lv != nil && st.lv["lv_active"] != "unknown" {
		active := st.lv["lv_active"] == "active"
		if want := a.Bool("active"); want != active {
			flag := map[bool]string{true: "-ay", false: "-an"}[want]
			p.cmds = append(p.cmds, []string{"lvchange", flag, full})
			p.after += fmt.Sprintf("active: %v\n", want)
			p.before += fmt.Sprintf("active: %v\n", active)
		}
	}
	return nil
}

// resize adds the command that carries out planLVSize's action.
func (p *lvolPlan) resize(a module.Args, vgName, lvName string, plan lvPlan, extentSize int64) error {
	full := vgName + "/" + lvName
	ext := strconv.FormatInt(plan.Extents, 10)
	switch plan.Action {
	case "create":
		size := []string{"-l", ext}
		if a.Has("thinpool") && a.Has("lv") {
			size = []string{"-V", strconv.FormatInt(plan.Extents*extentSize, 10) + "b"}
		}
		words, err := shlex.Split(a.String("opts"))
		if err != nil {
			return hostscript.Failf("opts: %v in %q", err, a.String("opts"))
		}
		p.cmds = append(p.cmds, lvolCreateArgv(a, vgName, lvName, append(size, words...)))
	case "extend":
		argv := []string{"lvextend", "-l", ext}
		if a.Bool("resizefs") {
			argv = append(argv, "--resizefs")
		}
		p.cmds = append(p.cmds, append(append(argv, full), a.List("pvs")...))
	case "reduce":
		if !a.Bool("force") {
			return hostscript.Failf("Sorry, no shrinking of %s from %d to %d extents without force=true.", full, p.cur, plan.Extents)
		}
		argv := []string{"lvreduce", "--force", "-l", ext}
		if a.Bool("resizefs") {
			argv = append(argv, "--resizefs")
		}
		p.cmds = append(p.cmds, append(argv, full))
	}
	return nil
}

// lvolCreateArgv is the lvcreate of the LV a task manages, with its size
// and opts options: a snapshot of lv (-s -n SNAP VG/LV), a thin volume in
// thinpool (-n LV ... -T VG/POOL), a thin pool (-T VG/POOL), or a plain
// LV from the VG (and pvs), as Ansible's lvol builds them.
func lvolCreateArgv(a module.Args, vgName, lvName string, opts []string) []string {
	argv := []string{"lvcreate"}
	if a.Bool("force") {
		argv = append(argv, "--yes")
	}
	switch {
	case a.Has("snapshot"):
		argv = append(argv, opts...)
		return append(argv, "-s", "-n", lvName, vgName+"/"+a.String("lv"))
	case a.Has("thinpool") && a.Has("lv"):
		argv = append(append(argv, "-n", lvName), opts...)
		return append(argv, "-T", vgName+"/"+a.String("thinpool"))
	case a.Has("thinpool"):
		argv = append(argv, opts...)
		return append(argv, "-T", vgName+"/"+lvName)
	}
	argv = append(append(argv, "-n", lvName), opts...)
	return append(append(argv, vgName), a.List("pvs")...)
}

// lvmShow puts the planned commands in the message and in "commands".
func lvmShow(r *module.Result, cmds [][]string) []string {
	var shown []string
	for _, argv := range cmds {
		shown = append(shown, strings.Join(argv, " "))
	}
	r.Msg = strings.Join(shown, "; ")
	r.Set("commands", shown)
	return shown
}

// runLVMCommands runs each command in turn, stopping at the first failure.
func runLVMCommands(ctx context.Context, c *module.Call, cmds [][]string, r module.Result) (module.Result, error) {
	for _, argv := range cmds {
		o, err := c.Host.Run(ctx, hostcmd.Cmd{Script: lvmEnv + quoteArgv(argv), Become: c.Become})
		if err != nil {
			return module.Result{}, fmt.Errorf("%s: %w", argv[0], err)
		}
		if o.ExitCode != 0 {
			r.Failed = true
			r.Msg = fmt.Sprintf("%s failed (exit %d): %s", strings.Join(argv, " "), o.ExitCode, strings.TrimSpace(string(o.Stderr)))
			r.Set("rc", o.ExitCode)
			return r, nil
		}
	}
	return r, nil
}

func quoteArgv(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = hostcmd.Quote(a)
	}
	return strings.Join(q, " ")
}
