package template

// tests_version.go: Ansible's version test (plugins/test/core.py
// version_compare) with its three version schemes: LooseVersion (the
// default), StrictVersion (strict=true or version_type='strict') and
// SemanticVersion ('semver', 'semantic').

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/haplay/haplay/engine/pyfmt"
	"github.com/haplay/haplay/engine/truth"
)

var versionOps = map[string]string{
	"==": "eq", "=": "eq", "eq": "eq", "<": "lt", "lt": "lt", "<=": "le", "le": "le",
	">": "gt", "gt": "gt", ">=": "ge", "ge": "ge", "!=": "ne", "<>": "ne", "ne": "ne",
}

const versionOpList = "'==', '=', 'eq', '<', 'lt', '<=', 'le', '>', 'gt', '>=', 'ge', '!=', '<>', 'ne'"

// testVersion: version(value, version, operator='eq', strict=None,
// version_type=None); a nil argument is one not given.
func testVersion(r *run, v any, args []any) (bool, error) {
	arg := func(i int) any {
		if i < len(args) {
			return args[i]
		}
		return nil
	}
	strictArg, vtype := arg(2), arg(3)
	if strictArg != nil && vtype != nil {
		return false, errors.New("Cannot specify both 'strict' and 'version_type'")
	}
	if !truth.Truthy(v) {
		return false, errors.New("Input version value cannot be empty")
	}
	if !truth.Truthy(arg(0)) {
		return false, errors.New("Version parameter to compare against cannot be empty")
	}
	cmp := looseCompare
	switch {
	case truth.Truthy(strictArg):
		cmp = strictCompare
	case vtype == nil || !truth.Truthy(vtype):
	default:
		switch t := pyfmt.Str(vtype); t {
		case "loose":
		case "strict":
			cmp = strictCompare
		case "semver", "semantic":
			cmp = semverCompare
		case "pep440":
			return false, errors.New("version_type 'pep440' is not supported by haplay")
		default:
			return false, fmt.Errorf("Invalid version type (%s). Must be one of 'loose', 'strict', 'semver', 'semantic', 'pep440'", t)
		}
	}
	opv := arg(1)
	if opv == nil {
		opv = "eq"
	}
	op, ok := versionOps[pyfmt.Str(opv)]
	if !ok {
		return false, fmt.Errorf("Invalid operator type (%s). Must be one of %s", pyfmt.Str(opv), versionOpList)
	}
	c, err := cmp(pyfmt.Str(v), pyfmt.Str(arg(0)))
	if err != nil {
		return false, fmt.Errorf("Version comparison failed: %w", err)
	}
	switch op {
	case "lt":
		return c < 0, nil
	case "le":
		return c <= 0, nil
	case "gt":
		return c > 0, nil
	case "ge":
		return c >= 0, nil
	case "eq":
		return c == 0, nil
	}
	return c != 0, nil
}

var looseSplit = regexp.MustCompile(`\d+|[a-z]+|\.`)

// looseParts is LooseVersion's parse: runs of digits (as numbers), of
// lower-case letters, and whatever lies between them, dots dropped.
func looseParts(s string) []any {
	var out []any
	add := func(p string) {
		if p == "" || p == "." {
			return
		}
		if n, err := strconv.Atoi(p); err == nil {
			out = append(out, n)
			return
		}
		out = append(out, p)
	}
	last := 0
	for _, m := range looseSplit.FindAllStringIndex(s, -1) {
		add(s[last:m[0]])
		add(s[m[0]:m[1]])
		last = m[1]
	}
	add(s[last:])
	return out
}

// looseCompare compares the parts as Python compares lists, which fails
// on a number against a string.
func looseCompare(a, b string) (int, error) {
	pa, pb := looseParts(a), looseParts(b)
	for i := 0; i < len(pa) && i < len(pb); i++ {
		c, err := compare(pa[i], pb[i])
		if err != nil {
			return 0, err
		}
		if c != 0 {
			return c, nil
		}
	}
	return sign(len(pa) - len(pb)), nil
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

var strictRe = regexp.MustCompile(`^(\d+)\.(\d+)(\.(\d+))?([ab](\d+))?$`)

// strictCompare is StrictVersion: N.N[.N][{a|b}N], a pre-release sorting
// before its release.
func strictCompare(a, b string) (int, error) {
	type sv struct {
		nums [3]int
		pre  string
		pren int
	}
	parse := func(s string) (sv, error) {
		m := strictRe.FindStringSubmatch(s)
		if m == nil {
			return sv{}, fmt.Errorf("invalid version number '%s'", s)
		}
		var v sv
		v.nums[0], _ = strconv.Atoi(m[1])
		v.nums[1], _ = strconv.Atoi(m[2])
		v.nums[2], _ = strconv.Atoi(m[4])
		if m[5] != "" {
			v.pre = m[5][:1]
			v.pren, _ = strconv.Atoi(m[6])
		}
		return v, nil
	}
	va, err := parse(a)
	if err != nil {
		return 0, err
	}
	vb, err := parse(b)
	if err != nil {
		return 0, err
	}
	for i := range va.nums {
		if c := sign(va.nums[i] - vb.nums[i]); c != 0 {
			return c, nil
		}
	}
	switch {
	case va.pre == "" && vb.pre == "":
		return 0, nil
	case va.pre == "":
		return 1, nil
	case vb.pre == "":
		return -1, nil
	}
	if c := strings.Compare(va.pre, vb.pre); c != 0 {
		return c, nil
	}
	return sign(va.pren - vb.pren), nil
}

var semverRe = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)` +
	`(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?` +
	`(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)

// semverCompare is Semantic Versioning 2.0.0 precedence: build metadata
// is ignored, a pre-release sorts before its release, numeric
// identifiers before alphanumeric ones.
func semverCompare(a, b string) (int, error) {
	ma, mb := semverRe.FindStringSubmatch(a), semverRe.FindStringSubmatch(b)
	for _, x := range []struct {
		m []string
		s string
	}{{ma, a}, {mb, b}} {
		if x.m == nil {
			return 0, fmt.Errorf("invalid semantic version '%s'", x.s)
		}
	}
	for i := 1; i <= 3; i++ {
		na, _ := strconv.Atoi(ma[i])
		nb, _ := strconv.Atoi(mb[i])
		if c := sign(na - nb); c != 0 {
			return c, nil
		}
	}
	pa, pb := ma[4], mb[4]
	switch {
	case pa == pb:
		return 0, nil
	case pa == "":
		return 1, nil
	case pb == "":
		return -1, nil
	}
	ia, ib := strings.Split(pa, "."), strings.Split(pb, ".")
	for i := 0; i < len(ia) && i < len(ib); i++ {
		na, errA := strconv.Atoi(ia[i])
		nb, errB := strconv.Atoi(ib[i])
		var c int
		switch {
		case errA == nil && errB == nil:
			c = sign(na - nb)
		case errA == nil:
			c = -1
		case errB == nil:
			c = 1
		default:
			c = strings.Compare(ia[i], ib[i])
		}
		if c != 0 {
			return c, nil
		}
	}
	return sign(len(ia) - len(ib)), nil
}

// truthTest is Ansible's truthy and falsy: Python's bool(), after
// boolean() when convert_bool is set and the value is boolean-like.
func truthTest(want bool) testFunc {
	return func(r *run, v any, args []any) (bool, error) {
		if len(args) > 0 && truth.Truthy(args[0]) {
			if b, err := truth.Boolean(v); err == nil {
				return b == want, nil
			}
		}
		return truth.Truthy(v) == want, nil
	}
}

// testRegex is Ansible's regex test, with match_type 'search' (the
// default), 'match' or 'fullmatch'.
func testRegex(r *run, v any, args []any) (bool, error) {
	anchor, end := "", ""
	if len(args) > 3 && args[3] != nil {
		switch mt := pyfmt.Str(args[3]); mt {
		case "search":
		case "match":
			anchor = `\A`
		case "fullmatch":
			anchor, end = `\A`, `\z`
		default:
			return false, fmt.Errorf("unknown match_type %q", mt)
		}
	}
	return reTestAnchored(anchor, end)(r, v, args[:min(len(args), 3)])
}
