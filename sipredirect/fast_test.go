package sipredirect

import (
	"bytes"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"

	"github.com/opennpac/npac"
)

// The fast path (fastInvite) must answer every request it takes exactly
// as the general path (packetSlow: sipgo's parser and message builder)
// does, and send the answer to the same place. These tests check that on a
// corpus of requests as clients send them, on many mutants of them, and,
// with go test -fuzz FuzzFastPath, on whatever the fuzzer makes.

// testRoutes answers 6135550100 ported, 6135550199 ported without an LRN
// (a broken route), other TNs of 613-555 not ported, the rest unknown.
type testRoutes struct{}

func (testRoutes) Resolve(tn npac.TN) (*npac.Route, bool) {
	switch {
	case tn == "6135550100":
		return &npac.Route{Ported: true, SPID: "8821", LRN: "6132180000"}, true
	case tn == "6135550199":
		return &npac.Route{Ported: true, SPID: "8821"}, true
	case tn.NPANXX() == "613555":
		return &npac.Route{SPID: "8051"}, true
	}
	return nil, false
}

func quietHandler() *handler {
	return newHandler(testRoutes{}, slog.New(slog.DiscardHandler))
}

// Sources the requests come from: the address their Via names, another
// one, and an IPv6 one.
var fastSources = []netip.AddrPort{
	netip.MustParseAddrPort("192.0.2.1:5060"),
	netip.MustParseAddrPort("198.51.100.7:40000"),
	netip.MustParseAddrPort("[2001:db8::7]:5062"),
}

// message joins header lines into a request with an empty line after
// them, and body.
func message(lines []string, body string) []byte {
	return []byte(strings.Join(lines, "\r\n") + "\r\n\r\n" + body)
}

// fastCase is a request of the corpus; fast says whether the fast path
// must take it.
type fastCase struct {
	name string
	p    []byte
	fast bool
}

// fastCorpus returns INVITEs in the shapes clients send, the plain ones the
// fast path must take, and others it leaves to the general path.
func fastCorpus() []fastCase {
	var out []fastCase
	base := func(ruri string) []string {
		return []string{
			"INVITE " + ruri + " SIP/2.0",
			"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds;rport",
			"Max-Forwards: 70",
			"From: <sip:lnp@192.0.2.1:5060>;tag=1928301774",
			"To: <" + ruri + ">",
			"Call-ID: a84b4c76e66710@192.0.2.1",
			"CSeq: 314159 INVITE",
			"Content-Length: 0",
		}
	}
	add := func(name string, fast bool, lines []string, body string) {
		out = append(out, fastCase{name, message(lines, body), fast})
	}
	// Every answer the fast path gives, over the RURI forms it takes.
	for _, ruri := range []string{
		"sip:+16135550100@gw.example.net",          // 302 ported
		"sip:16135550100@192.0.2.7:5070",           // 302, port kept
		"sip:6135550101@gw.example.net;user=phone", // 302 not ported, params kept
		"sips:+16135550100@gw.example.net",         // sips
		"sip:+12125550100@gw.example.net",          // 404 unknown
		"sip:+442079460958@gw.example.net",         // 404 outside the NANP
		"sip:+1613555010@gw.example.net",           // 484
		"sip:0135550100@gw.example.net",            // 484 NPA
		"sip:+@gw.example.net",                     // 484 bare +
		"sip:61355501000000000000000@gw.example.net",
		"sip:+16135550199@gw.example.net", // 500 broken route
		"sip:+16135550100@gw.example.net;transport=udp;lr",
	} {
		add("RURI "+ruri, true, base(ruri), "")
	}
	// What dipbench's client sends.
	add("dipbench", true, []string{
		"INVITE sip:+16135550100@127.0.0.1:5060 SIP/2.0",
		"Via: SIP/2.0/UDP 127.0.0.1:40000;branch=z9hG4bKdb7x1234;rport",
		"From: <sip:dipbench@127.0.0.1:40000>;tag=f7",
		"To: <sip:+16135550100@127.0.0.1:5060>",
		"Call-ID: z9hG4bKdb7x1234@dipbench",
		"CSeq: 1 INVITE",
		"Max-Forwards: 70",
		"Content-Length: 0",
	}, "")
	// What the sipp scenarios send.
	add("sipp", true, []string{
		"INVITE sip:6135550100@127.0.0.1:5060 SIP/2.0",
		"Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-1234-1-0",
		`From: "LNP client" <sip:lnp-client@127.0.0.1:5061>;tag=1234SIPpTag001`,
		"To: <sip:6135550100@127.0.0.1:5060>",
		"Call-ID: 1-1234@127.0.0.1",
		"CSeq: 1 INVITE",
		"Contact: <sip:lnp-client@127.0.0.1:5061;transport=UDP>",
		"Max-Forwards: 70",
		"User-Agent: sipp dip_ported",
		"Content-Length: 0",
	}, "")
	sdp := "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"
	variants := []struct {
		name string
		fast bool
		edit func([]string) []string
		body string
	}{
		{"SDP body", true, func(l []string) []string {
			return append(l[:len(l)-1], "Content-Type: application/sdp", fmt.Sprintf("Content-Length: %d", len(sdp)))
		}, sdp},
		{"no Content-Length, body", true, func(l []string) []string { return l[:len(l)-1] }, sdp},
		{"body longer than Content-Length", true, func(l []string) []string { return l }, "xyz"},
		{"Content-Length past the end", false, func(l []string) []string { return append(l[:len(l)-1], "Content-Length: 10") }, "short"},
		{"no rport, Via host is the source", true, func(l []string) []string {
			l[1] = "Via: SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bK776asdhds"
			return l
		}, ""},
		{"no rport, no port", true, func(l []string) []string {
			l[1] = "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK776asdhds"
			return l
		}, ""},
		{"Via host name", true, func(l []string) []string {
			l[1] = "Via: SIP/2.0/UDP client.example.com:5060;branch=z9hG4bK776asdhds"
			return l
		}, ""},
		{"rport with a value", true, func(l []string) []string {
			l[1] = "Via: SIP/2.0/UDP 192.0.2.1:5060;rport=5060;branch=z9hG4bK776asdhds"
			return l
		}, ""},
		{"rport and received", true, func(l []string) []string {
			l[1] = "Via: SIP/2.0/UDP 192.0.2.1:5060;received=10.0.0.1;rport;branch=z9hG4bK776asdhds"
			return l
		}, ""},
		{"received without rport", true, func(l []string) []string {
			l[1] = "Via: SIP/2.0/UDP pc.example.com:5060;branch=z9hG4bK776asdhds;received=10.0.0.1"
			return l
		}, ""},
		{"Via without parameters", true, func(l []string) []string {
			l[1] = "Via: SIP/2.0/UDP 192.0.2.1:5060"
			return l
		}, ""},
		{"three Vias", true, func(l []string) []string {
			return append(l[:2], append([]string{
				"Via: SIP/2.0/TCP proxy.example.net;branch=z9hG4bKp1",
				"v: SIP/2.0/UDP 10.1.1.1:5080;branch=z9hG4bKp2;received=10.1.1.2",
			}, l[2:]...)...)
		}, ""},
		{"two Vias in one header", false, func(l []string) []string {
			l[1] += ", SIP/2.0/UDP 10.1.1.1:5080;branch=z9hG4bKp2"
			return l
		}, ""},
		{"compact headers", true, func(l []string) []string {
			l[1] = "v: " + strings.TrimPrefix(l[1], "Via: ")
			l[3] = "f: " + strings.TrimPrefix(l[3], "From: ")
			l[4] = "t: " + strings.TrimPrefix(l[4], "To: ")
			l[5] = "i: " + strings.TrimPrefix(l[5], "Call-ID: ")
			l[7] = "l: 0"
			return l
		}, ""},
		{"header names in other cases", true, func(l []string) []string {
			l[1] = "VIA: " + strings.TrimPrefix(l[1], "Via: ")
			l[3] = "from: " + strings.TrimPrefix(l[3], "From: ")
			l[6] = "CSEQ: 314159 INVITE"
			l[2] = "max-forwards: 70"
			return l
		}, ""},
		{"no space after colons, tabs", true, func(l []string) []string {
			l[3] = "From:<sip:lnp@192.0.2.1:5060>;tag=1928301774"
			l[5] = "Call-ID:\ta84b4c76e66710@192.0.2.1"
			return l
		}, ""},
		{"To with a tag", true, func(l []string) []string {
			l[4] += ";tag=abc"
			return l
		}, ""},
		{"To with a display name and params", true, func(l []string) []string {
			l[4] = `To: "Dip" <sip:+16135550100@gw.example.net;user=phone>;x=1`
			return l
		}, ""},
		{"From with a user holding ; and ?", true, func(l []string) []string {
			l[3] = "From: <sip:a;b?c@example.com;transport=tcp>;tag=9"
			return l
		}, ""},
		{"From without a tag", true, func(l []string) []string {
			l[3] = "From: <sip:lnp@192.0.2.1:5060>"
			return l
		}, ""},
		{"From tag without value", true, func(l []string) []string {
			l[3] = "From: <sip:lnp@192.0.2.1:5060>;tag"
			return l
		}, ""},
		{"unknown headers", true, func(l []string) []string {
			return append(l, "X-Anything: \"quoted\", <odd>;;", "Supported: timer, 100rel", "P-Asserted-Identity: <sip:+16135551234@example.com>", "Allow: INVITE, ACK")
		}, ""},
		{"Contact with parameters", true, func(l []string) []string {
			return append(l, `Contact: "Me" <sip:me@192.0.2.1:5060>;expires=60;+sip.instance="<urn:uuid:1>"`)
		}, ""},
		{"Contact list", false, func(l []string) []string {
			return append(l, "Contact: <sip:a@192.0.2.1>, <sip:b@192.0.2.1>")
		}, ""},
		{"Contact star", false, func(l []string) []string { return append(l, "Contact: *") }, ""},
		{"Record-Route", false, func(l []string) []string { return append(l, "Record-Route: <sip:p1.example.com;lr>") }, ""},
		{"Route", false, func(l []string) []string { return append(l, "Route: <sip:p1.example.com;lr>") }, ""},
		{"folded header", false, func(l []string) []string {
			l[3] = "From: <sip:lnp@192.0.2.1:5060>\r\n ;tag=1928301774"
			return l
		}, ""},
		{"unquoted display name", false, func(l []string) []string {
			l[3] = "From: Lnp <sip:lnp@192.0.2.1:5060>;tag=1"
			return l
		}, ""},
		{"addr-spec without brackets", false, func(l []string) []string {
			l[4] = "To: sip:+16135550100@gw.example.net"
			return l
		}, ""},
		{"two spaces in CSeq", false, func(l []string) []string {
			l[6] = "CSeq: 1  INVITE"
			return l
		}, ""},
		{"CSeq method not INVITE", false, func(l []string) []string {
			l[6] = "CSeq: 1 BYE"
			return l
		}, ""},
		{"missing Call-ID", false, func(l []string) []string { return append(l[:5], l[6:]...) }, ""},
		{"missing Via", false, func(l []string) []string { return append(l[:1], l[2:]...) }, ""},
		{"two To", false, func(l []string) []string { return append(l, l[4]) }, ""},
		{"bad Max-Forwards", false, func(l []string) []string {
			l[2] = "Max-Forwards: many"
			return l
		}, ""},
		{"IPv6 Via", false, func(l []string) []string {
			l[1] = "Via: SIP/2.0/UDP [2001:db8::7]:5062;branch=z9hG4bK776asdhds;rport"
			return l
		}, ""},
		{"quoted Via parameter", false, func(l []string) []string {
			l[1] += `;x="a b"`
			return l
		}, ""},
		{"empty Via parameter value", false, func(l []string) []string {
			l[1] += ";x="
			return l
		}, ""},
		{"repeated Via parameter", false, func(l []string) []string {
			l[1] += ";branch=z9hG4bKother"
			return l
		}, ""},
		{"trailing space", false, func(l []string) []string {
			l[5] += " "
			return l
		}, ""},
	}
	for _, v := range variants {
		add(v.name, v.fast, v.edit(base("sip:+16135550100@gw.example.net")), v.body)
	}
	// Requests for the general path.
	for _, ruri := range []string{
		"sip:+1-613-555-0100@gw.example.net",    // separators
		"sip:%2B16135550100@gw.example.net",     // escaped
		"sip:+16135550101;npdi@gw.example.net",  // user parameters
		"sip:lnp@dip.example.net",               // number in To
		"tel:+1-613-555-0100",                   // tel
		"SIP:+16135550100@gw.example.net",       // scheme case
		"sip:+16135550100@[2001:db8::1]:5060",   // IPv6
		"sip:+16135550100@gw.example.net:05060", // leading zero
		"sip:+16135550100@gw.example.net:0",
		"sip:+16135550100@gw.example.net?subject=x",
	} {
		add("general RURI "+ruri, false, base(ruri), "")
	}
	for _, m := range []string{"OPTIONS", "BYE", "CANCEL", "REGISTER", "invite"} {
		l := base("sip:+16135550100@gw.example.net")
		l[0] = m + " sip:+16135550100@gw.example.net SIP/2.0"
		l[6] = "CSeq: 1 " + strings.ToUpper(m)
		add(m, false, l, "")
	}
	for _, m := range []string{"ACK", "ack"} {
		l := base("sip:+16135550100@gw.example.net")
		l[0] = m + " sip:+16135550100@gw.example.net SIP/2.0"
		l[6] = "CSeq: 1 ACK"
		add(m, true, l, "") // absorbed by the fast path
	}
	add("ACK garbage", true, []string{"ACK nothing"}, "")
	add("response", false, []string{"SIP/2.0 200 OK", "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1", "Content-Length: 0"}, "")
	add("garbage", false, []string{"INVITE"}, "")
	return out
}

// mutate returns p with a few random edits of the kinds that break
// grammars: bytes deleted, doubled, replaced or inserted, with a bias
// toward SIP's delimiters.
func mutate(r *rand.Rand, p []byte) []byte {
	const delims = " \t;=,:<>@\"\r\n/[]?%\\0Aa+.-*'~`!" + "\x00\x0b\xc2\xa0"
	q := bytes.Clone(p)
	for range 1 + r.IntN(3) {
		if len(q) == 0 {
			break
		}
		i := r.IntN(len(q))
		switch r.IntN(5) {
		case 0:
			q = append(q[:i], q[i+1:]...)
		case 1:
			q = append(q[:i+1], q[i:]...)
		case 2:
			q[i] = delims[r.IntN(len(delims))]
		case 3:
			q = append(q[:i], append([]byte{delims[r.IntN(len(delims))]}, q[i:]...)...)
		case 4:
			if c := q[i]; 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' {
				q[i] ^= 0x20
			}
		}
	}
	return q
}

// compareFast checks that the fast path, if it takes p from src, answers as
// the general path; it reports whether it took it.
func compareFast(t *testing.T, h *handler, name string, p []byte, src netip.AddrPort) bool {
	t.Helper()
	got, gotDst, gotOK, done := h.fastInvite(make([]byte, 0, maxReply), p, src)
	if !done {
		return false
	}
	want, wantDst, wantOK := h.packetSlow(make([]byte, 0, maxReply), p, src)
	if gotOK != wantOK || gotOK && (!bytes.Equal(got, want) || gotDst != wantDst) {
		t.Errorf("%s, from %v:\nrequest\n%q\nfast path: %v to %v\n%q\ngeneral path: %v to %v\n%q",
			name, src, p, gotOK, gotDst, got, wantOK, wantDst, want)
	}
	return true
}

func TestFastMatchesSlow(t *testing.T) {
	h := quietHandler()
	corpus := fastCorpus()
	for _, c := range corpus {
		for _, src := range fastSources {
			took := compareFast(t, h, c.name, c.p, src)
			if took != c.fast {
				t.Errorf("%s: fast path took it: %v, want %v\n%q", c.name, took, c.fast, c.p)
			}
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	const n = 50000
	taken := 0
	for i := range n {
		c := corpus[r.IntN(len(corpus))]
		if compareFast(t, h, fmt.Sprintf("mutant %d of %s", i, c.name), mutate(r, c.p), fastSources[r.IntN(len(fastSources))]) {
			taken++
		}
	}
	// Most mutants of plain requests still are plain: the comparison
	// must not be vacuous.
	if taken < n/10 {
		t.Errorf("the fast path took only %d of %d mutants", taken, n)
	}
	t.Logf("the fast path took %d of %d mutants", taken, n)
}

// FuzzFastPath checks on any datagram that the fast path, when it takes
// it, answers as the general path.
//
//	go test -run '^$' -fuzz FuzzFastPath ./sipredirect
func FuzzFastPath(f *testing.F) {
	for _, c := range fastCorpus() {
		f.Add(c.p, uint8(0))
	}
	h := quietHandler()
	f.Fuzz(func(t *testing.T, p []byte, src uint8) {
		compareFast(t, h, "fuzzed", p, fastSources[int(src)%len(fastSources)])
	})
}

// TestFastAllocs guards the fast path: a dip allocates only the number
// handed to the Resolver, and what the Resolver allocates.
func TestFastAllocs(t *testing.T) {
	h := newHandler(staticRoute{}, slog.New(slog.DiscardHandler))
	p := message([]string{
		"INVITE sip:+16135550100@gw.example.net SIP/2.0",
		"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds;rport",
		"From: <sip:lnp@192.0.2.1:5060>;tag=1928301774",
		"To: <sip:+16135550100@gw.example.net>",
		"Call-ID: a84b4c76e66710a84b4c76e66710a84b4c76e66710@192.0.2.1",
		"CSeq: 1 INVITE",
		"Content-Length: 0",
	}, "")
	b := make([]byte, 0, maxReply)
	if _, _, ok, done := h.fastInvite(b, p, fastSources[1]); !ok || !done {
		t.Fatal("the fast path did not answer")
	}
	if n := testing.AllocsPerRun(1000, func() { h.fastInvite(b, p, fastSources[1]) }); n > 1 {
		t.Errorf("the fast path allocates %v times per dip, want at most 1", n)
	}
}

// staticRoute answers every TN with one route, without allocating.
type staticRoute struct{}

var theRoute = &npac.Route{Ported: true, SPID: "8821", LRN: "6132180000"}

func (staticRoute) Resolve(npac.TN) (*npac.Route, bool) { return theRoute, true }

// TestFastDebugLogging checks that with debug logging on, every request
// goes the general way, which logs it.
func TestFastDebugLogging(t *testing.T) {
	h := newHandler(testRoutes{}, slog.New(slog.NewTextHandler(&bytes.Buffer{}, &slog.HandlerOptions{Level: slog.LevelDebug})))
	for _, c := range fastCorpus() {
		if _, _, _, done := h.fastInvite(nil, c.p, fastSources[0]); done {
			t.Errorf("%s: taken by the fast path with debug logging on", c.name)
		}
	}
}
