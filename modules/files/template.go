package files

import (
	"context"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"time"

	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules/internal/hostscript"
)

// Template renders a template file from the controller onto the host
// (ansible.builtin.template).
type Template struct{}

var _ module.Module = Template{}
var _ module.ControllerFileUser = Template{}

func (Template) Name() string { return "template" }

func (Template) Spec() module.Spec {
	args := []module.Arg{
		{Name: "src", Type: module.TypePath, Required: true, Doc: "template in the role's or playbook's templates/"},
		{Name: "trim_blocks", Type: module.TypeBool, Default: true, Doc: "drop the first newline after a {% %} tag"},
		{Name: "lstrip_blocks", Type: module.TypeBool, Default: false, Doc: "strip blanks before a {% %} tag at the start of a line"},
		{Name: "newline_sequence", Type: module.TypeStr, Default: "\n", Choices: []string{"\n", "\r", "\r\n"}, Doc: "line ending of the rendered file"},
		{Name: "output_encoding", Type: module.TypeStr, Default: "utf-8", Doc: "only utf-8 is supported"},
		{Name: "block_start_string", Type: module.TypeStr, Default: "{%", Doc: "a tag delimiter in place of Jinja's"},
		{Name: "block_end_string", Type: module.TypeStr, Default: "%}", Doc: "a tag delimiter in place of Jinja's"},
		{Name: "variable_start_string", Type: module.TypeStr, Default: "{{", Doc: "a tag delimiter in place of Jinja's"},
		{Name: "variable_end_string", Type: module.TypeStr, Default: "}}", Doc: "a tag delimiter in place of Jinja's"},
		{Name: "comment_start_string", Type: module.TypeStr, Default: "{#", Doc: "a tag delimiter in place of Jinja's"},
		{Name: "comment_end_string", Type: module.TypeStr, Default: "#}", Doc: "a tag delimiter in place of Jinja's"},
	}
	return module.Spec{
		Short: "Render a template onto the host",
		Description: "Renders src with the task's variables (Jinja's statements: if, for, set, macro, call, include, import, extends, block, filter, with) plus template_path, " +
			"template_host, template_uid, template_fullpath, template_destpath and ansible_managed, and writes the result " +
			"like copy does: atomically, only when it differs, with a diff.",
		Args: append(args, writeArgs()...),
		Examples: `- name: HAProxy configuration
  ansible.builtin.template:
    src: haproxy.cfg.j2
    dest: /etc/haproxy/haproxy.cfg
    validate: haproxy -c -f %s`,
	}
}

func (Template) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	a := c.Args
	var r module.Result
	err := func() error {
		src := a.String("src")
		local, err := c.Controller.FindFile("templates", src)
		if err != nil {
			return &hostscript.Failure{Msg: fmt.Sprintf("Could not find or access '%s' on the controller: %v", src, err)}
		}
		text, err := c.Controller.ReadFile(local)
		if err != nil {
			return &hostscript.Failure{Msg: fmt.Sprintf("Could not read template '%s': %v", local, err)}
		}
		st, _ := os.Stat(local)
		out, err := c.Controller.RenderFile(string(text), module.TemplateOptions{Path: local,
			TrimBlocks: a.Bool("trim_blocks"), LstripBlocks: a.Bool("lstrip_blocks"),
			NewlineSequence: a.String("newline_sequence"),
			VarStart:        a.String("variable_start_string"), VarEnd: a.String("variable_end_string"),
			BlockStart: a.String("block_start_string"), BlockEnd: a.String("block_end_string"),
			CommentStart: a.String("comment_start_string"), CommentEnd: a.String("comment_end_string"),
			Vars: templateVars(local, src, a.String("dest"), st.ModTime())})
		if err != nil {
			return &hostscript.Failure{Msg: err.Error()}
		}
		return putFile(ctx, c, writeJob{Dest: a.String("dest"), Data: []byte(out), SrcMode: st.Mode(), Src: local,
			Label: a.String("dest"), BaseName: trimJ2(filepath.Base(local))}, &r)
	}()
	return asResult(r, err)
}

func trimJ2(s string) string {
	if ext := filepath.Ext(s); ext == ".j2" {
		return s[:len(s)-len(ext)]
	}
	return s
}

// templateVars are the variables Ansible's template action adds. They
// describe the template, never the run, so rendering stays idempotent
// (template_run_date is the template's modification time here).
func templateVars(local, src, dest string, mtime time.Time) map[string]any {
	host, _ := os.Hostname()
	uid := ""
	if u, err := user.Current(); err == nil {
		uid = u.Username
	}
	return map[string]any{
		"template_path":     src,
		"template_fullpath": local,
		"template_destpath": dest,
		"template_host":     host,
		"template_uid":      uid,
		"template_run_date": mtime.Format("2006-01-02 15:04:05"),
		"ansible_managed":   "Ansible managed",
	}
}

// ControllerFiles: a literal template src must exist at load.
func (Template) ControllerFiles(a module.Args) []module.ControllerFile {
	return []module.ControllerFile{{Arg: "src", Kind: "templates", Name: a.String("src")}}
}
