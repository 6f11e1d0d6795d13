package module

import "testing"

// A list argument's choices apply to each element (deb822_repository's
// types), and a bad element names the list.
func TestValidateListChoices(t *testing.T) {
	spec := Spec{Args: []Arg{{Name: "types", Type: TypeList, Elements: TypeStr, Choices: []string{"deb", "deb-src"}}}}
	if _, errs := Validate(spec, map[string]any{"types": []any{"deb", "deb-src"}}, true); len(errs) != 0 {
		t.Fatalf("valid list: %v", errs)
	}
	_, errs := Validate(spec, map[string]any{"types": []any{"deb", "rpm"}}, true)
	if len(errs) != 1 || errs[0].Msg != `argument "types" is "[deb rpm]"; choose one of: deb, deb-src` {
		t.Fatalf("bad element: %v", errs)
	}
}
