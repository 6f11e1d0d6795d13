// Package lab makes disposable Linux hosts on this machine for tests and
// demos: each host is a set of namespaces (network, UTS, mount, PID, IPC)
// around a small PID 1 and Debian's own sshd, joined to a private bridge.
// Up writes an Ansible inventory, a client key and a known_hosts file;
// Down removes every process, link and file Up made.
package lab

import (
	"errors"
	"time"
)

// Options say how many hosts to make and where to keep their state.
type Options struct {
	// Dir holds the inventory, keys, PID files and per-host directories.
	// Empty means a fresh directory under /run, which is what tests want:
	// parallel test packages each get their own lab.
	Dir string
	// N is the number of hosts, node1..nodeN.
	N int
	// Net fixes the subnet: 10.231.Net.0/24 (1 to 255), so an inventory
	// can name the hosts' addresses ahead of time (inventories/lab does,
	// for DefaultNet). 0 takes the first free subnet, never DefaultNet.
	Net int
}

// Host is one lab host as the controller sees it.
type Host struct {
	Name string // node1, node2, ...
	IP   string // its address on the lab bridge; sshd listens on IP:22
	PID  int    // the host's PID 1, as seen from the real machine
}

// HostStatus is a host and whether it is running and answering SSH.
type HostStatus struct {
	Host
	Alive bool // its PID 1 runs
	SSH   bool // its sshd sent a banner
}

// Lab is a running set of hosts.
type Lab struct {
	Dir            string
	InventoryPath  string
	KeyPath        string // the controller's private key, authorized on every host
	KnownHostsPath string
	Bridge         string // the Linux bridge every host is plugged into
	Subnet         string // e.g. 10.231.0.0/24; the bridge holds .1

	index int
	hosts []Host
	// children are host PID 1s started by this process, reaped on Down so
	// a long-lived test binary does not collect zombies.
	children map[int]childProc
}

type childProc interface{ Wait() error }

// ErrExists is returned by Up when Dir already holds a lab.
var ErrExists = errors.New("a lab is already up in this directory")

// DefaultDir is where the haplay CLI keeps its lab unless told otherwise.
const DefaultDir = "/run/haplay-lab"

// DefaultNet is the subnet of the lab in DefaultDir: 10.231.254.0/24, host
// k at 10.231.254.(10+k). inventories/lab names these addresses, and the
// key and known_hosts in DefaultDir. Labs that take the first free subnet
// (tests) leave it alone.
const DefaultNet = 254

// Addresses: lab i uses 10.231.i.0/24, bridge hlab<i> at .1, host k at
// .(10+k) behind veth hl<i>n<k>. The names fit Linux's 15-byte limit.
const (
	netPrefix = "10.231."
	maxHosts  = 200
	firstHost = 10
)

// sshWait is how long Up waits for every sshd to answer.
const sshWait = 30 * time.Second

// Hosts returns the lab's hosts in order, node1 first.
func (l *Lab) Hosts() []Host { return append([]Host(nil), l.hosts...) }

// Host returns the host with this name or IP.
func (l *Lab) Host(nameOrIP string) (Host, bool) {
	for _, h := range l.hosts {
		if h.Name == nameOrIP || h.IP == nameOrIP {
			return h, true
		}
	}
	return Host{}, false
}
