package udpbatch

import (
	"context"
	"errors"
	"net"
	"syscall"
	"testing"
)

// TestListenPair binds many pairs on port 0 at once and checks that each
// pair shares one port and that no two pairs do.
func TestListenPair(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		udp, tcp, err := ListenPair(context.Background(), "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer udp.Close()
		defer tcp.Close()
		up, tp := portOf(udp.LocalAddr()), portOf(tcp.Addr())
		if up != tp {
			t.Fatalf("UDP on port %s, TCP on port %s, want one port", up, tp)
		}
		if seen[up] {
			t.Fatalf("port %s handed out twice", up)
		}
		seen[up] = true
	}
}

// TestListenPairTaken checks that a fixed port already held for TCP is an
// error, with the UDP socket released, and that a bad address is one too.
func TestListenPairTaken(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	addr := taken.Addr().String()
	if _, _, err := ListenPair(context.Background(), addr); !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("got %v, want EADDRINUSE", err)
	}
	udp, err := net.ListenPacket("udp", addr)
	if err != nil {
		t.Fatalf("UDP left bound: %v", err)
	}
	udp.Close()
	if _, _, err := ListenPair(context.Background(), "no-port"); err == nil {
		t.Fatal("an address without a port was accepted")
	}
}
