//go:build !linux

package enum

import (
	"context"
	"net"
)

// batchUDP is the batched UDP server, which needs recvmmsg and sendmmsg:
// elsewhere than on Linux, UDP is served by miekg/dns.
type batchUDP struct{}

// newBatchUDP returns nil: the caller serves c with miekg/dns.
func newBatchUDP(*Server, *zone, net.PacketConn) (*batchUDP, error) { return nil, nil }

func (*batchUDP) serve(func()) error       { return nil }
func (*batchUDP) shutdown(context.Context) {}
