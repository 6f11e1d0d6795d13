package system

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/jinja"
	"github.com/haplay/haplay/engine/module"
)

// Reboot reboots a host and waits until it is back
// (ansible.builtin.reboot, as in ansible-core 2.14): it records the boot
// id, runs shutdown, then reconnects until the boot id differs and the
// test command succeeds.
type Reboot struct{}

var _ module.Module = Reboot{}

func (Reboot) Name() string { return "reboot" }

// Ansible's defaults (plugins/action/reboot.py, Linux).
const (
	rebootDefaultMsg      = "Reboot initiated by Ansible"
	rebootDefaultBootTime = "cat /proc/sys/kernel/random/boot_id"
	rebootDefaultShutdown = "shutdown"
)

var rebootDefaultSearchPaths = []any{"/sbin", "/bin", "/usr/sbin", "/usr/bin", "/usr/local/sbin"}

func (Reboot) Spec() module.Spec {
	return module.Spec{
		Short: "Reboot a machine and wait until it is back",
		Description: "Records the host's boot id (boot_time_command), runs `shutdown -r MINUTES MSG` " +
			"(the shutdown binary found in search_paths, PATH is ignored; or reboot_command), and treats " +
			"a connection dropped by the shutdown as success. After post_reboot_delay it drops the " +
			"connection and redials until the boot id differs from the recorded one, then runs " +
			"test_command until it succeeds; each wait may take up to reboot_timeout seconds (so the " +
			"task up to twice that). Later tasks use the new connection. Always changed: a reboot is an " +
			"action, not a state, so a second run reboots again (guard it with `when:` on a registered " +
			"condition such as /var/run/reboot-required). Check mode reboots nothing and reports " +
			"changed; it still reads the boot id and looks for shutdown, so it fails where a real run " +
			"would. Refuses a host with ansible_connection=local: that would reboot the controller.",
		Args: []module.Arg{
			{Name: "msg", Type: module.TypeStr, Default: rebootDefaultMsg, Doc: "message shown to logged-in users before the reboot"},
			{Name: "pre_reboot_delay", Type: module.TypeInt, Default: 0, Doc: "seconds before the reboot, passed to shutdown in whole minutes rounded down (under 60 is 0: at once)"},
			{Name: "post_reboot_delay", Type: module.TypeInt, Default: 0, Doc: "seconds to wait after the shutdown command before checking that the host rebooted"},
			{Name: "reboot_timeout", Type: module.TypeInt, Default: 600, Doc: "seconds to wait for the new boot id, and again for test_command to succeed"},
			{Name: "connect_timeout", Type: module.TypeInt, Doc: "seconds one reconnection attempt (and its command) may take; unset: the connection's own timeout"},
			{Name: "test_command", Type: module.TypeStr, Default: "whoami", Doc: "shell command that must succeed on the rebooted host"},
			{Name: "search_paths", Type: module.TypeList, Elements: module.TypeStr, Default: rebootDefaultSearchPaths, Doc: "directories searched, in order, for the shutdown command (PATH is ignored)"},
			{Name: "boot_time_command", Type: module.TypeStr, Default: rebootDefaultBootTime, Doc: "shell command whose output changes with every boot"},
			{Name: "reboot_command", Type: module.TypeStr, Doc: "command and arguments run instead of shutdown -r; a command without a leading / is searched in search_paths, its arguments are passed as written (msg and pre_reboot_delay are then ignored)"},
		},
		Check: func(a module.Args, _ bool) []module.ArgError {
			var errs []module.ArgError
			if v, ok := a["reboot_timeout"]; ok && !jinja.IsTemplated(v) && a.Int("reboot_timeout") <= 0 {
				errs = append(errs, module.ArgError{Arg: "reboot_timeout", Msg: "reboot_timeout must be a positive number of seconds"})
			}
			if v, ok := a["reboot_command"]; ok && !jinja.IsTemplated(v) && strings.TrimSpace(a.String("reboot_command")) == "" {
				errs = append(errs, module.ArgError{Arg: "reboot_command", Msg: "reboot_command must not be empty"})
			}
			if v, ok := a["search_paths"]; ok && !jinja.IsTemplated(v) && len(a.List("search_paths")) == 0 {
				errs = append(errs, module.ArgError{Arg: "search_paths", Msg: "search_paths must name at least one directory"})
			}
			return errs
		},
		Examples: `# Seed 001: "update the system to the latest libraries ... Reboot". A
# kernel upgrade in a rolling maintenance (roles/node_maintenance, serial: 1):
- name: Upgrade packages
  ansible.builtin.apt:
    upgrade: dist
    update_cache: true

- name: Is a reboot required?
  ansible.builtin.stat:
    path: /var/run/reboot-required
  register: reboot_required

- name: Reboot into the new kernel
  ansible.builtin.reboot:
    msg: "Kernel upgrade by haplay"
    reboot_timeout: 600
    post_reboot_delay: 10
  when: reboot_required.stat.exists

- name: The node runs the new kernel
  ansible.builtin.command: uname -r
  register: kernel
  changed_when: false`,
	}
}

// rebootPlan is what reboot will run, computed from the arguments alone.
type rebootPlan struct {
	Bin         string   // shutdown, or reboot_command's first word
	SearchPaths []string // where to look for Bin; nil when Bin is absolute
	Args        string   // shell text after the binary's path
}

// planReboot builds the shutdown command as Ansible does on Linux:
// "-r {minutes} {msg}", minutes = pre_reboot_delay // 60; or
// reboot_command split at its first space.
func planReboot(a module.Args) rebootPlan {
	var p rebootPlan
	if a.Has("reboot_command") {
		cmd := strings.TrimSpace(a.String("reboot_command"))
		p.Bin, p.Args, _ = strings.Cut(cmd, " ")
		p.Args = strings.TrimSpace(p.Args)
	} else {
		p.Bin = rebootDefaultShutdown
		msg := rebootDefaultMsg
		if a.Has("msg") {
			msg = a.String("msg")
		}
		delay := max(a.Int("pre_reboot_delay"), 0)
		p.Args = "-r " + strconv.Itoa(delay/60) + " " + hostcmd.Quote(msg)
	}
	if !strings.HasPrefix(p.Bin, "/") {
		p.SearchPaths = a.List("search_paths")
		if !a.Has("search_paths") {
			for _, d := range rebootDefaultSearchPaths {
				p.SearchPaths = append(p.SearchPaths, d.(string))
			}
		}
	}
	return p
}

// line is the command run on the host, with path the binary found.
func (p rebootPlan) line(path string) string {
	if p.Args == "" {
		return hostcmd.Quote(path)
	}
	return hostcmd.Quote(path) + " " + p.Args
}

// probeScript prints, in one round trip, the path of the binary (first
// line, empty when not found; as Ansible's find, the first search path
// holding an entry of that name, of any type) and then runs the boot time
// command, whose exit code becomes the script's.
func (p rebootPlan) probeScript(bootTime string) string {
	var b strings.Builder
	if p.SearchPaths == nil {
		fmt.Fprintf(&b, "printf '%%s\\n' %s\n", hostcmd.Quote(p.Bin))
	} else {
		b.WriteString("p=\nfor d in")
		for _, d := range p.SearchPaths {
			d = strings.TrimRight(d, "/")
			if d == "" {
				d = "/"
			}
			b.WriteString(" " + hostcmd.Quote(d))
		}
		fmt.Fprintf(&b, "; do\n\tf=\"${d%%/}\"/%s\n\tif [ -e \"$f\" ] || [ -L \"$f\" ]; then p=$f; break; fi\ndone\nprintf '%%s\\n' \"$p\"\n", hostcmd.Quote(p.Bin))
	}
	b.WriteString("exec /bin/sh -c " + hostcmd.Quote(bootTime) + "\n")
	return b.String()
}

// pyList formats paths as Python prints a list, as Ansible's messages do.
func pyList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = "'" + strings.ReplaceAll(x, "'", `\'`) + "'"
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// rebootBackoff is the wait before retry n (from 0): 250 ms doubling up to
// Ansible's 12 s cap. Ansible starts at 1 s; a shorter start notices a
// fast reboot sooner and costs one cheap command.
func rebootBackoff(n int) time.Duration {
	d := 250 * time.Millisecond
	for range n {
		d *= 2
		if d >= 12*time.Second {
			return 12 * time.Second
		}
	}
	return d
}

func (Reboot) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	host := c.Host.Name()
	rc, ok := c.Host.(module.Reconnecter)
	if !ok || !rc.Reconnectable() {
		r := module.Result{Failed: true, Msg: fmt.Sprintf("%s: running reboot with local connection would reboot the control node", host)}
		r.Set("rebooted", false)
		r.Set("elapsed", 0)
		return r, nil
	}
	plan := planReboot(c.Args)
	bootTime := c.Args.String("boot_time_command")
	if bootTime == "" {
		bootTime = rebootDefaultBootTime
	}

	// One read-only round trip: the shutdown binary and the boot id.
	out, err := c.Host.Run(ctx, hostcmd.Cmd{Script: plan.probeScript(bootTime), Become: c.Become})
	if err != nil {
		return module.Result{}, fmt.Errorf("reboot: read boot id: %w", err)
	}
	path, previous, _ := strings.Cut(string(out.Stdout), "\n")
	previous = strings.TrimSpace(previous)
	if out.ExitCode != 0 {
		return rebootFailed(false, 0, "%s: failed to get host boot time info with %q, rc: %d, stdout: %s, stderr: %s",
			host, bootTime, out.ExitCode, previous, strings.TrimSpace(string(out.Stderr))), nil
	}
	if path == "" {
		return rebootFailed(false, 0, "%s: Unable to find command %q in search paths: %s", host, plan.Bin, pyList(plan.SearchPaths)), nil
	}
	if c.Check {
		r := module.Result{Changed: true}
		r.Set("rebooted", true)
		r.Set("elapsed", 0)
		return r, nil
	}

	line := plan.line(path)
	// A real shutdown returns at once; one that does not answer within
	// this time took the connection down with the host.
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	out, err = c.Host.Run(sctx, hostcmd.Cmd{Script: line, Become: c.Become})
	cancel()
	if ctx.Err() != nil {
		return module.Result{}, fmt.Errorf("reboot interrupted: %w", ctx.Err())
	}
	// err: the connection closed under the command, as the host went
	// down. Like Ansible, that is success.
	if err == nil && out.ExitCode != 0 {
		return rebootFailed(false, 0, "%s: reboot command %s failed, rc: %d, stdout: %s, stderr: %s",
			host, line, out.ExitCode, strings.TrimSpace(string(out.Stdout)), strings.TrimSpace(string(out.Stderr))), nil
	}
	return rebootWaitBack(ctx, c, rc, bootTime, previous)
}

// rebootWaitBack waits, after the shutdown command, until the boot id has
// changed and the test command passes, within reboot_timeout.
func rebootWaitBack(ctx context.Context, c *module.Call, rc module.Reconnecter, bootTime, previous string) (module.Result, error) {
	host := c.Host.Name()
	start := time.Now()
	elapsed := func() int { return int(time.Since(start).Seconds()) }
	// Commands of the old boot must not run on its connection, which may
	// hang rather than fail once the host is gone.
	rc.Disconnect()

	if d := max(c.Args.Int("post_reboot_delay"), 0); d > 0 {
		if err := sleepCtx(ctx, time.Duration(d)*time.Second); err != nil {
			return module.Result{}, err
		}
	}

	timeout := time.Duration(c.Args.Int("reboot_timeout")) * time.Second
	attempt := 10 * time.Second
	if ct := c.Args.Int("connect_timeout"); ct > 0 {
		attempt = time.Duration(ct) * time.Second
	}
	w := rebootWaiter{host: c.Host, rc: rc, become: c.Become, timeout: timeout, attempt: attempt}

	err := w.until(ctx, func(out hostcmd.Output) error {
		if out.ExitCode != 0 {
			return fmt.Errorf("%q rc %d: %s", bootTime, out.ExitCode, strings.TrimSpace(string(out.Stderr)))
		}
		if id := strings.TrimSpace(string(out.Stdout)); id == "" || id == previous {
			return fmt.Errorf("boot id still %q", previous)
		}
		return nil
	}, bootTime)
	if err != nil {
		if ctx.Err() != nil {
			return module.Result{}, fmt.Errorf("reboot interrupted: %w", ctx.Err())
		}
		return rebootFailed(true, elapsed(), "%s: Timed out waiting for last boot time check (timeout=%d): the boot id did not change within reboot_timeout: %v",
			host, int(timeout.Seconds()), err), nil
	}

	test := c.Args.String("test_command")
	if test == "" {
		test = "whoami"
	}
	err = w.until(ctx, func(out hostcmd.Output) error {
		if out.ExitCode != 0 {
			return fmt.Errorf("test command %q failed, rc %d: %s %s", test, out.ExitCode,
				strings.TrimSpace(string(out.Stderr)), strings.TrimSpace(string(out.Stdout)))
		}
		return nil
	}, test)
	if err != nil {
		if ctx.Err() != nil {
			return module.Result{}, fmt.Errorf("reboot interrupted: %w", ctx.Err())
		}
		return rebootFailed(true, elapsed(), "%s: Timed out waiting for post-reboot test command (timeout=%d): %v",
			host, int(timeout.Seconds()), err), nil
	}

	r := module.Result{Changed: true}
	r.Set("rebooted", true)
	r.Set("elapsed", elapsed())
	return r, nil
}

// rebootFailed is a failed result with Ansible's keys. rebooted is true
// once the shutdown command ran, as Ansible reports it on a timeout.
func rebootFailed(rebooted bool, elapsed int, format string, args ...any) module.Result {
	r := module.Result{Failed: true, Msg: fmt.Sprintf(format, args...)}
	r.Set("rebooted", rebooted)
	r.Set("elapsed", elapsed)
	return r
}

// rebootWaiter retries a command on a host that may be down until a check
// of its output passes or the timeout ends.
type rebootWaiter struct {
	host    module.Host
	rc      module.Reconnecter
	become  hostcmd.Become
	timeout time.Duration // the whole wait
	attempt time.Duration // one try: dial and command
}

// until runs script until ok accepts its output, dropping the connection
// after every transport error so the next try dials afresh. It returns the
// last problem when the time is up.
func (w rebootWaiter) until(ctx context.Context, ok func(hostcmd.Output) error, script string) error {
	deadline := time.Now().Add(w.timeout)
	var last error
	for n := 0; ; n++ {
		left := time.Until(deadline)
		if left <= 0 {
			if last == nil {
				last = errors.New("no attempt finished")
			}
			return last
		}
		actx, cancel := context.WithTimeout(ctx, min(w.attempt, left))
		out, err := w.host.Run(actx, hostcmd.Cmd{Script: script, Become: w.become})
		cancel()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err == nil {
			if last = ok(out); last == nil {
				return nil
			}
		} else {
			last = err
			w.rc.Disconnect()
		}
		if err := sleepCtx(ctx, min(rebootBackoff(n), max(time.Until(deadline), 0))); err != nil {
			return err
		}
	}
}
