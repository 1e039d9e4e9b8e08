//go:build !linux

package udpbatch

import "net"

// batching: recvmmsg and sendmmsg are not to be had, so every socket is
// served one datagram at a time.
const batching = false

// batcher is the batched server, which needs recvmmsg and sendmmsg.
type batcher struct{}

func newBatcher(*Server, *net.UDPConn) (*batcher, error) { return nil, nil }

func (*batcher) serve() error { return nil }
