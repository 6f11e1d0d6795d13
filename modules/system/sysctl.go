package system

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/jinja"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules/internal/hostscript"
)

// Sysctl keeps a kernel parameter in a sysctl file and, optionally, in
// the running kernel (ansible.posix.sysctl).
type Sysctl struct{}

var _ module.Module = Sysctl{}

func (Sysctl) Name() string { return "sysctl" }

func (Sysctl) Spec() module.Spec {
	return module.Spec{
		Short: "Manage kernel parameters (sysctl)",
		Description: "Keeps name=value in sysctl_file, rewriting the file as ansible.posix.sysctl does (each line " +
			"stripped, name=value without spaces, a key's later duplicates dropped), and reloads it with sysctl -p " +
			"when something changed (reload). sysctl_set also sets the running value with sysctl -w. The file and " +
			"the running value (from /proc/sys) are read in one command; --diff shows the " +
			"file's change.",
		Args: []module.Arg{
			{Name: "name", Type: module.TypeStr, Required: true, Aliases: []string{"key"}, Doc: "the parameter, dotted (net.ipv4.ip_forward)"},
			{Name: "value", Type: module.TypeStr, Aliases: []string{"val"}, Doc: "its value; yes/no/true/false become 1/0 (required with state=present)"},
			{Name: "state", Type: module.TypeStr, Default: "present", Choices: []string{"present", "absent"}, Doc: "whether the entry is in the file"},
			{Name: "reload", Type: module.TypeBool, Default: true, Doc: "run sysctl -p on the file when the task changed something"},
			{Name: "sysctl_set", Type: module.TypeBool, Default: false, Doc: "also set the running value (sysctl -w) when it differs"},
			{Name: "ignoreerrors", Type: module.TypeBool, Default: false, Doc: "ignore unknown keys (sysctl -e)"},
			{Name: "sysctl_file", Type: module.TypePath, Default: "/etc/sysctl.conf", Doc: "the file that holds the entry"},
		},
		Check: func(a module.Args, _ bool) []module.ArgError {
			if a.String("state") == "present" && !a.Has("value") {
				return []module.ArgError{{Arg: "value", Msg: "state is present but all of the following are missing: value"}}
			}
			if n, ok := a["name"].(string); ok && !jinja.IsTemplated(n) && strings.TrimSpace(n) == "" {
				return []module.ArgError{{Arg: "name", Msg: "name cannot be blank"}}
			}
			return nil
		},
		Examples: `- name: Forward IPv4 (Kubernetes nodes)
  ansible.posix.sysctl:
    name: net.ipv4.ip_forward
    value: "1"
    sysctl_set: true
    sysctl_file: /etc/sysctl.d/99-kubernetes.conf

- name: No longer tuned here
  sysctl: {name: vm.swappiness, state: absent}`,
	}
}

// sysctlBool maps Ansible's boolean spellings to 1 and 0, as the module does.
func sysctlValue(v string) string {
	switch strings.ToLower(v) {
	case "y", "yes", "on", "1", "true", "1.0", "t":
		return "1"
	case "n", "no", "off", "0", "false", "0.0", "f":
		return "0"
	}
	return strings.TrimSpace(v)
}

// sysctlEdit is the file rewritten for name (value, or removed when
// present is false), and the value the file had for it (nil: none).
func sysctlEdit(content, name, value string, present bool) (after string, had *string) {
	var out []string
	seen := map[string]bool{}
	for _, raw := range strings.SplitAfter(content, "\n") {
		if raw == "" {
			continue
		}
		line := strings.TrimSpace(raw)
		k, v, ok := strings.Cut(line, "=")
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";") || !ok {
			out = append(out, line)
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if k == name {
			vv := v
			had = &vv // the last one wins, as the module's dict of values
		}
		if seen[k] {
			continue
		}
		seen[k] = true
		if k != name {
			out = append(out, k+"="+v)
		} else if present {
			out = append(out, k+"="+value)
		}
	}
	if !seen[name] && present {
		out = append(out, name+"="+value)
	}
	var b strings.Builder
	for _, l := range out {
		b.WriteString(l + "\n")
	}
	return b.String(), had
}

// valuesEqual compares word by word, as the module does.
func valuesEqual(a *string, b string) bool {
	return a != nil && strings.Join(strings.Fields(*a), " ") == strings.Join(strings.Fields(b), " ")
}

// procPath is where the running value of name lives.
func procPath(name string) string {
	if strings.Contains(name, "/") {
		return "/proc/sys/" + strings.TrimPrefix(name, "/")
	}
	return "/proc/sys/" + strings.ReplaceAll(name, ".", "/")
}

// sysctlPlan is what the task does.
type sysctlPlan struct {
	Changed, WriteFile, SetProc, Reload bool
	Before, After                       string
}

func planSysctl(a module.Args, content string, proc *string) sysctlPlan {
	name, value := strings.TrimSpace(a.String("name")), sysctlValue(a.String("value"))
	present := a.String("state") == "present"
	after, had := sysctlEdit(content, name, value, present)
	p := sysctlPlan{Before: content, After: after}
	switch {
	case had == nil && present, had != nil && !present, had != nil && *had != value:
		p.Changed, p.WriteFile = true, true
	case had == nil:
	case a.Bool("reload"):
		p.Changed = !valuesEqual(proc, value)
	}
	if a.Bool("sysctl_set") && present && !valuesEqual(proc, value) {
		p.Changed = true
		p.SetProc = proc != nil
	}
	p.Reload = p.Changed && a.Bool("reload")
	return p
}

// sysctlReadScript prints the file (when there is one) and the running
// value from /proc/sys (dash's read builtin cannot read those files: they
// answer only a read from offset 0, and dash reads a byte at a time).
func sysctlReadScript(file, name string) string {
	q, pq := hostcmd.Quote(file), hostcmd.Quote(procPath(name))
	return "if [ -f " + q + " ]; then " + hostscript.Mark("file") + "; cat -- " + q + " || exit 3; fi\n" +
		"if [ -f " + pq + " ]; then " + hostscript.Mark("proc") + "; cat -- " + pq + " 2>/dev/null || " + hostscript.Mark("noproc") + "; fi\nexit 0\n"
}

var sysctlErrRe = regexp.MustCompile(`(?m)^sysctl: setting key "[^"]+": (Invalid argument|Read-only file system)$`)

func (Sysctl) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	a := c.Args
	file, name := a.String("sysctl_file"), strings.TrimSpace(a.String("name"))
	if a.String("state") == "present" && strings.TrimSpace(a.String("value")) == "" {
		return module.Result{Failed: true, Msg: "value cannot be blank"}, nil
	}
	var r module.Result
	err := module.ReadModifyWrite(ctx, file, func() error {
		var err error
		r, err = sysctlOnce(ctx, c, file, name)
		return err
	})
	return hostscript.FailedOr(r, err)
}

func sysctlOnce(ctx context.Context, c *module.Call, file, name string) (module.Result, error) {
	out, err := hostscript.Run(ctx, c, sysctlReadScript(file, name), nil)
	if err != nil {
		return module.Result{}, fmt.Errorf("sysctl: read %s: %w", file, err)
	}
	if out.ExitCode != 0 {
		return hostscript.Failed(c, "cat "+file, out), nil
	}
	s := hostscript.Sections(out.Stdout)
	content, exists := s["file"]
	fi := module.FileInfo{Path: file, Exists: exists, Type: "file", Content: []byte(content), HasData: true}
	if c.Check {
		// An earlier task of the plan may have predicted the file.
		if fi, err = c.Host.ReadFile(ctx, file, true); err != nil {
			return module.Result{}, err
		}
		content = string(fi.Content)
	}
	var proc *string
	if v, ok := s["proc"]; ok && !hasKey(s, "noproc") {
		v = strings.TrimSuffix(v, "\n")
		proc = &v
	}
	p := planSysctl(c.Args, content, proc)
	r := module.Result{Changed: p.Changed}
	if p.WriteFile && c.Diff {
		r.Diffs = append(r.Diffs, module.Diff{BeforeHeader: file + " (before)", AfterHeader: file + " (after)", Before: p.Before, After: p.After})
	}
	if c.Check && p.Reload && proc == nil && c.Args.String("state") == "present" && !c.Args.Bool("ignoreerrors") {
		// sysctl -p would stop on the unknown key: say so, as the run will.
		return r, hostscript.Failf("%s: Failed to reload sysctl: sysctl: cannot stat %s: No such file or directory", c.Host.Name(), procPath(name))
	}
	if c.Check && p.WriteFile {
		recordPredicted(c, predictedWrite(fi, []byte(p.After)))
	}
	if c.Check || !p.Changed {
		return r, nil
	}
	return r, applySysctl(ctx, c, file, name, fi, p)
}

func applySysctl(ctx context.Context, c *module.Call, file, name string, fi module.FileInfo, p sysctlPlan) error {
	e := ""
	if c.Args.Bool("ignoreerrors") {
		e = "-e "
	}
	if p.SetProc {
		v := sysctlValue(c.Args.String("value"))
		if err := runSysctl(ctx, c, "sysctl "+e+"-w "+hostcmd.Quote(name+"="+v), "setting "+name+" failed: "); err != nil {
			return err
		}
	}
	if p.WriteFile {
		if err := c.Host.WriteFile(ctx, file, []byte(p.After), hostcmd.WriteOptions{Become: c.Become, Unchanged: fi.ReadState()}); err != nil {
			if errors.Is(err, hostcmd.ErrChangedSinceRead) || hostcmd.IsUnreachable(err) {
				return err
			}
			return hostscript.Failf("%s: writing %s failed: %v", c.Host.Name(), file, err)
		}
	}
	if p.Reload {
		return runSysctl(ctx, c, "sysctl "+e+"-p "+hostcmd.Quote(file), "Failed to reload sysctl: ")
	}
	return nil
}

func runSysctl(ctx context.Context, c *module.Call, cmd, prefix string) error {
	out, err := hostscript.Run(ctx, c, "LC_ALL=C "+cmd, nil)
	if err != nil {
		return fmt.Errorf("sysctl: %s: %w", cmd, err)
	}
	if out.ExitCode != 0 || sysctlErrRe.Match(out.Stderr) {
		return hostscript.Failf("%s: %s%s%s", c.Host.Name(), prefix, out.Stdout, strings.TrimSpace(string(out.Stderr)))
	}
	return nil
}

func hasKey(m map[string]string, k string) bool { _, ok := m[k]; return ok }

// predictedWrite is fi as a write of data leaves it: its attributes kept,
// a new file's 0644.
func predictedWrite(fi module.FileInfo, data []byte) module.FileInfo {
	if !fi.Exists {
		fi.Exists, fi.Type, fi.Mode = true, "file", 0o644
	}
	fi.Content, fi.HasData, fi.Size = data, true, int64(len(data))
	return fi
}
