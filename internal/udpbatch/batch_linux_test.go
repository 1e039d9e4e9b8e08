package udpbatch

import (
	"bytes"
	"fmt"
	"net"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestHelpers queues datagrams from several sockets before the server
// reads any, so that its first reads are full batches and it starts
// helpers, and checks every answer.
func TestHelpers(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4)) // room for 3 helpers
	udp := listen(t)
	udp.SetReadBuffer(1 << 20)
	const clients, each = 4, 60
	conns := make([]*net.UDPConn, clients)
	for i := range conns {
		conns[i] = dial(t, udp.LocalAddr())
		for id := range each {
			send(t, conns[i], fmt.Sprintf("%d.%d", i, id))
		}
	}
	before := helperStarts.Load()
	serve(t, udp, echo, Options{ReadSize: 4096, ReplySize: 512})

	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Go(func() {
			seen := make(map[string]bool)
			buf := make([]byte, 1024)
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			for len(seen) < each {
				n, err := c.Read(buf)
				if err != nil {
					t.Errorf("client %d: %d of %d answers: %v", i, len(seen), each, err)
					return
				}
				var ci, id int
				a := string(buf[:n])
				if _, err := fmt.Sscanf(a, "re:%d.%d", &ci, &id); err != nil || ci != i || seen[a] {
					t.Errorf("client %d: bad or repeated answer %q", i, a)
					return
				}
				seen[a] = true
			}
		})
	}
	wg.Wait()
	if helperStarts.Load() == before {
		t.Error("no helper started")
	}

	// The helpers have returned; the leader alone still answers.
	send(t, conns[0], "after")
	if got := recv(t, conns[0], 5*time.Second); got != "re:after" {
		t.Errorf("after the burst: got %q, want re:after", got)
	}
}

// TestWildcardSource checks that on a socket bound to a wildcard address
// each answer leaves from the address its datagram came to, wherever the
// Handler sends it: the client sockets are connected to that address, and
// take nothing else.
func TestWildcardSource(t *testing.T) {
	for _, tc := range []struct {
		network, bind string
		dsts          []string
	}{
		{"udp4", "0.0.0.0:0", []string{"127.0.0.1", "127.0.0.2"}},
		{"udp", "0.0.0.0:0", []string{"127.0.0.1", "127.0.0.2"}},
		{"udp", "[::]:0", []string{"127.0.0.1", "127.0.0.2", "::1"}},
	} {
		t.Run(tc.network+" "+tc.bind, func(t *testing.T) {
			udp, err := net.ListenPacket(tc.network, tc.bind)
			if err != nil {
				t.Skipf("cannot bind %s: %v", tc.bind, err)
			}
			t.Cleanup(func() { udp.Close() })
			serve(t, udp, echo, Options{})
			port := udp.LocalAddr().(*net.UDPAddr).Port
			for _, dst := range tc.dsts {
				addr := &net.UDPAddr{IP: net.ParseIP(dst), Port: port}
				a, err := net.DialUDP("udp", nil, addr)
				if err != nil {
					t.Logf("skipping %s: %v", dst, err)
					continue
				}
				t.Cleanup(func() { a.Close() })
				b := dial(t, addr)
				send(t, a, "hello")
				if got := recv(t, a, 5*time.Second); got != "re:hello" {
					t.Errorf("to %s: got %q, want re:hello", dst, got)
				}
				m := fmt.Sprintf("to:%d", b.LocalAddr().(*net.UDPAddr).Port)
				send(t, a, m)
				if got := recv(t, b, 5*time.Second); got != "re:"+m {
					t.Errorf("to %s, answer elsewhere: got %q, want %q", dst, got, "re:"+m)
				}
			}
		})
	}
}

// TestTruncated checks that a datagram longer than ReadSize is dropped
// and reported with DropTruncated, and handed on cut without.
func TestTruncated(t *testing.T) {
	for _, drop := range []bool{true, false} {
		t.Run(fmt.Sprint("drop ", drop), func(t *testing.T) {
			udp := listen(t)
			var f faults
			serve(t, udp, echo, Options{ReadSize: 8, DropTruncated: drop, Fault: f.add})
			c := dial(t, udp.LocalAddr())
			send(t, c, "0123456789abcdef", "short")
			want := []string{"re:01234567", "re:short"}
			if drop {
				want = want[1:]
			}
			for _, w := range want {
				if got := recv(t, c, 5*time.Second); got != w {
					t.Errorf("got %q, want %q", got, w)
				}
			}
			if n := f.count(); drop && (n != 1 || f.list[0] != fmt.Sprint(Truncated, " ", c.LocalAddr(), " <nil>")) {
				t.Errorf("faults %q, want one Truncated from %v", f.list, c.LocalAddr())
			} else if !drop && n != 0 {
				t.Errorf("faults %q, want none", f.list)
			}
		})
	}
}

// pktinfo4 and pktinfo6 are the control messages of a datagram that came
// to ip.
func pktinfo4(ip net.IP) []byte {
	b := cmsg(nil, syscall.IPPROTO_IP, syscall.IP_PKTINFO, pktinfo4Len)
	copy(b[syscall.SizeofCmsghdr+8:], ip.To4()) // ipi_addr
	return b
}

func pktinfo6(ip net.IP) []byte {
	b := cmsg(nil, syscall.IPPROTO_IPV6, syscall.IPV6_PKTINFO, pktinfo6Len)
	copy(b[syscall.SizeofCmsghdr:], ip.To16()) // ipi6_addr
	return b
}

// TestReplySource checks the control message an answer is sent with,
// from those its datagram came with.
func TestReplySource(t *testing.T) {
	v4, v4b, v6 := net.IPv4(192, 0, 2, 1), net.IPv4(192, 0, 2, 2), net.ParseIP("2001:db8::1")
	// want4 and want6 are what the answer is sent with.
	want4 := func(ip net.IP) []byte {
		b := cmsg(nil, syscall.IPPROTO_IP, syscall.IP_PKTINFO, pktinfo4Len)
		copy(b[syscall.SizeofCmsghdr+4:], ip.To4()) // ipi_spec_dst
		return b
	}
	for _, tt := range []struct {
		name string
		oob  []byte
		want []byte
	}{
		{"none", nil, nil},
		{"IPv4", pktinfo4(v4), want4(v4)},
		{"IPv6", pktinfo6(v6), pktinfo6(v6)},
		{"mapped IPv4", pktinfo6(v4), want4(v4)},
		{"IPv4, then IPv6", append(pktinfo4(v4b), pktinfo6(v4)...), want4(v4)},
		{"IPv6, then IPv4", append(pktinfo6(v6), pktinfo4(v4)...), pktinfo6(v6)},
		{"cut short", pktinfo6(v6)[:syscall.SizeofCmsghdr+8], nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := replySource(make([]byte, 0, pktinfo6Space), tt.oob); !bytes.Equal(got, tt.want) {
				t.Errorf("got %x, want %x", got, tt.want)
			}
		})
	}
}
