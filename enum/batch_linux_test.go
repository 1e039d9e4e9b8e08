package enum_test

import (
	"context"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/opennpac/npac/enum"
)

// TestBatchHelpers queues queries from several sockets before the server
// reads any, so that its first reads are full batches and it starts
// helpers, and checks every reply.
func TestBatchHelpers(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4)) // room for 3 helpers
	udp, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	udp.SetReadBuffer(1 << 20)
	addr := udp.LocalAddr().String()
	const clients, each = 4, 60
	conns := make([]net.Conn, clients)
	for i := range conns {
		c, err := net.Dial("udp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns[i] = c
		for id := range each {
			m := query(enumName(ported, "e164.arpa."), dns.TypeNAPTR)
			m.Id = uint16(id)
			p, err := m.Pack()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Write(p); err != nil {
				t.Fatal(err)
			}
		}
	}
	before := enum.HelperStarts()

	s := &enum.Server{Resolver: testRoutes(), Log: quiet}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- s.Serve(ctx, udp, nil) }()
	defer func() {
		cancel()
		if err := within(t, "Serve", func() error { return <-errc }); err != nil {
			t.Errorf("Serve returned %v", err)
		}
	}()

	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Go(func() {
			seen := make(map[uint16]bool)
			buf := make([]byte, 1024)
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			for len(seen) < each {
				n, err := c.Read(buf)
				if err != nil {
					t.Errorf("client %d: %d of %d replies: %v", i, len(seen), each, err)
					return
				}
				var m dns.Msg
				if err := m.Unpack(buf[:n]); err != nil || len(m.Answer) != 1 || seen[m.Id] {
					t.Errorf("client %d: bad or repeated reply %v, %v", i, &m, err)
					return
				}
				seen[m.Id] = true
			}
		})
	}
	wg.Wait()
	if enum.HelperStarts() == before {
		t.Error("no helper started")
	}

	// The helpers have returned; the leader alone still answers.
	got, err := dns.Exchange(query(enumName(notPorted, "e164.arpa."), dns.TypeNAPTR), addr)
	if err != nil || len(got.Answer) != 1 {
		t.Errorf("after the burst: got %v, %v, want one NAPTR", got, err)
	}
}
