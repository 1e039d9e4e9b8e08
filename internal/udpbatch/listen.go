package udpbatch

import (
	"context"
	"errors"
	"net"
	"syscall"
)

// ListenPair binds addr ("host:port") for UDP and for TCP on the same
// port, as DNS and SIP servers are. When the port is 0, TCP binds the port
// the system chose for UDP; should another socket hold that port for TCP,
// which happens on a busy machine because UDP and TCP draw ephemeral ports
// from one range, both are bound again, up to ten times. Any other failure
// is returned at once, with nothing left bound.
func ListenPair(ctx context.Context, addr string) (net.PacketConn, net.Listener, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, nil, err
	}
	var lc net.ListenConfig
	for attempt := 1; ; attempt++ {
		udp, err := lc.ListenPacket(ctx, "udp", addr)
		if err != nil {
			return nil, nil, err
		}
		tcpAddr := addr
		if port == "0" || port == "" {
			tcpAddr = net.JoinHostPort(host, portOf(udp.LocalAddr()))
		}
		tcp, err := lc.Listen(ctx, "tcp", tcpAddr)
		if err == nil {
			return udp, tcp, nil
		}
		udp.Close()
		if tcpAddr == addr || !errors.Is(err, syscall.EADDRINUSE) || attempt == 10 {
			return nil, nil, err
		}
	}
}

// portOf is the port of a bound address.
func portOf(a net.Addr) string {
	_, port, _ := net.SplitHostPort(a.String())
	return port
}
