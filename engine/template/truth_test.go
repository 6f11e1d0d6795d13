package template

import "testing"

// boolVals is the list given to ansible-playbook 2.14.18 (hosts: localhost,
// connection: local) as a play var; the loop below printed:
//
//	{{ v | bool }}:       y=False; t=False; yes=True;  yes=False; YES=True; on=True;
//	                      1=True; 1.0=False; true=True; n=False; no=False; false=False;
//	                      =False; junk=False; 1=True; 1.0=True; 2=False; 0=False;
//	                      0.0=False; True=True; False=False; None=;
//	'T' if v else 'F':    y=T; t=T; yes=T;  yes=T; YES=T; on=T; 1=T; 1.0=T; true=T;
//	                      n=T; no=T; false=T; =F; junk=T; 1=T; 1.0=T; 2=T; 0=F;
//	                      0.0=F; True=T; False=F; None=F;
//
// (None renders as "" in Ansible's debug; haplay's None renders as "None",
// which is not the point here, so the list stops before it.)
var boolVals = []any{"y", "t", "yes", " yes", "YES", "on", "1", "1.0", "true", "n", "no", "false",
	"", "junk", 1, 1.0, 2, 0, 0.0, true, false}

func TestBoolFilterAndIfTruthiness(t *testing.T) {
	e := New()
	vars := map[string]any{"vals": boolVals}
	cases := []struct{ tmpl, want string }{
		{"{% for v in vals %}{{ v | bool }};{% endfor %}",
			"False;False;True;False;True;True;True;False;True;False;False;False;False;False;True;True;False;False;False;True;False;"},
		{"{% for v in vals %}{{ 'T' if v else 'F' }};{% endfor %}",
			"T;T;T;T;T;T;T;T;T;T;T;T;F;T;T;T;T;F;F;T;F;"},
		{"{% for v in vals %}{% if v %}T{% else %}F{% endif %};{% endfor %}",
			"T;T;T;T;T;T;T;T;T;T;T;T;F;T;T;T;T;F;F;T;F;"},
		{"{{ 'T' if none else 'F' }}", "F"},
	}
	vars["none"] = nil
	for _, c := range cases {
		got, err := e.RenderFile(c.tmpl, vars, FileOptions{})
		if err != nil {
			t.Errorf("%s: %v", c.tmpl, err)
			continue
		}
		if got != c.want {
			t.Errorf("%s\n got %s\nwant %s", c.tmpl, got, c.want)
		}
	}
	// to_bool returns None as it is.
	if v, err := e.Eval("none | bool", vars); err != nil || v != nil {
		t.Errorf("none | bool = %#v, %v; want nil", v, err)
	}
}
