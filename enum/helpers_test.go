package enum_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opennpac/npac"
	"github.com/opennpac/npac/enum"
)

// routes is a map-based npac.Resolver: every TN of a known NPA-NXX
// resolves, to its entry in tns or else to its code holder, unported.
type routes struct {
	codes map[npac.NPANXX]bool
	tns   map[npac.TN]*npac.Route
	calls atomic.Int64
}

func (r *routes) Resolve(tn npac.TN) (*npac.Route, bool) {
	r.calls.Add(1)
	if !r.codes[tn.NPANXX()] {
		return nil, false
	}
	if rt, ok := r.tns[tn]; ok {
		return rt, true
	}
	return &npac.Route{SPID: "0001"}, true
}

// Numbers of the test data.
const (
	ported    = "6135550100" // ported to LRN 6135559999
	notPorted = "6135550101" // in a known NPA-NXX, not ported
	badLRN    = "6135550199" // ported, but with an LRN that is not 10 digits
	unknown   = "2125550100" // NPA-NXX 212-555 is unknown
	lrn       = "6135559999"
)

func testRoutes() *routes {
	return &routes{
		codes: map[npac.NPANXX]bool{"613555": true, "415555": true},
		tns: map[npac.TN]*npac.Route{
			ported: {Ported: true, SPID: "0002", LRN: lrn},
			badLRN: {Ported: true, SPID: "0002", LRN: "61355"},
		},
	}
}

// enumName returns the ENUM name of the NANP number tn under apex.
func enumName(tn, apex string) string {
	d := "1" + tn
	var b []byte
	for i := len(d) - 1; i >= 0; i-- {
		b = append(b, d[i], '.')
	}
	return string(b) + apex
}

// syncBuffer is a bytes.Buffer safe for a logger and a test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// newServer returns a Server on testRoutes whose log goes to the returned
// buffer.
func newServer() (*enum.Server, *routes, *syncBuffer) {
	r := testRoutes()
	log := new(syncBuffer)
	return &enum.Server{Resolver: r, Log: slog.New(slog.NewTextHandler(log, nil))}, r, log
}

// listenPair binds UDP and TCP on the same free port of 127.0.0.1, as dig
// uses one port for both.
func listenPair(t testing.TB) (net.PacketConn, net.Listener, string) {
	t.Helper()
	for range 20 {
		udp, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := strconv.Itoa(udp.LocalAddr().(*net.UDPAddr).Port)
		tcp, err := net.Listen("tcp", "127.0.0.1:"+port)
		if err != nil {
			udp.Close()
			continue
		}
		return udp, tcp, port
	}
	t.Fatal("no port free for both UDP and TCP")
	return nil, nil, ""
}

// start runs s.Serve on 127.0.0.1 until the test ends, then checks that
// Serve returned nil, and returns the port.
func start(t testing.TB, s *enum.Server) string {
	t.Helper()
	udp, tcp, port := listenPair(t)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- s.Serve(ctx, udp, tcp) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-errc:
			if err != nil {
				t.Errorf("Serve returned %v, want nil", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Serve did not return 10s after its context ended")
		}
	})
	return port
}
