package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/haplay/haplay/engine/ansiblecfg"
	"github.com/haplay/haplay/engine/inventory"
	"github.com/haplay/haplay/engine/module"
	"github.com/haplay/haplay/engine/yamlnode"
)

// inventoryOptions are the flags of `haplay inventory`, named like
// ansible-inventory's so scripts carry over.
type inventoryOptions struct {
	global  *globalOptions
	sources []string
	list    bool
	graph   bool
	host    string
	vars    bool
	group   string // optional argument of --graph
	out     io.Writer
	errOut  io.Writer
	vault   vaultOptions
}

func newInventoryCmd(g *globalOptions) *cobra.Command {
	opts := &inventoryOptions{global: g}
	cmd := &cobra.Command{
		Use:   "inventory -i SOURCE (--list | --graph [GROUP] | --host NAME)",
		Short: "Show an inventory as Ansible sees it (ansible-inventory compatible)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				if !opts.graph {
					return usageErrorf("a GROUP argument is only valid with --graph")
				}
				opts.group = args[0]
			}
			opts.out, opts.errOut = cmd.OutOrStdout(), cmd.ErrOrStderr()
			if len(opts.sources) == 0 {
				// As ansible-inventory: ansible.cfg's inventory (ANSIBLE_INVENTORY).
				cfg, err := ansiblecfg.Load(ansiblecfg.OSEnv())
				if err != nil {
					return usageErrorf("%v", err)
				}
				for _, w := range cfg.Warnings {
					fmt.Fprintln(opts.errOut, "[WARNING]: "+w)
				}
				opts.sources, _ = cfg.Paths("DEFAULT_HOST_LIST")
			}
			return runInventory(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringArrayVarP(&opts.sources, "inventory", "i", nil, "inventory source: file, directory or comma list (repeatable)")
	f.BoolVar(&opts.list, "list", false, "print all groups and host vars as JSON")
	f.BoolVar(&opts.graph, "graph", false, "print the group tree, from all or from GROUP")
	f.StringVar(&opts.host, "host", "", "print one host's vars as JSON")
	f.BoolVar(&opts.vars, "vars", false, "with --graph, show variables")
	addVaultFlags(f, &opts.vault)
	return cmd
}

func runInventory(ctx context.Context, opts *inventoryOptions) error {
	modes := 0
	for _, on := range []bool{opts.list, opts.graph, opts.host != ""} {
		if on {
			modes++
		}
	}
	if modes != 1 {
		return usageErrorf("choose exactly one of --list, --graph or --host")
	}
	if len(opts.sources) == 0 {
		return usageErrorf("no inventory: pass -i SOURCE")
	}
	if opts.vars && !opts.graph {
		return usageErrorf("--vars is only valid with --graph")
	}
	k, err := opts.vault.keyring(ctx)
	if err != nil {
		return err
	}
	inv, err := inventory.LoadWith(opts.sources, yamlnode.Reader{Vault: k})
	if err != nil {
		return parseError(err)
	}
	// What came out of a vault is printed masked, as everywhere.
	secrets := module.Secrets(k.Revealed())
	for _, w := range inv.Warnings {
		fmt.Fprintln(opts.errOut, "[WARNING]:", w)
	}
	var text string
	switch {
	case opts.list:
		b, err := inventory.MarshalAnsibleJSON(secrets.Value(inv.ToAnsibleJSON()))
		if err != nil {
			return err
		}
		text = string(b)
	case opts.graph:
		group := opts.group
		if group == "" {
			group = "all"
		}
		if text, err = inv.Graph(group, opts.vars); err != nil {
			return usageErrorf("%v", err)
		}
		text = secrets.String(text)
	default:
		hosts, _, err := inv.Match(opts.host)
		if err != nil {
			return usageErrorf("%v", err)
		}
		if len(hosts) != 1 {
			return usageErrorf("you must pass a single valid host to --host, %q matches %d", opts.host, len(hosts))
		}
		b, err := inventory.MarshalAnsibleJSON(secrets.Value(inv.ShownHostVars(hosts[0])))
		if err != nil {
			return err
		}
		text = string(b)
	}
	_, err = fmt.Fprintln(opts.out, text)
	return err
}
