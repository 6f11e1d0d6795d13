package lab

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
)

// lockPath serialises subnet allocation between concurrent Ups (test
// packages run in parallel). The empty file is shared by every lab and
// left in place, as lock files are.
const lockPath = "/run/haplay-lab.lock"

func bridgeName(index int) string  { return fmt.Sprintf("hlab%d", index) }
func vethName(index, k int) string { return fmt.Sprintf("hl%dn%d", index, k) }
func hostIP(index, k int) string   { return fmt.Sprintf("%s%d.%d", netPrefix, index, firstHost+k) }
func subnetOf(index int) string    { return fmt.Sprintf("%s%d.0/24", netPrefix, index) }
func bridgeAddr(index int) string  { return fmt.Sprintf("%s%d.1/24", netPrefix, index) }
func linkExists(name string) bool  { _, err := net.InterfaceByName(name); return err == nil }

// linkIndex is the interface index of the link called name, if one exists.
func linkIndex(name string) (int, bool) {
	i, err := net.InterfaceByName(name)
	if err != nil {
		return 0, false
	}
	return i.Index, true
}
func hostName(k int) string { return fmt.Sprintf("node%d", k) }

// ipBatch runs ip once for many changes: one exec instead of one per link.
func ipBatch(ctx context.Context, script string, flags ...string) error {
	cmd := exec.CommandContext(ctx, "ip", append(flags, "-batch", "-")...)
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("ip -batch: %v: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// allocBridge finds a free 10.231.i.0/24 (no hlab<i> bridge, no address of
// that /24 on any interface) and creates its bridge while holding the
// lock, so the bridge itself marks the index as taken. want > 0 asks for
// exactly 10.231.want.0/24; want == 0 takes the first free one other than
// DefaultNet, which is kept for the lab inventories/lab names.
func allocBridge(ctx context.Context, want int) (int, error) {
	f, err := os.OpenFile(lockPath, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return 0, fmt.Errorf("open lock: %w", err)
	}
	defer f.Close() // also releases the lock
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return 0, fmt.Errorf("lock %s: %w", lockPath, err)
	}
	used, err := usedSubnets()
	if err != nil {
		return 0, err
	}
	candidates := []int{want}
	if want == 0 {
		candidates = nil
		for i := range 256 {
			if i != DefaultNet {
				candidates = append(candidates, i)
			}
		}
	}
	for _, i := range candidates {
		if used[i] || linkExists(bridgeName(i)) {
			continue
		}
		br := bridgeName(i)
		// No STP: ports forward at once. Only the lab's own /24 is routed;
		// nothing is forwarded to or NATed toward other interfaces.
		err := ipBatch(ctx, fmt.Sprintf("link add name %s type bridge stp_state 0\naddr add %s dev %s\nlink set %s up\n",
			br, bridgeAddr(i), br, br))
		if err != nil {
			_ = ipBatch(context.Background(), "link del "+br+"\n")
			return 0, fmt.Errorf("create bridge %s: %w", br, err)
		}
		return i, nil
	}
	if want != 0 {
		return 0, fmt.Errorf("subnet %s is in use (bridge %s, or an address in it): is a lab already up there? (haplay lab status / haplay lab down)", subnetOf(want), bridgeName(want))
	}
	return 0, fmt.Errorf("no free subnet in %s0.0/16", netPrefix)
}

// usedSubnets returns the indexes i of every 10.231.i.x address already on
// this machine, whoever put it there.
func usedSubnets() (map[int]bool, error) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, fmt.Errorf("list addresses: %w", err)
	}
	used := map[int]bool{}
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		if v4 := ipn.IP.To4(); v4 != nil && v4[0] == 10 && v4[1] == 231 {
			used[int(v4[2])] = true
		}
	}
	return used, nil
}
