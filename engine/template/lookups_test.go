package template

import (
	"testing"
)

func TestLookupPasswordSeedMatchesAnsible(t *testing.T) {
	e := New()
	got, err := e.Render("{{ lookup('password', '/dev/null seed=foo') }} {{ lookup('password', '/dev/null seed=foo length=8 chars=digits') }}", map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	// ansible-playbook 2.14 prints these for the same lookups.
	if want := "6JUEsF6-,RiuGZDEWF4r 74532397"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
