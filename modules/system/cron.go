package system

import (
	"context"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules/internal/hostscript"
)

// Cron manages cron jobs and crontab variables (ansible.builtin.cron):
// in a user's crontab (through crontab) or in a cron_file.
type Cron struct{}

var _ module.Module = Cron{}

func (Cron) Name() string { return "cron" }

func (Cron) Spec() module.Spec {
	return module.Spec{
		Short: "Manage cron jobs and crontab variables",
		Description: "Keeps a job, marked by a \"#Ansible: NAME\" line above it, or a NAME=\"value\" variable (env) " +
			"in a user's crontab (read with crontab -l, installed with crontab -) or in cron_file (a name alone is " +
			"under /etc/cron.d; written atomically, removed when its last job goes), as ansible.builtin.cron edits " +
			"them. The crontab is read in one command; --diff shows its change.",
		Args: []module.Arg{
			{Name: "name", Type: module.TypeStr, Required: true, Doc: "the job's (or variable's) name"},
			{Name: "user", Type: module.TypeStr, Doc: "whose crontab (default: the connection's user); the job's user in cron_file"},
			{Name: "job", Type: module.TypeStr, Aliases: []string{"value"}, Doc: "the command (or the variable's value)"},
			{Name: "cron_file", Type: module.TypePath, Doc: "a file under /etc/cron.d (or a path) instead of the user's crontab"},
			{Name: "state", Type: module.TypeStr, Default: "present", Choices: []string{"present", "absent"}, Doc: "whether the job is there"},
			{Name: "backup", Type: module.TypeBool, Default: false, Doc: "save the crontab as it was to a temp file (backup_file) before a change"},
			{Name: "minute", Type: module.TypeStr, Default: "*", Doc: "minute field"},
			{Name: "hour", Type: module.TypeStr, Default: "*", Doc: "hour field"},
			{Name: "day", Type: module.TypeStr, Default: "*", Aliases: []string{"dom"}, Doc: "day of month field"},
			{Name: "month", Type: module.TypeStr, Default: "*", Doc: "month field"},
			{Name: "weekday", Type: module.TypeStr, Default: "*", Aliases: []string{"dow"}, Doc: "day of week field"},
			{Name: "special_time", Type: module.TypeStr, Choices: []string{"reboot", "yearly", "annually", "monthly", "weekly", "daily", "hourly"}, Doc: "@reboot, @daily... instead of the time fields"},
			{Name: "disabled", Type: module.TypeBool, Default: false, Doc: "keep the job commented out"},
			{Name: "env", Type: module.TypeBool, Default: false, Doc: "name=\"job\" is a variable, not a job"},
			{Name: "insertafter", Type: module.TypeStr, Doc: "with env: put a new variable after this one"},
			{Name: "insertbefore", Type: module.TypeStr, Doc: "with env: put a new variable before this one"},
		},
		MutuallyExclusive: [][]string{{"insertafter", "insertbefore"}},
		Examples: `- name: Nightly backup
  ansible.builtin.cron:
    name: backup
    minute: "0"
    hour: "2"
    job: /usr/local/bin/backup >/dev/null 2>&1

- name: Certificates renewed by the system cron
  cron:
    name: renew
    cron_file: certbot
    user: root
    special_time: daily
    job: certbot renew -q

- name: A variable for the user's jobs
  cron: {name: MAILTO, env: true, job: ops@example.org, user: deploy}`,
	}
}

// cronTarget is where the crontab lives.
type cronTarget struct {
	File string // cron_file, absolute; "" for the user's crontab
	User string
}

func (t cronTarget) header() string {
	switch {
	case t.File != "":
		return t.File
	case t.User != "":
		return `crontab for user "` + t.User + `"`
	}
	return "crontab"
}

// predictedPath is where the check-mode overlay keeps this crontab: the
// cron_file, or for a user's crontab (not a file haplay reads) a path
// under a directory no host has.
func (t cronTarget) predictedPath() string {
	if t.File != "" {
		return t.File
	}
	return "/nonexistent/.haplay-predicted-crontab/" + t.User
}

// userFlag runs crontab for the user unless the user is the connection's.
func (t cronTarget) crontab(args string) string {
	if t.User == "" {
		return "crontab " + args
	}
	u := hostcmd.Quote(t.User)
	return `if [ "$(id -un)" = ` + u + ` ]; then crontab ` + args + `; else crontab -u ` + u + " " + args + "; fi"
}

func (t cronTarget) readScript() string {
	if t.File != "" {
		q := hostcmd.Quote(t.File)
		return "if [ -f " + q + " ]; then " + hostscript.Mark("file") + "; cat -- " + q + " || exit 3; fi\n"
	}
	return "command -v crontab >/dev/null 2>&1 || { echo 'crontab is not installed on this host' >&2; exit 4; }\n" +
		hostscript.Mark("file") + "\n" + t.crontab("-l") + " 2>\"${TMPDIR:-/tmp}/.haplay-cron-err.$$\"; rc=$?\n" +
		"e=\"${TMPDIR:-/tmp}/.haplay-cron-err.$$\"; if [ $rc -gt 1 ]; then cat \"$e\" >&2; rm -f \"$e\"; exit 3; fi; rm -f \"$e\"\n"
}

func (Cron) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	a := c.Args
	t := cronTarget{User: a.String("user")}
	if f := a.String("cron_file"); f != "" {
		if f == "/etc/crontab" {
			return module.Result{Failed: true, Msg: "Will not manage /etc/crontab via cron_file, see documentation."}, nil
		}
		t.File = f
		if !path.IsAbs(f) {
			t.File = path.Join("/etc/cron.d", f)
		}
	}
	var r module.Result
	err := module.ReadModifyWrite(ctx, t.header(), func() error {
		var err error
		r, err = cronOnce(ctx, c, t)
		return err
	})
	return hostscript.FailedOr(r, err)
}

// cronArgErr is what the module refuses before it edits.
func cronArgErr(a module.Args, t cronTarget) string {
	present := a.String("state") == "present"
	if a.Has("special_time") {
		for _, k := range []string{"minute", "hour", "day", "month", "weekday"} {
			if a.String(k) != "*" {
				return "You must specify time and date fields or special time."
			}
		}
	}
	switch {
	case present && t.File != "" && t.User == "":
		return "To use cron_file=... parameter you must specify user=... as well"
	case present && !a.Has("job"):
		return "You must specify 'job' to install a new cron job or variable"
	case present && (a.Has("insertafter") || a.Has("insertbefore")) && !a.Bool("env"):
		return "Insertafter and insertbefore parameters are valid only with env=yes"
	case a.Bool("env") && strings.Contains(a.String("name"), " "):
		return "Invalid name for environment variable"
	}
	return ""
}

func cronOnce(ctx context.Context, c *module.Call, t cronTarget) (module.Result, error) {
	a := c.Args
	if msg := cronArgErr(a, t); msg != "" {
		return module.Result{Failed: true, Msg: msg}, nil
	}
	out, err := hostscript.Run(ctx, c, t.readScript(), nil)
	if err != nil {
		return module.Result{}, fmt.Errorf("cron: read %s: %w", t.header(), err)
	}
	if out.ExitCode != 0 {
		return module.Result{}, hostscript.Failf("%s: reading the %s failed (exit %d): %s", c.Host.Name(), t.header(), out.ExitCode, strings.TrimSpace(string(out.Stderr)))
	}
	text, exists := hostscript.Sections(out.Stdout)["file"]
	fi := module.FileInfo{Path: t.File, Exists: exists, Type: "file", Content: []byte(text), HasData: true}
	if c.Check {
		// An earlier task of the plan may have predicted this crontab:
		// a cron_file in the overlay as any file, a user's crontab under
		// a path of its own that no host has (predictedCrontab).
		pf, err := c.Host.ReadFile(ctx, t.predictedPath(), true)
		if err != nil {
			return module.Result{}, err
		}
		if pf.Exists || t.File != "" {
			fi, text = pf, string(pf.Content)
		}
	}
	ct := readCronTab(text, t.File == "")
	ct.File, ct.User = t.File != "", t.User
	changed, removeFile, err := editCron(a, ct)
	if err != nil {
		return module.Result{}, err
	}
	return applyCron(ctx, c, t, ct, fi, changed, removeFile)
}

// editCron makes the task's change on ct, as the module's main does.
func editCron(a module.Args, ct *cronTab) (changed, removeFile bool, err error) {
	name, present := a.String("name"), a.String("state") == "present"
	if a.Bool("env") {
		decl := name + `="` + a.String("job") + `"`
		i, old, found := ct.findEnv(name)
		switch {
		case present && !found:
			if err := ct.addEnv(decl, a.String("insertafter"), a.String("insertbefore")); err != nil {
				return false, false, err
			}
			changed = true
		case present && old != decl:
			ct.updateEnv(name, decl, false)
			changed = true
		case !present && found:
			_ = i
			ct.updateEnv(name, "", true)
			changed = true
		}
	} else if present {
		job := ct.jobLine(a.String("minute"), a.String("hour"), a.String("day"), a.String("month"), a.String("weekday"), a.String("job"), a.String("special_time"), a.Bool("disabled"))
		old := ct.findJob(name, job)
		if len(old) == 0 {
			ct.Lines = append(ct.Lines, cronMark+name, job)
			changed = true
		} else if old[1] != job || len(old) > 2 {
			ct.updateJob(name, job, false)
			changed = true
		}
	} else if len(ct.findJob(name, "")) > 0 {
		ct.updateJob(name, "", true)
		changed = true
		if ct.File && ct.isEmpty() {
			return changed, true, nil
		}
	}
	if !changed && ct.Existing != "" && !strings.HasSuffix(ct.Existing, "\n") && !strings.HasSuffix(ct.Existing, "\r") {
		changed = true
	}
	return changed, false, nil
}

func (ct *cronTab) addEnv(decl, after, before string) error {
	if after == "" && before == "" {
		ct.Lines = append([]string{decl}, ct.Lines...)
		return nil
	}
	other := after
	if other == "" {
		other = before
	}
	i, _, found := ct.findEnv(other)
	if !found {
		return hostscript.Failf("Variable named '%s' not found.", other)
	}
	if after != "" {
		i++
	}
	ct.Lines = append(ct.Lines[:i], append([]string{decl}, ct.Lines[i:]...)...)
	return nil
}

var cronFileNameRe = regexp.MustCompile(`(?i)^[A-Z0-9_-]+$`)

func applyCron(ctx context.Context, c *module.Call, t cronTarget, ct *cronTab, fi module.FileInfo, changed, removeFile bool) (module.Result, error) {
	r := module.Result{Changed: changed}
	after := ct.render()
	if removeFile {
		after = ""
	}
	if changed && c.Diff {
		ah := t.header()
		if removeFile {
			ah = "/dev/null"
		}
		r.Diffs = append(r.Diffs, module.Diff{BeforeHeader: t.header(), AfterHeader: ah, Before: ct.Existing, After: after})
	}
	if t.File != "" {
		r.Set("cron_file", c.Args.String("cron_file"))
		if !cronFileNameRe.MatchString(path.Base(t.File)) {
			r.Set("warnings", []any{fmt.Sprintf(`Filename portion of cron_file ("%s") should consist solely of upper- and lower-case letters, digits, underscores, and hyphens`, path.Base(t.File))})
		}
	}
	if removeFile {
		r.Changed = fi.Exists
		r.Set("state", c.Args.String("state"))
		if !c.Check && fi.Exists {
			_, err := hostscript.Run(ctx, c, "rm -f -- "+hostcmd.Quote(t.File), nil)
			return r, err
		}
		recordPredicted(c, module.FileInfo{Path: t.File})
		return r, nil
	}
	jobs, envs := ct.names()
	r.Set("jobs", jobs)
	r.Set("envs", envs)
	if !changed || c.Check {
		if changed {
			recordPredicted(c, module.FileInfo{Path: t.predictedPath(), Exists: true, Type: "file", Mode: 0o644, Content: []byte(after), HasData: true})
		}
		return r, nil
	}
	if c.Args.Bool("backup") {
		out, err := c.Host.Run(ctx, hostcmd.Cmd{Script: "set -e\nb=$(mktemp /tmp/crontabXXXXXXXX)\ncat >\"$b\"\nprintf '%s' \"$b\"", Stdin: []byte(ct.Existing), Become: c.Become})
		if err != nil || out.ExitCode != 0 {
			return r, hostscript.Failf("%s: cron backup failed: %v %s", c.Host.Name(), err, out.Stderr)
		}
		r.Set("backup_file", string(out.Stdout))
	}
	return r, writeCron(ctx, c, t, fi, after)
}

func writeCron(ctx context.Context, c *module.Call, t cronTarget, fi module.FileInfo, after string) error {
	if t.File != "" {
		err := c.Host.WriteFile(ctx, t.File, []byte(after), hostcmd.WriteOptions{Become: c.Become, Unchanged: fi.ReadState()})
		if err != nil && !errors.Is(err, hostcmd.ErrChangedSinceRead) && !hostcmd.IsUnreachable(err) {
			return hostscript.Failf("%s: writing %s failed: %v", c.Host.Name(), t.File, err)
		}
		return err
	}
	out, err := c.Host.Run(ctx, hostcmd.Cmd{Script: t.crontab("-"), Stdin: []byte(after), Become: c.Become})
	if err != nil {
		return fmt.Errorf("cron: install the %s: %w", t.header(), err)
	}
	if out.ExitCode != 0 {
		return hostscript.Failf("%s: %s", c.Host.Name(), strings.TrimSpace(string(out.Stderr)))
	}
	return nil
}

func recordPredicted(c *module.Call, f module.FileInfo) {
	if p, ok := c.Host.(module.Predictor); ok && c.Check {
		p.RecordPredicted(f)
	}
}
