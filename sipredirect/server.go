// Package sipredirect is a SIP redirect server that answers LNP dips.
//
// A switch sends an INVITE whose Request-URI names the dialed number; the
// server looks the number up in an npac.Resolver and answers 302 Moved
// Temporarily with one Contact that carries the result as RFC 4694
// parameters in the user part:
//
//	ported:      Contact: <sip:+16135550100;rn=+16132180000;npdi@HOST>
//	not ported:  Contact: <sip:+16135550100;npdi@HOST>
//
// HOST (with its port and URI parameters) is copied from the URI the number
// was read from, so a client that follows the redirect, such as Kamailio's
// uac_redirect, keeps routing toward the same next hop. Clients that only
// read the Contact user part, such as yeti-lnp-resolver's SIP 301/302
// driver, find the LRN in the rn parameter.
//
// Number and status rules:
//
//   - The number is the Request-URI user part: +16135550100, 16135550100,
//     6135550100, with RFC 3966 visual separators (-.()) and user
//     parameters (;npdi, ;rn=…, ;phone-context=+1) allowed. A tel: Request-URI
//     is read the same way and answered with a tel: Contact.
//   - When the Request-URI user part is not a number at all (empty, or not
//     starting with a digit or "+", as in sip:lnp@dip.example.net), the
//     number is read from the To URI instead, and HOST is the To URI's host.
//   - A number that starts like one but is not a valid 10-digit NANP
//     number is answered 484 Address Incomplete; so is a request with no
//     number in either place.
//   - A well-formed number outside the NANP (+44…) or in an NPA-NXX the
//     resolver does not know is answered 404 Not Found.
//   - The answer always names the number in E.164 form (+1NPANXXXXXX),
//     whatever form the request used.
//
// Other methods: OPTIONS gets 200 OK with Allow and Accept (for health
// checks), ACK gets no answer, BYE and CANCEL get 481 Call/Transaction
// Does Not Exist, and anything else gets 405 Method Not Allowed with Allow.
// A request that lacks one of the headers every request must carry (Via,
// From, To, Call-ID, CSeq) gets 400 Bad Request; a message that does not
// parse as SIP, and every response, is dropped.
//
// # Stateless
//
// The server is stateless, as RFC 3261 §8.2.7 allows a UAS to be and a
// redirect server (§8.3) usually is: each request is answered from its own
// content alone, and nothing is kept once the answer is sent: no
// transaction, no dialog. So its memory does not grow with the dip rate.
//
//   - A retransmitted INVITE is answered again, with the same answer: the
//     lookup is idempotent, and the To tag is not random but a keyed hash of
//     the request's Call-ID, From tag and top Via branch, under a key drawn
//     when Serve starts. Every copy of one INVITE thus gets the same To tag
//     while the server runs (after a restart, a different one).
//   - A final answer is sent once. Over UDP, a client whose answer was lost
//     sends its INVITE again (RFC 3261 Timer A) and gets the answer again.
//   - ACK is absorbed, whichever answer it acknowledges.
//   - CANCEL gets 481: there is no INVITE transaction for it to match (RFC
//     3261 §9.2). An INVITE is answered as soon as it arrives, with a final
//     answer, so there is never one pending to cancel.
//   - A request that already carries a To tag keeps it in the answer.
//
// This is a change: the server used to be stateful, through sipgo's
// transaction layer, which held every INVITE transaction for seconds after
// its answer (for 31,000 dips a second, close to a gigabyte of heap). It
// then retransmitted an unacknowledged 302 over UDP, and answered a CANCEL
// of an INVITE it still held 200 OK; a CANCEL now always gets 481.
//
// # Transport
//
// Answers are routed as RFC 3261 §18.2.2 and RFC 3581 say. Over UDP the
// answer goes to the IP address the request came from, and to the port it
// came from when the top Via asks for it with rport, else to the Via
// sent-by port (5060 when there is none); a Via maddr is not honoured. The
// top Via of the answer gets received=IP when that address differs from
// the sent-by host (§18.2.1), and rport=PORT;received=IP when rport was
// asked. A datagram longer than 32 KiB is dropped. Over TCP the answer
// goes back on the request's connection, which the client may keep for
// further requests; messages are framed by their Content-Length, and CRLF
// keep-alives (RFC 5626 §3.5.1) are answered.
//
// On Linux, UDP is read and answered in batches, with recvmmsg and
// sendmmsg, by one goroutine that starts helpers, up to one per CPU, while
// requests arrive faster than it answers them. Elsewhere, or when the
// PacketConn given to Serve is not a *net.UDPConn, one goroutine per CPU
// reads and answers one datagram at a time. Messages are parsed and
// answers built with sipgo's sip package, but over UDP the common INVITE
// is answered by a fast path that builds the same bytes without it (see
// fast.go), and ACKs are dropped unparsed.
package sipredirect

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"

	"github.com/opennpac/npac"
	"github.com/opennpac/npac/internal/udpbatch"
)

// Server answers LNP dips over SIP. Set Resolver before serving; Log may be
// nil, in which case slog.Default() is used. A Server must not be changed
// while it serves.
type Server struct {
	// Resolver is the data source of every answer.
	Resolver npac.Resolver
	// Log receives the server's messages; per-request messages are logged
	// at debug level only.
	Log *slog.Logger
}

// ListenAndServe binds addr ("host:port") on both UDP and TCP and answers
// requests until ctx ends, then returns nil. Bind errors are returned at
// once. When addr's port is 0, TCP is bound to the port the system chose
// for UDP, so both transports share one port.
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	udp, tcp, err := udpbatch.ListenPair(ctx, addr)
	if err != nil {
		return fmt.Errorf("sipredirect: listen: %w", err)
	}
	return s.Serve(ctx, udp, tcp)
}

// transport serves one listener.
type transport interface {
	// serve answers requests until shutdown is called or the listener
	// fails, and returns nil or the failure.
	serve() error
	// shutdown makes serve return; it may return first.
	shutdown()
}

// Serve answers requests arriving on udp and on tcp until ctx ends, then
// closes both and returns nil. Either may be nil to serve one transport
// only. If a listener fails before ctx ends, Serve stops and returns the
// error. Serve takes ownership of the listeners.
func (s *Server) Serve(ctx context.Context, udp net.PacketConn, tcp net.Listener) error {
	closeAll := func() {
		if udp != nil {
			udp.Close()
		}
		if tcp != nil {
			tcp.Close()
		}
	}
	if s.Resolver == nil {
		closeAll()
		return errors.New("sipredirect: serve: Server.Resolver is nil")
	}
	if udp == nil && tcp == nil {
		return errors.New("sipredirect: serve: no listener")
	}
	log := s.Log
	if log == nil {
		log = slog.Default()
	}
	h := newHandler(s.Resolver, log)

	type named struct {
		network string
		t       transport
	}
	var servers []named
	if udp != nil {
		u, err := newUDPServer(h, udp)
		if err != nil {
			closeAll()
			return fmt.Errorf("sipredirect: serve udp: %w", err)
		}
		servers = append(servers, named{"udp", u})
	}
	if tcp != nil {
		servers = append(servers, named{"tcp", newTCPServer(h, tcp)})
	}

	type result struct {
		network string
		err     error
	}
	results := make(chan result, len(servers))
	for _, srv := range servers {
		go func() { results <- result{srv.network, srv.t.serve()} }()
	}
	log.Info("sip redirect server listening", "udp", addrString(udp), "tcp", listenerString(tcp))

	var failed error
	remaining := len(servers)
	select {
	case <-ctx.Done():
	case r := <-results:
		remaining--
		failed = r.err
		if failed == nil {
			failed = errors.New("listener stopped")
		}
		failed = fmt.Errorf("sipredirect: serve %s: %w", r.network, failed)
	}
	for _, srv := range servers {
		srv.t.shutdown()
	}
	for ; remaining > 0; remaining-- {
		<-results
	}
	closeAll()
	return failed
}

func addrString(c net.PacketConn) string {
	if c == nil {
		return ""
	}
	return c.LocalAddr().String()
}

func listenerString(l net.Listener) string {
	if l == nil {
		return ""
	}
	return l.Addr().String()
}
