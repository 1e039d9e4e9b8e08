package sipredirect

import (
	"log/slog"
	"net/netip"
	"testing"

	"github.com/opennpac/npac"
)

// benchInvite is a dip as dipbench's client sends it.
const benchInvite = "INVITE sip:+16135550100@127.0.0.1:5060 SIP/2.0\r\n" +
	"Via: SIP/2.0/UDP 127.0.0.1:40000;branch=z9hG4bKdb7x1234;rport\r\n" +
	"From: <sip:dipbench@127.0.0.1:40000>;tag=f7\r\n" +
	"To: <sip:+16135550100@127.0.0.1:5060>\r\n" +
	"Call-ID: z9hG4bKdb7x1234@dipbench\r\n" +
	"CSeq: 1 INVITE\r\n" +
	"Max-Forwards: 70\r\n" +
	"Content-Length: 0\r\n\r\n"

type oneRoute struct{}

func (oneRoute) Resolve(tn npac.TN) (*npac.Route, bool) {
	return &npac.Route{Ported: true, SPID: "8821", LRN: "6132180000"}, true
}

func benchHandler() *handler {
	return newHandler(oneRoute{}, slog.New(slog.DiscardHandler))
}

var benchSrc = netip.MustParseAddrPort("127.0.0.1:40000")

// BenchmarkPacket measures the server's work per UDP dip, without I/O:
// from the datagram to the answer's bytes, by the fast path.
//
//	go test -run '^$' -bench Packet -benchmem ./sipredirect
func BenchmarkPacket(b *testing.B) {
	h := benchHandler()
	p := []byte(benchInvite)
	out := make([]byte, 0, maxReply)
	for b.Loop() {
		r, _, ok := h.packet(out[:0], p, benchSrc)
		if !ok || len(r) == 0 {
			b.Fatal("no answer")
		}
	}
}

// BenchmarkPacketSlow is BenchmarkPacket through sipgo's parser and
// message builder.
func BenchmarkPacketSlow(b *testing.B) {
	h := benchHandler()
	p := []byte(benchInvite)
	out := make([]byte, 0, maxReply)
	for b.Loop() {
		r, _, ok := h.packetSlow(out[:0], p, benchSrc)
		if !ok || len(r) == 0 {
			b.Fatal("no answer")
		}
	}
}
