package modules

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/haplay/haplay/engine/connection/hostcmd"
)

// Lvol creates, resizes and removes LVM logical volumes
// (community.general.lvol). State comes from one script running vgs, lvs
// and pvs in JSON; the size is planned in extents so check mode predicts
// exactly what lvcreate/lvextend/lvreduce will do.
type Lvol struct{}

var _ Module = Lvol{}

func (Lvol) Name() string { return "lvol" }

func (Lvol) Spec() Spec {
	return Spec{
		Short: "Create, resize or remove LVM logical volumes",
		Description: "size is lvcreate's: a number with a unit (20G, 512m; megabytes by default; units are " +
			"powers of 1024), or a percentage N%VG, N%FREE, N%PVS; a leading + grows the volume by that much. " +
			"An existing volume larger than size shrinks only with shrink (default) and force; removal needs " +
			"force too. N%FREE on an existing volume is N% of its own plus the free space, so 100%FREE stays put " +
			"once reached. LVM commands see the task's environment: set LVM_SYSTEM_DIR there to use another " +
			"lvm.conf (tests use one with activation disabled and a device filter).",
		Args: []Arg{
			{Name: "vg", Type: TypeStr, Required: true, Doc: "the volume group"},
			{Name: "lv", Type: TypeStr, Required: true, Doc: "the logical volume's name"},
			{Name: "size", Type: TypeStr, Doc: "size: 20G, 512m, +10G, 50%VG, 100%FREE, 80%PVS"},
			{Name: "state", Type: TypeStr, Default: "present", Choices: []string{"present", "absent"}, Doc: "whether the volume should exist"},
			{Name: "shrink", Type: TypeBool, Default: true, Doc: "shrink the volume when it is larger than size (needs force)"},
			{Name: "force", Type: TypeBool, Default: false, Doc: "allow shrinking and removal, which can destroy data"},
			{Name: "resizefs", Type: TypeBool, Default: false, Doc: "resize the filesystem with the volume (lvresize --resizefs)"},
			{Name: "active", Type: TypeBool, Default: true, Doc: "whether the volume should be active"},
			{Name: "opts", Type: TypeStr, Doc: "more lvcreate options, e.g. \"--type raid1 -m 1\""},
			{Name: "pvs", Type: TypeList, Elements: TypeStr, Doc: "physical volumes to allocate from"},
		},
		Check: func(a Args, _ bool) []ArgError {
			s := a.String("size")
			if s == "" || IsTemplated(s) {
				return nil
			}
			if _, err := parseLVSize(s); err != nil {
				return []ArgError{{Arg: "size", Msg: err.Error()}}
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
	return sectionFunc + lvmEnv +
		"sec vgs vgs --reportformat json --units b --nosuffix -o vg_name,vg_extent_size,vg_extent_count,vg_free_count,lv_count " + q + "\n" +
		"sec lvs lvs --reportformat json --units b --nosuffix -o lv_name,vg_name,lv_size,lv_active,lv_attr " + q + "\n" +
		"sec pvs pvs --reportformat json --units b --nosuffix -o pv_name,vg_name,pv_pe_count,pv_pe_alloc_count,pv_size,dev_size,pe_start\n"
}

func (Lvol) Run(ctx context.Context, c *Call) (Result, error) {
	vgName, lvName := c.Args.String("vg"), c.Args.String("lv")
	present := c.Args.String("state") == "present"
	out, err := c.Host.Run(ctx, hostcmd.Cmd{Script: lvStateScript(vgName), Become: c.Become})
	if err != nil {
		return Result{}, fmt.Errorf("lvol: read state: %w", err)
	}
	secs := parseSections(string(out.Stdout))
	vs := secs["vgs"]
	if vs.rc != 0 {
		return Result{Failed: true, Msg: fmt.Sprintf("volume group %s not found: vgs exit %d: %s", vgName, vs.rc, vs.stderr)}, nil
	}
	vgs, err := parseLVMReport(vs.stdout, "vg")
	if err != nil || len(vgs) != 1 {
		return Result{Failed: true, Msg: fmt.Sprintf("vgs %s: unexpected report (%v): %s", vgName, err, vs.stdout)}, nil
	}
	vgRow := vgs[0]
	ls := secs["lvs"]
	if ls.rc != 0 {
		return Result{Failed: true, Msg: fmt.Sprintf("lvs %s failed (exit %d): %s", vgName, ls.rc, ls.stderr)}, nil
	}
	lvs, err := parseLVMReport(ls.stdout, "lv")
	if err != nil {
		return Result{Failed: true, Msg: err.Error()}, nil
	}
	var lv lvmRow
	for _, r := range lvs {
		if r["lv_name"] == lvName {
			lv = r
		}
	}
	vg := lvVG{ExtentSize: vgRow.num("vg_extent_size"), Extents: vgRow.num("vg_extent_count"), Free: vgRow.num("vg_free_count")}
	if want := c.Args.List("pvs"); len(want) > 0 {
		pvs, _ := parseLVMReport(secs["pvs"].stdout, "pv")
		for _, p := range pvs {
			for _, w := range want {
				if p["pv_name"] == w && p["vg_name"] == vgName {
					vg.PVExtents += p.num("pv_pe_count")
				}
			}
		}
	}
	full := vgName + "/" + lvName
	r := Result{}
	r.Set("lv", lvName)
	r.Set("vg", vgName)
	var cmds [][]string
	var diffBefore, diffAfter string
	cur := int64(-1)
	if lv != nil {
		cur = lv.num("lv_size") / vg.ExtentSize
		diffBefore = fmt.Sprintf("lv %s: present, size %d extents (%s)\n", full, cur, humanBytes(lv.num("lv_size")))
	} else {
		diffBefore = fmt.Sprintf("lv %s: absent\n", full)
	}
	diffAfter = diffBefore
	if !present {
		if lv == nil {
			return r, nil
		}
		if !c.Args.Bool("force") {
			return Result{Failed: true, Msg: fmt.Sprintf("Sorry, no removal of logical volume %s without force=true.", full)}, nil
		}
		cmds = append(cmds, []string{"lvremove", "--force", full})
		diffAfter = fmt.Sprintf("lv %s: absent\n", full)
	} else {
		sizeArg := c.Args.String("size")
		if sizeArg == "" && lv == nil {
			return Result{Failed: true, Msg: fmt.Sprintf("no size given to create %s", full)}, nil
		}
		if sizeArg != "" {
			z, err := parseLVSize(sizeArg)
			if err != nil {
				return Result{Failed: true, Msg: err.Error()}, nil
			}
			plan, err := planLVSize(z, vg, cur, c.Args.Bool("shrink"))
			if err != nil {
				return Result{Failed: true, Msg: fmt.Sprintf("%s: size %s: %v", full, sizeArg, err)}, nil
			}
			ext := strconv.FormatInt(plan.Extents, 10)
			switch plan.Action {
			case "create":
				argv := []string{"lvcreate", "-n", lvName, "-l", ext}
				if c.Args.Bool("force") {
					argv = append(argv, "--yes")
				}
				if o := c.Args.String("opts"); o != "" {
					words, err := Shlex(o)
					if err != nil {
						return Result{Failed: true, Msg: fmt.Sprintf("opts: %v", err)}, nil
					}
					argv = append(argv, words...)
				}
				argv = append(argv, vgName)
				cmds = append(cmds, append(argv, c.Args.List("pvs")...))
			case "extend":
				argv := []string{"lvextend", "-l", ext}
				if c.Args.Bool("resizefs") {
					argv = append(argv, "--resizefs")
				}
				cmds = append(cmds, append(append(argv, full), c.Args.List("pvs")...))
			case "reduce":
				if !c.Args.Bool("force") {
					return Result{Failed: true, Msg: fmt.Sprintf("Sorry, no shrinking of %s from %d to %d extents without force=true.", full, cur, plan.Extents)}, nil
				}
				argv := []string{"lvreduce", "--force", "-l", ext}
				if c.Args.Bool("resizefs") {
					argv = append(argv, "--resizefs")
				}
				cmds = append(cmds, append(argv, full))
			}
			if plan.Action != "" {
				diffAfter = fmt.Sprintf("lv %s: present, size %d extents (%s)\n", full, plan.Extents, humanBytes(plan.Extents*vg.ExtentSize))
			}
			r.Set("size", plan.Extents*vg.ExtentSize)
		}
		// lv_active is "unknown" when LVM runs with activation disabled:
		// nothing to decide then.
		if lv != nil && lv["lv_active"] != "unknown" {
			active := lv["lv_active"] == "active"
			if want := c.Args.Bool("active"); want != active {
				flag := map[bool]string{true: "-ay", false: "-an"}[want]
				cmds = append(cmds, []string{"lvchange", flag, full})
				diffAfter += fmt.Sprintf("active: %v\n", want)
				diffBefore += fmt.Sprintf("active: %v\n", active)
			}
		}
	}
	if len(cmds) == 0 {
		return r, nil
	}
	r.Changed = true
	var shown []string
	for _, argv := range cmds {
		shown = append(shown, strings.Join(argv, " "))
	}
	r.Msg = strings.Join(shown, "; ")
	r.Set("commands", shown)
	if c.Diff {
		r.Diffs = []Diff{{BeforeHeader: "lvm (before)", AfterHeader: "lvm (after)", Before: diffBefore, After: diffAfter}}
	}
	if c.Check {
		return r, nil
	}
	return runLVMCommands(ctx, c, cmds, r)
}

// runLVMCommands runs each command in turn, stopping at the first failure.
func runLVMCommands(ctx context.Context, c *Call, cmds [][]string, r Result) (Result, error) {
	for _, argv := range cmds {
		o, err := c.Host.Run(ctx, hostcmd.Cmd{Script: lvmEnv + quoteArgv(argv), Become: c.Become})
		if err != nil {
			return Result{}, fmt.Errorf("%s: %w", argv[0], err)
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
