package e2e

import (
	"net"
	"net/http"
	"testing"

	"github.com/haplay/haplay/engine/lab"
	"github.com/haplay/haplay/internal/simstate"
)

// SimState serves the tool simulators' shared state on the lab bridge's
// address (.1), the one address every lab host reaches, until the test
// ends, and returns its URL.
func SimState(t testing.TB, l *lab.Lab) string {
	t.Helper()
	ip, _, err := net.ParseCIDR(l.Subnet)
	if err != nil {
		t.Fatal(err)
	}
	ip = ip.To4()
	ip[3] = 1
	ln, err := net.Listen("tcp", ip.String()+":0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: &simstate.Server{}}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String()
}
