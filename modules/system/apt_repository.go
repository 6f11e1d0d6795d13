package system

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/jinja"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules/internal/hostscript"
)

// AptRepository adds and removes one-line apt sources
// (ansible.builtin.apt_repository).
type AptRepository struct{}

var _ module.Module = AptRepository{}

func (AptRepository) Name() string { return "apt_repository" }

const (
	aptSourcesList = "/etc/apt/sources.list"
	aptSourcesDir  = "/etc/apt/sources.list.d"
)

func (AptRepository) Spec() module.Spec {
	return module.Spec{
		Short: "Add and remove APT repositories (one-line sources.list entries)",
		Description: "Reads /etc/apt/sources.list and every /etc/apt/sources.list.d/*.list in one command and " +
			"parses them as Ansible does. state=present enables a commented-out copy of the line where " +
			"there is one, else appends it to filename (or a file named after the repository's URI); " +
			"state=absent removes every enabled copy, and a file left without lines is deleted. As in " +
			"Ansible, a changed run writes the files back normalised (whitespace squeezed, '# ' before " +
			"disabled lines). Each write is atomic; --diff shows each file. After a change apt-get update " +
			"runs (update_cache), retried with backoff; if it keeps failing the files are put back. " +
			"ppa: repositories need Launchpad and are refused (see docs/ansible-differences.md).",
		Args: []module.Arg{
			{Name: "repo", Type: module.TypeStr, Required: true, Doc: "the source line, e.g. 'deb [signed-by=/etc/apt/keyrings/x.asc] http://host/debian bookworm main'"},
			{Name: "state", Type: module.TypeStr, Default: "present", Choices: []string{"absent", "present"}, Doc: "present adds (or enables) the line, absent removes it"},
			{Name: "mode", Type: module.TypeMode, Doc: "mode of a file a line is added to (unset: a new file gets 0644, an existing one keeps its mode)"},
			{Name: "update_cache", Type: module.TypeBool, Default: true, Aliases: []string{"update-cache"}, Doc: "run apt-get update after a change"},
			{Name: "update_cache_retries", Type: module.TypeInt, Default: 5, Doc: "how many times apt-get update is tried"},
			{Name: "update_cache_retry_max_delay", Type: module.TypeInt, Default: 12, Doc: "the longest pause in seconds between tries (1, 2, 4... up to this)"},
			{Name: "filename", Type: module.TypeStr, Doc: "the file in sources.list.d, without .list"},
			{Name: "codename", Type: module.TypeStr, Doc: "the codename of a ppa: line; haplay refuses ppa: lines, so it never applies"},
			{Name: "install_python_apt", Type: module.TypeBool, Default: true, Doc: "accepted for compatibility: haplay needs no Python apt library"},
			{Name: "validate_certs", Type: module.TypeBool, Default: true, Doc: "accepted for compatibility: it applies only to Launchpad, which ppa: lines need"},
		},
		Check: func(a module.Args, final bool) []module.ArgError {
			repo := a.String("repo")
			if jinja.IsTemplated(repo) {
				return nil
			}
			if msg := aptRepoProblem(repo); msg != "" {
				return []module.ArgError{{Arg: "repo", Msg: msg}}
			}
			return nil
		},
		Examples: `- name: A local repository, its key in a keyring of its own
  ansible.builtin.apt_repository:
    repo: deb [signed-by=/etc/apt/keyrings/internal.asc] http://127.0.0.1:8080/debian bookworm main
    filename: internal

- name: Docker's repository (the file is named download_docker_com_linux_debian.list)
  apt_repository:
    repo: "deb [arch=amd64 signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/debian {{ ansible_distribution_release }} stable"
    update_cache: false

- name: Remove a repository wherever it is listed
  apt_repository:
    repo: deb http://archive.example.org/debian bookworm contrib
    state: absent`,
	}
}

// aptRepoProblem says what is wrong with a repo string ("" if nothing).
func aptRepoProblem(repo string) string {
	switch l := parseSourceLine(repo); {
	case strings.TrimSpace(repo) == "":
		return "Please set argument 'repo' to a non-empty value"
	case strings.HasPrefix(strings.TrimSpace(repo), "ppa:"):
		return "repo " + repo + ": ppa: repositories need Launchpad (an outside address), which haplay does not contact; " +
			"give the deb line and its key (apt_key, or a keyring file with signed-by=)"
	case !l.valid:
		return "Invalid repository string: " + strings.TrimSpace(repo) + " (a source line starts with deb or deb-src)"
	case !l.enabled:
		return "Invalid repository string: " + strings.TrimSpace(repo) + " (commented out)"
	}
	return ""
}

// sourcesFile is one .list file as read, and as the plan leaves it.
type sourcesFile struct {
	info   module.FileInfo
	before []sourceLine
	lines  []sourceLine
	added  bool // a line was appended: the file gets the task's mode
	wrote  bool // written or removed, so a failed update puts it back
}

// Run reads every sources file, edits the parsed lines, writes the files
// whose text changes, and refreshes the package lists.
func (AptRepository) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	repo := c.Args.String("repo")
	if msg := aptRepoProblem(repo); msg != "" {
		return module.Result{Failed: true, Msg: msg}, nil
	}
	var r module.Result
	err := module.ReadModifyWrite(ctx, aptSourcesDir, func() error {
		var err error
		r, err = aptRepoOnce(ctx, c)
		return err
	})
	return hostscript.FailedOr(r, err)
}

func aptRepoOnce(ctx context.Context, c *module.Call) (module.Result, error) {
	a := c.Args
	files, err := readSourcesFiles(ctx, c)
	if err != nil {
		return module.Result{}, err
	}
	source := parseSourceLine(a.String("repo")).source
	target := sourcesFileFor(source, a.String("filename"), aptSourcesDir)
	files = planAptRepo(files, source, a.String("state"), target)
	r := module.Result{}
	r.Set("repo", a.String("repo"))
	r.Set("state", a.String("state"))
	changed := aptRepoDiffs(files)
	r.Changed = len(changed) > 0
	if c.Diff {
		r.Diffs = changed
	}
	if !r.Changed {
		return r, nil
	}
	mode, err := aptRepoMode(a)
	if err != nil {
		return module.Result{}, hostscript.Failf("%s: apt_repository: %v", c.Host.Name(), err)
	}
	if err := writeSourcesFiles(ctx, c, files, mode); err != nil {
		return module.Result{}, err
	}
	if c.Check || !a.Bool("update_cache") {
		return r, nil
	}
	return aptRepoUpdate(ctx, c, files, r)
}

// aptRepoMode is the mode option's bits; 0 (unset) keeps an existing
// file's mode and gives a new one 0644, as Ansible's atomic move does.
func aptRepoMode(a module.Args) (fs.FileMode, error) {
	if !a.Has("mode") {
		return 0, nil
	}
	return module.ParseMode(a.String("mode"), 0o644, false)
}

// sourcesReadScript prints each sources file as a section "file PATH":
// its mode, then its content with one newline added (so a file without a
// final newline cannot run into the next mark).
const sourcesReadScript = `for f in ` + aptSourcesList + ` ` + aptSourcesDir + `/*.list; do
  [ -f "$f" ] || continue
  printf '@@haplay:file %s\n' "$f"
  stat -c %a -- "$f" && cat -- "$f" && echo
done
exit 0
`

// readSourcesFiles reads all sources files in one command; in check mode
// the files earlier tasks predicted replace what the host has.
func readSourcesFiles(ctx context.Context, c *module.Call) ([]*sourcesFile, error) {
	out, err := hostscript.Run(ctx, c, sourcesReadScript, map[string]string{"LC_ALL": "C"})
	if err != nil {
		return nil, fmt.Errorf("read apt sources: %w", err)
	}
	if out.ExitCode != 0 {
		return nil, hostscript.Failf("%s: read apt sources failed (exit %d): %s", c.Host.Name(), out.ExitCode, strings.TrimSpace(string(out.Stderr)))
	}
	byPath, err := parseSourcesRead(out.Stdout)
	if err != nil {
		return nil, hostscript.Failf("%s: read apt sources: %v", c.Host.Name(), err)
	}
	if pl, ok := c.Host.(module.PredictionLister); ok {
		for _, dir := range []string{path.Dir(aptSourcesList), aptSourcesDir} {
			for _, f := range pl.PredictedIn(dir) {
				if f.Path == aptSourcesList || strings.HasSuffix(f.Path, ".list") && dir == aptSourcesDir {
					byPath[f.Path] = f
				}
			}
		}
	}
	paths := make([]string, 0, len(byPath))
	for p := range byPath {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var files []*sourcesFile
	for _, p := range paths {
		f := byPath[p]
		if !f.Exists || f.Type != "file" {
			continue
		}
		lines := parseSources(string(f.Content))
		files = append(files, &sourcesFile{info: f, before: lines, lines: append([]sourceLine(nil), lines...)})
	}
	return files, nil
}

// parseSourcesRead reads sourcesReadScript's output.
func parseSourcesRead(b []byte) (map[string]module.FileInfo, error) {
	out := map[string]module.FileInfo{}
	for name, body := range hostscript.Sections(b) {
		p, ok := strings.CutPrefix(name, "file ")
		if !ok {
			continue
		}
		modeText, content, ok := strings.Cut(body, "\n")
		if !ok || !strings.HasSuffix(content, "\n") {
			return nil, fmt.Errorf("%s: unreadable (%q)", p, strings.TrimSpace(body))
		}
		m, err := module.ParseMode(modeText, 0, false)
		if err != nil {
			return nil, fmt.Errorf("%s: mode: %w", p, err)
		}
		content = strings.TrimSuffix(content, "\n")
		out[p] = module.FileInfo{Path: p, Exists: true, Type: "file", Mode: m, Content: []byte(content), HasData: true, Size: int64(len(content))}
	}
	return out, nil
}

// planAptRepo edits the parsed lines as Ansible's add_source and
// remove_source do; it may add the target file.
func planAptRepo(files []*sourcesFile, source, state, target string) []*sourcesFile {
	if state == "absent" {
		for _, f := range files {
			kept := f.lines[:0:0]
			for _, l := range f.lines {
				if !(l.valid && l.enabled && l.source == source) {
					kept = append(kept, l)
				}
			}
			f.lines = kept
		}
		return files
	}
	found := false
	for _, f := range files {
		for i, l := range f.lines {
			if l.valid && l.source == source {
				f.lines[i].enabled = true
				found = true
			}
		}
	}
	if found {
		return files
	}
	var tf *sourcesFile
	for _, f := range files {
		if f.info.Path == target {
			tf = f
		}
	}
	if tf == nil {
		tf = &sourcesFile{info: module.FileInfo{Path: target}}
		files = append(files, tf)
	}
	tf.lines = append(tf.lines, sourceLine{valid: true, enabled: true, source: source})
	tf.added = true
	return files
}

// aptRepoDiffs compares each file's lines as Ansible's dump renders them
// (a file without lines is not there); one diff per file that differs.
func aptRepoDiffs(files []*sourcesFile) []module.Diff {
	var out []module.Diff
	for _, f := range files {
		before, after := dumpSources(f.before), dumpSources(f.lines)
		if before == after {
			continue
		}
		d := module.Diff{BeforeHeader: f.info.Path, AfterHeader: f.info.Path, Before: before, After: after}
		if len(f.before) == 0 {
			d.BeforeHeader = "/dev/null"
		}
		if len(f.lines) == 0 {
			d.AfterHeader = "/dev/null"
		}
		out = append(out, d)
	}
	return out
}

// writeSourcesFiles writes every file whose text changes (Ansible rewrites
// them all, normalised) and removes those left without lines.
func writeSourcesFiles(ctx context.Context, c *module.Call, files []*sourcesFile, mode fs.FileMode) error {
	for _, f := range files {
		want, opts := dumpSources(f.lines), hostcmd.WriteOptions{Become: c.Become, Unchanged: f.info.ReadState()}
		if f.added {
			opts.Mode = mode
		}
		switch {
		case len(f.lines) > 0 && (!f.info.Exists || want != string(f.info.Content) || opts.Mode != 0 && opts.Mode != f.info.Mode):
			if err := c.Host.WriteFile(ctx, f.info.Path, []byte(want), opts); err != nil {
				return fmt.Errorf("write %s: %w", f.info.Path, err)
			}
			f.wrote = true
		case len(f.lines) == 0 && f.info.Exists:
			if err := removeSourcesFile(ctx, c, f.info.Path); err != nil {
				return err
			}
			f.wrote = true
		}
	}
	return nil
}

// restoreSourcesFiles puts back what was read of every file written.
func restoreSourcesFiles(ctx context.Context, c *module.Call, files []*sourcesFile) error {
	for _, f := range files {
		switch {
		case !f.wrote:
		case f.info.Exists:
			opts := hostcmd.WriteOptions{Become: c.Become, Mode: f.info.Mode}
			if err := c.Host.WriteFile(ctx, f.info.Path, f.info.Content, opts); err != nil {
				return fmt.Errorf("write %s: %w", f.info.Path, err)
			}
		default:
			if err := removeSourcesFile(ctx, c, f.info.Path); err != nil {
				return err
			}
		}
	}
	return nil
}

func removeSourcesFile(ctx context.Context, c *module.Call, p string) error {
	if c.Check {
		if pr, ok := c.Host.(module.Predictor); ok {
			pr.RecordPredicted(module.FileInfo{Path: p})
		}
		return nil
	}
	out, err := hostscript.Run(ctx, c, "rm -f -- "+hostcmd.Quote(p), nil)
	if err != nil {
		return fmt.Errorf("remove %s: %w", p, err)
	}
	if out.ExitCode != 0 {
		return hostscript.Failf("%s: rm -f %s failed (exit %d): %s", c.Host.Name(), p, out.ExitCode, strings.TrimSpace(string(out.Stderr)))
	}
	return nil
}

// aptRepoUpdate runs apt-get update, retried with a doubling pause up to
// update_cache_retry_max_delay; when every try fails the sources files
// are put back as they were, as Ansible does.
func aptRepoUpdate(ctx context.Context, c *module.Call, files []*sourcesFile, r module.Result) (module.Result, error) {
	tries, maxDelay := max(c.Args.Int("update_cache_retries"), 1), max(c.Args.Int("update_cache_retry_max_delay"), 0)
	script := fmt.Sprintf(`i=0; d=1
while :; do
  o=$(apt-get -q update 2>&1); rc=$?
  [ $rc = 0 ] && exit 0
  i=$((i+1)); [ $i -ge %d ] && break
  [ $d -gt %d ] && d=%d
  sleep $d; d=$((d*2))
done
printf '%%s\n' "$o" >&2
exit $rc
`, tries, maxDelay, maxDelay)
	out, err := hostscript.Run(ctx, c, script, aptEnv)
	if err != nil {
		return module.Result{}, fmt.Errorf("apt-get update: %w", err)
	}
	if out.ExitCode == 0 {
		return r, nil
	}
	if err := restoreSourcesFiles(ctx, c, files); err != nil {
		return module.Result{}, fmt.Errorf("restore apt sources after a failed update: %w", err)
	}
	// apt-get's own errors (E: lines) say why; the progress lines do not.
	errs := out
	var eLines []string
	for _, ln := range strings.Split(string(out.Stderr), "\n") {
		if strings.HasPrefix(ln, "E: ") {
			eLines = append(eLines, ln)
		}
	}
	if len(eLines) > 0 {
		errs.Stderr = []byte(strings.Join(eLines, "\n"))
	}
	f := hostscript.Failed(c, "apt-get update", errs)
	f.Msg = strings.Replace(f.Msg, ": apt-get update failed", ": Failed to update apt cache: apt-get update failed", 1) +
		" (the sources files were put back)"
	f.Set("stderr", string(out.Stderr))
	return f, nil
}
