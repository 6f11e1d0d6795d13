package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/haplay/haplay/engine/ansiblecfg"
)

func newConfigCmd(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Show the ansible.cfg settings and ANSIBLE_* variables haplay reads (ansible-config compatible)",
	}
	var onlyChanged bool
	dump := &cobra.Command{
		Use:   "dump",
		Short: "List the settings in effect as ansible-config dump does: NAME(ORIGIN) = VALUE",
		Long: "Lists every setting haplay honours, with where its value came from (the config file, env: VAR or\n" +
			"default), then the settings it accepts without effect, then every key of the config file and every\n" +
			"ANSIBLE_* variable it does not support, each marked so. The config file is found as Ansible finds it:\n" +
			"ANSIBLE_CONFIG, ./ansible.cfg (not in a world-writable directory), ~/.ansible.cfg, /etc/ansible/ansible.cfg.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := ansiblecfg.Load(ansiblecfg.OSEnv())
			if err != nil {
				return usageErrorf("%v", err)
			}
			for _, w := range cfg.Warnings {
				fmt.Fprintln(cmd.ErrOrStderr(), "[WARNING]: "+w)
			}
			fmt.Fprintln(cmd.OutOrStdout(), strings.Join(cfg.Dump(onlyChanged), "\n"))
			return nil
		},
	}
	dump.Flags().BoolVar(&onlyChanged, "only-changed", false, "only the settings the config file or the environment set")
	list := &cobra.Command{
		Use:   "list",
		Short: "List the settings haplay reads, where each is read from and what haplay does with it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w := cmd.OutOrStdout()
			for _, s := range ansiblecfg.Settings {
				var ini []string
				for _, k := range s.Ini {
					ini = append(ini, "["+k.Section+"] "+k.Key)
				}
				fmt.Fprintf(w, "%s\n  ini: %s\n  env: %s\n  haplay: %s\n", s.Name, strings.Join(ini, ", "), strings.Join(s.Env, ", "), s.Use)
			}
			return nil
		},
	}
	cmd.AddCommand(dump, list)
	return cmd
}
