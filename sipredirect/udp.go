package sipredirect

import (
	"net"
	"net/netip"

	"github.com/opennpac/npac/internal/udpbatch"
)

// readSize is the read buffer of one datagram, as sipgo's UDP transport
// has it; a longer datagram is dropped.
const readSize = 32 << 10

// maxReply bounds the answers the server builds, for buffer sizes: every
// answer is a request's Via, From, To, Call-ID and CSeq plus a little.
// Longer answers are built all the same, in a buffer of their own.
const maxReply = 2048

// udpServer serves UDP with udpbatch: in batches, with recvmmsg and
// sendmmsg, on Linux when the PacketConn is a *net.UDPConn, else one
// datagram at a time from one goroutine per CPU.
type udpServer struct{ *udpbatch.Server }

func newUDPServer(h *handler, c net.PacketConn) (*udpServer, error) {
	u, err := udpbatch.New(c, h.udp, udpbatch.Options{
		ReadSize:      readSize,
		ReplySize:     maxReply,
		DropTruncated: true,
		Fault:         h.udpFault,
	})
	if err != nil {
		return nil, err
	}
	return &udpServer{u}, nil
}

func (u *udpServer) serve() error { return u.Serve() }
func (u *udpServer) shutdown()    { u.Shutdown() }

// udp answers the datagram p from from, as a udpbatch.Handler: to from's
// address, and to the port the rport and Via rules choose (see packet).
func (h *handler) udp(b, p []byte, from net.Addr) ([]byte, net.Addr) {
	src, ok := addrPort(from)
	if !ok {
		return nil, nil
	}
	r, dst, ok := h.packet(b, p, src)
	switch {
	case !ok:
		return nil, nil
	case dst == src:
		return r, from
	}
	if ua, ok := from.(*net.UDPAddr); ok {
		return r, &net.UDPAddr{IP: ua.IP, Port: int(dst.Port()), Zone: ua.Zone}
	}
	return r, net.UDPAddrFromAddrPort(dst)
}

// udpFault logs what the UDP server gave up on, at debug level.
func (h *handler) udpFault(f udpbatch.Fault, addr net.Addr, err error) {
	switch f {
	case udpbatch.NoHelper:
		h.debug("sip: no descriptor for a UDP helper", "error", err)
	case udpbatch.WriteFailed:
		h.debug("sip: write answer", "dst", addr, "error", err)
	case udpbatch.Truncated:
		h.debug("sip: dropped a datagram longer than the read buffer", "src", addr, "size", readSize)
	}
}

// addrPort returns the address of a UDP peer, IPv4 addresses unmapped.
func addrPort(a net.Addr) (netip.AddrPort, bool) {
	switch a := a.(type) {
	case *net.UDPAddr:
		ip, ok := netip.AddrFromSlice(a.IP)
		if !ok {
			return netip.AddrPort{}, false
		}
		return netip.AddrPortFrom(ip.Unmap().WithZone(a.Zone), uint16(a.Port)), true
	case nil:
		return netip.AddrPort{}, false
	}
	ap, err := netip.ParseAddrPort(a.String())
	return ap, err == nil
}
