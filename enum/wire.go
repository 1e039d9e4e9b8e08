package enum

import (
	"encoding/binary"

	"github.com/miekg/dns"
)

// This file answers UDP queries from their wire format. replyWire takes
// the common query, and replyPacket every other, exactly as a miekg/dns
// server with the Server as its handler would.

// headerLen is the length of a DNS message header.
const headerLen = 12

// optLen is the length of an OPT record without options: root owner (1),
// TYPE (2), CLASS (2), TTL (4) and RDLENGTH (2).
const optLen = 11

// replyWire appends to b the reply to the query p, a whole UDP payload,
// and returns it with ok true, when p is a plain query: not a response,
// opcode QUERY, one question and no other record but at most one OPT
// without options, the question's name made of labels of printable ASCII
// other than the characters miekg/dns escapes, at most 255 bytes, and not
// compressed, and nothing after the last record. Every other packet gets
// ok false and b unchanged: the caller answers it with replyPacket.
//
// For a plain query the reply is byte for byte the one ServeDNS gives once
// miekg/dns has unpacked it: the question is copied from p, which is what
// packing its unpacked name gives back, and the name the zone is looked up
// by is built as miekg/dns would print it. It allocates only the TN handed
// to the Resolver. b is used from its start: pass a buffer's [:0].
func (z *zone) replyWire(b, p []byte) (reply []byte, ok bool) {
	if len(p) < headerLen+1+4 {
		return b, false
	}
	bits := binary.BigEndian.Uint16(p[2:])
	// QR, then opcode QUERY (0); QDCOUNT 1, ANCOUNT 0, NSCOUNT 0,
	// ARCOUNT 0 or 1.
	if bits&(bitQR|0xf<<11) != 0 || p[4] != 0 || p[5] != 1 ||
		p[6]|p[7]|p[8]|p[9]|p[10] != 0 || p[11] > 1 {
		return b, false
	}

	// The question name: labels, each copied to its presentation form
	// followed by a dot, until the root label.
	var text [255]byte
	n := 0
	off := headerLen
	for {
		if off >= len(p) {
			return b, false
		}
		l := int(p[off])
		if l == 0 {
			off++
			break
		}
		// l > 63 is a compression pointer or a reserved label type. A
		// name of 255 bytes or more is refused by miekg/dns.
		if l > 63 || off+1+l > len(p) || n+l+1 > 254 {
			return b, false
		}
		for _, c := range p[off+1 : off+1+l] {
			if !plain(c) {
				return b, false
			}
			text[n] = c
			n++
		}
		text[n] = '.'
		n++
		off += 1 + l
	}
	if n == 0 {
		text[0] = '.'
		n = 1
	}
	nameEnd := off // in p, and in the reply, as both have a 12-byte header
	if off+4 > len(p) {
		return b, false
	}
	qtype := binary.BigEndian.Uint16(p[off:])
	qclass := binary.BigEndian.Uint16(p[off+2:])
	off += 4

	var edns, do, badVers bool
	if p[11] == 1 {
		// OPT: root owner, TYPE 41, any CLASS (the UDP size), TTL =
		// extended RCODE, version, flags; RDLENGTH 0.
		if len(p) != off+optLen || p[off] != 0 || binary.BigEndian.Uint16(p[off+1:]) != dns.TypeOPT ||
			p[off+9]|p[off+10] != 0 {
			return b, false
		}
		edns, do, badVers = true, p[off+7]&0x80 != 0, p[off+6] != 0
	} else if len(p) != off {
		return b, false
	}

	if cap(b) < maxReply {
		b = make([]byte, 0, maxReply)
	}
	m := builder{b: append(b[:0], p[:2]...), flags: bitQR | bits&(bitRD|bitCD), edns: edns, do: do}
	m.b = append(m.b, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
	m.b = append(m.b, p[headerLen:nameEnd+4]...)
	m.qd = 1
	if badVers {
		m.rcode = dns.RcodeBadVers
	}
	return answer(z, &m, dns.OpcodeQuery, qtype, qclass, text[:n], nameEnd), true
}

// plain reports whether miekg/dns prints the byte c of a label as itself,
// without an escape.
func plain(c byte) bool {
	if c <= ' ' || c > '~' {
		return false
	}
	switch c {
	case '.', '\'', '@', ';', '(', ')', '"', '\\':
		return false
	}
	return true
}

// replyPacket appends to b the reply to p, a UDP payload of any content,
// that a miekg/dns server with s as its handler would send, and returns
// it; or returns nil when that server would send none. Like that server,
// it checks the header with dns.DefaultMsgAcceptFunc, answers a message it
// rejects, or fails to unpack, with FORMERR or NOTIMP, ignores responses
// and packets shorter than a header, and hands the rest, unpacked, to the
// handler's logic.
func (s *Server) replyPacket(b, p []byte) []byte {
	if len(p) < headerLen {
		return nil
	}
	dh := dns.Header{
		Id:      binary.BigEndian.Uint16(p[0:]),
		Bits:    binary.BigEndian.Uint16(p[2:]),
		Qdcount: binary.BigEndian.Uint16(p[4:]),
		Ancount: binary.BigEndian.Uint16(p[6:]),
		Nscount: binary.BigEndian.Uint16(p[8:]),
		Arcount: binary.BigEndian.Uint16(p[10:]),
	}
	req := new(dns.Msg)
	// The header alone, its counts zeroed, sets req's header fields as
	// the server does before it looks at the sections.
	var hdr [headerLen]byte
	copy(hdr[:4], p)
	if err := req.Unpack(hdr[:]); err != nil {
		return nil
	}
	switch action := dns.DefaultMsgAcceptFunc(dh); action {
	case dns.MsgAccept:
		if err := req.Unpack(p); err == nil {
			return s.reply(b[:0], req)
		}
		fallthrough
	case dns.MsgReject, dns.MsgRejectNotImplemented:
		// As miekg/dns's Server.serveDNS.
		opcode := req.Opcode
		req.SetRcodeFormatError(req)
		req.Zero = false
		if action == dns.MsgRejectNotImplemented {
			req.Opcode = opcode
			req.Rcode = dns.RcodeNotImplemented
		}
		req.Ns, req.Answer, req.Extra = nil, nil, nil
		out, err := req.PackBuffer(b[:0])
		if err != nil {
			return nil
		}
		return out
	}
	return nil // MsgIgnore: a response
}
