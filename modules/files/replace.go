package files

import (
	"context"
	"fmt"
	"strings"

	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/modules/internal/hostscript"
)

// Replace replaces every match of a regular expression in a file
// (ansible.builtin.replace).
type Replace struct{}

var _ module.Module = Replace{}

func (Replace) Name() string { return "replace" }

func (Replace) Spec() module.Spec {
	args := []module.Arg{
		{Name: "path", Type: module.TypePath, Required: true, Aliases: []string{"dest", "destfile", "name"}, Doc: "the file to modify"},
		{Name: "regexp", Type: module.TypeStr, Required: true, Doc: "regular expression (multiline: ^ and $ match at every line)"},
		{Name: "replace", Type: module.TypeStr, Default: "", Doc: "replacement; \\1 and \\g<name> refer to groups"},
		{Name: "after", Type: module.TypeStr, Doc: "only replace after the first match of this expression"},
		{Name: "before", Type: module.TypeStr, Doc: "only replace before the last match of this expression"},
		{Name: "backup", Type: module.TypeBool, Default: false, Doc: "keep a timestamped copy of the old file"},
		{Name: "validate", Type: module.TypeStr, Doc: "command run on the new file (%s) before it replaces the old one"},
		{Name: "encoding", Type: module.TypeStr, Default: "utf-8", Doc: "file encoding; only utf-8 is supported"},
		{Name: "others", Type: module.TypeStr, Doc: "accepted for compatibility"},
	}
	return module.Spec{
		Short: "Replace all matches of a regular expression in a file",
		Description: "Python re.sub with MULTILINE over the file, or the part of it between after and before. Regular " +
			"expressions use RE2 syntax (no lookaround).",
		Args: append(args, attrArgs()...),
		Examples: `- name: Point the installer at the local registry
  ansible.builtin.replace:
    path: /opt/elma365/config.yaml
    regexp: '^registry: .*$'
    replace: 'registry: registry.local:5000'`,
	}
}

// replaceText is the module's pure part: the new text, the number of
// replacements, and a message when after/before matched nothing.
func replaceText(text, expr, repl, after, before string) (string, int, string, error) {
	re, err := compilePy("regexp", expr, "m")
	if err != nil {
		return "", 0, "", err
	}
	pattern := ""
	switch {
	case after != "" && before != "":
		pattern = after + "(?P<subsection>.*?)" + before
	case after != "":
		pattern = after + "(?P<subsection>.*)"
	case before != "":
		pattern = "(?P<subsection>.*)" + before
	}
	start, end := 0, len(text)
	if pattern != "" {
		sre, err := compilePy("after/before", pattern, "s")
		if err != nil {
			return "", 0, "", err
		}
		m := sre.FindStringSubmatchIndex(text)
		if m == nil {
			return text, 0, "Pattern for before/after params did not match the given file: " + pattern, nil
		}
		g := sre.SubexpIndex("subsection")
		start, end = m[2*g], m[2*g+1]
	}
	section := text[start:end]
	out, n := pySub(re, repl, section)
	if n == 0 || out == section {
		return text, n, "", nil
	}
	return text[:start] + out + text[end:], n, "", nil
}

func (Replace) Run(ctx context.Context, c *module.Call) (module.Result, error) {
	a := c.Args
	p := a.String("path")
	if enc := strings.ToLower(strings.ReplaceAll(a.String("encoding"), "_", "-")); enc != "utf-8" && enc != "utf8" {
		return module.Result{Failed: true, Msg: fmt.Sprintf("encoding %q is not supported: only utf-8", a.String("encoding"))}, nil
	}
	at, err := attrsOf(a)
	if err != nil {
		return module.Result{Failed: true, Msg: err.Error()}, nil
	}
	var r module.Result
	err = module.ReadModifyWrite(ctx, p, func() error {
		r = module.Result{}
		cur, err := readText(ctx, c, p)
		if err != nil {
			return err
		}
		if !cur.Exists {
			return &hostscript.Failure{Msg: fmt.Sprintf("Path %s does not exist !", p)}
		}
		text, n, msg, err := replaceText(string(cur.Content), a.String("regexp"), a.String("replace"), a.String("after"), a.String("before"))
		if err != nil {
			return &hostscript.Failure{Msg: err.Error()}
		}
		r.Msg = msg
		if text != string(cur.Content) {
			r.Msg = fmt.Sprintf("%d replacements made", n)
		}
		if err := ensureContent(ctx, c, contentWrite{Path: p, Cur: cur, Data: []byte(text), Attrs: at,
			Backup: a.Bool("backup"), Validate: a.String("validate"), Edit: true}, &r); err != nil {
			return err
		}
		r.Set("rc", 0)
		return nil
	})
	return asResult(r, err)
}
