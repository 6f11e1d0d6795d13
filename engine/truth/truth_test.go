package truth

import (
	"strings"
	"testing"
)

// The cases follow ansible.module_utils.parsing.convert_bool.boolean
// (ansible-core 2.14.18), strict mode.
func TestBoolean(t *testing.T) {
	valid := []struct {
		v    any
		want bool
	}{
		{true, true}, {false, false},
		{"y", true}, {"Y", true}, {"yes", true}, {"YES", true}, {"on", true}, {"On", true},
		{"1", true}, {"true", true}, {"True", true}, {"t", true}, {" yes ", true},
		{"n", false}, {"no", false}, {"No", false}, {"off", false}, {"OFF", false},
		{"0", false}, {"false", false}, {"FALSE", false}, {"f", false}, {"\tno\n", false},
		{1, true}, {int64(1), true}, {uint64(1), true}, {1.0, true},
		{0, false}, {int64(0), false}, {0.0, false},
	}
	for _, c := range valid {
		got, err := Boolean(c.v)
		if err != nil || got != c.want {
			t.Errorf("Boolean(%#v) = %v, %v; want %v", c.v, got, err, c.want)
		}
	}
	// "1.0" the string is not 1.0 the number; "" and None are not booleans.
	invalid := []any{"", " ", "1.0", "0.0", "yes please", "junk", "2", 2, -1, 0.5, nil, []any{}, map[string]any{}}
	for _, v := range invalid {
		got, err := Boolean(v)
		if err == nil {
			t.Errorf("Boolean(%#v) = %v, want an error", v, got)
		} else if !strings.Contains(err.Error(), "is not a boolean") {
			t.Errorf("Boolean(%#v) error %q does not say it is not a boolean", v, err)
		}
	}
}

// Python's bool(), as ansible-playbook 2.14.18 showed for
// "{{ 'T' if v else 'F' }}" over the values below:
//
//	y=T; t=T; yes=T;  yes=T; YES=T; on=T; 1=T; 1.0=T; true=T; n=T; no=T;
//	false=T; =F; junk=T; 1=T; 1.0=T; 2=T; 0=F; 0.0=F; True=T; False=F; None=F;
func TestTruthy(t *testing.T) {
	cases := []struct {
		v    any
		want bool
	}{
		{"y", true}, {"t", true}, {"yes", true}, {" yes", true}, {"on", true}, {"1", true},
		{"1.0", true}, {"true", true}, {"n", true}, {"no", true}, {"false", true}, {"False", true},
		{"0", true}, {"junk", true}, {" ", true}, {"", false},
		{1, true}, {1.0, true}, {2, true}, {-1, true}, {0.5, true}, {0, false}, {0.0, false},
		{int64(0), false}, {uint8(3), true}, {float32(0), false},
		{true, true}, {false, false}, {nil, false},
		{[]any{}, false}, {[]any{false}, true}, {[]string{}, false}, {[]string{""}, true},
		{map[string]any{}, false}, {map[string]any{"a": nil}, true}, {map[int]string{}, false},
		{struct{}{}, true},
	}
	for _, c := range cases {
		if got := Truthy(c.v); got != c.want {
			t.Errorf("Truthy(%#v) = %v, want %v", c.v, got, c.want)
		}
	}
}
