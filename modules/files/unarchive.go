package files

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules/internal/hostscript"
)

// Unarchive unpacks a tar or zip archive into a directory on the host
// (ansible.builtin.unarchive). The archive comes from the controller's
// files/ (on the command's stdin), from the host (remote_src), or from a
// URL the host downloads (remote_src with ://).
type Unarchive struct{}

var _ module.Module = Unarchive{}
var _ module.ControllerFileUser = Unarchive{}

func (Unarchive) Name() string { return "unarchive" }

func (Unarchive) Spec() module.Spec {
	args := []module.Arg{
		{Name: "src", Type: module.TypePath, Required: true, Doc: "the archive: in the role's or playbook's files/, or on the host with remote_src (a URL there is downloaded by the host's curl or wget)"},
		{Name: "dest", Type: module.TypePath, Required: true, Doc: "an existing directory to unpack into"},
		{Name: "remote_src", Type: module.TypeBool, Default: false, Doc: "src is on the host (or a URL the host downloads)"},
		{Name: "copy", Type: module.TypeBool, Default: true, Doc: "the old spelling of remote_src: false is remote_src: true"},
		{Name: "creates", Type: module.TypePath, Doc: "skip the task when this path exists on the host"},
		{Name: "list_files", Type: module.TypeBool, Default: false, Doc: "return the archive's entries as files"},
		{Name: "keep_newer", Type: module.TypeBool, Default: false, Doc: "do not replace files newer than the archive's (tar's --keep-newer-files; unzip's -u)"},
		{Name: "exclude", Type: module.TypeList, Elements: module.TypeStr, Default: []any{}, Doc: "entries to leave out (globs)"},
		{Name: "include", Type: module.TypeList, Elements: module.TypeStr, Default: []any{}, Doc: "only these entries"},
		{Name: "extra_opts", Type: module.TypeList, Elements: module.TypeStr, Default: []any{}, Doc: "more options for tar or unzip (tar's --strip-components=1...)"},
		{Name: "validate_certs", Type: module.TypeBool, Default: true, Doc: "for a URL src: verify the server's TLS certificate"},
		{Name: "io_buffer_size", Type: module.TypeInt, Default: 65536, Doc: "the buffer Ansible's Python code reads zip members with; unzip and tar read as they do"},
		{Name: "decrypt", Type: module.TypeBool, Default: true, Doc: "decrypt a vaulted controller src with the run's vault ids"},
	}
	return module.Spec{
		Short: "Unpack a tar or zip archive on the host",
		Description: "Unpacks with the host's GNU tar (gzip, bzip2, xz and zstd archives too; handler TgzArchive for gzip, TarArchive for the others, as Ansible names them) or unzip, in one command " +
			"that first compares the archive with dest as Ansible does (tar --diff: missing files, modification times, " +
			"and modes and owners unless the task sets them; zip: each entry's type, mode and content, unpacked to a temp " +
			"directory) and unpacks only when they differ. mode, owner and group then apply to every entry. Check mode " +
			"runs the comparison and stops, so it predicts exactly (Ansible skips tar archives in check mode). The result " +
			"has Ansible's keys: dest, src, handler, extract_results and, with list_files, files.",
		Args:              append(args, attrArgs()...),
		MutuallyExclusive: [][]string{{"include", "exclude"}},
		Examples: `- name: Unpack a release shipped with the role
  ansible.builtin.unarchive:
    src: app-1.2.tar.gz
    dest: /opt/app
    extra_opts: [--strip-components=1]

- name: Unpack a release the host downloads
  unarchive:
    src: https://example.org/node_exporter-1.7.0.linux-amd64.tar.gz
    dest: /usr/local/lib
    remote_src: true
    creates: /usr/local/lib/node_exporter-1.7.0.linux-amd64

- name: A zip already on the host
  unarchive: {src: /tmp/site.zip, dest: /srv/www, remote_src: true, owner: www-data, group: www-data}`,
	}
}

// ControllerFiles names the controller archive unless it is on the host.
func (Unarchive) ControllerFiles(a module.Args) []module.ControllerFile {
	if isRemoteSrc(a) {
		return nil
	}
	return []module.ControllerFile{{Arg: "src", Kind: "files", Name: a.String("src")}}
}

func isRemoteSrc(a module.Args) bool {
	_, copyGiven := a["copy"]
	return a.Bool("remote_src") || (copyGiven && !a.Bool("copy"))
}

func (Unarchive) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	a := c.Args
	r := module.Result{}
	err := func() error {
		at, err := attrsOf(a)
		if err != nil {
			return &hostscript.Failure{Msg: err.Error()}
		}
		if cr := a.String("creates"); cr != "" {
			f, err := c.Host.ReadFile(ctx, cr, false)
			if err != nil {
				return err
			}
			if f.Exists {
				r.Skipped, r.SkipReason, r.Msg = true, "skipped, since "+cr+" exists", "skipped, since "+cr+" exists"
				return nil
			}
		}
		u := &unarchive{c: c, src: a.String("src"), dest: a.String("dest"), at: at}
		if !isRemoteSrc(a) {
			if u.data, u.local, err = readControllerArchive(c, u.src); err != nil {
				return err
			}
		}
		return u.run(ctx, &r)
	}()
	return asResult(r, err)
}

// readControllerArchive finds src in files/ and reads it (decrypted
// unless decrypt is false).
func readControllerArchive(c *module.Call, src string) ([]byte, string, error) {
	local, err := c.Controller.FindFile("files", src)
	if err != nil {
		return nil, "", &hostscript.Failure{Msg: fmt.Sprintf("Could not find or access '%s' on the controller: %v", src, err)}
	}
	var data []byte
	if c.Args.Bool("decrypt") {
		data, err = c.Controller.ReadFile(local)
	} else {
		data, err = os.ReadFile(local)
	}
	if err != nil {
		return nil, "", &hostscript.Failure{Msg: fmt.Sprintf("Could not read '%s': %v", local, err)}
	}
	return data, local, nil
}

// unarchive is one task's run.
type unarchive struct {
	c     *module.Call
	src   string
	dest  string
	local string // the controller file, when not remote_src
	data  []byte // its content, sent on stdin
	at    attrs
}

func (u *unarchive) run(ctx context.Context, r *module.Result) error {
	script, stdin := u.script()
	out, err := u.c.Host.Run(ctx, hostcmd.Cmd{Script: script, Stdin: stdin, Become: u.c.Become})
	if err != nil {
		return fmt.Errorf("unarchive %s: %w", u.src, err)
	}
	if out.ExitCode == 4 {
		return hostscript.Failf("%s", strings.TrimSpace(string(out.Stderr)))
	}
	if out.ExitCode != 0 {
		return hostscript.Failf("%s: unpacking %s into %s failed (exit %d): %s", u.c.Host.Name(), u.src, u.dest, out.ExitCode, strings.TrimSpace(string(out.Stderr)))
	}
	return u.report(ctx, hostscript.Sections(out.Stdout), r)
}
