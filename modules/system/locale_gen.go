package system

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules/internal/hostscript"
)

// LocaleGen generates or removes a locale (community.general.locale_gen).
type LocaleGen struct{}

var _ module.Module = LocaleGen{}

func (LocaleGen) Name() string { return "locale_gen" }

func (LocaleGen) Spec() module.Spec {
	return module.Spec{
		Short: "Generate or remove locales",
		Description: "As community.general.locale_gen: the locale is present when locale -a lists it. On Debian it is " +
			"uncommented (or commented out) in /etc/locale.gen and locale-gen runs; on Ubuntu (/var/lib/locales/supported.d) " +
			"locale-gen NAME runs, or the name leaves supported.d/local and locale-gen --purge runs. The list of " +
			"locales, the file and locale -a are read in one command; --diff shows /etc/locale.gen's change.",
		Args: []module.Arg{
			{Name: "name", Type: module.TypeStr, Required: true, Doc: "the locale with its encoding, as in /etc/locale.gen (de_CH.UTF-8)"},
			{Name: "state", Type: module.TypeStr, Default: "present", Choices: []string{"absent", "present"}, Doc: "whether the locale is generated"},
		},
		Examples: `- name: A German locale
  community.general.locale_gen:
    name: de_DE.UTF-8`,
	}
}

var localeNorm = strings.NewReplacer(".utf8", ".UTF-8", ".eucjp", ".EUC-JP", ".iso885915", ".ISO-8859-15", ".cp1251", ".CP1251",
	".koi8r", ".KOI8-R", ".armscii8", ".ARMSCII-8", ".euckr", ".EUC-KR", ".gbk", ".GBK", ".gb18030", ".GB18030", ".euctw", ".EUC-TW")

// localePresent is the module's is_present over locale -a's lines.
func localePresent(name, localeA string) bool {
	for _, l := range strings.Split(localeA, "\n") {
		if l != "" && localeNorm.Replace(l) == localeNorm.Replace(name) {
			return true
		}
	}
	return false
}

// localeAvailable is is_available over the list's text.
func localeAvailable(name, list string, ubuntu bool) bool {
	re := regexp.MustCompile(`^#?\s*(\S+_\S+) (\S+)\s*$`)
	if ubuntu {
		re = regexp.MustCompile(`^(\S+_\S+) (\S+)\s*$`)
	}
	for _, l := range strings.SplitAfter(list, "\n") {
		if m := re.FindStringSubmatch(l); m != nil && m[1] == name {
			return true
		}
	}
	return false
}

// setLocale is set_locale: each line's "#? NAME CHARSET" rewritten.
func setLocale(content, name string, enabled bool) (string, error) {
	re, err := regexp.Compile(`#?\s*` + name + ` (?P<charset>.+)`)
	if err != nil {
		return "", fmt.Errorf("locale name %q: %w", name, err)
	}
	repl := name + " ${charset}"
	if !enabled {
		repl = "# " + repl
	}
	lines := strings.SplitAfter(content, "\n")
	for i, l := range lines {
		body := strings.TrimSuffix(l, "\n")
		lines[i] = re.ReplaceAllString(body, repl) + l[len(body):]
	}
	return strings.Join(lines, ""), nil
}

const localeReadScript = `if [ -d /var/lib/locales/supported.d/ ]; then ` + "echo '@@haplay:ubuntu'" + `; cat /usr/share/i18n/SUPPORTED || exit 3
  if [ -f /var/lib/locales/supported.d/local ]; then echo '@@haplay:local'; cat /var/lib/locales/supported.d/local || exit 3; fi
elif [ -f /etc/locale.gen ]; then echo '@@haplay:gen'; cat /etc/locale.gen || exit 3
fi
echo '@@haplay:present'
locale -a
`

func (LocaleGen) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	var r module.Result
	err := module.ReadModifyWrite(ctx, "/etc/locale.gen", func() error {
		var err error
		r, err = localeGenOnce(ctx, c)
		return err
	})
	return hostscript.FailedOr(r, err)
}

func localeGenOnce(ctx context.Context, c *module.Call) (module.Result, error) {
	name, want := c.Args.String("name"), c.Args.String("state")
	out, err := hostscript.Run(ctx, c, localeReadScript, nil)
	if err != nil {
		return module.Result{}, fmt.Errorf("locale_gen: %w", err)
	}
	if out.ExitCode != 0 {
		return module.Result{}, hostscript.Failf("%s: reading the locales failed (exit %d): %s", c.Host.Name(), out.ExitCode, strings.TrimSpace(string(out.Stderr)))
	}
	s := hostscript.Sections(out.Stdout)
	list, ubuntu := s["ubuntu"]
	gen, debian := s["gen"]
	if !ubuntu && !debian {
		return module.Result{}, hostscript.Failf("/etc/locale.gen and /var/lib/locales/supported.d/local are missing. Is the package \"locales\" installed?")
	}
	if debian {
		list = gen
	}
	if !localeAvailable(name, list, ubuntu) {
		return module.Result{}, hostscript.Failf("The locale you've entered is not available on your system.")
	}
	prev := "absent"
	if localePresent(name, s["present"]) {
		prev = "present"
	}
	predicted := "/nonexistent/.haplay-predicted-locale/" + name
	if c.Check {
		// An earlier task of the plan may have generated or removed it:
		// the overlay keeps that under a path no host has.
		f, err := c.Host.ReadFile(ctx, predicted, true)
		if err != nil {
			return module.Result{}, err
		}
		if f.Exists {
			prev = string(f.Content)
		}
	}
	r := module.Result{Changed: prev != want}
	if r.Changed {
		recordPredicted(c, module.FileInfo{Path: predicted, Exists: true, Type: "file", Content: []byte(want), HasData: true, Size: int64(len(want))})
	}
	if !r.Changed {
		r.Set("name", name)
		r.Msg = "OK"
		return r, nil
	}
	if ubuntu {
		return r, localeUbuntu(ctx, c, name, want, s["local"])
	}
	return r, localeDebian(ctx, c, &r, name, want, gen)
}

func localeDebian(ctx context.Context, c *module.Call, r *module.Result, name, want, gen string) error {
	after, err := setLocale(gen, name, want == "present")
	if err != nil {
		return hostscript.Failf("%v", err)
	}
	if c.Diff && after != gen {
		r.Diffs = append(r.Diffs, module.Diff{BeforeHeader: "/etc/locale.gen (before)", AfterHeader: "/etc/locale.gen (after)", Before: gen, After: after})
	}
	r.Set("name", name)
	r.Msg = "OK"
	if c.Check {
		return nil
	}
	if after != gen {
		fi := module.FileInfo{Path: "/etc/locale.gen", Exists: true, Type: "file", Content: []byte(gen), HasData: true}
		if err := c.Host.WriteFile(ctx, "/etc/locale.gen", []byte(after), hostcmd.WriteOptions{Become: c.Become, Unchanged: fi.ReadState()}); err != nil {
			if errors.Is(err, hostcmd.ErrChangedSinceRead) || hostcmd.IsUnreachable(err) {
				return err
			}
			return hostscript.Failf("%s: writing /etc/locale.gen failed: %v", c.Host.Name(), err)
		}
	}
	return runLocaleGen(ctx, c, "locale-gen")
}

func localeUbuntu(ctx context.Context, c *module.Call, name, want, local string) error {
	if c.Check {
		return nil
	}
	if want == "present" {
		return runLocaleGen(ctx, c, "locale-gen "+hostcmd.Quote(name))
	}
	var kept strings.Builder
	for _, l := range strings.SplitAfter(local, "\n") {
		if f := strings.Split(strings.TrimSuffix(l, "\n"), " "); l != "" && (len(f) != 2 || f[0] != name) {
			kept.WriteString(l)
		}
	}
	if err := c.Host.WriteFile(ctx, "/var/lib/locales/supported.d/local", []byte(kept.String()), hostcmd.WriteOptions{Become: c.Become}); err != nil {
		return hostscript.Failf("%s: writing /var/lib/locales/supported.d/local failed: %v", c.Host.Name(), err)
	}
	return runLocaleGen(ctx, c, "locale-gen --purge")
}

func runLocaleGen(ctx context.Context, c *module.Call, cmd string) error {
	out, err := hostscript.Run(ctx, c, cmd+" >/dev/null", nil)
	if err != nil {
		return fmt.Errorf("locale_gen: %s: %w", cmd, err)
	}
	if out.ExitCode != 0 {
		return hostscript.Failf("%s: locale.gen failed to execute, it returned %d: %s", c.Host.Name(), out.ExitCode, strings.TrimSpace(string(out.Stderr)))
	}
	return nil
}
