package sipredirect_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/opennpac/npac"
	"github.com/opennpac/npac/sipredirect"
)

// Test numbers. The sipp scenarios in testdata expect the same ones.
const (
	portedTN    = "6135550100" // ported to lrn
	lrn         = "6132180000"
	notPortedTN = "6135550101" // NPA-NXX 613-555 known, TN not ported
	unknownTN   = "2125550100" // NPA-NXX 212-555 unknown
	brokenTN    = "6135550199" // ported, but the route has no LRN
)

// mapResolver is an npac.Resolver over a map: TNs in routes are answered
// from it, other TNs in codes are not ported, the rest are unknown.
type mapResolver struct {
	routes map[npac.TN]*npac.Route
	codes  map[npac.NPANXX]npac.SPID
}

func (m mapResolver) Resolve(tn npac.TN) (*npac.Route, bool) {
	if r, ok := m.routes[tn]; ok {
		return r, true
	}
	if spid, ok := m.codes[tn.NPANXX()]; ok {
		return &npac.Route{SPID: spid}, true
	}
	return nil, false
}

func testResolver() mapResolver {
	return mapResolver{
		routes: map[npac.TN]*npac.Route{
			portedTN: {Ported: true, SPID: "8821", LRN: lrn},
			brokenTN: {Ported: true, SPID: "8821"},
		},
		codes: map[npac.NPANXX]npac.SPID{"613555": "8051"},
	}
}

// testLogger writes the server's log to the test log until the test ends.
// sipgo logs from goroutines that can outlive the server, and testing
// forbids logging after a test ends.
func testLogger(t testing.TB) *slog.Logger {
	w := &tWriter{t: t}
	t.Cleanup(func() {
		w.mu.Lock()
		w.done = true
		w.mu.Unlock()
	})
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type tWriter struct {
	t    testing.TB
	mu   sync.Mutex
	done bool
}

func (w *tWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

// addrs are where a test server listens.
type addrs struct {
	udp, tcp string
}

// startServer runs a server with the test resolver on 127.0.0.1, UDP and
// TCP, until the test ends; it then checks that Serve returned nil.
func startServer(t testing.TB) addrs {
	t.Helper()
	udp, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		udp.Close()
		t.Fatal(err)
	}
	a := addrs{udp: udp.LocalAddr().String(), tcp: tcp.Addr().String()}
	s := &sipredirect.Server{Resolver: testResolver(), Log: testLogger(t)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, udp, tcp) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve returned %v, want nil after the context ended", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Serve did not return 10s after the context ended")
		}
	})
	return a
}

// request is a raw SIP request for tests that need full control of the
// bytes on the wire.
type request struct {
	method  string
	ruri    string
	to      string // To header value; defaults to <ruri> for sip URIs
	branch  string // defaults to a fresh one
	cseq    int    // defaults to 1
	callID  string // defaults to a fresh one
	toTag   string
	headers []string // extra header lines
	// via is the Via value after "SIP/2.0/transport "; defaults to the
	// local address, the branch and rport
	via  string
	omit string // the name of a header to leave out
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// format renders r as sent from local over transport ("UDP" or "TCP").
func (r *request) format(transport, local string) string {
	if r.branch == "" {
		r.branch = "z9hG4bK" + randHex(8)
	}
	if r.callID == "" {
		r.callID = randHex(12) + "@test"
	}
	if r.cseq == 0 {
		r.cseq = 1
	}
	to := r.to
	if to == "" {
		to = "<" + r.ruri + ">"
	}
	if r.toTag != "" {
		to += ";tag=" + r.toTag
	}
	via := r.via
	if via == "" {
		via = local + ";branch=" + r.branch + ";rport"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s SIP/2.0\r\n", r.method, r.ruri)
	lines := []string{
		fmt.Sprintf("Via: SIP/2.0/%s %s", transport, via),
		fmt.Sprintf("From: <sip:tester@%s>;tag=%s", local, "ft"+r.callID[:8]),
		fmt.Sprintf("To: %s", to),
		fmt.Sprintf("Call-ID: %s", r.callID),
		fmt.Sprintf("CSeq: %d %s", r.cseq, r.method),
		"Max-Forwards: 70",
	}
	for _, l := range append(lines, r.headers...) {
		if r.omit != "" && strings.HasPrefix(l, r.omit+":") {
			continue
		}
		b.WriteString(l + "\r\n")
	}
	b.WriteString("Content-Length: 0\r\n\r\n")
	return b.String()
}

// response is what a test reads back: the status and the header values,
// keyed by canonical name.
type response struct {
	status int
	reason string
	header textproto.MIMEHeader
	raw    string
}

func parseResponse(t testing.TB, raw string) *response {
	t.Helper()
	tp := textproto.NewReader(bufio.NewReader(strings.NewReader(raw)))
	line, err := tp.ReadLine()
	if err != nil {
		t.Fatalf("reading status line of %q: %v", raw, err)
	}
	version, rest, _ := strings.Cut(line, " ")
	code, reason, _ := strings.Cut(rest, " ")
	status, err := strconv.Atoi(code)
	if version != "SIP/2.0" || err != nil {
		t.Fatalf("bad status line %q", line)
	}
	h, err := tp.ReadMIMEHeader()
	if err != nil && err != io.EOF {
		t.Fatalf("reading headers of %q: %v", raw, err)
	}
	// The message must also parse as SIP.
	if _, err := sip.ParseMessage([]byte(raw)); err != nil {
		t.Fatalf("response does not parse as SIP: %v\n%s", err, raw)
	}
	return &response{status: status, reason: reason, header: h, raw: raw}
}

// udpClient is a raw SIP client on a connected UDP socket.
type udpClient struct {
	t    testing.TB
	conn *net.UDPConn
}

func dialUDP(t testing.TB, addr string) *udpClient {
	t.Helper()
	raddr, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.DialUDP("udp", nil, raddr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &udpClient{t: t, conn: conn}
}

func (c *udpClient) send(r *request) {
	c.t.Helper()
	if _, err := c.conn.Write([]byte(r.format("UDP", c.conn.LocalAddr().String()))); err != nil {
		c.t.Fatal(err)
	}
}

// recv reads the next datagram. It returns nil after wait, or when the
// port is not (yet) open: an ICMP port unreachable surfaces as
// ECONNREFUSED on a connected UDP socket.
func (c *udpClient) recv(wait time.Duration) *response {
	c.t.Helper()
	buf := make([]byte, 65535)
	c.conn.SetReadDeadline(time.Now().Add(wait))
	n, err := c.conn.Read(buf)
	if err != nil {
		if ne, ok := err.(net.Error); ok && ne.Timeout() || errors.Is(err, syscall.ECONNREFUSED) {
			return nil
		}
		c.t.Fatal(err)
	}
	return parseResponse(c.t, string(buf[:n]))
}

// do sends r and returns the first final response.
func (c *udpClient) do(r *request) *response {
	c.t.Helper()
	c.send(r)
	for {
		res := c.recv(5 * time.Second)
		if res == nil {
			c.t.Fatalf("no response to %s %s within 5s", r.method, r.ruri)
		}
		if res.status >= 200 {
			return res
		}
	}
}

// ack acknowledges a non-2xx final response to the INVITE r.
func (c *udpClient) ack(r *request, res *response) {
	c.t.Helper()
	_, tag, _ := strings.Cut(res.header.Get("To"), ";tag=")
	c.send(&request{method: "ACK", ruri: r.ruri, to: r.to, branch: r.branch, callID: r.callID, cseq: r.cseq, toTag: tag})
}

// readTCP reads one message framed by its Content-Length.
func readTCP(t testing.TB, br *bufio.Reader) *response {
	t.Helper()
	var msg strings.Builder
	length := 0
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("reading over TCP: %v (got %q)", err, msg.String())
		}
		msg.WriteString(line)
		if name, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(strings.TrimSpace(name), "Content-Length") {
			length, _ = strconv.Atoi(strings.TrimSpace(v))
		}
		if line == "\r\n" {
			break
		}
	}
	body := make([]byte, length)
	if _, err := io.ReadFull(br, body); err != nil {
		t.Fatal(err)
	}
	msg.Write(body)
	return parseResponse(t, msg.String())
}

// tcpExchange sends r on a new TCP connection and returns the first final
// response.
func tcpExchange(t testing.TB, addr string, r *request) *response {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(conn, r.format("TCP", conn.LocalAddr().String())); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	for {
		res := readTCP(t, br)
		if res.status >= 200 {
			return res
		}
	}
}
