package enum_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/opennpac/npac/enum"
)

// The UDP server reads queries in batches and answers the common ones from
// their wire format (replyWire), every other one as a miekg/dns server with
// the Server as handler would (replyPacket). These tests check that the
// two agree on every packet, that the real server answers as a miekg/dns
// server does, and the batch loop itself: many clients at once, malformed
// packets, and wildcard addresses.

// packet is a UDP payload for the tests.
type packet struct {
	name  string
	p     []byte
	plain bool // replyWire answers it itself
}

// header returns a 12-byte header with id 0x1234, the given flags and
// counts.
func header(bits uint16, qd, an, ns, ar uint16) []byte {
	h := make([]byte, 12)
	binary.BigEndian.PutUint16(h[0:], 0x1234)
	binary.BigEndian.PutUint16(h[2:], bits)
	binary.BigEndian.PutUint16(h[4:], qd)
	binary.BigEndian.PutUint16(h[6:], an)
	binary.BigEndian.PutUint16(h[8:], ns)
	binary.BigEndian.PutUint16(h[10:], ar)
	return h
}

// wireName returns name in wire format, uncompressed.
func wireName(t testing.TB, name string) []byte {
	t.Helper()
	b := make([]byte, 256)
	n, err := dns.PackDomainName(name, b, 0, nil, false)
	if err != nil {
		t.Fatalf("pack %q: %v", name, err)
	}
	return b[:n]
}

// labels returns a wire-format name of labels of the given lengths.
func labels(lens ...int) []byte {
	var b []byte
	for _, l := range lens {
		b = append(b, byte(l))
		b = append(b, strings.Repeat("7", l)...)
	}
	return append(b, 0)
}

// corpus returns queries of every kind the server meets: the plain ones
// replyWire answers and the ones it leaves to replyPacket.
func corpus(t testing.TB) []packet {
	var out []packet
	add := func(name string, plain bool, m *dns.Msg) {
		t.Helper()
		p, err := m.Pack()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out = append(out, packet{name, p, plain})
	}
	raw := func(name string, plain bool, parts ...[]byte) {
		out = append(out, packet{name, bytes.Join(parts, nil), plain})
	}
	names := []string{
		enumName(ported, "e164.arpa."), enumName(notPorted, "e164.arpa."), enumName(badLRN, "e164.arpa."),
		enumName(unknown, "e164.arpa."), enumName("6130550100", "e164.arpa."), enumName(ported, "other.example."),
		"0.0.1.0.5.5.5.3.1.6.1.E164.aRpA.", "3.1.6.1.e164.arpa.", "0.1.0.5.5.5.2.1.2.1.e164.arpa.",
		"1.3.1.6.1.e164.arpa.", "1.e164.arpa.", "e164.arpa.", "E164.ARPA.", "arpa.", ".", "example.com.",
		"1xe164.arpa.", "a.0.1.0.5.5.5.3.1.6.1.e164.arpa.", "00.1.0.5.5.5.3.1.6.1.e164.arpa.",
		"1." + enumName(ported, "e164.arpa."), "0.0.1.0.5.5.5.3.1.6.4.4.e164.arpa.", "x-y_z*$!~.e164.arpa.",
	}
	types := []uint16{dns.TypeNAPTR, dns.TypeANY, dns.TypeSOA, dns.TypeNS, dns.TypeA, dns.TypeTXT, dns.TypeAXFR, dns.TypeIXFR}
	for _, name := range names {
		for _, qt := range types {
			add(name+" "+dns.TypeToString[qt], true, query(name, qt))
		}
	}
	name := enumName(ported, "e164.arpa.")
	q := func(f func(m *dns.Msg)) *dns.Msg {
		m := query(name, dns.TypeNAPTR)
		f(m)
		return m
	}
	add("no RD, CD", true, q(func(m *dns.Msg) { m.RecursionDesired, m.CheckingDisabled = false, true }))
	add("AA TC RA Z AD and an RCODE set", true, q(func(m *dns.Msg) {
		m.Authoritative, m.Truncated, m.RecursionAvailable, m.Zero, m.AuthenticatedData = true, true, true, true, true
		m.Rcode = dns.RcodeRefused
	}))
	add("EDNS with DO", true, q(func(m *dns.Msg) { m.SetEdns0(4096, true) }))
	add("EDNS without DO", true, q(func(m *dns.Msg) { m.SetEdns0(512, false) }))
	add("EDNS version 1", true, q(func(m *dns.Msg) { m.SetEdns0(4096, false); m.IsEdns0().SetVersion(1) }))
	add("EDNS with an extended RCODE", true, q(func(m *dns.Msg) { m.SetEdns0(4096, false); m.IsEdns0().SetExtendedRcode(dns.RcodeBadVers) }))
	add("EDNS with other flags", true, q(func(m *dns.Msg) { m.SetEdns0(1232, true); m.IsEdns0().SetZ(0x1234) }))
	add("EDNS with NSID", false, q(func(m *dns.Msg) {
		m.SetEdns0(4096, false)
		m.IsEdns0().Option = append(m.IsEdns0().Option, &dns.EDNS0_NSID{Code: dns.EDNS0NSID})
	}))
	add("EDNS with a cookie", false, q(func(m *dns.Msg) {
		m.SetEdns0(4096, true)
		m.IsEdns0().Option = append(m.IsEdns0().Option, &dns.EDNS0_COOKIE{Code: dns.EDNS0COOKIE, Cookie: "0123456789abcdef"})
	}))
	add("two OPT records", false, q(func(m *dns.Msg) { m.SetEdns0(4096, false); m.Extra = append(m.Extra, m.Extra[0]) }))
	add("a TXT record in the additional section", false, q(func(m *dns.Msg) {
		m.Extra = append(m.Extra, &dns.TXT{Hdr: dns.RR_Header{Name: ".", Rrtype: dns.TypeTXT, Class: dns.ClassINET}, Txt: []string{"x"}})
	}))
	add("an answer in the query", false, q(func(m *dns.Msg) {
		m.Answer = append(m.Answer, &dns.TXT{Hdr: dns.RR_Header{Name: ".", Rrtype: dns.TypeTXT, Class: dns.ClassINET}, Txt: []string{"x"}})
	}))
	for _, class := range []uint16{dns.ClassANY, dns.ClassCHAOS, dns.ClassNONE, 0} {
		add("class "+dns.ClassToString[class], true, q(func(m *dns.Msg) { m.Question[0].Qclass = class }))
	}
	for _, op := range []int{dns.OpcodeIQuery, dns.OpcodeStatus, dns.OpcodeNotify, dns.OpcodeUpdate, 15} {
		add("opcode "+fmt.Sprint(op), false, q(func(m *dns.Msg) { m.Opcode = op }))
	}
	add("a response", false, q(func(m *dns.Msg) { m.Response = true }))
	add("two questions", false, q(func(m *dns.Msg) { m.Question = append(m.Question, m.Question[0]) }))
	add("no question", false, q(func(m *dns.Msg) { m.Question = nil }))
	for _, n := range []string{`0\ 1.e164.arpa.`, `0\.e164.arpa.`, `\@.e164.arpa.`, `\200.e164.arpa.`, `a\"b.e164.arpa.`, `\(.e164.arpa.`} {
		add("escaped name "+n, false, query(n, dns.TypeNAPTR))
	}

	hq := header(bitRD, 1, 0, 0, 0)
	nameW := wireName(t, name)
	naptr := []byte{0, byte(dns.TypeNAPTR), 0, 1}
	raw("name of 255 bytes", true, hq, labels(63, 63, 63, 61), naptr)
	raw("name of 256 bytes", false, hq, labels(63, 63, 63, 62), naptr)
	raw("label of 64 bytes", false, hq, labels(64), naptr)
	raw("compressed name pointing ahead", false, hq, []byte{0xc0, 18}, naptr, nameW)
	raw("compression loop", false, hq, []byte{0xc0, 12}, naptr)
	raw("reserved label type", false, hq, []byte{0x40, 1}, naptr)
	raw("trailing bytes", false, hq, nameW, naptr, []byte{1, 2, 3})
	raw("no class", false, hq, nameW, naptr[:2])
	raw("no type", false, hq, nameW)
	raw("label past the end", false, hq, []byte{9, '1', '2'})
	raw("name without its root", false, hq, []byte{1, '1'})
	raw("ARCOUNT 1, no record", false, header(bitRD, 1, 0, 0, 1), nameW, naptr)
	raw("OPT cut short", false, header(bitRD, 1, 0, 0, 1), nameW, naptr, []byte{0, 0, 41, 4, 0, 0, 0})
	raw("OPT with a bad RDLENGTH", false, header(bitRD, 1, 0, 0, 1), nameW, naptr, []byte{0, 0, 41, 4, 0, 0, 0, 0, 0, 0, 4})
	raw("OPT owned by a name", false, header(bitRD, 1, 0, 0, 1), nameW, naptr, []byte{1, 'x', 0, 0, 41, 4, 0, 0, 0, 0, 0, 0, 0})
	raw("ANCOUNT 1, no record", false, header(bitRD, 1, 1, 0, 0), nameW, naptr)
	raw("QDCOUNT 1, header only", false, hq)
	raw("QDCOUNT 0 with a question", false, header(bitRD, 0, 0, 0, 0), nameW, naptr)
	raw("11 bytes", false, hq[:11])
	raw("empty", false)
	raw("one byte", false, []byte{0})
	return out
}

// bitRD is the RD bit of the header's flags.
const bitRD = 1 << 8

// mutants returns n packets made from the corpus by random changes: a
// byte set, the packet cut or lengthened, a count changed.
func mutants(t testing.TB, n int) []packet {
	base := corpus(t)
	rng := rand.New(rand.NewPCG(1, 2))
	out := make([]packet, 0, n)
	for len(out) < n {
		src := base[rng.IntN(len(base))]
		p := append([]byte(nil), src.p...)
		var what string
		switch op := rng.IntN(5); {
		case op == 0 && len(p) > 0:
			i := rng.IntN(len(p))
			p[i] = byte(rng.Uint32())
			what = fmt.Sprintf("byte %d set to %d", i, p[i])
		case op == 1 && len(p) > 0:
			p = p[:rng.IntN(len(p))]
			what = fmt.Sprintf("cut to %d bytes", len(p))
		case op == 2:
			k := 1 + rng.IntN(20)
			for range k {
				p = append(p, byte(rng.Uint32()))
			}
			what = fmt.Sprintf("%d bytes added", k)
		case op == 3 && len(p) >= 12:
			i := 4 + 2*rng.IntN(4)
			binary.BigEndian.PutUint16(p[i:], uint16(rng.IntN(3)))
			what = fmt.Sprintf("count at %d set to %d", i, p[i+1])
		case len(p) >= 4:
			p[2], p[3] = byte(rng.Uint32()), byte(rng.Uint32())
			what = fmt.Sprintf("flags set to %02x%02x", p[2], p[3])
		default:
			continue
		}
		out = append(out, packet{src.name + ", " + what, p, false})
	}
	return out
}

// TestReplyWireMatchesUnpack checks that the fast path answers every
// packet it takes exactly as the general path, the one a miekg/dns server
// takes, and that it takes every plain query.
func TestReplyWireMatchesUnpack(t *testing.T) {
	for _, apex := range []string{"", ".", "Other.Example"} {
		s := &enum.Server{Resolver: testRoutes(), Apex: apex, TTL: 30, Log: quiet}
		taken := 0
		for _, pk := range append(corpus(t), mutants(t, 20000)...) {
			want := s.ReplyPacket(make([]byte, 0, 512), pk.p)
			got, ok := s.ReplyWire(make([]byte, 0, 512), pk.p)
			if pk.plain && !ok {
				t.Errorf("apex %q, %s: replyWire did not take a plain query", apex, pk.name)
			}
			if !pk.plain && ok && !strings.Contains(pk.name, ", ") {
				t.Errorf("apex %q, %s: replyWire took a query meant for the general path", apex, pk.name)
			}
			if !ok {
				continue
			}
			taken++
			if !bytes.Equal(got, want) {
				t.Errorf("apex %q, %s:\nreplyWire   %x\nreplyPacket %x", apex, pk.name, got, want)
			}
		}
		if taken < 200 {
			t.Errorf("apex %q: replyWire took only %d packets", apex, taken)
		}
	}
}

// FuzzReplyWire checks on any packet that the fast path, when it takes
// it, answers as the general path.
func FuzzReplyWire(f *testing.F) {
	for _, pk := range corpus(f) {
		f.Add(pk.p)
	}
	s := &enum.Server{Resolver: testRoutes(), Log: quiet}
	f.Fuzz(func(t *testing.T, p []byte) {
		want := s.ReplyPacket(nil, p)
		got, ok := s.ReplyWire(nil, p)
		if ok && !bytes.Equal(got, want) {
			t.Errorf("replyWire   %x\nreplyPacket %x", got, want)
		}
	})
}

// exchangeRaw sends p to addr from a new socket and returns the reply, or
// nil if none came within wait.
func exchangeRaw(t *testing.T, addr string, p []byte, wait time.Duration) []byte {
	t.Helper()
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write(p); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(wait))
	buf := make([]byte, 65536)
	n, err := c.Read(buf)
	if err != nil {
		return nil
	}
	return buf[:n]
}

// serveMiekg serves s over UDP with a plain miekg/dns server, as Serve
// did before it batched, until the test ends, and returns its address.
func serveMiekg(t *testing.T, s *enum.Server) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	up := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, Handler: s, UDPSize: dns.DefaultMsgSize, NotifyStartedFunc: func() { close(up) }}
	go srv.ActivateAndServe()
	<-up
	t.Cleanup(func() { srv.Shutdown() })
	return pc.LocalAddr().String()
}

// TestBatchMatchesMiekg sends the same packets, well-formed or not, to the
// batch server and to a miekg/dns server with the same handler, and checks
// that they reply alike, or both not at all.
func TestBatchMatchesMiekg(t *testing.T) {
	s := &enum.Server{Resolver: testRoutes(), Log: quiet}
	ours := "127.0.0.1:" + start(t, s)
	ref := serveMiekg(t, s)
	packets := corpus(t)
	silent := 0
	for _, pk := range mutants(t, 3000) {
		if s.ReplyPacket(nil, pk.p) == nil {
			if silent >= 10 {
				continue // each costs a wait
			}
			silent++
		}
		packets = append(packets, pk)
		if len(packets) > 400 {
			break
		}
	}
	for _, pk := range packets {
		wait := 5 * time.Second
		if s.ReplyPacket(nil, pk.p) == nil {
			wait = 100 * time.Millisecond
		}
		want := exchangeRaw(t, ref, pk.p, wait)
		got := exchangeRaw(t, ours, pk.p, wait)
		if !bytes.Equal(got, want) {
			t.Errorf("%s (%x):\nbatch  %x\nmiekg  %x", pk.name, pk.p, got, want)
		}
	}
}

// TestBatchManyClients has several sockets send bursts of queries at
// once, without waiting for each reply, and checks every reply.
func TestBatchManyClients(t *testing.T) {
	s := &enum.Server{Resolver: testRoutes(), Log: quiet}
	addr := "127.0.0.1:" + start(t, s)
	type kind struct {
		name  string
		rcode int
		uri   string // "" for no answer
	}
	kinds := []kind{
		{enumName(ported, "e164.arpa."), dns.RcodeSuccess, "!^.*$!tel:+16135550100;npdi;rn=+16135559999!"},
		{enumName(notPorted, "e164.arpa."), dns.RcodeSuccess, "!^.*$!tel:+16135550101;npdi!"},
		{enumName(unknown, "e164.arpa."), dns.RcodeNameError, ""},
		{"5.5.5.3.1.6.1.e164.arpa.", dns.RcodeSuccess, ""},
		{"example.com.", dns.RcodeRefused, ""},
	}
	const clients, rounds, burst = 8, 50, 16
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := net.Dial("udp", addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			buf := make([]byte, 1024)
			for r := range rounds {
				sent := map[uint16]kind{}
				for j := range burst {
					id := uint16(r*burst + j)
					k := kinds[(c+int(id))%len(kinds)]
					m := query(k.name, dns.TypeNAPTR)
					m.Id = id
					if id%2 == 1 {
						m.SetEdns0(1232, id%4 == 1)
					}
					p, err := m.Pack()
					if err != nil {
						t.Error(err)
						return
					}
					if _, err := conn.Write(p); err != nil {
						t.Error(err)
						return
					}
					sent[id] = k
				}
				conn.SetReadDeadline(time.Now().Add(5 * time.Second))
				for len(sent) > 0 {
					n, err := conn.Read(buf)
					if err != nil {
						t.Errorf("client %d round %d: %d replies missing: %v", c, r, len(sent), err)
						return
					}
					var got dns.Msg
					if err := got.Unpack(buf[:n]); err != nil {
						t.Errorf("client %d: reply does not unpack: %v", c, err)
						return
					}
					k, ok := sent[got.Id]
					if !ok {
						t.Errorf("client %d: reply to an unknown or answered id %d", c, got.Id)
						return
					}
					delete(sent, got.Id)
					if got.Rcode != k.rcode || len(got.Question) != 1 || got.Question[0].Name != k.name {
						t.Errorf("client %d id %d: got rcode %s question %v, want %s for %s", c, got.Id, dns.RcodeToString[got.Rcode], got.Question, dns.RcodeToString[k.rcode], k.name)
					}
					var uri string
					if len(got.Answer) == 1 {
						if n, ok := got.Answer[0].(*dns.NAPTR); ok {
							uri = n.Regexp
						}
					}
					if uri != k.uri || len(got.Answer) > 1 {
						t.Errorf("client %d id %d: got answer %v, want URI %q", c, got.Id, got.Answer, k.uri)
					}
					if (got.IsEdns0() != nil) != (got.Id%2 == 1) {
						t.Errorf("client %d id %d: OPT in the reply is %v", c, got.Id, got.IsEdns0())
					}
				}
			}
		}()
	}
	wg.Wait()
}

// TestBatchMalformed sends malformed packets and checks what comes back,
// then that the server still answers.
func TestBatchMalformed(t *testing.T) {
	s := &enum.Server{Resolver: testRoutes(), Log: quiet}
	addr := "127.0.0.1:" + start(t, s)
	nameW := wireName(t, enumName(ported, "e164.arpa."))
	naptr := []byte{0, byte(dns.TypeNAPTR), 0, 1}
	for _, tt := range []struct {
		name  string
		p     []byte
		rcode int // -1: no reply
		qd    int // questions in the reply
	}{
		{"shorter than a header", []byte{1, 2, 3, 4, 5}, -1, 0},
		{"a response", bytes.Join([][]byte{header(1<<15, 1, 0, 0, 0), nameW, naptr}, nil), -1, 0},
		{"header only", header(bitRD, 1, 0, 0, 0), dns.RcodeFormatError, 0},
		{"compression loop", bytes.Join([][]byte{header(bitRD, 1, 0, 0, 0), {0xc0, 12}, naptr}, nil), dns.RcodeFormatError, 0},
		{"label past the end", bytes.Join([][]byte{header(bitRD, 1, 0, 0, 0), {9, '1', '2'}}, nil), dns.RcodeFormatError, 0},
		{"two questions", bytes.Join([][]byte{header(bitRD, 2, 0, 0, 0), nameW, naptr, nameW, naptr}, nil), dns.RcodeFormatError, 0},
		{"three additional records", bytes.Join([][]byte{header(bitRD, 1, 0, 0, 3), nameW, naptr}, nil), dns.RcodeFormatError, 0},
		{"UPDATE", bytes.Join([][]byte{header(5<<11, 1, 0, 0, 0), nameW, naptr}, nil), dns.RcodeNotImplemented, 0},
		{"OPT cut short", bytes.Join([][]byte{header(bitRD, 1, 0, 0, 1), nameW, naptr, {0, 0, 41}}, nil), dns.RcodeFormatError, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wait := 5 * time.Second
			if tt.rcode < 0 {
				wait = 200 * time.Millisecond
			}
			b := exchangeRaw(t, addr, tt.p, wait)
			if tt.rcode < 0 {
				if b != nil {
					t.Errorf("got reply %x, want none", b)
				}
				return
			}
			var got dns.Msg
			if err := got.Unpack(b); err != nil {
				t.Fatalf("reply %x does not unpack: %v", b, err)
			}
			if got.Id != 0x1234 || !got.Response || got.Rcode != tt.rcode || len(got.Question) != tt.qd {
				t.Errorf("got id %#x response %t rcode %s questions %v, want id 0x1234, a response, %s, %d questions",
					got.Id, got.Response, dns.RcodeToString[got.Rcode], got.Question, dns.RcodeToString[tt.rcode], tt.qd)
			}
		})
	}

	// Bursts of garbage, each followed by a query: the server still
	// answers. A burst fits the socket's buffer.
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rng := rand.New(rand.NewPCG(3, 4))
	for burst := range 20 {
		for range 100 {
			p := make([]byte, rng.IntN(80))
			for i := range p {
				p[i] = byte(rng.Uint32())
			}
			c.Write(p)
		}
		got, err := dns.Exchange(query(enumName(ported, "e164.arpa."), dns.TypeNAPTR), addr)
		if err != nil || len(got.Answer) != 1 {
			t.Fatalf("after burst %d of garbage: got %v, %v, want one NAPTR", burst, got, err)
		}
	}
}

// TestBatchFallback sends queries the fast path leaves to the general one
// and checks the answers.
func TestBatchFallback(t *testing.T) {
	s := &enum.Server{Resolver: testRoutes(), Log: quiet}
	addr := "127.0.0.1:" + start(t, s)
	name := enumName(ported, "e164.arpa.")
	const rr = `0 IN NAPTR 100 10 "u" "E2U+pstn:tel" "!^.*$!tel:+16135550100;npdi;rn=+16135559999!" .`
	nsid := query(name, dns.TypeNAPTR)
	nsid.SetEdns0(4096, true)
	nsid.IsEdns0().Option = append(nsid.IsEdns0().Option, &dns.EDNS0_NSID{Code: dns.EDNS0NSID})
	pNSID, err := nsid.Pack()
	if err != nil {
		t.Fatal(err)
	}
	naptr := []byte{0, byte(dns.TypeNAPTR), 0, 1}
	for _, tt := range []struct {
		name   string
		p      []byte
		rcode  int
		answer []string
		edns   bool
	}{
		{"EDNS with an option", pNSID, dns.RcodeSuccess, []string{name + " " + rr}, true},
		{"compressed question name", bytes.Join([][]byte{header(bitRD, 1, 0, 0, 0), {0xc0, 18}, naptr, wireName(t, name)}, nil),
			dns.RcodeSuccess, []string{name + " " + rr}, false},
		{"trailing bytes", bytes.Join([][]byte{header(bitRD, 1, 0, 0, 0), wireName(t, name), naptr, {1, 2, 3}}, nil),
			dns.RcodeSuccess, []string{name + " " + rr}, false},
		{"escaped label", bytes.Join([][]byte{header(bitRD, 1, 0, 0, 0), {3, '0', ' ', '1'}, wireName(t, "e164.arpa."), naptr}, nil),
			dns.RcodeNameError, nil, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, ok := s.ReplyWire(nil, tt.p); ok {
				t.Fatal("the fast path took it")
			}
			b := exchangeRaw(t, addr, tt.p, 5*time.Second)
			var got dns.Msg
			if err := got.Unpack(b); err != nil {
				t.Fatalf("reply %x does not unpack: %v", b, err)
			}
			if got.Rcode != tt.rcode || (got.IsEdns0() != nil) != tt.edns {
				t.Errorf("got rcode %s OPT %v, want %s, OPT %t", dns.RcodeToString[got.Rcode], got.IsEdns0(), dns.RcodeToString[tt.rcode], tt.edns)
			}
			checkRRs(t, "answer", got.Answer, tt.answer)
			if want := s.ReplyPacket(nil, tt.p); !bytes.Equal(b, want) {
				t.Errorf("got %x, want %x as the handler packs it", b, want)
			}
		})
	}
}

// TestBatchWildcardSource checks that on a socket bound to a wildcard
// address each reply leaves from the address its query came to: the
// client's connected socket takes no other.
func TestBatchWildcardSource(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("127.0.0.2 is a local address on Linux only")
	}
	for _, tc := range []struct {
		bind string
		dsts []string
	}{
		{"0.0.0.0:0", []string{"127.0.0.1", "127.0.0.2"}},
		{"[::]:0", []string{"127.0.0.1", "127.0.0.2", "::1"}},
	} {
		t.Run(tc.bind, func(t *testing.T) {
			udp, err := net.ListenPacket("udp", tc.bind)
			if err != nil {
				t.Skipf("cannot bind %s: %v", tc.bind, err)
			}
			port := fmt.Sprint(udp.LocalAddr().(*net.UDPAddr).Port)
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
			for _, dst := range tc.dsts {
				if c, err := net.ListenPacket("udp", net.JoinHostPort(dst, "0")); err != nil {
					t.Logf("skipping %s: %v", dst, err)
					continue
				} else {
					c.Close()
				}
				c := &dns.Client{Timeout: 3 * time.Second}
				got, _, err := c.Exchange(query(enumName(ported, "e164.arpa."), dns.TypeNAPTR), net.JoinHostPort(dst, port))
				if err != nil {
					t.Errorf("to %s: %v", dst, err)
					continue
				}
				if len(got.Answer) != 1 {
					t.Errorf("to %s: got %v, want one NAPTR", dst, got.Answer)
				}
			}
		})
	}
}

// TestServeUDPListenerFails checks that Serve returns an error, having
// released the TCP port, when its UDP socket fails.
func TestServeUDPListenerFails(t *testing.T) {
	udp, tcp, port := listenPair(t)
	udp.Close() // reads fail at once
	s := &enum.Server{Resolver: testRoutes(), Log: quiet}
	err := within(t, "Serve", func() error { return s.Serve(context.Background(), udp, tcp) })
	if err == nil || !strings.Contains(err.Error(), "enum: serve:") {
		t.Errorf("got %v, want an enum: serve: error", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		t.Errorf("TCP still bound after Serve returned: %v", err)
	} else {
		l.Close()
	}
}

// TestReplyWireAllocs guards the fast path: answering a number allocates
// only the TN handed to the Resolver.
func TestReplyWireAllocs(t *testing.T) {
	s := &enum.Server{Resolver: testRoutes()}
	q := query(enumName(ported, "e164.arpa."), dns.TypeNAPTR)
	q.SetEdns0(1232, false)
	p, err := q.Pack()
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 0, 512)
	if n := testing.AllocsPerRun(1000, func() { s.ReplyWire(b, p) }); n > 1 {
		t.Errorf("replyWire allocates %v times per query, want at most 1", n)
	}
}

// BenchmarkReplyWire measures the fast path alone: parse the packet,
// resolve, pack the reply.
func BenchmarkReplyWire(b *testing.B) {
	s := &enum.Server{Resolver: newMillion(), Log: quiet}
	var packed [][]byte
	for _, q := range benchQueries(4096) {
		p, err := q.Pack()
		if err != nil {
			b.Fatal(err)
		}
		packed = append(packed, p)
	}
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, ok := s.ReplyWire(buf, packed[i%len(packed)]); !ok {
			b.Fatal("not taken")
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "q/s")
}
