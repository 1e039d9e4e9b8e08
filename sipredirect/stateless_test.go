package sipredirect_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opennpac/npac/sipredirect"
)

// The server is stateless: these tests check what follows from that, over
// the wire.

// TestRetransmittedInvite checks that a retransmitted INVITE gets the same
// answer, byte for byte, To tag included, that the ACK gets no answer, and
// that a CANCEL of the answered INVITE gets 481.
func TestRetransmittedInvite(t *testing.T) {
	srv := startServer(t)
	t.Run("udp", func(t *testing.T) {
		c := dialUDP(t, srv.udp)
		r := &request{method: "INVITE", ruri: "sip:+16135550100@" + srv.udp}
		first := c.do(r)
		c.send(r)
		second := c.recv(5 * time.Second)
		if second == nil {
			t.Fatal("no answer to the retransmitted INVITE")
		}
		if second.raw != first.raw {
			t.Errorf("retransmission answered\n%s\nwant the first answer\n%s", second.raw, first.raw)
		}
		c.ack(r, first)
		if res := c.recv(700 * time.Millisecond); res != nil {
			t.Errorf("got %d %s after the ACK, want nothing", res.status, res.reason)
		}
		res := c.do(&request{method: "CANCEL", ruri: r.ruri, branch: r.branch, callID: r.callID, cseq: r.cseq})
		if res.status != 481 {
			t.Errorf("CANCEL of the answered INVITE: got %d %s, want 481", res.status, res.reason)
		}
	})
	t.Run("tcp", func(t *testing.T) {
		conn, br := dialTCP(t, srv.tcp)
		r := &request{method: "INVITE", ruri: "sip:+16135550101@" + srv.tcp}
		msg := r.format("TCP", conn.LocalAddr().String())
		io.WriteString(conn, msg+msg)
		first, second := readTCP(t, br), readTCP(t, br)
		if first.status != 302 || second.raw != first.raw {
			t.Errorf("answers to an INVITE sent twice:\n%s\n%s", first.raw, second.raw)
		}
	})
}

// TestNoRetransmission checks that a final answer is sent once: a client
// that does not ACK it does not get it again (a stateful server would
// resend it after 500 ms, Timer G).
func TestNoRetransmission(t *testing.T) {
	srv := startServer(t)
	c := dialUDP(t, srv.udp)
	c.do(&request{method: "INVITE", ruri: "sip:+16135550101@" + srv.udp})
	if res := c.recv(1500 * time.Millisecond); res != nil {
		t.Errorf("got %d %s again without an ACK, want nothing", res.status, res.reason)
	}
}

func toTag(t *testing.T, res *response) string {
	t.Helper()
	_, tag, ok := strings.Cut(res.header.Get("To"), ";tag=")
	if !ok || tag == "" {
		t.Fatalf("no To tag in\n%s", res.raw)
	}
	return tag
}

// TestToTag checks how To tags are made: the same for every copy of a
// request, from any source; different for another transaction; the
// client's own when it sent one.
func TestToTag(t *testing.T) {
	srv := startServer(t)
	ruri := "sip:+16135550100@" + srv.udp
	r := &request{method: "INVITE", ruri: ruri}
	tag := toTag(t, dialUDP(t, srv.udp).do(r))
	if again := toTag(t, dialUDP(t, srv.udp).do(r)); again != tag {
		t.Errorf("the same INVITE from another port got To tag %q, want %q", again, tag)
	}
	if tcp := toTag(t, tcpExchange(t, srv.tcp, r)); tcp != tag {
		t.Errorf("the same INVITE over TCP got To tag %q, want %q", tcp, tag)
	}
	for name, other := range map[string]*request{
		"branch":  {method: "INVITE", ruri: ruri, callID: r.callID},
		"Call-ID": {method: "INVITE", ruri: ruri, branch: r.branch, callID: r.callID[:8] + "x" + r.callID[9:]},
	} {
		if got := toTag(t, dialUDP(t, srv.udp).do(other)); got == tag {
			t.Errorf("another %s got the same To tag %q", name, got)
		}
	}
	mine := &request{method: "INVITE", ruri: ruri, toTag: "mine"}
	if got := toTag(t, dialUDP(t, srv.udp).do(mine)); got != "mine" {
		t.Errorf("a request with To tag mine got %q", got)
	}
}

// TestViaRouting checks where UDP answers go and what their Via says (RFC
// 3261 §18.2, RFC 3581).
func TestViaRouting(t *testing.T) {
	srv := startServer(t)
	a := dialUDP(t, srv.udp) // sends
	// b is where a Via without rport sends the answer: a socket that
	// takes datagrams from anywhere.
	b, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	bport := strconv.Itoa(b.LocalAddr().(*net.UDPAddr).Port)
	aport := strconv.Itoa(a.conn.LocalAddr().(*net.UDPAddr).Port)
	readB := func() string {
		buf := make([]byte, 65535)
		b.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, _, err := b.ReadFrom(buf)
		if err != nil {
			t.Fatalf("no answer at the Via port: %v", err)
		}
		return string(buf[:n])
	}
	tests := []struct {
		name    string
		via     string
		toB     bool   // the answer goes to b, else to a
		wantVia string // the answer's Via after "SIP/2.0/UDP "
	}{
		{"rport", "127.0.0.1:" + bport + ";branch=z9hG4bK1;rport", false,
			"127.0.0.1:" + bport + ";branch=z9hG4bK1;rport=" + aport + ";received=127.0.0.1"},
		{"no rport: the Via port", "127.0.0.1:" + bport + ";branch=z9hG4bK2", true,
			"127.0.0.1:" + bport + ";branch=z9hG4bK2"},
		{"no rport, a host name: received", "client.example.com:" + bport + ";branch=z9hG4bK3", true,
			"client.example.com:" + bport + ";branch=z9hG4bK3;received=127.0.0.1"},
		{"no rport, another address: received", "192.0.2.1:" + bport + ";branch=z9hG4bK4;x", true,
			"192.0.2.1:" + bport + ";branch=z9hG4bK4;x;received=127.0.0.1"},
	}
	for _, tc := range tests {
		for _, method := range []string{"INVITE", "OPTIONS"} {
			t.Run(tc.name+"/"+method, func(t *testing.T) {
				a.send(&request{method: method, ruri: "sip:+16135550100@" + srv.udp, via: tc.via})
				var raw string
				if tc.toB {
					raw = readB()
					if res := a.recv(200 * time.Millisecond); res != nil {
						t.Errorf("the answer also came to the source port:\n%s", res.raw)
					}
				} else {
					res := a.recv(5 * time.Second)
					if res == nil {
						t.Fatal("no answer at the source port")
					}
					raw = res.raw
				}
				res := parseResponse(t, raw)
				if got := res.header.Get("Via"); got != "SIP/2.0/UDP "+tc.wantVia {
					t.Errorf("got Via %q, want %q", got, "SIP/2.0/UDP "+tc.wantVia)
				}
			})
		}
	}
}

// TestBadRequest checks that a request without a mandatory header gets 400.
func TestBadRequest(t *testing.T) {
	srv := startServer(t)
	for _, omit := range []string{"Call-ID", "CSeq", "From", "To"} {
		r := &request{method: "INVITE", ruri: "sip:+16135550100@" + srv.udp, omit: omit}
		if res := dialUDP(t, srv.udp).do(r); res.status != 400 || res.reason != "Bad Request" {
			t.Errorf("INVITE without %s: got %d %s, want 400 Bad Request", omit, res.status, res.reason)
		}
		if res := tcpExchange(t, srv.tcp, r); res.status != 400 {
			t.Errorf("INVITE without %s over TCP: got %d %s, want 400", omit, res.status, res.reason)
		}
	}
}

// TestDropped checks that what is not a request gets no answer, and that
// the server answers on.
func TestDropped(t *testing.T) {
	srv := startServer(t)
	c := dialUDP(t, srv.udp)
	for _, p := range []string{
		"\r\n\r\n", "\r\n", "\x00\x00\x00\x00", "hello",
		"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\r\nContent-Length: 0\r\n\r\n",
		"INVITE sip:+16135550100@x SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\r\n", // no empty line
		"INVITE sip:+16135550100@x SIP/2.0\r\nContent-Length: 100\r\n\r\nshort",
		"ACK sip:+16135550100@x SIP/2.0\r\n\r\n",
	} {
		if _, err := c.conn.Write([]byte(p)); err != nil {
			t.Fatal(err)
		}
		if res := c.recv(300 * time.Millisecond); res != nil {
			t.Errorf("%q got %d %s, want nothing", p, res.status, res.reason)
		}
	}
	if res := c.do(&request{method: "INVITE", ruri: "sip:+16135550100@" + srv.udp}); res.status != 302 {
		t.Errorf("then an INVITE got %d, want 302", res.status)
	}
}

func dialTCP(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	return conn, bufio.NewReader(conn)
}

// TestTCPFraming checks that TCP messages are framed by Content-Length,
// however they are cut into segments, and that keep-alives are answered.
func TestTCPFraming(t *testing.T) {
	srv := startServer(t)
	invite := func(conn net.Conn, tn string, headers ...string) string {
		r := &request{method: "INVITE", ruri: "sip:+1" + tn + "@" + srv.tcp, headers: headers}
		return r.format("TCP", conn.LocalAddr().String())
	}
	t.Run("pipelined", func(t *testing.T) {
		conn, br := dialTCP(t, srv.tcp)
		io.WriteString(conn, invite(conn, portedTN)+"\r\n"+invite(conn, unknownTN)+invite(conn, notPortedTN))
		for _, want := range []int{302, 404, 302} {
			if res := readTCP(t, br); res.status != want {
				t.Errorf("got %d, want %d", res.status, want)
			}
		}
	})
	t.Run("byte by byte", func(t *testing.T) {
		conn, br := dialTCP(t, srv.tcp)
		msg := invite(conn, portedTN)
		for i := range len(msg) {
			if _, err := conn.Write([]byte{msg[i]}); err != nil {
				t.Fatal(err)
			}
			if i%16 == 0 {
				time.Sleep(time.Millisecond)
			}
		}
		if res := readTCP(t, br); res.status != 302 {
			t.Errorf("got %d, want 302", res.status)
		}
	})
	t.Run("body", func(t *testing.T) {
		conn, br := dialTCP(t, srv.tcp)
		sdp := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
		msg := strings.Replace(invite(conn, portedTN, "Content-Type: application/sdp"),
			"Content-Length: 0\r\n\r\n", fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(sdp), sdp), 1)
		io.WriteString(conn, msg[:len(msg)-10])
		time.Sleep(50 * time.Millisecond)
		io.WriteString(conn, msg[len(msg)-10:]+invite(conn, notPortedTN))
		for range 2 {
			if res := readTCP(t, br); res.status != 302 {
				t.Errorf("got %d, want 302", res.status)
			}
		}
	})
	t.Run("keep-alive", func(t *testing.T) {
		conn, br := dialTCP(t, srv.tcp)
		io.WriteString(conn, "\r\n\r\n")
		pong := make([]byte, 2)
		if _, err := io.ReadFull(br, pong); err != nil || string(pong) != "\r\n" {
			t.Fatalf("ping: got %q, %v, want CRLF", pong, err)
		}
		io.WriteString(conn, invite(conn, portedTN))
		if res := readTCP(t, br); res.status != 302 {
			t.Errorf("after the ping: got %d, want 302", res.status)
		}
	})
	t.Run("no Content-Length", func(t *testing.T) {
		conn, br := dialTCP(t, srv.tcp)
		io.WriteString(conn, strings.Replace(invite(conn, portedTN), "Content-Length: 0\r\n", "", 1))
		if b, err := br.ReadByte(); err == nil {
			t.Errorf("got %q, want the connection closed", b)
		}
	})
	t.Run("too large", func(t *testing.T) {
		conn, br := dialTCP(t, srv.tcp)
		go io.WriteString(conn, "INVITE sip:x SIP/2.0\r\nX: "+strings.Repeat("y", 70000))
		if b, err := br.ReadByte(); err == nil {
			t.Errorf("got %q, want the connection closed", b)
		}
	})
}

// TestServeClosesTCPConnections checks that Serve closes the connections
// it serves when its context ends.
func TestServeClosesTCPConnections(t *testing.T) {
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &sipredirect.Server{Resolver: testResolver(), Log: testLogger(t)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, nil, tcp) }()
	conn, br := dialTCP(t, tcp.Addr().String())
	r := &request{method: "OPTIONS", ruri: "sip:" + tcp.Addr().String()}
	io.WriteString(conn, r.format("TCP", conn.LocalAddr().String()))
	if res := readTCP(t, br); res.status != 200 {
		t.Fatalf("OPTIONS: got %d", res.status)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve returned %v", err)
	}
	if _, err := br.ReadByte(); err == nil {
		t.Error("the connection is still open after Serve returned")
	}
}

// packetConn hides the *net.UDPConn under a net.PacketConn, so that Serve
// cannot batch.
type packetConn struct{ net.PacketConn }

// TestPlainUDP serves UDP as Serve does where it cannot batch.
func TestPlainUDP(t *testing.T) {
	udp, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &sipredirect.Server{Resolver: testResolver(), Log: testLogger(t)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, packetConn{udp}, nil) }()
	addr := udp.LocalAddr().String()
	c := dialUDP(t, addr)
	for _, tc := range dipCases {
		r := &request{method: "INVITE", ruri: tc.ruri, to: tc.to}
		checkDip(t, c.do(r), tc.status, tc.contact)
	}
	if res := c.do(&request{method: "OPTIONS", ruri: "sip:" + addr}); res.status != 200 {
		t.Errorf("OPTIONS: got %d", res.status)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return")
	}
}

// dips is how many INVITEs TestHeapStaysFlat sends.
const dips = 200_000

// TestHeapStaysFlat sends many INVITEs, each a new call, and checks that
// the server's heap does not grow with them: a stateful server holds every
// INVITE transaction for seconds after its ACK, which at this rate is
// hundreds of megabytes.
func TestHeapStaysFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 200k INVITEs")
	}
	srv := startServer(t)
	const clients = 16
	// Warm up: let buffers and pools reach their size.
	var ms runtime.MemStats
	runInvites(t, srv.udp, clients, 4000)
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc

	// Sample the live heap while the INVITEs run.
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			var m runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
		}
	})
	start := time.Now()
	runInvites(t, srv.udp, clients, dips)
	elapsed := time.Since(start)
	close(stop)
	wg.Wait()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	end := ms.HeapAlloc
	grew := int64(max(peak.Load(), end)) - int64(base)
	t.Logf("%d INVITEs in %v (%.0f/s); live heap %.1f MiB before, %.1f MiB at most during, %.1f MiB after",
		dips, elapsed.Round(time.Millisecond), dips/elapsed.Seconds(), mib(base), mib(peak.Load()), mib(end))
	const limit = 32 << 20
	if grew > limit {
		t.Errorf("the live heap grew by %.1f MiB over %d INVITEs, want less than %d MiB", mib(uint64(grew)), dips, limit>>20)
	}
}

func mib(n uint64) float64 { return float64(n) / (1 << 20) }

// runInvites sends n INVITEs for new calls to addr from clients sockets at
// once, each waiting for the answer to one before it sends the next, and
// ACKs each answer.
func runInvites(t *testing.T, addr string, clients, n int) {
	t.Helper()
	raddr, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for c := range clients {
		conn, err := net.DialUDP("udp", nil, raddr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		wg.Go(func() {
			local := conn.LocalAddr().String()
			buf := make([]byte, 4096)
			var out []byte
			var m int
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				id := strconv.Itoa(c) + "x" + strconv.FormatInt(i, 10)
				out = appendInvite(out[:0], "INVITE", addr, local, id, "")
				resent := 0
				for {
					if _, err := conn.Write(out); err != nil {
						errs <- err
						return
					}
					conn.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
					m, err = conn.Read(buf)
					if err == nil {
						if !strings.HasPrefix(string(buf[:m]), "SIP/2.0 302 ") || !strings.Contains(string(buf[:m]), "branch=z9hG4bK"+id+";") {
							errs <- fmt.Errorf("unexpected answer %q", buf[:m])
							return
						}
						break
					}
					// A lost datagram: send again, as Timer A would.
					if resent++; resent > 5 {
						errs <- fmt.Errorf("INVITE %s: %v", id, err)
						return
					}
				}
				_, to, _ := strings.Cut(string(buf[:m]), "\r\nTo: ")
				to, _, _ = strings.Cut(to, "\r")
				_, tag, _ := strings.Cut(to, ";tag=")
				out = appendInvite(out[:0], "ACK", addr, local, id, tag)
				conn.Write(out)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// appendInvite appends an INVITE, or its ACK, of the call id.
func appendInvite(b []byte, method, server, local, id, toTag string) []byte {
	b = append(b, method+" sip:+16135550100@"+server+" SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP "+local+";branch=z9hG4bK"+id+";rport\r\n"+
		"From: <sip:heap@"+local+">;tag=f"+id+"\r\n"+
		"To: <sip:+16135550100@"+server+">"...)
	if toTag != "" {
		b = append(b, ";tag="+toTag...)
	}
	return append(b, "\r\nCall-ID: "+id+"@heap\r\nCSeq: 1 "+method+"\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"...)
}
