package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/haplay/haplay/engine/lab"
	"github.com/spf13/cobra"
)

// labOptions are the flags every lab subcommand shares.
type labOptions struct {
	dir string
	out io.Writer
}

type labUpOptions struct {
	labOptions
	n   int
	net int // -1: DefaultNet in DefaultDir, else the first free subnet
}

func newLabCmd(g *globalOptions) *cobra.Command {
	o := labOptions{out: os.Stdout}
	def := os.Getenv("HAPLAY_LAB_DIR")
	if def == "" {
		def = lab.DefaultDir
	}
	cmd := &cobra.Command{
		Use:   "lab",
		Short: "Disposable local hosts (namespaces + sshd) for tests and demos; needs Linux and root",
	}
	cmd.PersistentFlags().StringVar(&o.dir, "dir", def, "lab state directory (inventory.ini, id_ed25519, known_hosts); env HAPLAY_LAB_DIR")

	net := -1
	up := &cobra.Command{
		Use:   "up N",
		Short: "Start N hosts and write inventory.ini, id_ed25519 and known_hosts",
		Long: "Start N hosts, node1..nodeN, and write inventory.ini, id_ed25519 and known_hosts in the state directory.\n" +
			"The lab in the default directory (" + lab.DefaultDir + ") always has the subnet 10.231." + strconv.Itoa(lab.DefaultNet) + ".0/24,\n" +
			"node K at 10.231." + strconv.Itoa(lab.DefaultNet) + ".(10+K): inventories/lab names those addresses, so with 4 hosts\n" +
			"`haplay run playbooks/site.yml -i inventories/lab` reaches it. Other directories take the first free subnet.",
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			n, err := strconv.Atoi(args[0])
			if err != nil || n < 1 {
				return usageErrorf("lab up: N must be a positive number, not %q", args[0])
			}
			if net < -1 || net > 255 {
				return usageErrorf("lab up: --net %d: want 1 to 255 (10.231.N.0/24), or 0 for the first free subnet", net)
			}
			return runLabUp(c.Context(), labUpOptions{labOptions: o, n: n, net: net})
		},
	}
	up.Flags().IntVar(&net, "net", -1, "use the subnet 10.231.N.0/24 (0: the first free one; default: "+strconv.Itoa(lab.DefaultNet)+" in "+lab.DefaultDir+", else the first free one)")
	down := &cobra.Command{
		Use:   "down",
		Short: "Stop every lab host and remove what up made",
		Args:  cobra.NoArgs,
		RunE:  func(c *cobra.Command, _ []string) error { return runLabDown(o) },
	}
	status := &cobra.Command{
		Use:   "status",
		Short: "List lab hosts, their IPs and PIDs, and whether they run and answer SSH",
		Args:  cobra.NoArgs,
		RunE:  func(c *cobra.Command, _ []string) error { return runLabStatus(c.Context(), o) },
	}
	cmd.AddCommand(up, down, status)
	_ = g // lab has no use for log flags yet
	return cmd
}

func runLabUp(ctx context.Context, o labUpOptions) error {
	start := time.Now()
	net := o.net
	if net < 0 {
		net = 0
		if abs, err := filepath.Abs(o.dir); err == nil && abs == lab.DefaultDir {
			net = lab.DefaultNet
		}
	}
	l, err := lab.Up(ctx, lab.Options{Dir: o.dir, N: o.n, Net: net})
	if err != nil {
		return fmt.Errorf("lab up: %w", err)
	}
	fmt.Fprintf(o.out, "%d hosts up in %.1fs on %s (%s)\n", o.n, time.Since(start).Seconds(), l.Bridge, l.Subnet)
	fmt.Fprintf(o.out, "inventory:   %s\nkey:         %s\nknown_hosts: %s\n", l.InventoryPath, l.KeyPath, l.KnownHostsPath)
	fmt.Fprintf(o.out, "try: ssh -i %s -o UserKnownHostsFile=%s root@%s hostname\n", l.KeyPath, l.KnownHostsPath, l.Hosts()[0].IP)
	return nil
}

func runLabDown(o labOptions) error {
	l, err := lab.Load(o.dir)
	if err != nil {
		return fmt.Errorf("lab down: %w", err)
	}
	if err := l.Down(); err != nil {
		return fmt.Errorf("lab down: %w", err)
	}
	fmt.Fprintf(o.out, "lab in %s is down\n", o.dir)
	return nil
}

func runLabStatus(ctx context.Context, o labOptions) error {
	l, err := lab.Load(o.dir)
	if err != nil {
		return fmt.Errorf("lab status: %w", err)
	}
	tw := tabwriter.NewWriter(o.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "HOST\tIP\tPID\tALIVE\tSSH")
	for _, s := range l.Status(ctx) {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%v\t%v\n", s.Name, s.IP, s.PID, s.Alive, s.SSH)
	}
	return tw.Flush()
}
