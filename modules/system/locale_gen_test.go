package system

import "testing"

func TestLocaleGenAsCommunityGeneral(t *testing.T) {
	gen := "# de_DE ISO-8859-1\n# de_DE.UTF-8 UTF-8\nen_US.UTF-8 UTF-8\n"
	if !localeAvailable("de_DE.UTF-8", gen, false) || localeAvailable("xx_YY.UTF-8", gen, false) || localeAvailable("de_DE.UTF-8", gen, true) {
		t.Errorf("available")
	}
	if got, _ := setLocale(gen, "de_DE.UTF-8", true); got != "# de_DE ISO-8859-1\nde_DE.UTF-8 UTF-8\nen_US.UTF-8 UTF-8\n" {
		t.Errorf("enable: %q", got)
	}
	if got, _ := setLocale(gen, "en_US.UTF-8", false); got != "# de_DE ISO-8859-1\n# de_DE.UTF-8 UTF-8\n# en_US.UTF-8 UTF-8\n" {
		t.Errorf("disable: %q", got)
	}
	if !localePresent("de_DE.UTF-8", "C\nde_DE.utf8\n") || localePresent("de_DE.UTF-8", "C\n") {
		t.Errorf("present: locale -a spells the encoding its own way")
	}
}
