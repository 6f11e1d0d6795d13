package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/haplay/haplay/engine/catalog"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/engine/playbook"
	"github.com/haplay/haplay/engine/suggest"
	"github.com/haplay/haplay/modules"
)

type docOptions struct {
	global *globalOptions
	out    io.Writer
}

func newDocCmd(g *globalOptions) *cobra.Command {
	o := &docOptions{global: g}
	return &cobra.Command{
		Use:   "doc [MODULE]",
		Short: "List the modules, or show one module's arguments and examples",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.out = cmd.OutOrStdout()
			name := ""
			if len(args) == 1 {
				name = args[0]
			}
			return runDoc(cmd.Context(), name, o)
		},
	}
}

func runDoc(_ context.Context, name string, o *docOptions) error {
	reg := modules.Builtin()
	if name == "" {
		for _, n := range reg.Names() {
			m, _ := reg.Lookup(n)
			fmt.Fprintf(o.out, "%-22s %s\n", n, m.Spec().Short)
		}
		return nil
	}
	cat := catalog.New()
	m, ok := reg.Lookup(name)
	if !ok {
		if fqcn, known := cat.Resolve(name, nil); known {
			writeAnsibleOnlyDoc(o.out, name, fqcn, cat)
			return nil
		}
		msg := fmt.Sprintf("no module %q", name)
		if s := suggest.Closest(name, reg.Names()); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		return usageErrorf("%s; run 'haplay doc' for the list", msg)
	}
	writeModuleDoc(o.out, m)
	writeMissingArgs(o.out, m, cat)
	return nil
}

// pseudoArgs are what Ansible's documentation lists as options but are
// the way a task is written: command's free form, set_fact's key=value.
var pseudoArgs = map[string]bool{"free_form": true, "free-form": true, "key_value": true}

// writeMissingArgs lists the arguments Ansible's module has and haplay's
// does not (by name or alias), so that a user knows before a task needs one.
func writeMissingArgs(w io.Writer, m module.Module, cat *catalog.Catalog) {
	fqcn, ok := cat.Resolve(m.Name(), nil)
	if !ok {
		return // haplay's own module (rollouts, haproxy_backend...)
	}
	spec, _ := cat.Spec(fqcn)
	core, _ := cat.Versions()
	var missing []string
	for name, opt := range spec.Options {
		if _, have := m.Spec().Lookup(name); have || pseudoArgs[name] {
			continue
		}
		found := false
		for _, a := range opt.Aliases {
			_, found = m.Spec().Lookup(a)
			if found {
				break
			}
		}
		if !found {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	fmt.Fprintf(w, "\nNOT IMPLEMENTED\n")
	if len(missing) == 0 {
		fmt.Fprintf(w, "  none: every argument of %s (ansible-core %s) is here\n", fqcn, core)
		return
	}
	fmt.Fprintf(w, "  arguments of %s (ansible-core %s) that haplay lacks; a task that sets one fails to load:\n%s\n",
		fqcn, core, indent(wrap(strings.Join(missing, ", "), 74), "    "))
}

// writeAnsibleOnlyDoc is the page of a module Ansible has and haplay does
// not: a task may name it (it loads with a warning) but fails if it runs.
func writeAnsibleOnlyDoc(w io.Writer, name, fqcn string, cat *catalog.Catalog) {
	spec, _ := cat.Spec(fqcn)
	fmt.Fprintf(w, "%s: %s\n\n", strings.ToUpper(name), playbook.NotImplementedMsg(name, fqcn))
	fmt.Fprintln(w, "ARGUMENTS (as Ansible documents them)")
	names := make([]string, 0, len(spec.Options))
	for n := range spec.Options {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		o := spec.Options[n]
		attrs := []string{o.Type}
		if o.Type == "" {
			attrs[0] = "str"
		}
		if o.Required {
			attrs = append(attrs, "required")
		}
		if len(o.Aliases) > 0 {
			attrs = append(attrs, "aliases: "+strings.Join(o.Aliases, ", "))
		}
		fmt.Fprintf(w, "  %s (%s)\n", n, strings.Join(attrs, "; "))
	}
}

// writeModuleDoc prints a module's page: summary, arguments with types,
// defaults, choices and aliases, and examples.
func writeModuleDoc(w io.Writer, m module.Module) {
	s := m.Spec()
	fmt.Fprintf(w, "%s: %s\n", strings.ToUpper(m.Name()), s.Short)
	fmt.Fprintf(w, "  also: ansible.builtin.%s and the other collection names that map to it\n\n", m.Name())
	if s.Description != "" {
		fmt.Fprintf(w, "%s\n\n", wrap(s.Description, 78))
	}
	fmt.Fprintln(w, "ARGUMENTS")
	args := append([]module.Arg{}, s.Args...)
	sort.SliceStable(args, func(i, j int) bool { return args[i].Required && !args[j].Required })
	for _, a := range args {
		var attrs []string
		attrs = append(attrs, string(a.Type))
		if a.Elements != "" {
			attrs[0] += " of " + string(a.Elements)
		}
		if a.Required {
			attrs = append(attrs, "required")
		}
		if a.Default != nil {
			attrs = append(attrs, fmt.Sprintf("default: %v", a.Default))
		}
		if len(a.Choices) > 0 {
			attrs = append(attrs, "choices: "+strings.Join(a.Choices, ", "))
		}
		if len(a.Aliases) > 0 {
			attrs = append(attrs, "aliases: "+strings.Join(a.Aliases, ", "))
		}
		if a.Name == s.FreeForm {
			attrs = append(attrs, "free form")
		}
		fmt.Fprintf(w, "  %s (%s)\n", a.Name, strings.Join(attrs, "; "))
		if a.Doc != "" {
			fmt.Fprintf(w, "      %s\n", a.Doc)
		}
	}
	if s.AnyArgs {
		fmt.Fprintln(w, "  any other name: a variable to set")
	}
	for _, g := range s.MutuallyExclusive {
		fmt.Fprintf(w, "  mutually exclusive: %s\n", strings.Join(g, ", "))
	}
	for _, g := range s.RequiredOneOf {
		fmt.Fprintf(w, "  one of these is required: %s\n", strings.Join(g, ", "))
	}
	if s.Examples != "" {
		fmt.Fprintf(w, "\nEXAMPLES\n%s\n", indent(s.Examples, "  "))
	}
}

func wrap(s string, width int) string {
	var b strings.Builder
	n := 0
	for _, word := range strings.Fields(s) {
		if n > 0 && n+1+len(word) > width {
			b.WriteString("\n")
			n = 0
		} else if n > 0 {
			b.WriteString(" ")
			n++
		}
		b.WriteString(word)
		n += len(word)
	}
	return b.String()
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "\n")
}
