package system

import (
	"reflect"
	"testing"
)

func TestParseKeyListing(t *testing.T) {
	aptKey := `/etc/apt/trusted.gpg
--------------------
pub   ed25519/211D0F61A44232E0 2026-12-03 [SC]
      5D421CE77CC1BDBDF80E3FE0211D0F61A44232E0
uid                 [ unknown] haplay test key <hpt@example.org>

pub   rsa4096/DCC9EFBF77E11517 2021-03-21 [SC] [expired: 2024-01-01]
sub   rsa4096/AAAABBBBCCCCDDDD 2021-03-21 [E]
`
	if got, want := parseKeyListing(aptKey, false), []string{"211D0F61A44232E0", "AAAABBBBCCCCDDDD"}; !reflect.DeepEqual(got, want) {
		t.Errorf("long: %v, want %v", got, want)
	}
	if got, want := parseKeyListing(aptKey, true), []string{"A44232E0", "CCCCDDDD"}; !reflect.DeepEqual(got, want) {
		t.Errorf("short: %v, want %v", got, want)
	}
	colons := "gpg: WARNING: no command supplied.  Trying to guess what you mean ...\n" +
		"pub:-:255:22:211D0F61A44232E0:1796280570:::-:::scSC::::::23::0:\n" +
		"fpr:::::::::5D421CE77CC1BDBDF80E3FE0211D0F61A44232E0:\n" +
		"uid:-::::1796280570::F1C8::haplay test key <hpt@example.org>::::::::::0:\n"
	if got, want := parseKeyListing(colons, false), []string{"211D0F61A44232E0"}; !reflect.DeepEqual(got, want) {
		t.Errorf("colons: %v, want %v", got, want)
	}
	if got := parseKeyListing("", false); len(got) != 0 {
		t.Errorf("empty: %v", got)
	}
}

func TestParseAptKeyID(t *testing.T) {
	for _, c := range []struct{ in, short, fp, full, err string }{
		{in: "0xa44232e0", short: "A44232E0", fp: "A44232E0", full: "A44232E0"},
		{in: "211D0F61A44232E0", short: "A44232E0", fp: "211D0F61A44232E0", full: "211D0F61A44232E0"},
		{in: "5D421CE77CC1BDBDF80E3FE0211D0F61A44232E0", short: "A44232E0", fp: "211D0F61A44232E0", full: "5D421CE77CC1BDBDF80E3FE0211D0F61A44232E0"},
		{in: "ABCDEF123", err: `Invalid key_id "ABCDEF123": key_id must be 8, 16, or 16+ hexadecimal characters in length`},
		{in: "nothex00", err: `Invalid key_id "nothex00": not hexadecimal`},
	} {
		s, f, full, err := parseAptKeyID(c.in)
		if c.err != "" {
			if err == nil || err.Error() != c.err {
				t.Errorf("%s: err %v, want %s", c.in, err, c.err)
			}
			continue
		}
		if err != nil || s != c.short || f != c.fp || full != c.full {
			t.Errorf("%s: %s %s %s %v", c.in, s, f, full, err)
		}
	}
}
