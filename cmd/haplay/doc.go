package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/haplay/haplay/engine/module"
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
	m, ok := reg.Lookup(name)
	if !ok {
		msg := fmt.Sprintf("no module %q", name)
		if s := suggest.Closest(name, reg.Names()); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		return usageErrorf("%s; run 'haplay doc' for the list", msg)
	}
	writeModuleDoc(o.out, m)
	return nil
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
