package template

// filters_net.go: ansible.utils' ipaddr, ipv4 and ipv6 filters (the
// netaddr-based ones, also reachable as ansible.netcommon.*) with their
// common queries, and the ip, ipv4 and ipv6 tests (Python's
// ipaddress.ip_network, strict).

import (
	"fmt"
	"math/big"
	"net/netip"
	"strconv"
	"strings"

	"github.com/haplay/haplay/engine/pyfmt"
)

// ipNet is netaddr's IPNetwork: an address with a prefix length, and
// whether the value was written as an address or as a network.
type ipNet struct {
	ip      netip.Addr
	bits    int
	network bool // written with a /prefix
	text    string
}

func (v ipNet) version() int {
	if v.ip.Is4() {
		return 4
	}
	return 6
}

func (v ipNet) width() int { return v.ip.BitLen() }

func (v ipNet) toInt(a netip.Addr) *big.Int { return new(big.Int).SetBytes(a.AsSlice()) }

func (v ipNet) fromInt(n *big.Int) netip.Addr {
	b := make([]byte, v.width()/8)
	n.FillBytes(b)
	a, _ := netip.AddrFromSlice(b)
	return a
}

func (v ipNet) size() *big.Int { return new(big.Int).Lsh(big.NewInt(1), uint(v.width()-v.bits)) }

func (v ipNet) netAddr() netip.Addr { p, _ := v.ip.Prefix(v.bits); return p.Addr() }

func (v ipNet) lastAddr() netip.Addr {
	n := new(big.Int).Add(v.toInt(v.netAddr()), v.size())
	return v.fromInt(n.Sub(n, big.NewInt(1)))
}

func (v ipNet) mask() netip.Addr {
	m := new(big.Int).Lsh(big.NewInt(1), uint(v.width()))
	m.Sub(m, big.NewInt(1))
	host := new(big.Int).Sub(v.size(), big.NewInt(1))
	return v.fromInt(m.Xor(m, host))
}

func (v ipNet) String() string { return v.ip.String() + "/" + strconv.Itoa(v.bits) }

func sizeValue(n *big.Int) any {
	if n.IsInt64() {
		return int(n.Int64())
	}
	return n
}

// parseIPNet reads an address, addr/prefix or addr/netmask; ok is false
// for anything else, as netaddr.IPNetwork fails. A number is an IPv4
// address by its integer value (IPv6 beyond 32 bits).
func parseIPNet(in any) (ipNet, bool) {
	s := strings.TrimSpace(pyfmt.Str(in))
	if n, err := strconv.ParseUint(s, 10, 64); err == nil && s != "" {
		b := new(big.Int).SetUint64(n)
		v := ipNet{ip: netip.IPv4Unspecified(), bits: 32}
		if n > 0xffffffff {
			v = ipNet{ip: netip.IPv6Unspecified(), bits: 128}
		}
		v.ip = v.fromInt(b)
		v.text = v.ip.String()
		return v, true
	}
	addr, pfx, hasPfx := strings.Cut(s, "/")
	ip, err := netip.ParseAddr(addr)
	if err != nil || ip.Zone() != "" {
		return ipNet{}, false
	}
	v := ipNet{ip: ip, bits: ip.BitLen(), network: hasPfx, text: s}
	if !hasPfx {
		return v, true
	}
	if n, err := strconv.Atoi(pfx); err == nil && n >= 0 && n <= ip.BitLen() {
		v.bits = n
		return v, true
	}
	m, err := netip.ParseAddr(pfx)
	if err != nil || m.BitLen() != ip.BitLen() {
		return ipNet{}, false
	}
	mv := ipNet{ip: m, bits: m.BitLen()}
	for b := 0; b <= m.BitLen(); b++ {
		mv.bits = b
		if mv.mask() == m {
			v.bits = b
			return v, true
		}
	}
	return ipNet{}, false
}

func netFilters() map[string]filterFunc {
	return map[string]filterFunc{
		"ipaddr": ipFilter(0, "ipaddr"),
		"ipv4":   ipFilter(4, "ipv4"),
		"ipv6":   ipFilter(6, "ipv6"),
	}
}

func ipFilter(version int, alias string) filterFunc {
	return func(r *run, in any, args []any, kw kwargs) (any, error) {
		if _, err := strict(in); err != nil {
			return nil, err
		}
		query := pyfmt.Str(argOr(args, kw, 0, "query", ""))
		return ipaddr(in, query, version, alias)
	}
}

// ipaddr is ansible.utils' ipaddr(value, query, version): a list keeps
// the items whose result is true; a value that is no address is False.
func ipaddr(in any, query string, version int, alias string) (any, error) {
	if l, ok := asList(in); ok {
		out := []any{}
		for _, it := range l {
			v, err := ipaddr(it, query, version, alias)
			if err != nil {
				return nil, err
			}
			if v != nil && v != false {
				out = append(out, v)
			}
		}
		return out, nil
	}
	if b, ok := in.(bool); in == nil || ok && b || in == "" || ok {
		return false, nil
	}
	v, ok := parseIPNet(in)
	if !ok {
		return false, nil
	}
	if version != 0 && v.version() != version {
		return false, nil
	}
	return ipQuery(v, query, alias)
}

func ipQuery(v ipNet, query, alias string) (any, error) {
	size := v.size()
	isNet := v.ip == v.netAddr()
	hasBroadcast := size.Cmp(big.NewInt(2)) > 0 || v.version() == 6 && size.Cmp(big.NewInt(1)) > 0
	switch query {
	case "":
		if v.network {
			return v.String(), nil
		}
		return v.ip.String(), nil
	case "address", "ip":
		if size.Cmp(big.NewInt(1)) == 0 || !isNet || !hasBroadcast || v.version() == 6 {
			return v.ip.String(), nil
		}
		return nil, nil
	case "host":
		if size.Cmp(big.NewInt(1)) == 0 {
			return v.String(), nil
		}
		if !isNet || !hasBroadcast {
			return v.String(), nil
		}
		return nil, nil
	case "address/prefix", "host/prefix", "gateway", "gw", "hostnet", "router":
		if size.Cmp(big.NewInt(2)) > 0 && (v.ip == v.netAddr() || v.ip == v.lastAddr()) {
			return false, nil
		}
		return v.String(), nil
	case "network", "network_id":
		return v.netAddr().String(), nil
	case "network/prefix", "subnet":
		return v.netAddr().String() + "/" + strconv.Itoa(v.bits), nil
	case "cidr":
		return v.String(), nil
	case "netmask":
		return v.mask().String(), nil
	case "hostmask", "wildcard":
		return v.fromInt(new(big.Int).Sub(v.size(), big.NewInt(1))).String(), nil
	case "prefix":
		return v.bits, nil
	case "broadcast":
		if size.Cmp(big.NewInt(2)) > 0 {
			return v.lastAddr().String(), nil
		}
		return nil, nil
	case "size":
		return sizeValue(size), nil
	case "version":
		return v.version(), nil
	case "private":
		if ipPrivate(v) {
			return v.text, nil
		}
		return nil, nil
	case "public":
		if ipPublic(v) {
			return v.text, nil
		}
		return nil, nil
	case "ipv4", "v4":
		if v.version() == 6 {
			if v.ip.Is4In6() {
				return v.ip.Unmap().String() + "/" + strconv.Itoa(v.bits-96), nil
			}
			return false, nil
		}
		return v.text, nil
	case "ipv6", "v6":
		if v.version() == 4 {
			m := netip.AddrFrom16(v.ip.As16())
			return m.String() + "/" + strconv.Itoa(v.bits+96), nil
		}
		return v.text, nil
	}
	if n, err := strconv.Atoi(query); err == nil {
		return ipNth(v, n), nil
	}
	return nil, fmt.Errorf("%s: unknown filter type: %s", alias, query)
}

// ipNth is a numeric query: the nth address of the network with its
// prefix (from the end when negative), False beyond it.
func ipNth(v ipNet, n int) any {
	size := v.size()
	if size.Cmp(big.NewInt(1)) == 0 {
		if v.network {
			return v.String()
		}
		return v.ip.String()
	}
	i := big.NewInt(int64(n))
	if n < 0 {
		i.Add(i, size)
	}
	if i.Sign() < 0 || i.Cmp(size) >= 0 {
		return false
	}
	return v.fromInt(i.Add(i, v.toInt(v.netAddr()))).String() + "/" + strconv.Itoa(v.bits)
}

func within(v ipNet, cidr string) bool {
	p := netip.MustParsePrefix(cidr)
	if p.Addr().BitLen() != v.width() || v.bits < p.Bits() {
		return false
	}
	return p.Contains(v.ip)
}

// ipPrivate is netaddr 0.8's is_private: RFC 1918 and its kin, ULA and
// site-local, and link-local.
func ipPrivate(v ipNet) bool {
	for _, c := range []string{"10.0.0.0/8", "100.64.0.0/10", "172.16.0.0/12", "192.0.0.0/24",
		"192.168.0.0/16", "198.18.0.0/15", "239.0.0.0/8", "fc00::/7", "fec0::/10",
		"169.254.0.0/16", "fe80::/10"} {
		if within(v, c) {
			return true
		}
	}
	return false
}

// ipPublic is the public query: a unicast address that is not private,
// loopback, a netmask or a hostmask.
func ipPublic(v ipNet) bool {
	a := ipNet{ip: v.ip, bits: v.width()}
	if v.ip.IsMulticast() || ipPrivate(a) || v.ip.IsLoopback() {
		return false
	}
	n := a.toInt(v.ip)
	max := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), uint(v.width())), big.NewInt(1))
	isPow2 := func(x *big.Int) bool { return new(big.Int).And(x, new(big.Int).Sub(x, big.NewInt(1))).Sign() == 0 }
	netmask := isPow2(new(big.Int).Add(new(big.Int).Xor(n, max), big.NewInt(1)))
	hostmask := isPow2(new(big.Int).Add(n, big.NewInt(1)))
	return !netmask && !hostmask
}

// netTests are ansible.utils' ip, ipv4 and ipv6 tests: Python's
// ipaddress.ip_network(value), which refuses host bits set.
func netTests() map[string]testFunc {
	test := func(version int) testFunc {
		return func(r *run, v any, args []any) (bool, error) {
			s, isStr := v.(string)
			if !isStr {
				return false, nil
			}
			if i := strings.IndexByte(s, '%'); i > 0 && strings.Contains(s[:i], ":") && !strings.Contains(s, "/") {
				s = s[:i] // ipaddress takes an IPv6 scope id
			}
			n, ok := parseIPNet(s)
			if !ok || n.network && n.ip != n.netAddr() || strings.Contains(s, "/") && !n.network {
				return false, nil
			}
			return version == 0 || n.version() == version, nil
		}
	}
	return map[string]testFunc{"ip": test(0), "ipv4": test(4), "ipv6": test(6)}
}
