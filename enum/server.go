// Package enum is an ENUM server (RFC 6116) for number portability dips.
// It answers NAPTR queries for NANP numbers under an apex, by default
// e164.arpa., with the routing a npac.Resolver knows: one E2U+pstn:tel
// NAPTR (RFC 4769) whose regexp yields a tel URI carrying the "npdi" and,
// for a ported number, "rn" parameters of RFC 4694:
//
//	0.0.1.0.5.5.5.3.1.6.1.e164.arpa. 0 IN NAPTR 100 10 "u" "E2U+pstn:tel" "!^.*$!tel:+16135550100;npdi;rn=+16135559999!" .
//
// The zone is synthetic: a number the Resolver knows has a NAPTR; a number
// it does not know does not exist (NXDOMAIN). The names of the first digits
// of a NANP number (1, 6.1, … down to nine digits after the 1) are empty
// non-terminals (NODATA), as in a static zone, so that resolvers that
// minimise queries find the numbers below. Every other name below the apex
// does not exist. The apex has an SOA and an NS record. Names outside the
// apex are refused.
package enum

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
	"github.com/opennpac/npac"
	"github.com/opennpac/npac/internal/udpbatch"
)

// DefaultApex is the apex used when Server.Apex is empty.
const DefaultApex = "e164.arpa."

// shutdownTimeout bounds how long Serve waits for queries in flight once
// its context ends.
const shutdownTimeout = 5 * time.Second

// Server answers ENUM queries over UDP and TCP. Set its fields before its
// first use and do not change them after: the first query or Serve call
// fixes them.
type Server struct {
	// Resolver is the routing data. It must be set.
	Resolver npac.Resolver
	// Apex is the domain under which numbers are looked up, their digits
	// reversed country code included: for +1 613 555 0100 and the apex
	// e164.arpa., 0.0.1.0.5.5.5.3.1.6.1.e164.arpa. Empty means DefaultApex.
	// Case does not matter; a trailing dot may be left out.
	Apex string
	// TTL is the time to live of every record, and the negative caching
	// time of NXDOMAIN and NODATA answers, in seconds. The zero value, no
	// caching, is the default: a port takes effect at activation, and a
	// resolver caching the old routing would misroute calls until the TTL
	// ran out.
	TTL uint32
	// Log receives start, stop and fault messages; nil means slog.Default().
	Log *slog.Logger

	once sync.Once
	z    *zone
	err  error
}

// zone is the configuration of a Server, checked and precomputed.
type zone struct {
	resolver npac.Resolver
	apex     string // lower case, fully qualified, no escapes
	apexLen  int    // length of apex in wire format
	ttl      uint32
	log      *slog.Logger
}

// prepare checks the configuration once and returns it.
func (s *Server) prepare() (*zone, error) {
	s.once.Do(func() { s.z, s.err = s.newZone() })
	return s.z, s.err
}

func (s *Server) newZone() (*zone, error) {
	if s.Resolver == nil {
		return nil, npac.Errorf(npac.EINVALID, "The ENUM server has no Resolver: give it the routing data to answer from.")
	}
	apex := s.Apex
	if apex == "" {
		apex = DefaultApex
	}
	apex = dns.CanonicalName(apex)
	if _, ok := dns.IsDomainName(apex); !ok || strings.Contains(apex, `\`) {
		return nil, npac.Errorf(npac.EINVALID, "The ENUM apex %q is not a domain name: give one such as e164.arpa.", s.Apex)
	}
	var buf [256]byte
	n, err := dns.PackDomainName(apex, buf[:], 0, nil, false)
	if err != nil {
		return nil, npac.Errorf(npac.EINVALID, "The ENUM apex %q is not a domain name: give one such as e164.arpa.", s.Apex)
	}
	return &zone{resolver: s.Resolver, apex: apex, apexLen: n, ttl: s.TTL, log: s.logger()}, nil
}

func (s *Server) logger() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// ListenAndServe binds addr, such as "127.0.0.1:5353", for UDP and TCP and
// serves until ctx ends; then it stops both listeners, waits up to five
// seconds for queries in flight, and returns nil. A bind failure or an
// invalid configuration is returned at once. If addr's port is 0, TCP
// binds the port UDP got; should another socket hold that port for TCP,
// both are bound again on a new port, up to ten times.
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	if _, err := s.prepare(); err != nil {
		return err
	}
	udp, tcp, err := udpbatch.ListenPair(ctx, addr)
	if err != nil {
		return fmt.Errorf("enum: %w", err)
	}
	return s.Serve(ctx, udp, tcp)
}

// Serve answers queries arriving on udp and tcp, either of which may be nil
// but not both, until ctx ends; then it closes both, waits up to five
// seconds for queries in flight, and returns nil. It returns an error if
// the configuration is invalid or a listener fails; it closes both
// listeners in every case.
//
// On Linux, when udp is a *net.UDPConn, Serve reads UDP queries in batches
// with recvmmsg and sends the replies with sendmmsg, from one goroutine,
// more under load, and answers the common queries straight from their
// wire format, every other one as a miekg/dns server with ServeDNS as its
// handler: the replies are the same. Otherwise miekg/dns serves UDP, a
// goroutine per query. It always serves TCP.
func (s *Server) Serve(ctx context.Context, udp net.PacketConn, tcp net.Listener) error {
	closeAll := func() {
		if udp != nil {
			udp.Close()
		}
		if tcp != nil {
			tcp.Close()
		}
	}
	z, err := s.prepare()
	if err != nil {
		closeAll()
		return err
	}
	var servers []transport
	var udpAddr, tcpAddr string
	if udp != nil {
		udpAddr = udp.LocalAddr().String()
		b, err := newBatchUDP(s, z, udp)
		switch {
		case err != nil:
			closeAll()
			return fmt.Errorf("enum: serve: %w", err)
		case b != nil:
			servers = append(servers, b)
		default:
			// Not a *net.UDPConn, or not Linux. UDPSize is the read
			// buffer for queries, pooled by miekg/dns.
			servers = append(servers, miekgServer{&dns.Server{PacketConn: udp, Handler: s, UDPSize: dns.DefaultMsgSize}})
		}
	}
	if tcp != nil {
		tcpAddr = tcp.Addr().String()
		servers = append(servers, miekgServer{&dns.Server{Listener: tcp, Handler: s}})
	}
	if len(servers) == 0 {
		return errors.New("enum: serve: no listener")
	}

	// Start every server, then wait until each has started or failed:
	// shutting down a server that has not started yet does not stop it.
	type result struct {
		i   int
		err error
	}
	results := make(chan result, len(servers))
	ups := make([]chan struct{}, len(servers))
	for i, srv := range servers {
		up := make(chan struct{})
		ups[i] = up
		go func() { results <- result{i, srv.serve(func() { close(up) })} }()
	}
	done := make([]bool, len(servers))
	remaining := len(servers)
	stopping := false
	collect := func(res result) {
		done[res.i] = true
		remaining--
		if err == nil && !stopping {
			if res.err == nil {
				res.err = errors.New("listener stopped")
			}
			err = fmt.Errorf("enum: serve: %w", res.err)
		}
	}
	for i := range servers {
	wait:
		for !done[i] {
			select {
			case <-ups[i]:
				break wait
			case res := <-results:
				collect(res)
			}
		}
	}
	if err == nil {
		z.log.Info("enum: serving", "udp", udpAddr, "tcp", tcpAddr, "apex", z.apex, "ttl", z.ttl)
		select {
		case <-ctx.Done():
		case res := <-results:
			collect(res)
		}
	}

	stopping = true
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	for i, srv := range servers {
		if !done[i] {
			srv.shutdown(sctx)
		}
	}
	for remaining > 0 {
		select {
		case res := <-results:
			collect(res)
		case <-sctx.Done():
			// A query stuck in a write: leave it and its goroutine.
			remaining = 0
		}
	}
	closeAll()
	if err != nil {
		z.log.Error("enum: stopped", "err", err)
		return err
	}
	z.log.Info("enum: stopped")
	return nil
}

// transport is a server of one listener: the batched UDP server or a
// miekg/dns server.
type transport interface {
	// serve serves until shutdown or until the listener fails, and
	// returns nil or the failure; it calls started once it serves.
	serve(started func()) error
	// shutdown makes serve return; it may return first.
	shutdown(ctx context.Context)
}

// miekgServer is a miekg/dns server as a transport.
type miekgServer struct{ *dns.Server }

func (m miekgServer) serve(started func()) error {
	m.NotifyStartedFunc = started
	return m.ActivateAndServe()
}

func (m miekgServer) shutdown(ctx context.Context) {
	m.ShutdownContext(ctx) // fails only if it already stopped, or on timeout
}
