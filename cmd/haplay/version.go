package main

import (
	"fmt"
	"runtime/debug"

	"github.com/haplay/haplay/engine/runner"
)

// version is what `haplay --version` prints: the module version (or the
// commit when built from a checkout) and the ansible-core release whose
// behaviour haplay follows.
func version() string {
	v := "(devel)"
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 && v == "(devel)" {
				v = s.Value[:12]
			}
		}
	}
	return fmt.Sprintf("%s (follows ansible-core %s)", v, runner.AnsibleVersion)
}
