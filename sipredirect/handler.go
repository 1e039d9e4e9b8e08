package sipredirect

import (
	"bytes"
	"context"
	"hash/maphash"
	"log/slog"
	"net/netip"
	"strconv"

	"github.com/emiago/sipgo/sip"

	"github.com/opennpac/npac"
)

// allowed lists the methods the server handles, for Allow headers.
const allowed = "INVITE, ACK, CANCEL, BYE, OPTIONS"

// defaultPort is where an answer goes over UDP when the top Via names no
// port and asks for no rport (RFC 3261 §18.2.2).
const defaultPort = 5060

// handler answers requests. It keeps nothing from one request to the
// next: every answer is built from its request alone.
type handler struct {
	resolver npac.Resolver
	log      *slog.Logger
	parser   *sip.Parser
	// seed keys the hash that makes To tags, so that they cannot be
	// foretold from the requests.
	seed maphash.Seed
}

func newHandler(r npac.Resolver, log *slog.Logger) *handler {
	return &handler{resolver: r, log: log, parser: sip.NewParser(), seed: maphash.MakeSeed()}
}

// keepAlive reports whether a datagram is a keep-alive (one or two CRLF,
// RFC 5626 §3.5.1) or padding, which get no answer.
func keepAlive(p []byte) bool {
	if len(p) <= 4 && len(bytes.Trim(p, "\r\n")) == 0 {
		return true
	}
	return len(bytes.Trim(p, "\x00")) == 0
}

// packet answers the datagram p that came from src over UDP. It appends
// the answer to b and returns it and where to send it, or ok false when p
// gets no answer.
func (h *handler) packet(b, p []byte, src netip.AddrPort) (out []byte, dst netip.AddrPort, ok bool) {
	if keepAlive(p) {
		return b, dst, false
	}
	if out, dst, ok, done := h.fastInvite(b, p, src); done {
		return out, dst, ok
	}
	return h.packetSlow(b, p, src)
}

// packetSlow is packet through sipgo's parser and message builder, for
// every request.
func (h *handler) packetSlow(b, p []byte, src netip.AddrPort) (out []byte, dst netip.AddrPort, ok bool) {
	msg, err := h.parser.ParseSIP(p)
	if err != nil {
		h.debug("sip: dropped a datagram that does not parse", "src", src, "error", err)
		return b, dst, false
	}
	req, isReq := msg.(*sip.Request)
	if !isReq {
		return b, dst, false // a response: the server sends no requests
	}
	req.SetTransport("UDP")
	res := h.answer(req, src)
	if res == nil {
		return b, dst, false
	}
	return appendMessage(b, res), udpDestination(req, src), true
}

// udpDestination is where the answer to req, which came from src over
// UDP, goes (RFC 3261 §18.2.2, RFC 3581 §4): src's address, and src's port
// when the top Via asks for rport or there is no Via, else the Via's
// sent-by port or 5060. The received parameter the answer's Via gets
// names src's address, so the address is always src's.
func udpDestination(req *sip.Request, src netip.AddrPort) netip.AddrPort {
	via := req.Via()
	if via == nil || via.Params.Has("rport") {
		return src
	}
	port := via.Port
	if port <= 0 || port > 65535 {
		port = defaultPort
	}
	return netip.AddrPortFrom(src.Addr(), uint16(port))
}

// answer returns the answer to req, which came from src, or nil when req
// gets none.
func (h *handler) answer(req *sip.Request, src netip.AddrPort) *sip.Response {
	if req.Method == sip.ACK {
		return nil
	}
	req.SetSource(src.String()) // for the Via's rport and received
	if to := req.To(); to != nil && !to.Params.Has("tag") {
		to.Params.Add("tag", h.toTag(req))
	}
	if req.Via() == nil || req.From() == nil || req.To() == nil || req.CallID() == nil || req.CSeq() == nil {
		h.debug("sip: request without a mandatory header", "method", string(req.Method), "src", src)
		return h.response(req, src, sip.StatusBadRequest)
	}
	switch req.Method {
	case sip.INVITE:
		return h.invite(req, src)
	case sip.OPTIONS:
		res := h.response(req, src, sip.StatusOK)
		res.AppendHeader(sip.NewHeader("Allow", allowed))
		res.AppendHeader(sip.NewHeader("Accept", "application/sdp"))
		return res
	case sip.BYE, sip.CANCEL:
		// No dialog and no transaction is held: nothing matches.
		return h.response(req, src, sip.StatusCallTransactionDoesNotExists)
	}
	res := h.response(req, src, sip.StatusMethodNotAllowed)
	res.AppendHeader(sip.NewHeader("Allow", allowed))
	return res
}

// invite answers a dip.
func (h *handler) invite(req *sip.Request, src netip.AddrPort) *sip.Response {
	d, status, contact := h.lookup(req)
	res := h.response(req, src, status)
	if contact != "" {
		res.AppendHeader(sip.NewHeader("Contact", contact))
	}
	if h.log.Enabled(context.Background(), slog.LevelDebug) {
		h.log.Debug("sip dip", "ruri", req.Recipient.String(), "tn", string(d.tn), "status", status, "contact", contact)
	}
	return res
}

// lookup finds the answer to a dip: the number asked about, the status
// and, for a 302, the Contact header value.
func (h *handler) lookup(req *sip.Request) (d target, status int, contact string) {
	d, status = dialed(req)
	if status != 0 {
		return d, status, ""
	}
	status, lrn := h.route(d.tn)
	if status == sip.StatusMovedTemporarily {
		contact = d.contact(lrn)
	}
	return d, status, contact
}

// response builds the answer to req with status (RFC 3261 §8.2.6), with
// the top Via's received parameter set as §18.2.1 and RFC 3581 say.
// req's To header must already carry the tag the answer is to have.
func (h *handler) response(req *sip.Request, src netip.AddrPort, status int) *sip.Response {
	res := sip.NewResponseFromRequest(req, status, reason(status), nil)
	// NewResponseFromRequest sets rport and received when rport is asked
	// for; received is also due when the sent-by host is not the address
	// the request came from.
	if via := res.Via(); via != nil && !via.Params.Has("received") && !sameHost(via.Host, src.Addr()) {
		via.Params.Add("received", src.Addr().String())
	}
	return res
}

// sameHost reports whether a Via sent-by host is the IP address a.
func sameHost(host string, a netip.Addr) bool {
	if len(host) > 1 && host[0] == '[' && host[len(host)-1] == ']' {
		host = host[1 : len(host)-1]
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap() == a.Unmap()
}

// toTag returns the To tag of the answers to req: a hash of its Call-ID,
// From tag and top Via branch, so that every copy of a request gets the
// same tag, keyed by h.seed (RFC 3261 §19.3 wants tags that cannot be
// guessed).
func (h *handler) toTag(req *sip.Request) string {
	var callID, fromTag, branch string
	if c := req.CallID(); c != nil {
		callID = c.Value()
	}
	if f := req.From(); f != nil {
		fromTag, _ = f.Params.Get("tag")
	}
	if v := req.Via(); v != nil {
		branch, _ = v.Params.Get("branch")
	}
	var buf [16]byte
	return string(appendTag(buf[:0], h.seed, callID, fromTag, branch))
}

// appendTag appends the To tag made of a request's Call-ID, From tag and
// top Via branch, under seed: 16 hexadecimal digits.
func appendTag[S string | []byte](b []byte, seed maphash.Seed, callID, fromTag, branch S) []byte {
	var m maphash.Hash
	m.SetSeed(seed)
	for i, s := range [...]S{callID, fromTag, branch} {
		if i > 0 {
			m.WriteByte(0)
		}
		switch s := any(s).(type) {
		case string:
			m.WriteString(s)
		case []byte:
			m.Write(s)
		}
	}
	const hex = "0123456789abcdef"
	x := m.Sum64()
	for i := 60; i >= 0; i -= 4 {
		b = append(b, hex[x>>uint(i)&0xf])
	}
	return b
}

// reason is the reason phrase of the statuses the server sends.
func reason(status int) string {
	switch status {
	case sip.StatusOK:
		return "OK"
	case sip.StatusMovedTemporarily:
		return "Moved Temporarily"
	case sip.StatusBadRequest:
		return "Bad Request"
	case sip.StatusNotFound:
		return "Not Found"
	case sip.StatusMethodNotAllowed:
		return "Method Not Allowed"
	case sip.StatusCallTransactionDoesNotExists:
		return "Call/Transaction Does Not Exist"
	case sip.StatusAddressIncomplete:
		return "Address Incomplete"
	case sip.StatusInternalServerError:
		return "Server Internal Error"
	}
	return "Status " + strconv.Itoa(status)
}

// debug logs at debug level, when that is enabled.
func (h *handler) debug(msg string, args ...any) {
	if h.log.Enabled(context.Background(), slog.LevelDebug) {
		h.log.Debug(msg, args...)
	}
}

// appendMessage appends m as it goes on the wire to b.
func appendMessage(b []byte, m sip.Message) []byte {
	w := appendWriter{b}
	m.StringWrite(&w)
	return w.b
}

// appendWriter is an io.StringWriter that appends to a byte slice.
type appendWriter struct{ b []byte }

func (w *appendWriter) WriteString(s string) (int, error) {
	w.b = append(w.b, s...)
	return len(s), nil
}
