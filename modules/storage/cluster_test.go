package storage

import (
	"strings"
	"testing"

	"github.com/haplay/haplay/engine/module"
)

func TestParseLVSize(t *testing.T) {
	cases := []struct {
		in   string
		want lvSize
		err  bool
	}{
		{"20G", lvSize{Bytes: 20 << 30}, false},
		{"20g", lvSize{Bytes: 20 << 30}, false},
		{"512", lvSize{Bytes: 512 << 20}, false},
		{"1.5t", lvSize{Bytes: 3 << 39}, false},
		{"100s", lvSize{Bytes: 51200}, false},
		{"+10G", lvSize{Plus: true, Bytes: 10 << 30}, false},
		{"50%VG", lvSize{Pct: 50, Percent: "VG"}, false},
		{"100%FREE", lvSize{Pct: 100, Percent: "FREE"}, false},
		{"+100%free", lvSize{Plus: true, Pct: 100, Percent: "FREE"}, false},
		{"80%PVS", lvSize{Pct: 80, Percent: "PVS"}, false},
		{"20X", lvSize{}, true},
		{"G", lvSize{}, true},
		{"-5G", lvSize{}, true},
		{"150%VG", lvSize{}, true},
		{"10%DISK", lvSize{}, true},
	}
	for _, c := range cases {
		got, err := parseLVSize(c.in)
		if (err != nil) != c.err || (!c.err && got != c.want) {
			t.Errorf("%q: got %+v, %v", c.in, got, err)
		}
	}
}

func TestPlanLVSize(t *testing.T) {
	vg := lvVG{ExtentSize: 4 << 20, Extents: 100, Free: 40}
	mb := func(n int64) lvSize { return lvSize{Bytes: n << 20} }
	cases := []struct {
		name   string
		z      lvSize
		cur    int64
		shrink bool
		want   lvPlan
		err    bool
	}{
		{"create rounds up", mb(10), -1, true, lvPlan{3, "create"}, false},
		{"same", mb(12), 3, true, lvPlan{3, ""}, false},
		{"extend", mb(40), 3, true, lvPlan{10, "extend"}, false},
		{"reduce", mb(4), 3, true, lvPlan{1, "reduce"}, false},
		{"no shrink", mb(4), 3, false, lvPlan{3, ""}, false},
		{"too big", mb(400), -1, true, lvPlan{}, true},
		{"pct vg", lvSize{Pct: 25, Percent: "VG"}, -1, true, lvPlan{25, "create"}, false},
		{"100%FREE reached", lvSize{Pct: 100, Percent: "FREE"}, 10, true, lvPlan{50, "extend"}, false},
		{"+50%FREE", lvSize{Plus: true, Pct: 50, Percent: "FREE"}, 10, true, lvPlan{30, "extend"}, false},
		{"+size", lvSize{Plus: true, Bytes: 8 << 20}, 10, true, lvPlan{12, "extend"}, false},
		{"pvs without pvs", lvSize{Pct: 50, Percent: "PVS"}, -1, true, lvPlan{}, true},
	}
	for _, c := range cases {
		got, err := planLVSize(c.z, vg, c.cur, c.shrink)
		if (err != nil) != c.err || (!c.err && got != c.want) {
			t.Errorf("%s: got %+v, %v", c.name, got, err)
		}
	}
	// After 100%FREE took everything, nothing is free: the plan stays.
	if got, err := planLVSize(lvSize{Pct: 100, Percent: "FREE"}, lvVG{ExtentSize: 4 << 20, Extents: 100, Free: 0}, 50, true); err != nil || got != (lvPlan{50, ""}) {
		t.Errorf("100%%FREE stays: %+v %v", got, err)
	}
}

func TestParseLVMReport(t *testing.T) {
	out := `  {
      "report": [
          {
              "lv": [
                  {"lv_name":"shared", "vg_name":"ubuntu-vg", "lv_size":"21474836480", "lv_active":"active", "lv_attr":"-wi-a-----"},
                  {"lv_name":"ubuntu-lv", "vg_name":"ubuntu-vg", "lv_size":"107374182400B", "lv_active":"unknown", "lv_attr":"-wi-XX----"}
              ]
          }
      ]
  }`
	rows, err := parseLVMReport(out, "lv")
	if err != nil || len(rows) != 2 {
		t.Fatalf("%v %v", rows, err)
	}
	if rows[0].num("lv_size") != 20<<30 || rows[1].num("lv_size") != 100<<30 || rows[1]["lv_active"] != "unknown" {
		t.Errorf("rows: %v", rows)
	}
	if _, err := parseLVMReport("  Volume group not found", "vg"); err == nil {
		t.Error("no error for text output")
	}
}

func TestLvolSnapshotThinPlanning(t *testing.T) {
	vg := lvVG{ExtentSize: 4 << 20, Extents: 15, Free: 5}
	st := lvolState{vg: vg, all: []lvmRow{
		{"lv_name": "o", "lv_attr": "-wi-a-----"},
		{"lv_name": "pool", "lv_attr": "twi-a-tz--"},
		{"lv_name": "thin", "lv_attr": "Vwi-a-tz--"},
	}}
	cases := []struct {
		args module.Args
		want string // the planned commands, or the failure
	}{
		{module.Args{"vg": "vg", "lv": "o", "snapshot": "s", "size": "8M"}, "lvcreate -l 2 -s -n s vg/o"},
		{module.Args{"vg": "vg", "lv": "o", "snapshot": "s", "size": "8M", "force": true, "opts": "--addtag x"}, "lvcreate --yes -l 2 --addtag x -s -n s vg/o"},
		{module.Args{"vg": "vg", "lv": "thin", "snapshot": "s"}, "lvcreate -s -n s vg/thin"},
		{module.Args{"vg": "vg", "lv": "o", "snapshot": "s"}, "no size given to create vg/s"},
		{module.Args{"vg": "vg", "lv": "nosuch", "snapshot": "s", "size": "4M"}, "Snapshot origin LV nosuch does not exist in volume group vg."},
		{module.Args{"vg": "vg", "lv": "pool", "snapshot": "s", "size": "4M"}, "Snapshots of thin pool LVs are not supported."},
		// A thin volume's virtual size may exceed the free space.
		{module.Args{"vg": "vg", "lv": "t2", "thinpool": "pool", "size": "1G"}, "lvcreate -n t2 -V 1073741824b -T vg/pool"},
		{module.Args{"vg": "vg", "lv": "t2", "thinpool": "nopool", "size": "1G"}, "Thin pool LV nopool does not exist in volume group vg."},
		{module.Args{"vg": "vg", "thinpool": "p2", "size": "8M"}, "lvcreate -l 2 -T vg/p2"},
		{module.Args{"vg": "vg", "lv": "p3", "size": "8M", "pvs": []any{"/dev/x"}}, "lvcreate -n p3 -l 2 vg /dev/x"},
	}
	for _, c := range cases {
		a := c.args
		if !a.Has("state") {
			a["state"] = "present"
		}
		a["shrink"], a["active"] = true, true
		if !a.Has("force") {
			a["force"] = false
		}
		name := lvolManaged(a)
		s := st
		s.lv = s.row(name)
		p := lvolPlan{cur: -1}
		err := s.checkKind(a, "vg")
		if err == nil {
			err = p.present(a, "vg", name, s)
		}
		got := ""
		if err != nil {
			got = err.Error()
		}
		for _, argv := range p.cmds {
			got += strings.Join(argv, " ")
		}
		if got != c.want {
			t.Errorf("%v: %q, want %q", c.args, got, c.want)
		}
	}
	if lvolManaged(module.Args{"lv": "o", "snapshot": "s"}) != "s" || lvolManaged(module.Args{"thinpool": "p"}) != "p" {
		t.Error("managed LV")
	}
}
