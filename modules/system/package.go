package system

import (
	"context"
	"fmt"
	"strings"

	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules/internal/hostscript"
)

// Package is the generic package manager module (ansible.builtin.package):
// it finds the host's package manager with one command and hands the task
// to that manager's module. Only apt is implemented.
type Package struct{}

var _ module.Module = Package{}

func (Package) Name() string { return "package" }

func (Package) Spec() module.Spec {
	return module.Spec{
		Short: "Manage packages with the host's package manager",
		Description: "Detects the package manager (one command: /etc/os-release and the tools present) and " +
			"runs the matching module with the same arguments: apt on Debian and Ubuntu. Options " +
			"beyond name and state are passed to that module unchanged.",
		Args: []module.Arg{
			{Name: "name", Type: module.TypeList, Elements: module.TypeStr, Required: true, Aliases: []string{"pkg"}, Doc: "package names, as the package manager spells them"},
			{Name: "state", Type: module.TypeStr, Required: true, Doc: "present, latest or absent (passed to the package manager's module)"},
			{Name: "use", Type: module.TypeStr, Default: "auto", Doc: "the package manager module to use; auto detects it"},
		},
		// The backend module validates the rest.
		AnyArgs: true,
		Examples: `- name: Install the tools the runbook needs
  ansible.builtin.package:
    name: [curl, lvm2]
    state: present`,
	}
}

func (Package) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	use := c.Args.String("use")
	if use == "" || use == "auto" {
		out, err := hostscript.Run(ctx, c, `. /etc/os-release 2>/dev/null; echo "${ID:-unknown} ${ID_LIKE:-}"; for t in apt-get dnf yum zypper apk pacman; do command -v $t >/dev/null 2>&1 && echo "$t"; done; exit 0`, nil)
		if err != nil {
			return module.Result{}, fmt.Errorf("detect package manager: %w", err)
		}
		var osid string
		use, osid = detectPkgMgr(string(out.Stdout))
		if use == "" {
			return module.Result{Failed: true, Msg: fmt.Sprintf("%s: package: no supported package manager found (os %s); haplay's package module supports apt", c.Host.Name(), osid)}, nil
		}
	}
	if use != "apt" {
		return module.Result{Failed: true, Msg: fmt.Sprintf("%s: package: the %s backend is not supported by haplay; only apt is", c.Host.Name(), use)}, nil
	}
	raw := map[string]any{}
	for k, v := range c.Args {
		if k != "use" {
			raw[k] = v
		}
	}
	args, errs := module.Validate(Apt{}.Spec(), raw, true)
	if len(errs) > 0 {
		var msgs []string
		for _, e := range errs {
			msgs = append(msgs, e.Msg)
		}
		return module.Result{Failed: true, Msg: "package (apt): " + strings.Join(msgs, "; ")}, nil
	}
	sub := *c
	sub.Args = args
	return Apt{}.Run(ctx, &sub)
}

// detectPkgMgr reads the detection script's output ("ID ID_LIKE" then the
// tools found) and returns the module to use and the OS id.
func detectPkgMgr(s string) (mgr, osid string) {
	ls := strings.Split(strings.TrimSpace(s), "\n")
	if len(ls) == 0 {
		return "", "unknown"
	}
	ids := strings.Fields(ls[0])
	if len(ids) > 0 {
		osid = ids[0]
	}
	tools := map[string]bool{}
	for _, t := range ls[1:] {
		tools[strings.TrimSpace(t)] = true
	}
	debian := false
	for _, id := range ids {
		if id == "debian" || id == "ubuntu" {
			debian = true
		}
	}
	switch {
	case tools["apt-get"] && (debian || !tools["dnf"] && !tools["yum"]):
		return "apt", osid
	case tools["dnf"]:
		return "dnf", osid
	case tools["yum"]:
		return "yum", osid
	case tools["zypper"]:
		return "zypper", osid
	case tools["apk"]:
		return "apk", osid
	case tools["pacman"]:
		return "pacman", osid
	}
	return "", osid
}
