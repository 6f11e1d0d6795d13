package system

import (
	"context"
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules/internal/hostscript"
)

// Apt manages Debian packages with apt-get and dpkg (ansible.builtin.apt).
type Apt struct{}

var _ module.Module = Apt{}

func (Apt) Name() string { return "apt" }

func (Apt) Spec() module.Spec {
	return module.Spec{
		Short: "Manage apt packages on Debian and Ubuntu",
		Description: "Installs, upgrades and removes packages with apt-get. The installed state is read " +
			"with one dpkg-query call; what would change is predicted with apt-get -s (simulate), so " +
			"check mode lists exactly the packages a real run installs, upgrades or removes, " +
			"dependencies included. With update_cache in check mode the package lists are " +
			"refreshed into a temporary directory, so the prediction sees the new lists while the " +
			"host's own lists stay untouched.",
		Args: []module.Arg{
			{Name: "name", Type: module.TypeList, Elements: module.TypeStr, Aliases: []string{"pkg", "package"},
				Doc: "package names; name=version pins a version (a trailing * matches versions by prefix)"},
			{Name: "state", Type: module.TypeStr, Default: "present", Choices: []string{"absent", "build-dep", "latest", "present", "fixed"},
				Doc: "present installs missing packages, latest also upgrades them, absent removes them, build-dep installs build dependencies, fixed repairs broken dependencies"},
			{Name: "update_cache", Type: module.TypeBool, Aliases: []string{"update-cache"}, Doc: "run apt-get update first"},
			{Name: "cache_valid_time", Type: module.TypeInt, Default: 0,
				Doc: "update the cache only when it is older than this many seconds (sets update_cache); the age is the mtime of /var/lib/apt/periodic/update-success-stamp, else of /var/lib/apt/lists"},
			{Name: "upgrade", Type: module.TypeStr, Default: "no", Choices: []string{"dist", "full", "no", "safe", "yes"},
				Doc: "yes/safe: apt-get upgrade --with-new-pkgs; full/dist: apt-get dist-upgrade"},
			{Name: "deb", Type: module.TypePath, Doc: "a .deb file on the host to install (with its dependencies)"},
			{Name: "purge", Type: module.TypeBool, Doc: "with state=absent, remove configuration files too"},
			{Name: "autoremove", Type: module.TypeBool, Doc: "remove dependencies that are no longer needed"},
			{Name: "autoclean", Type: module.TypeBool, Doc: "remove obsolete downloaded package files"},
			{Name: "clean", Type: module.TypeBool, Default: false, Doc: "run apt-get clean first (not in check mode); alone, the task ends there, changed"},
			{Name: "update_cache_retries", Type: module.TypeInt, Default: 5, Doc: "tries of apt-get update before the task fails"},
			{Name: "update_cache_retry_max_delay", Type: module.TypeInt, Default: 12, Doc: "seconds between tries at most (the delay doubles from 1)"},
			{Name: "install_recommends", Type: module.TypeBool, Aliases: []string{"install-recommends"},
				Doc: "install recommended packages too (unset: apt's own default)"},
			{Name: "force", Type: module.TypeBool, Doc: "allow unauthenticated packages, downgrades and removal of held or essential packages"},
			{Name: "allow_downgrade", Type: module.TypeBool, Aliases: []string{"allow-downgrade", "allow_downgrades", "allow-downgrades"},
				Doc: "allow installing a lower version than the installed one"},
			{Name: "allow_unauthenticated", Type: module.TypeBool, Aliases: []string{"allow-unauthenticated"}, Doc: "allow packages that cannot be authenticated"},
			{Name: "allow_change_held_packages", Type: module.TypeBool, Doc: "allow changing held packages"},
			{Name: "only_upgrade", Type: module.TypeBool, Doc: "only upgrade installed packages, never install new ones"},
			{Name: "default_release", Type: module.TypeStr, Aliases: []string{"default-release"}, Doc: "apt-get -t: the release to install from"},
			{Name: "dpkg_options", Type: module.TypeStr, Default: "force-confdef,force-confold", Doc: "comma-separated dpkg options (without --)"},
			{Name: "fail_on_autoremove", Type: module.TypeBool, Doc: "fail rather than remove packages to satisfy dependencies"},
			{Name: "lock_timeout", Type: module.TypeInt, Default: 60, Doc: "seconds to wait for the dpkg lock"},
			{Name: "force_apt_get", Type: module.TypeBool, Doc: "accepted for compatibility; apt-get is always used"},
			{Name: "policy_rc_d", Type: module.TypeInt, Doc: "accepted for compatibility; ignored"},
		},
		RequiredOneOf:     [][]string{{"name", "upgrade", "update_cache", "deb", "autoremove", "autoclean", "cache_valid_time", "clean"}},
		MutuallyExclusive: [][]string{{"deb", "name"}, {"deb", "upgrade"}},
		Examples: `- name: Refresh the package lists and upgrade everything (seed 001: apt-get update && apt-get -y upgrade)
  ansible.builtin.apt:
    update_cache: true
    upgrade: safe

- name: Install curl and a pinned haproxy
  apt:
    name: [curl, haproxy=2.6.12-1+deb12u1]
    cache_valid_time: 3600

- name: Install a local package
  apt:
    deb: /tmp/agent_1.0_amd64.deb`,
	}
}

// aptOp is the apt-get operation a run decides on, before simulating it.
type aptOp struct {
	verb  string   // install, remove, build-dep, upgrade, dist-upgrade, autoremove
	pkgs  []string // arguments after the verb
	flags []string // flags specific to the operation (--purge, --only-upgrade...)
}

// Run reads the package state (refreshing the cache if asked), plans one
// apt-get operation, simulates it to learn the exact changes, and runs it
// outside check mode.
func (Apt) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	a := c.Args
	if d := a.String("deb"); strings.Contains(d, "://") {
		return module.Result{Failed: true, Msg: "apt: deb must be a file on the host; download it first (get_url), got " + d}, nil
	}
	if a.Bool("clean") {
		if r, done, err := aptClean(ctx, c); done || err != nil {
			return r, err
		}
	}
	update := a.Bool("update_cache") || a.Int("cache_valid_time") > 0
	retry := aptRetry{tries: max(a.Int("update_cache_retries"), 1), maxDelay: a.Int("update_cache_retry_max_delay")}
	prep, err := hostscript.Run(ctx, c, aptPrepScript(c.Check, update, a.Int("cache_valid_time"), retry, a.List("name"), a.String("deb")), aptEnv)
	if err != nil {
		return module.Result{}, fmt.Errorf("read package state: %w", err)
	}
	sec := hostscript.Sections(prep.Stdout)
	lists := strings.TrimSpace(sec["lists"])
	cleanup := func() {
		if lists != "" {
			// A failed cleanup leaves a temp dir behind, nothing more.
			_, _ = hostscript.Run(ctx, c, "rm -rf -- "+hostcmd.Quote(lists), nil)
		}
	}
	defer cleanup()
	r, ok := aptPrepResult(c, sec, prep)
	if !ok {
		return r, nil
	}
	op, done := planAptOp(c, sec, parseDpkgQuery(sec["dpkg"]), r)
	if done != nil {
		return *done, nil
	}
	if op == nil {
		if a.Bool("autoclean") && !c.Check {
			if out, err := hostscript.Run(ctx, c, "apt-get -q autoclean", aptEnv); err != nil {
				return module.Result{}, err
			} else if out.ExitCode != 0 {
				return hostscript.Failed(c, "apt-get autoclean", out), nil
			}
		}
		return r, nil
	}
	argv := aptArgv(a, op)
	sim, err := aptSimulate(ctx, c, argv, lists)
	if err != nil {
		return module.Result{}, fmt.Errorf("simulate %s: %w", op.verb, err)
	}
	if sim.ExitCode != 0 {
		// Name the operation, not every -o option, so the message reads.
		return hostscript.Failed(c, strings.Join(append([]string{"apt-get -s", op.verb}, op.pkgs...), " "), sim), nil
	}
	changes := parseAptSim(string(sim.Stdout))
	if c.Diff && len(changes) > 0 {
		before, after := aptDiffText(changes)
		r.Diffs = append(r.Diffs, module.Diff{BeforeHeader: "packages (before)", AfterHeader: "packages (after)", Before: before, After: after})
	}
	r.Set("packages", aptChangeValues(changes))
	if len(changes) == 0 {
		r.Set("stdout", string(sim.Stdout))
		return r, nil
	}
	r.Changed = true
	if c.Check {
		r.Set("stdout", string(sim.Stdout))
		r.Set("stdout_lines", hostscript.Lines(strings.TrimRight(string(sim.Stdout), "\n")))
		r.Msg = fmt.Sprintf("would %s: %s", op.verb, aptSummary(changes))
		return r, nil
	}
	display := strings.Join(argv, " ")
	out, err := hostscript.Run(ctx, c, hostcmd.Join(argv), aptEnv)
	if err != nil {
		return module.Result{}, fmt.Errorf("%s: %w", display, err)
	}
	if out.ExitCode != 0 {
		return hostscript.Failed(c, display, out), nil
	}
	r.Set("stdout", string(out.Stdout))
	r.Set("stderr", string(out.Stderr))
	r.Set("stdout_lines", hostscript.Lines(strings.TrimRight(string(out.Stdout), "\n")))
	r.Set("stderr_lines", hostscript.Lines(strings.TrimRight(string(out.Stderr), "\n")))
	r.Msg = aptSummary(changes)
	return r, nil
}

// aptPrepResult starts the result with the cache's values; ok is false
// (and the result a failure) when the cache update or dpkg-query failed.
func aptPrepResult(c *module.Call, sec map[string]string, prep hostcmd.Output) (module.Result, bool) {
	r := module.Result{}
	cacheUpdated := strings.TrimSpace(sec["update_rc"]) != ""
	r.Set("cache_updated", cacheUpdated && !c.Check)
	if t, err := strconv.ParseInt(strings.Fields(sec["cache"] + " 0")[0], 10, 64); err == nil {
		r.Set("cache_update_time", t)
	}
	if rc := strings.TrimSpace(sec["update_rc"]); rc != "" && rc != "0" {
		code, _ := strconv.Atoi(rc)
		f := hostscript.Failed(c, "apt-get update", hostcmd.Output{ExitCode: code, Stderr: []byte(sec["update"])})
		f.Msg = "Failed to update apt cache: " + f.Msg
		return f, false
	}
	if prep.ExitCode != 0 {
		return hostscript.Failed(c, "dpkg-query", prep), false
	}
	return r, true
}

// planAptOp chooses the one apt-get operation (nil: none). A non-nil
// result is final: the .deb could not be read, or is installed already.
func planAptOp(c *module.Call, sec map[string]string, installed map[string]dpkgPkg, r module.Result) (*aptOp, *module.Result) {
	a := c.Args
	switch {
	case a.String("upgrade") != "no" && a.String("upgrade") != "":
		verb := "upgrade"
		flags := []string{"--with-new-pkgs"}
		if u := a.String("upgrade"); u == "full" || u == "dist" {
			verb, flags = "dist-upgrade", nil
		}
		return &aptOp{verb: verb, flags: flags}, nil
	case a.String("deb") != "":
		if strings.TrimSpace(sec["deb_rc"]) != "0" {
			code, _ := strconv.Atoi(strings.TrimSpace(sec["deb_rc"]))
			f := hostscript.Failed(c, "dpkg-deb -f "+a.String("deb")+" Package Version", hostcmd.Output{ExitCode: code, Stderr: []byte(sec["deb"])})
			return nil, &f
		}
		pkg, ver := parseDebFields(sec["deb"])
		if p, ok := installed[pkg]; ok && p.Installed && p.Version == ver && !a.Bool("force") {
			r.Msg = fmt.Sprintf("%s %s is already installed", pkg, ver)
			return nil, &r
		}
		deb := a.String("deb")
		if !strings.HasPrefix(deb, "/") && !strings.HasPrefix(deb, "./") {
			deb = "./" + deb // apt-get treats a bare name as a package name
		}
		return &aptOp{verb: "install", pkgs: []string{deb}}, nil
	case len(a.List("name")) > 0:
		return planAptNames(a.List("name"), a.String("state"), installed, a.Bool("purge")), nil
	case a.Bool("autoremove"):
		op := &aptOp{verb: "autoremove"}
		if a.Bool("purge") {
			op.flags = []string{"--purge"}
		}
		return op, nil
	}
	return nil, nil
}

// aptSimulate runs argv as apt-get -s, against the refreshed lists when
// check mode fetched them to a temporary directory.
func aptSimulate(ctx context.Context, c *module.Call, argv []string, lists string) (hostcmd.Output, error) {
	simArgv := append([]string{"apt-get", "-s"}, argv[1:]...)
	simScript := hostcmd.Join(simArgv)
	if lists != "" {
		simScript = "apt-get -s -o Dir::State::Lists=" + hostcmd.Quote(lists) + " " + hostcmd.Join(argv[1:])
	}
	if c.Check {
		// Simulation as root may otherwise refresh /var/cache/apt/*.bin.
		simScript = strings.Replace(simScript, "apt-get -s", "apt-get -s -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=", 1)
	}
	return hostscript.Run(ctx, c, simScript, aptEnv)
}

// aptEnv keeps apt from prompting and its messages parseable.
var aptEnv = map[string]string{"DEBIAN_FRONTEND": "noninteractive", "LC_ALL": "C"}

// aptPrepScript refreshes the cache when asked (in check mode into a
// temporary copy of the lists), then prints the cache time, the deb's
// fields and the installed state of the named packages, in one round trip.
// aptRetry is update_cache_retries and update_cache_retry_max_delay.
type aptRetry struct{ tries, maxDelay int }

// updateLoop runs an apt-get update command up to r.tries times, waiting
// 1, 2, 4... seconds (at most maxDelay) between tries, as Ansible's apt
// does; $rc is the last try's exit code. A list that could not be fetched
// fails the try, as it fails python-apt's cache.update() under Ansible,
// although apt-get update exits 0 for it.
func (r aptRetry) updateLoop(cmd string) string {
	return fmt.Sprintf(`  i=0; d=1
  while :; do
    o=$(%s 2>&1); rc=$?; printf '%%s\n' "$o"
    [ $rc = 0 ] && printf '%%s\n' "$o" | grep -q '^\(W: Failed to fetch\|E: \)' && rc=100
    i=$((i + 1)); [ $rc = 0 ] || [ $i -ge %d ] && break
    [ $d -gt %d ] && d=%d; sleep $d; d=$((d * 2))
  done
`, cmd, r.tries, r.maxDelay, r.maxDelay)
}

// aptClean runs apt-get clean (outside check mode). When the task asks
// for nothing else (no name, upgrade or deb), Ansible ends the task there,
// changed, whatever else it set: done is true.
func aptClean(ctx context.Context, c *module.Call) (r module.Result, done bool, err error) {
	a := c.Args
	alone := !a.Has("name") && !a.Has("deb") && (a.String("upgrade") == "" || a.String("upgrade") == "no")
	if c.Check {
		return module.Result{Changed: true}, alone, nil
	}
	out, err := hostscript.Run(ctx, c, "apt-get clean", aptEnv)
	if err != nil {
		return module.Result{}, true, fmt.Errorf("apt-get clean: %w", err)
	}
	if out.ExitCode != 0 {
		return hostscript.Failed(c, "apt-get clean", out), true, nil
	}
	return module.Result{Changed: true, Msg: string(out.Stdout), Values: map[string]any{"stdout": string(out.Stdout), "stderr": string(out.Stderr)}}, alone, nil
}

func aptPrepScript(check, update bool, validTime int, retry aptRetry, names []string, deb string) string {
	var b strings.Builder
	b.WriteString(`stamp=/var/lib/apt/periodic/update-success-stamp
[ -e "$stamp" ] || stamp=/var/lib/apt/lists
m=$(stat -c %Y "$stamp" 2>/dev/null || echo 0)
now=$(date +%s)
` + hostscript.Mark("cache") + `
echo "$m $now"
`)
	if update {
		fmt.Fprintf(&b, "if [ %d -le 0 ] || [ $((now - m)) -ge %d ]; then\n", validTime, validTime)
		if check {
			// The real lists stay as they are; the simulation reads the copy.
			b.WriteString(`  L=$(mktemp -d /tmp/haplay-apt-lists.XXXXXX)
  cp -a /var/lib/apt/lists/. "$L"/ 2>/dev/null; rm -f "$L/lock"; mkdir -p "$L/partial"
  ` + hostscript.Mark("lists") + `
  echo "$L"
  ` + hostscript.Mark("update") + "\n" +
				retry.updateLoop(`apt-get -q -o Dir::State::Lists="$L" -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= update`))
		} else {
			b.WriteString(`  ` + hostscript.Mark("update") + "\n" + retry.updateLoop("apt-get -q update"))
		}
		b.WriteString(`  ` + hostscript.Mark("update_rc") + `
  echo $rc
`)
		if !check {
			// Debian has no update-success-stamp hook: touch the lists
			// dir so cache_valid_time measures from this update.
			b.WriteString("  [ $rc = 0 ] && [ \"$stamp\" = /var/lib/apt/lists ] && touch /var/lib/apt/lists\n")
		}
		b.WriteString("fi\n")
	}
	pkgs := make([]string, 0, len(names))
	for _, n := range names {
		pkgs = append(pkgs, aptBaseName(n))
	}
	if deb != "" {
		b.WriteString("p=$(dpkg-deb -f " + hostcmd.Quote(deb) + " Package Version 2>&1); rc=$?\n" +
			hostscript.Mark("deb") + "\nprintf '%s\\n' \"$p\"\n" + hostscript.Mark("deb_rc") + "\necho $rc\n" +
			"[ $rc = 0 ] && set -- \"$(printf '%s\\n' \"$p\" | sed -n 's/^Package: //p')\"\n")
	} else {
		b.WriteString("set -- " + hostscript.QuoteAll(pkgs) + "\n")
	}
	b.WriteString(hostscript.Mark("dpkg") + "\n")
	// dpkg-query exits 1 when a name is unknown to dpkg: that is "not installed".
	b.WriteString("[ $# -gt 0 ] && dpkg-query -W -f '${Package}\\t${Status}\\t${Version}\\n' \"$@\" 2>/dev/null\nexit 0\n")
	return b.String()
}

// dpkgPkg is one line of dpkg-query -W -f '${Package}\t${Status}\t${Version}\n'.
type dpkgPkg struct {
	Name, Status, Version string
	Installed             bool // "install ok installed"
	ConfigFiles           bool // removed, configuration left ("deinstall ok config-files")
}

func parseDpkgQuery(s string) map[string]dpkgPkg {
	out := map[string]dpkgPkg{}
	for _, ln := range strings.Split(s, "\n") {
		f := strings.Split(ln, "\t")
		if len(f) < 3 || f[0] == "" {
			continue
		}
		st := strings.Fields(f[1])
		p := dpkgPkg{Name: f[0], Status: f[1], Version: f[2]}
		if len(st) == 3 {
			p.Installed = st[2] == "installed"
			p.ConfigFiles = st[2] == "config-files"
		}
		if !p.Installed {
			p.Version = "" // dpkg keeps the old version of removed packages
		}
		// With multiarch, one name may print several lines; an installed
		// one wins.
		if prev, ok := out[p.Name]; ok && prev.Installed {
			continue
		}
		out[p.Name] = p
	}
	return out
}

// parseDebFields reads dpkg-deb -f FILE Package Version output.
func parseDebFields(s string) (pkg, ver string) {
	for _, ln := range strings.Split(s, "\n") {
		if v, ok := strings.CutPrefix(ln, "Package: "); ok {
			pkg = strings.TrimSpace(v)
		}
		if v, ok := strings.CutPrefix(ln, "Version: "); ok {
			ver = strings.TrimSpace(v)
		}
	}
	return pkg, ver
}

// aptBaseName strips a version pin (name=1.0) and an architecture
// qualifier (name:amd64) from a package spec.
func aptBaseName(spec string) string {
	n, _, _ := strings.Cut(spec, "=")
	n, _, _ = strings.Cut(n, ":")
	return n
}

// planAptNames decides which named packages need an apt-get operation,
// from their installed state. The simulation then says exactly what
// that operation does (dependencies, upgrades); nil means nothing to do.
func planAptNames(names []string, state string, installed map[string]dpkgPkg, purge bool) *aptOp {
	switch state {
	case "absent":
		var pkgs []string
		for _, n := range names {
			p := installed[aptBaseName(n)]
			if p.Installed || (purge && p.ConfigFiles) {
				pkgs = append(pkgs, aptBaseName(n))
			}
		}
		if len(pkgs) == 0 {
			return nil
		}
		op := &aptOp{verb: "remove", pkgs: pkgs}
		if purge {
			op.flags = append(op.flags, "--purge")
		}
		return op
	case "build-dep":
		return &aptOp{verb: "build-dep", pkgs: names}
	case "latest":
		// apt-get install upgrades installed packages to the candidate;
		// the simulation tells whether any is out of date.
		return &aptOp{verb: "install", pkgs: names}
	}
	var pkgs []string
	for _, n := range names {
		p := installed[aptBaseName(n)]
		_, pin, pinned := strings.Cut(n, "=")
		if p.Installed && (!pinned || versionMatches(pin, p.Version)) {
			continue
		}
		pkgs = append(pkgs, n)
	}
	if state == "fixed" {
		return &aptOp{verb: "install", pkgs: pkgs, flags: []string{"--fix-broken"}}
	}
	if len(pkgs) == 0 {
		return nil
	}
	return &aptOp{verb: "install", pkgs: pkgs}
}

// versionMatches compares a pin with an installed version; a pin may end
// in * to match by prefix (as apt's own pins do).
func versionMatches(pin, installed string) bool {
	if strings.ContainsAny(pin, "*?[") {
		ok, _ := path.Match(pin, installed)
		return ok
	}
	return pin == installed
}

// aptArgv builds the apt-get command line for op with the task's options.
func aptArgv(a module.Args, op *aptOp) []string {
	argv := []string{"apt-get", "-y", "-q"}
	for _, o := range module.SplitCommaList(a.String("dpkg_options")) {
		argv = append(argv, "-o", "Dpkg::Options::=--"+o)
	}
	if t := a.Int("lock_timeout"); t > 0 {
		argv = append(argv, "-o", "DPkg::Lock::Timeout="+strconv.Itoa(t))
	}
	if a.Has("install_recommends") && op.verb != "remove" && op.verb != "autoremove" {
		if a.Bool("install_recommends") {
			argv = append(argv, "--install-recommends")
		} else {
			argv = append(argv, "--no-install-recommends")
		}
	}
	if a.Bool("force") {
		argv = append(argv, "--allow-unauthenticated", "--allow-downgrades", "--allow-remove-essential", "--allow-change-held-packages")
	} else {
		if a.Bool("allow_downgrade") {
			argv = append(argv, "--allow-downgrades")
		}
		if a.Bool("allow_unauthenticated") {
			argv = append(argv, "--allow-unauthenticated")
		}
		if a.Bool("allow_change_held_packages") {
			argv = append(argv, "--allow-change-held-packages")
		}
	}
	if r := a.String("default_release"); r != "" {
		argv = append(argv, "-t", r)
	}
	if a.Bool("only_upgrade") && op.verb == "install" {
		argv = append(argv, "--only-upgrade")
	}
	if a.Bool("autoremove") && (op.verb == "install" || op.verb == "remove") {
		argv = append(argv, "--auto-remove")
	}
	if a.Bool("fail_on_autoremove") {
		argv = append(argv, "--no-remove")
	}
	argv = append(argv, op.flags...)
	argv = append(argv, op.verb)
	return append(argv, op.pkgs...)
}

// aptChange is one package change from apt-get -s output.
type aptChange struct {
	Op   string // Inst, Remv, Purg
	Pkg  string
	From string // installed version, "" when new
	To   string // new version, "" when removed
}

// parseAptSim reads the Inst/Remv/Purg lines of apt-get -s:
//
//	Inst hello (1.0 local [all])
//	Inst hello [0.9] (1.0 local [all])
//	Remv hello [1.0]
//	Purg hello [1.0]
func parseAptSim(s string) []aptChange {
	var out []aptChange
	for _, ln := range strings.Split(s, "\n") {
		f := strings.Fields(ln)
		if len(f) < 2 || (f[0] != "Inst" && f[0] != "Remv" && f[0] != "Purg") {
			continue
		}
		ch := aptChange{Op: f[0], Pkg: f[1]}
		rest := f[2:]
		if len(rest) > 0 && strings.HasPrefix(rest[0], "[") {
			ch.From = strings.Trim(rest[0], "[]")
			rest = rest[1:]
		}
		if len(rest) > 0 && strings.HasPrefix(rest[0], "(") {
			ch.To = strings.TrimPrefix(rest[0], "(")
		}
		out = append(out, ch)
	}
	return out
}

func aptDiffText(changes []aptChange) (before, after string) {
	var b, a strings.Builder
	for _, ch := range changes {
		from, to := ch.From, ch.To
		if from == "" {
			from = "absent"
		}
		switch ch.Op {
		case "Remv":
			to = "absent"
		case "Purg":
			to = "absent (purged)"
		}
		fmt.Fprintf(&b, "%s: %s\n", ch.Pkg, from)
		fmt.Fprintf(&a, "%s: %s\n", ch.Pkg, to)
	}
	return b.String(), a.String()
}

func aptChangeValues(changes []aptChange) []any {
	out := []any{}
	for _, ch := range changes {
		out = append(out, map[string]any{"name": ch.Pkg, "op": map[string]string{"Inst": "install", "Remv": "remove", "Purg": "purge"}[ch.Op], "from": ch.From, "to": ch.To})
	}
	return out
}

// aptSummary is "installed hello 1.0, removed foo 2.0".
func aptSummary(changes []aptChange) string {
	var parts []string
	for _, ch := range changes {
		switch {
		case ch.Op == "Inst" && ch.From == "":
			parts = append(parts, "install "+ch.Pkg+" "+ch.To)
		case ch.Op == "Inst":
			parts = append(parts, "upgrade "+ch.Pkg+" "+ch.From+" -> "+ch.To)
		case ch.Op == "Remv":
			parts = append(parts, "remove "+ch.Pkg+" "+ch.From)
		default:
			parts = append(parts, "purge "+ch.Pkg+" "+ch.From)
		}
	}
	return strings.Join(parts, ", ")
}
