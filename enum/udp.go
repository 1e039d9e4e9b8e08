package enum

import (
	"context"
	"net"

	"github.com/opennpac/npac/internal/udpbatch"
)

// readSize is the read buffer of one datagram: dns.DefaultMsgSize, as the
// miekg/dns server this replaces used. A longer datagram is cut to it, as
// it was.
const readSize = 4096

// batchUDP answers queries on one UDP socket with udpbatch, which reads
// them in batches with recvmmsg and sends the replies with sendmmsg, from
// one goroutine, more under load. Against a goroutine and a decoded
// dns.Msg per query, as miekg/dns serves, this saves most of the CPU a
// query costs.
type batchUDP struct{ *udpbatch.Server }

// newBatchUDP returns the batch server for c, or nil when c cannot be
// batched (it is not a *net.UDPConn, or this is not Linux): the caller
// then serves it with miekg/dns.
func newBatchUDP(s *Server, z *zone, c net.PacketConn) (*batchUDP, error) {
	if !udpbatch.Batched(c) {
		return nil, nil
	}
	u, err := udpbatch.New(c, s.udpHandler(z), udpbatch.Options{
		ReadSize:  readSize,
		ReplySize: maxReply,
		Fault:     z.udpFault,
	})
	if err != nil {
		return nil, err
	}
	return &batchUDP{u}, nil
}

// udpHandler answers a query from its wire format when it can, else as a
// miekg/dns server would (see wire.go); the reply goes back to the query's
// source.
func (s *Server) udpHandler(z *zone) udpbatch.Handler {
	return func(b, p []byte, src net.Addr) ([]byte, net.Addr) {
		r, ok := z.replyWire(b, p)
		if !ok {
			r = s.replyPacket(b, p) // nil: no reply
		}
		return r, src
	}
}

// udpFault logs what the batch server gave up on at debug level, as the
// handler does a failed write.
func (z *zone) udpFault(f udpbatch.Fault, addr net.Addr, err error) {
	switch f {
	case udpbatch.NoHelper:
		z.log.Debug("enum: no descriptor for a UDP helper", "err", err)
	case udpbatch.WriteFailed:
		z.log.Debug("enum: write reply", "remote", addr, "err", err)
	}
}

func (u *batchUDP) serve(started func()) error {
	started()
	return u.Serve()
}

// shutdown stops the readers; Serve waits for serve to return.
func (u *batchUDP) shutdown(context.Context) { u.Shutdown() }
