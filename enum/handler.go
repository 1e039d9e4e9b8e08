package enum

import (
	"encoding/binary"
	"sync"

	"github.com/miekg/dns"
	"github.com/opennpac/npac"
)

// Record data of the synthetic zone.
const (
	// naptrOrder and naptrPreference are the ORDER and PREFERENCE of the
	// one NAPTR a number has.
	naptrOrder      = 100
	naptrPreference = 10
	// naptrFlags and naptrService make the NAPTR terminal (RFC 6116 "u")
	// and say it maps to a tel URI (RFC 4769 "E2U+pstn:tel").
	naptrFlags   = "u"
	naptrService = "E2U+pstn:tel"

	// soaSerial is constant: the zone has no transfers, so no secondary
	// ever compares serials. The timers are conventional values that
	// nothing uses for the same reason; the MINIMUM (negative caching
	// TTL, RFC 2308) is the Server's TTL.
	soaSerial  = 1
	soaRefresh = 3600
	soaRetry   = 600
	soaExpire  = 86400

	// ednsUDPSize is the UDP payload size the server advertises in EDNS
	// replies: 1232 bytes, the DNS Flag Day 2020 value that avoids IP
	// fragmentation. Replies never need it: see maxReply.
	ednsUDPSize = 1232

	// maxReply bounds every reply: a 12-byte header, a question of at
	// most 255+4 bytes, then at most the NAPTR (77 bytes, with a 10-digit
	// TN and LRN), or the SOA and NS (56+23 bytes), plus an 11-byte OPT:
	// 361 bytes. That fits the 512 bytes every client accepts, so the
	// server never truncates.
	maxReply = 512
)

// localhostWire is "localhost." in wire format: the MNAME of the SOA and
// the target of the NS record. The zone is synthetic and meant to be
// queried directly, not delegated to, so its name server is named by a
// name outside the zone that always resolves (RFC 6761) rather than one
// inside it that would need an address record this server does not have.
const localhostWire = "\x09localhost\x00"

// hostmasterLabel is the first label of the SOA RNAME, hostmaster.<apex>.
const hostmasterLabel = "\x0ahostmaster"

// bufPool holds reply buffers. A reply is packed into one and written with
// ResponseWriter.Write, which, as io.Writer, does not keep it.
var bufPool = sync.Pool{New: func() any {
	b := make([]byte, 0, maxReply)
	return &b
}}

// Header bits of the second 16-bit word.
const (
	bitQR = 1 << 15
	bitAA = 1 << 10
	bitRD = 1 << 8
	bitCD = 1 << 4
)

// ServeDNS answers one query. It implements dns.Handler, so it can be
// used without Serve, with any miekg/dns server or a test ResponseWriter.
// It packs the reply itself into a pooled buffer and writes it with
// w.Write; a failed write is logged at debug level, as nobody else can act
// on it.
func (s *Server) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	bp := bufPool.Get().(*[]byte)
	if b := s.reply((*bp)[:0], r); b != nil {
		if _, err := w.Write(b); err != nil {
			s.logger().Debug("enum: write reply", "remote", w.RemoteAddr(), "err", err)
		}
		*bp = b[:0]
	}
	bufPool.Put(bp)
}

// reply appends the wire-format reply to r to b, or returns nil when r
// gets no reply (it is itself a response).
func (s *Server) reply(b []byte, r *dns.Msg) []byte {
	if r.Response {
		return nil
	}
	if cap(b)-len(b) < maxReply {
		b = append(make([]byte, 0, len(b)+maxReply), b...)
	}
	flags := uint16(bitQR) | uint16(r.Opcode&0xf)<<11
	if r.RecursionDesired {
		flags |= bitRD
	}
	if r.CheckingDisabled {
		flags |= bitCD
	}
	m := builder{b: append(b, byte(r.Id>>8), byte(r.Id), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), flags: flags}
	if opt := r.IsEdns0(); opt != nil {
		m.edns, m.do = true, opt.Do()
		if opt.Version() != 0 {
			m.rcode = dns.RcodeBadVers
		}
	}
	z, err := s.prepare()
	if err != nil {
		m.rcode = dns.RcodeServerFailure
		return m.finish()
	}
	if len(r.Question) != 1 {
		m.rcode = dns.RcodeFormatError
		return m.finish()
	}
	q := &r.Question[0]
	full := m.b[:cap(m.b)]
	nameEnd, err := dns.PackDomainName(q.Name, full, len(m.b), nil, false)
	if err != nil {
		m.rcode = dns.RcodeFormatError
		return m.finish()
	}
	m.b = binary.BigEndian.AppendUint16(full[:nameEnd], q.Qtype)
	m.b = binary.BigEndian.AppendUint16(m.b, q.Qclass)
	m.qd = 1
	return answer(z, &m, r.Opcode, q.Qtype, q.Qclass, q.Name, nameEnd)
}

// answer finishes the reply m, whose header and question are packed: the
// question's name ends at nameEnd in m.b, and name is that name in the
// presentation format miekg/dns unpacks. It is shared by reply and
// replyWire, so that both answer alike.
func answer[S ~string | ~[]byte](z *zone, m *builder, opcode int, qtype, qclass uint16, name S, nameEnd int) []byte {
	switch {
	case m.rcode != 0: // BADVERS
		return m.finish()
	case opcode != dns.OpcodeQuery:
		m.rcode = dns.RcodeNotImplemented
		return m.finish()
	case qclass != dns.ClassINET && qclass != dns.ClassANY,
		qtype == dns.TypeAXFR || qtype == dns.TypeIXFR:
		m.rcode = dns.RcodeRefused
		return m.finish()
	}

	var digits [10]byte
	kind := parseName(name, z.apex, &digits)
	if kind == outside {
		m.rcode = dns.RcodeRefused
		return m.finish()
	}
	m.flags |= bitAA
	// The question name ends with the apex: later records point there.
	m.apex = nameEnd - z.apexLen
	m.ttl = z.ttl
	switch kind {
	case atApex:
		switch qtype {
		case dns.TypeSOA:
			m.soa()
			m.an++
		case dns.TypeNS:
			m.ns()
			m.an++
		case dns.TypeANY:
			m.soa()
			m.ns()
			m.an += 2
		default:
			m.negative(dns.RcodeSuccess)
		}
	case noName:
		m.negative(dns.RcodeNameError)
	case prefix:
		// The first digits of a number: an empty non-terminal, as in a
		// static zone. Always NODATA, never NXDOMAIN, even when the
		// Resolver knows no number below: a resolver minimising its
		// queries (RFC 9156) takes NXDOMAIN to mean nothing below exists
		// (RFC 8020), and a wrong one would hide numbers; a wrong NODATA
		// hides nothing.
		m.negative(dns.RcodeSuccess)
	case number:
		tn := npac.TN(digits[:])
		route, ok := z.resolver.Resolve(tn)
		switch {
		case !ok:
			m.negative(dns.RcodeNameError)
		case qtype != dns.TypeNAPTR && qtype != dns.TypeANY:
			m.negative(dns.RcodeSuccess)
		case route != nil && route.Ported && !isLRN(route.LRN):
			// A wrong answer misroutes calls; no answer lets the
			// caller fall back or retry.
			z.log.Error("enum: ported route without a valid LRN", "tn", tn, "lrn", route.LRN)
			m.flags &^= bitAA
			m.rcode = dns.RcodeServerFailure
		default:
			var lrn npac.LRN
			if route != nil && route.Ported {
				lrn = route.LRN
			}
			m.naptr(&digits, lrn)
			m.an++
		}
	}
	return m.finish()
}

// isLRN reports whether lrn is ten digits, safe to put in a tel URI.
func isLRN(lrn npac.LRN) bool {
	if len(lrn) != 10 {
		return false
	}
	for i := 0; i < len(lrn); i++ {
		if lrn[i] < '0' || lrn[i] > '9' {
			return false
		}
	}
	return true
}

// builder packs a reply after its header and question. Names in records
// are compression pointers into the question: offset 12 for the question
// name, apex for the apex at its end.
type builder struct {
	b       []byte
	flags   uint16 // header bits besides the RCODE
	rcode   int    // the full RCODE, EDNS extended bits included
	qd, an  uint16
	nscount uint16
	apex    int
	ttl     uint32
	edns    bool // the query had an OPT record: the reply has one too
	do      bool // the DO bit of the query, copied to the reply (RFC 3225)
}

// negative makes the reply a NXDOMAIN or NODATA with the SOA in the
// authority section (RFC 2308).
func (m *builder) negative(rcode int) {
	m.rcode = rcode
	m.soa()
	m.nscount++
}

// rrHeader appends an RR header with a compressed owner name and a
// placeholder RDLENGTH, and returns the offset of the RDLENGTH.
func (m *builder) rrHeader(owner int, rrtype uint16) int {
	m.b = append(m.b, byte(0xc0|owner>>8), byte(owner), byte(rrtype>>8), byte(rrtype), 0, dns.ClassINET)
	m.b = binary.BigEndian.AppendUint32(m.b, m.ttl)
	m.b = append(m.b, 0, 0)
	return len(m.b) - 2
}

// endRR fills in the RDLENGTH at off.
func (m *builder) endRR(off int) {
	binary.BigEndian.PutUint16(m.b[off:], uint16(len(m.b)-off-2))
}

// soa appends the SOA record of the apex.
func (m *builder) soa() {
	rd := m.rrHeader(m.apex, dns.TypeSOA)
	m.b = append(m.b, localhostWire...)
	m.b = append(m.b, hostmasterLabel...)
	m.b = append(m.b, byte(0xc0|m.apex>>8), byte(m.apex))
	m.b = binary.BigEndian.AppendUint32(m.b, soaSerial)
	m.b = binary.BigEndian.AppendUint32(m.b, soaRefresh)
	m.b = binary.BigEndian.AppendUint32(m.b, soaRetry)
	m.b = binary.BigEndian.AppendUint32(m.b, soaExpire)
	m.b = binary.BigEndian.AppendUint32(m.b, m.ttl)
	m.endRR(rd)
}

// ns appends the NS record of the apex.
func (m *builder) ns() {
	rd := m.rrHeader(m.apex, dns.TypeNS)
	m.b = append(m.b, localhostWire...)
	m.endRR(rd)
}

// naptr appends the NAPTR of the number +1 digits: a tel URI with the
// "npdi" parameter, saying the dip was done, and when lrn is set the "rn"
// parameter carrying it (RFC 4694). Parameters are in the lexical order
// RFC 3966 asks for.
func (m *builder) naptr(digits *[10]byte, lrn npac.LRN) {
	rd := m.rrHeader(12, dns.TypeNAPTR)
	m.b = append(m.b, naptrOrder>>8, naptrOrder&0xff, naptrPreference>>8, naptrPreference&0xff)
	m.b = append(m.b, byte(len(naptrFlags)))
	m.b = append(m.b, naptrFlags...)
	m.b = append(m.b, byte(len(naptrService)))
	m.b = append(m.b, naptrService...)
	re := len(m.b)
	m.b = append(m.b, 0)
	m.b = append(m.b, "!^.*$!tel:+1"...)
	m.b = append(m.b, digits[:]...)
	m.b = append(m.b, ";npdi"...)
	if lrn != "" {
		m.b = append(m.b, ";rn=+1"...)
		m.b = append(m.b, lrn...)
	}
	m.b = append(m.b, '!')
	m.b[re] = byte(len(m.b) - re - 1)
	m.b = append(m.b, 0) // REPLACEMENT: the root, unused with a regexp
	m.endRR(rd)
}

// finish appends the OPT record if due, fills in the header and returns
// the reply.
func (m *builder) finish() []byte {
	var ar uint16
	if m.edns {
		var do byte
		if m.do {
			do = 0x80
		}
		// Owner root, TYPE OPT, CLASS our UDP size, TTL = extended RCODE,
		// version 0, flags; no options.
		m.b = append(m.b, 0, 0, byte(dns.TypeOPT), ednsUDPSize>>8, ednsUDPSize&0xff, byte(m.rcode>>4), 0, do, 0, 0, 0)
		ar = 1
	}
	h := m.b[2:12]
	binary.BigEndian.PutUint16(h[0:], m.flags|uint16(m.rcode&0xf))
	binary.BigEndian.PutUint16(h[2:], m.qd)
	binary.BigEndian.PutUint16(h[4:], m.an)
	binary.BigEndian.PutUint16(h[6:], m.nscount)
	binary.BigEndian.PutUint16(h[8:], ar)
	return m.b
}
