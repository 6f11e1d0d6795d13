package files

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/haplay/haplay/engine/module"
)

// pbDirController answers playbook_dir, as the runner's controller does.
type pbDirController struct {
	module.Controller
	dir string
}

func (p pbDirController) Eval(expr string) (any, error) {
	if expr == "playbook_dir" {
		return p.dir, nil
	}
	return nil, errors.New("undefined " + expr)
}

func TestResolveControllerPath(t *testing.T) {
	home, _ := os.UserHomeDir()
	c := &module.Call{Controller: pbDirController{dir: "/pb"}}
	tests := []struct{ in, want string }{
		{"fetched", "/pb/fetched"},
		{"out/tokens/", "/pb/out/tokens/"},
		{"../../up", "/up"},
		{"/abs/x", "/abs/x"},
		{"~/f", filepath.Join(home, "f")},
	}
	for _, tc := range tests {
		if got := resolveControllerPath(c, tc.in); got != tc.want {
			t.Errorf("resolve(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := resolveControllerPath(&module.Call{}, "rel"); got != "rel" {
		t.Errorf("without a controller: %q", got)
	}
}
