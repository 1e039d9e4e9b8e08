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
// checks), ACK is absorbed, BYE gets 481 (a redirect server holds no
// dialogs), CANCEL gets 200 when it matches an INVITE transaction the
// server still holds and 481 otherwise, and anything else gets 405 with
// Allow. INVITEs are handled statefully (sipgo's transaction layer): over
// UDP a 302 is retransmitted until the client's ACK arrives, and a
// retransmitted INVITE gets the same answer.
package sipredirect

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/opennpac/npac"
)

// allowed lists the methods the server handles, for Allow headers.
const allowed = "INVITE, ACK, CANCEL, BYE, OPTIONS"

// Server answers LNP dips over SIP. Set Resolver before serving; Log may be
// nil, in which case slog.Default() is used. A Server must not be changed
// while it serves.
type Server struct {
	// Resolver is the data source of every answer.
	Resolver npac.Resolver
	// Log receives the server's and the SIP stack's messages; per-request
	// messages are logged at debug level only.
	Log *slog.Logger
}

// ListenAndServe binds addr ("host:port") on both UDP and TCP and answers
// requests until ctx ends, then returns nil. Bind errors are returned at
// once. When addr's port is 0, TCP is bound to the port the system chose
// for UDP, so both transports share one port.
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	udp, tcp, err := listen(ctx, addr)
	if err != nil {
		return err
	}
	return s.Serve(ctx, udp, tcp)
}

// listen binds addr on UDP, then TCP on the same port.
func listen(ctx context.Context, addr string) (net.PacketConn, net.Listener, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, nil, fmt.Errorf("sipredirect: listen: %w", err)
	}
	var lc net.ListenConfig
	// With port 0 the UDP port chosen may be taken on TCP; try a few.
	tries := 1
	if port == "0" {
		tries = 5
	}
	for i := 0; ; i++ {
		udp, err := lc.ListenPacket(ctx, "udp", addr)
		if err != nil {
			return nil, nil, fmt.Errorf("sipredirect: listen udp: %w", err)
		}
		_, uport, _ := net.SplitHostPort(udp.LocalAddr().String())
		tcp, err := lc.Listen(ctx, "tcp", net.JoinHostPort(host, uport))
		if err == nil {
			return udp, tcp, nil
		}
		udp.Close()
		if i+1 >= tries {
			return nil, nil, fmt.Errorf("sipredirect: listen tcp: %w", err)
		}
	}
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
	ua, err := sipgo.NewUA(
		sipgo.WithUserAgent("opennpac"),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(log)),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(log)),
	)
	if err != nil {
		closeAll()
		return fmt.Errorf("sipredirect: serve: %w", err)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(log))
	if err != nil {
		closeAll()
		ua.Close()
		return fmt.Errorf("sipredirect: serve: %w", err)
	}
	h := &handler{resolver: s.Resolver, log: log}
	srv.OnInvite(h.invite)
	srv.OnAck(func(*sip.Request, sip.ServerTransaction) {})
	srv.OnOptions(h.options)
	srv.OnBye(h.noTransaction)
	srv.OnCancel(h.noTransaction)
	srv.OnNoRoute(h.notAllowed)

	// Each Serve* call returns when its listener is closed; a return
	// before ctx ends means the listener failed.
	type result struct {
		network string
		err     error
	}
	results := make(chan result, 2)
	var wg sync.WaitGroup
	if udp != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results <- result{"udp", srv.ServeUDP(udp)}
		}()
	}
	if tcp != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results <- result{"tcp", srv.ServeTCP(tcp)}
		}()
	}
	log.Info("sip redirect server listening", "udp", addrString(udp), "tcp", listenerString(tcp))

	var failed error
	select {
	case <-ctx.Done():
	case r := <-results:
		failed = r.err
		if failed == nil {
			failed = errors.New("listener stopped")
		}
		failed = fmt.Errorf("sipredirect: serve %s: %w", r.network, failed)
	}
	closeAll()
	wg.Wait()
	ua.Close()
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

// handler holds what request handlers need.
type handler struct {
	resolver npac.Resolver
	log      *slog.Logger
}

// respond sends res on tx and logs a failure to send.
func (h *handler) respond(tx sip.ServerTransaction, res *sip.Response) {
	if err := tx.Respond(res); err != nil {
		h.log.Warn("sip respond failed", "status", res.StatusCode, "error", err)
	}
}

// invite answers a dip.
func (h *handler) invite(req *sip.Request, tx sip.ServerTransaction) {
	d, status := dialed(req)
	if status != 0 {
		h.reply(req, tx, status, "", d)
		return
	}
	r, ok := h.resolver.Resolve(d.tn)
	if !ok {
		h.reply(req, tx, sip.StatusNotFound, "", d)
		return
	}
	if r == nil || r.Ported && len(r.LRN) != 10 {
		// A route the resolver should never hold: answering npdi
		// without rn would send the call to the donor switch.
		h.log.Error("sip dip: resolver returned an unusable route", "tn", string(d.tn), "route", r)
		h.reply(req, tx, sip.StatusInternalServerError, "", d)
		return
	}
	var lrn npac.LRN
	if r.Ported {
		lrn = r.LRN
	}
	h.reply(req, tx, sip.StatusMovedTemporarily, d.contact(lrn), d)
}

// reply sends a final response to an INVITE, with contact as its Contact
// header value when it is not empty.
func (h *handler) reply(req *sip.Request, tx sip.ServerTransaction, status int, contact string, d target) {
	res := sip.NewResponseFromRequest(req, status, reason(status), nil)
	if contact != "" {
		res.AppendHeader(sip.NewHeader("Contact", contact))
	}
	if h.log.Enabled(context.Background(), slog.LevelDebug) {
		h.log.Debug("sip dip", "ruri", req.Recipient.String(), "tn", string(d.tn), "status", status, "contact", contact)
	}
	h.respond(tx, res)
}

// reason is the reason phrase of the statuses the server sends.
func reason(status int) string {
	switch status {
	case sip.StatusOK:
		return "OK"
	case sip.StatusMovedTemporarily:
		return "Moved Temporarily"
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

// options answers health checks.
func (h *handler) options(req *sip.Request, tx sip.ServerTransaction) {
	res := sip.NewResponseFromRequest(req, sip.StatusOK, "OK", nil)
	res.AppendHeader(sip.NewHeader("Allow", allowed))
	res.AppendHeader(sip.NewHeader("Accept", "application/sdp"))
	h.respond(tx, res)
}

// noTransaction answers BYE, and CANCEL that matched no INVITE (sipgo
// answers a matching CANCEL itself): the server keeps no dialogs.
func (h *handler) noTransaction(req *sip.Request, tx sip.ServerTransaction) {
	st := sip.StatusCallTransactionDoesNotExists
	h.respond(tx, sip.NewResponseFromRequest(req, st, reason(st), nil))
}

// notAllowed answers every other method.
func (h *handler) notAllowed(req *sip.Request, tx sip.ServerTransaction) {
	st := sip.StatusMethodNotAllowed
	res := sip.NewResponseFromRequest(req, st, reason(st), nil)
	res.AppendHeader(sip.NewHeader("Allow", allowed))
	h.respond(tx, res)
}
