package enum_test

import (
	"context"
	"net"
	"strconv"
	"sync"
	"testing"

	"github.com/miekg/dns"
	"github.com/opennpac/npac"
	"github.com/opennpac/npac/enum"
)

// million is a Resolver over one million numbers, NPA-NXX 613-200 through
// 613-299, every third one ported; like an LSMS it keeps routes for ported
// numbers only.
type million struct {
	ported    map[npac.TN]*npac.Route
	notPorted *npac.Route
}

func (m *million) Resolve(tn npac.TN) (*npac.Route, bool) {
	if tn[:4] != "6132" {
		return nil, false
	}
	if r, ok := m.ported[tn]; ok {
		return r, true
	}
	return m.notPorted, true
}

// millionTN returns the i-th number of million.
func millionTN(i int) npac.TN {
	return npac.TN("6132" + strconv.Itoa(1_000_000 + i)[1:])
}

var newMillion = sync.OnceValue(func() *million {
	m := &million{ported: make(map[npac.TN]*npac.Route, 333_334), notPorted: &npac.Route{SPID: "0001"}}
	lrns := make([]*npac.Route, 10)
	for i := range lrns {
		lrns[i] = &npac.Route{Ported: true, SPID: "0002", LRN: npac.LRN("613999000" + strconv.Itoa(i))}
	}
	for i := 0; i < 1_000_000; i += 3 {
		m.ported[millionTN(i)] = lrns[i%10]
	}
	return m
})

// benchQueries returns n NAPTR queries spread over million's numbers, a
// third of them ported.
func benchQueries(n int) []*dns.Msg {
	qs := make([]*dns.Msg, n)
	for i := range qs {
		qs[i] = query(enumName(string(millionTN(i*7919%1_000_000)), "e164.arpa."), dns.TypeNAPTR)
	}
	return qs
}

// BenchmarkServeDNS measures the handler alone: parse the name, resolve,
// pack the reply. The query is already unpacked and the reply not sent.
func BenchmarkServeDNS(b *testing.B) {
	s := &enum.Server{Resolver: newMillion(), Log: quiet}
	qs := benchQueries(4096)
	b.Run("serial", func(b *testing.B) {
		var w discard
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			s.ServeDNS(&w, qs[i%len(qs)])
			i++
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "q/s")
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			var w discard
			i := 0
			for pb.Next() {
				s.ServeDNS(&w, qs[i%len(qs)])
				i++
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "q/s")
	})
}

// BenchmarkUDP measures the real server over loopback UDP: Serve reads the
// queries in batches and answers them from their wire format. Clients wait
// for each reply before the next query, 8 of them per CPU; they share the
// CPUs with the server, so the figure is below what the server alone
// sustains. scripts/bench-enum.sh compares the server with NSD serving the
// same numbers as a static zone, loading both with the same dnsperf
// command.
func BenchmarkUDP(b *testing.B) {
	s := &enum.Server{Resolver: newMillion(), Log: quiet}
	udp, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, udp, nil) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			b.Error(err)
		}
	}()
	var packed [][]byte
	for _, q := range benchQueries(4096) {
		p, err := q.Pack()
		if err != nil {
			b.Fatal(err)
		}
		packed = append(packed, p)
	}
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		c, err := net.Dial("udp", udp.LocalAddr().String())
		if err != nil {
			b.Error(err)
			return
		}
		defer c.Close()
		buf := make([]byte, 512)
		i := 0
		for pb.Next() {
			if _, err := c.Write(packed[i%len(packed)]); err != nil {
				b.Error(err)
				return
			}
			n, err := c.Read(buf)
			if err != nil || n < 12 || buf[3]&0xf != 0 {
				b.Errorf("bad reply: %d bytes, %v", n, err)
				return
			}
			i++
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "q/s")
}
