package storage

// Helpers shared by lvg and lvol: LVM's JSON reports and sizes.

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// lvmEnv quiets LVM's complaint about inherited descriptors (sshd's
// sessions leak some), which would otherwise fill every stderr.
const lvmEnv = "export LVM_SUPPRESS_FD_WARNINGS=1\n"

// lvmRow is one row of an LVM JSON report, all values as strings.
type lvmRow map[string]string

// parseLVMReport reads `vgs|lvs|pvs --reportformat json` output and returns
// the rows of the named report ("vg", "lv", "pv").
func parseLVMReport(out, kind string) ([]lvmRow, error) {
	var doc struct {
		Report []map[string][]lvmRow `json:"report"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		return nil, fmt.Errorf("parse LVM %s report: %w", kind, err)
	}
	var rows []lvmRow
	for _, r := range doc.Report {
		rows = append(rows, r[kind]...)
	}
	return rows, nil
}

// num reads an integer field reported with --units b --nosuffix. LVM
// prints sizes with a "B" suffix unless --nosuffix, and may add ".00".
func (r lvmRow) num(k string) int64 {
	s := strings.TrimSuffix(strings.TrimSpace(r[k]), "B")
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n
	}
	f, _ := strconv.ParseFloat(s, 64)
	return int64(f)
}

// lvSize is a parsed lvol size argument.
type lvSize struct {
	Plus    bool    // "+N": grow by N
	Bytes   int64   // absolute size in bytes (when Percent == "")
	Pct     float64 // N of N%VG
	Percent string  // "VG", "FREE", "PVS", "ORIGIN" or ""
}

// parseLVSize reads lvcreate's --size (N with an optional unit among
// bBsSkKmMgGtTpPeE, megabytes by default, powers of 1024 whatever the
// case, as lvcreate reads them) or --extents percentage (N%VG, N%FREE,
// N%PVS, N%ORIGIN), with an optional leading + to grow.
func parseLVSize(s string) (lvSize, error) {
	var z lvSize
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "+") {
		z.Plus = true
		s = s[1:]
	}
	if strings.HasPrefix(s, "-") {
		return z, fmt.Errorf("size %q: shrinking by an amount is not supported; give the size wanted", s)
	}
	if num, pct, ok := strings.Cut(s, "%"); ok {
		p, err := strconv.ParseFloat(num, 64)
		if err != nil || p <= 0 || (p > 100 && pct != "ORIGIN") {
			return z, fmt.Errorf("size %q: percentage must be a number in (0, 100]", s)
		}
		switch strings.ToUpper(pct) {
		case "VG", "FREE", "PVS", "ORIGIN":
			z.Pct, z.Percent = p, strings.ToUpper(pct)
			return z, nil
		}
		return z, fmt.Errorf("size %q: use N%%VG, N%%FREE, N%%PVS or N%%ORIGIN", s)
	}
	i := len(s)
	for i > 0 && !(s[i-1] >= '0' && s[i-1] <= '9') && s[i-1] != '.' {
		i--
	}
	num, unit := s[:i], s[i:]
	if num == "" || !(num[0] >= '0' && num[0] <= '9') {
		return z, fmt.Errorf("size %q: expected a number with an optional unit (b, s, k, m, g, t, p, e), e.g. 20G, or N%%VG/N%%FREE/N%%PVS", s)
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return z, fmt.Errorf("size %q: %v", s, err)
	}
	mult := float64(1 << 20) // megabytes by default, as lvcreate
	switch strings.ToLower(unit) {
	case "":
	case "b":
		mult = 1
	case "s":
		mult = 512
	case "k":
		mult = 1 << 10
	case "m":
		mult = 1 << 20
	case "g":
		mult = 1 << 30
	case "t":
		mult = 1 << 40
	case "p":
		mult = 1 << 50
	case "e":
		mult = 1 << 60
	default:
		return z, fmt.Errorf("size %q: unknown unit %q (use b, s, k, m, g, t, p or e)", s, unit)
	}
	z.Bytes = int64(math.Ceil(f * mult))
	if z.Bytes <= 0 {
		return z, fmt.Errorf("size %q must be positive", s)
	}
	return z, nil
}

// lvPlan is what lvol decided for an existing or new LV.
type lvPlan struct {
	Extents int64  // wanted size in extents
	Action  string // "", "create", "extend", "reduce"
}

// lvVG is what planning needs to know about the volume group.
type lvVG struct {
	ExtentSize int64
	Extents    int64 // total
	Free       int64 // free extents
	PVExtents  int64 // total extents of the PVs named in pvs (for %PVS)
}

// planLVSize turns a size into extents and an action. cur is the LV's
// current size in extents, -1 when it does not exist. Absolute sizes round
// up to whole extents, percentages down, as lvcreate does. N%FREE on an
// existing LV means N% of the space it could have (its own plus the free
// extents), so that 100%FREE is reached once and then stays; +N%FREE grows
// by N% of what is free now.
func planLVSize(z lvSize, vg lvVG, cur int64, shrink bool) (lvPlan, error) {
	if vg.ExtentSize <= 0 {
		return lvPlan{}, fmt.Errorf("volume group reports no extent size")
	}
	var want int64
	base := max(cur, 0)
	switch z.Percent {
	case "":
		want = (z.Bytes + vg.ExtentSize - 1) / vg.ExtentSize
	case "VG":
		want = int64(math.Floor(z.Pct * float64(vg.Extents) / 100))
	case "FREE":
		if z.Plus {
			want = int64(math.Floor(z.Pct * float64(vg.Free) / 100))
		} else {
			want = int64(math.Floor(z.Pct * float64(vg.Free+base) / 100))
		}
	case "PVS":
		if vg.PVExtents == 0 {
			return lvPlan{}, fmt.Errorf("N%%PVS needs pvs naming the physical volumes")
		}
		want = int64(math.Floor(z.Pct * float64(vg.PVExtents) / 100))
	default:
		return lvPlan{}, fmt.Errorf("%%%s is not supported", z.Percent)
	}
	if z.Plus {
		want += base
	}
	if want <= 0 {
		return lvPlan{}, fmt.Errorf("the size comes to 0 extents")
	}
	p := lvPlan{Extents: want}
	switch {
	case cur < 0:
		p.Action = "create"
		if want > vg.Free {
			return p, fmt.Errorf("not enough free space: %d extents wanted, %d free", want, vg.Free)
		}
	case want > cur:
		p.Action = "extend"
		if want-cur > vg.Free {
			return p, fmt.Errorf("not enough free space to extend by %d extents, %d free", want-cur, vg.Free)
		}
	case want < cur && shrink:
		p.Action = "reduce"
	default:
		p.Extents = cur
	}
	return p, nil
}

// humanBytes renders b the way people write sizes (20.00 GiB).
func humanBytes(b int64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB"}
	f := float64(b)
	i := 0
	for f >= 1024 && i < len(units)-1 {
		f /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%d B", b)
	}
	return fmt.Sprintf("%.2f %s", f, units[i])
}
