package sipredirect_test

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/opennpac/npac/sipredirect"
)

// dipCases are INVITEs and the answers they must get. contact "" means the
// response must have no Contact header.
var dipCases = []struct {
	name    string
	ruri    string
	to      string
	status  int
	contact string
}{
	{"ported, E.164", "sip:+16135550100@gw.example.net", "", 302,
		"<sip:+16135550100;rn=+16132180000;npdi@gw.example.net>"},
	{"ported, 11 digits, port kept", "sip:16135550100@192.0.2.7:5070", "", 302,
		"<sip:+16135550100;rn=+16132180000;npdi@192.0.2.7:5070>"},
	{"ported, 10 digits", "sip:6135550100@gw.example.net", "", 302,
		"<sip:+16135550100;rn=+16132180000;npdi@gw.example.net>"},
	{"ported, tel-style user with params, URI params kept", "sip:+1-613-555-0100;npdi@gw.example.net;user=phone", "", 302,
		"<sip:+16135550100;rn=+16132180000;npdi@gw.example.net;user=phone>"},
	{"ported, local number with phone-context +1", "sip:6135550100;phone-context=+1@gw.example.net", "", 302,
		"<sip:+16135550100;rn=+16132180000;npdi@gw.example.net>"},
	{"ported, percent-encoded +", "sip:%2B16135550100@gw.example.net", "", 302,
		"<sip:+16135550100;rn=+16132180000;npdi@gw.example.net>"},
	{"ported, IPv6 host", "sip:+16135550100@[2001:db8::1]:5060", "", 302,
		"<sip:+16135550100;rn=+16132180000;npdi@[2001:db8::1]:5060>"},
	{"ported, tel Request-URI", "tel:+1-613-555-0100", "<sip:+16135550100@gw.example.net>", 302,
		"<tel:+16135550100;rn=+16132180000;npdi>"},
	{"not ported", "sip:+16135550101@gw.example.net", "", 302,
		"<sip:+16135550101;npdi@gw.example.net>"},
	{"not ported, request already dipped", "sip:+16135550101;npdi@gw.example.net", "", 302,
		"<sip:+16135550101;npdi@gw.example.net>"},
	{"number in To when the Request-URI user is not a number", "sip:lnp@dip.example.net", "<sip:+16135550100@carrier.example.com>", 302,
		"<sip:+16135550100;rn=+16132180000;npdi@carrier.example.com>"},
	{"number in To when the Request-URI has no user", "sip:dip.example.net", "<sip:6135550101@carrier.example.com:5080>", 302,
		"<sip:+16135550101;npdi@carrier.example.com:5080>"},
	{"Request-URI number wins over To", "sip:+16135550101@gw.example.net", "<sip:+16135550100@gw.example.net>", 302,
		"<sip:+16135550101;npdi@gw.example.net>"},
	{"unknown NPA-NXX", "sip:+12125550100@gw.example.net", "", 404, ""},
	{"outside the NANP", "sip:+442079460958@gw.example.net", "", 404, ""},
	{"local number of another country", "sip:2079460958;phone-context=+44@gw.example.net", "", 404, ""},
	{"too short after +1", "sip:+1613555010@gw.example.net", "", 484, ""},
	{"nine digits", "sip:613555010@gw.example.net", "", 484, ""},
	{"twelve digits", "sip:161355501000@gw.example.net", "", 484, ""},
	{"far too long", "sip:61355501000000000000000@gw.example.net", "", 484, ""},
	{"letters in the number", "sip:+1613555abcd@gw.example.net", "", 484, ""},
	{"NPA starting with 0", "sip:0135550100@gw.example.net", "", 484, ""},
	{"N11 NXX", "sip:6134110100@gw.example.net", "", 484, ""},
	{"bare +", "sip:+@gw.example.net", "", 484, ""},
	{"malformed Request-URI number is not rescued by To", "sip:+1613@gw.example.net", "<sip:+16135550100@gw.example.net>", 484, ""},
	{"no number anywhere", "sip:lnp@dip.example.net", "<sip:lnp@dip.example.net>", 484, ""},
	{"route without an LRN", "sip:+16135550199@gw.example.net", "", 500, ""},
}

func checkDip(t *testing.T, res *response, status int, contact string) {
	t.Helper()
	if res.status != status {
		t.Fatalf("got status %d %s, want %d\n%s", res.status, res.reason, status, res.raw)
	}
	if got := res.header.Values("Contact"); contact == "" && len(got) != 0 || contact != "" && (len(got) != 1 || got[0] != contact) {
		t.Errorf("got Contact %q, want %q\n%s", got, contact, res.raw)
	}
	wantReason := map[int]string{302: "Moved Temporarily", 404: "Not Found", 484: "Address Incomplete", 500: "Server Internal Error"}[status]
	if res.reason != wantReason {
		t.Errorf("got reason phrase %q, want %q", res.reason, wantReason)
	}
	if !strings.Contains(res.header.Get("To"), ";tag=") {
		t.Errorf("got To %q, want a tag on a final response", res.header.Get("To"))
	}
}

func TestInviteUDP(t *testing.T) {
	srv := startServer(t)
	for _, tc := range dipCases {
		t.Run(tc.name, func(t *testing.T) {
			c := dialUDP(t, srv.udp)
			r := &request{method: "INVITE", ruri: tc.ruri, to: tc.to}
			res := c.do(r)
			checkDip(t, res, tc.status, tc.contact)
			c.ack(r, res)
		})
	}
}

func TestInviteTCP(t *testing.T) {
	srv := startServer(t)
	for _, tc := range dipCases {
		t.Run(tc.name, func(t *testing.T) {
			res := tcpExchange(t, srv.tcp, &request{method: "INVITE", ruri: tc.ruri, to: tc.to})
			checkDip(t, res, tc.status, tc.contact)
		})
	}
}

func TestMethods(t *testing.T) {
	srv := startServer(t)
	tests := []struct {
		method string
		status int
		allow  bool // the response must carry Allow
	}{
		{"OPTIONS", 200, true},
		{"BYE", 481, false},
		{"CANCEL", 481, false}, // no transaction is ever held
		{"REGISTER", 405, true},
		{"MESSAGE", 405, true},
		{"SUBSCRIBE", 405, true},
	}
	for _, tc := range tests {
		for _, network := range []string{"udp", "tcp"} {
			t.Run(tc.method+"/"+network, func(t *testing.T) {
				r := &request{method: tc.method, ruri: "sip:" + srv.udp}
				var res *response
				if network == "udp" {
					res = dialUDP(t, srv.udp).do(r)
				} else {
					res = tcpExchange(t, srv.tcp, r)
				}
				if res.status != tc.status {
					t.Fatalf("got %d %s, want %d\n%s", res.status, res.reason, tc.status, res.raw)
				}
				allow := res.header.Get("Allow")
				if tc.allow {
					for _, m := range []string{"INVITE", "ACK", "CANCEL", "BYE", "OPTIONS"} {
						if !strings.Contains(allow, m) {
							t.Errorf("got Allow %q, want it to list %s", allow, m)
						}
					}
				}
				if tc.method == "OPTIONS" && res.header.Get("Accept") != "application/sdp" {
					t.Errorf("got Accept %q, want application/sdp", res.header.Get("Accept"))
				}
			})
		}
	}
}

func TestAckIsAbsorbed(t *testing.T) {
	srv := startServer(t)
	c := dialUDP(t, srv.udp)
	// An ACK that matches no transaction, as a stray 2xx ACK would be.
	c.send(&request{method: "ACK", ruri: "sip:+16135550100@" + srv.udp, toTag: "x"})
	if res := c.recv(500 * time.Millisecond); res != nil {
		t.Errorf("got %d %s in answer to ACK, want no response", res.status, res.reason)
	}
	// The server still answers afterwards.
	if res := c.do(&request{method: "OPTIONS", ruri: "sip:" + srv.udp}); res.status != 200 {
		t.Errorf("OPTIONS after ACK: got %d, want 200", res.status)
	}
}

// TestSipgoClient dips with sipgo's own client over both transports.
func TestSipgoClient(t *testing.T) {
	srv := startServer(t)
	ua, err := sipgo.NewUA(sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(testLogger(t))))
	if err != nil {
		t.Fatal(err)
	}
	defer ua.Close()
	client, err := sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ transport, addr string }{{"UDP", srv.udp}, {"TCP", srv.tcp}} {
		t.Run(tc.transport, func(t *testing.T) {
			host, port, _ := net.SplitHostPort(tc.addr)
			p, _ := strconv.Atoi(port)
			req := sip.NewRequest(sip.INVITE, sip.Uri{Scheme: "sip", User: "+16135550100", Host: host, Port: p})
			req.SetTransport(tc.transport)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			res, err := client.Do(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != 302 {
				t.Fatalf("got %d %s, want 302", res.StatusCode, res.Reason)
			}
			want := "<sip:+16135550100;rn=+16132180000;npdi@" + tc.addr + ">"
			c := res.GetHeader("Contact")
			if c == nil || c.Value() != want {
				t.Fatalf("got Contact %v, want %s", c, want)
			}
			// sipgo parses the Contact back into the same parts.
			var u sip.Uri
			if err := sip.ParseUri(strings.Trim(c.Value(), "<>"), &u); err != nil {
				t.Fatal(err)
			}
			if u.User != "+16135550100;rn=+16132180000;npdi" || u.Host != host || u.Port != p {
				t.Errorf("Contact parsed as user %q host %q port %d", u.User, u.Host, u.Port)
			}
		})
	}
}

// freePort returns a port free on 127.0.0.1 for both UDP and TCP at the
// time of the call.
func freePort(t *testing.T) string {
	t.Helper()
	for i := 0; i < 20; i++ {
		u, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		_, port, _ := net.SplitHostPort(u.LocalAddr().String())
		l, err := net.Listen("tcp", "127.0.0.1:"+port)
		u.Close()
		if err == nil {
			l.Close()
			return port
		}
	}
	t.Fatal("no port free on both UDP and TCP")
	return ""
}

func TestListenAndServe(t *testing.T) {
	addr := "127.0.0.1:" + freePort(t)
	s := &sipredirect.Server{Resolver: testResolver(), Log: testLogger(t)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.ListenAndServe(ctx, addr) }()

	// Both transports answer on the one address. The server may still be
	// binding: retry UDP until it answers. Before it binds, recv returns
	// at once (port unreachable), hence the pause.
	c := dialUDP(t, addr)
	var res *response
	for i := 0; i < 50 && res == nil; i++ {
		c.send(&request{method: "OPTIONS", ruri: "sip:" + addr})
		if res = c.recv(100 * time.Millisecond); res == nil {
			time.Sleep(20 * time.Millisecond)
		}
	}
	if res == nil || res.status != 200 {
		t.Fatalf("UDP OPTIONS: got %v, want 200", res)
	}
	if res := tcpExchange(t, addr, &request{method: "INVITE", ruri: "sip:6135550100@" + addr}); res.status != 302 {
		t.Errorf("TCP INVITE: got %d, want 302", res.status)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ListenAndServe returned %v after the context ended, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ListenAndServe did not return 10s after the context ended")
	}
}

func TestListenAndServeBindError(t *testing.T) {
	udp, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer tcp.Close()
	for name, addr := range map[string]string{
		"udp port taken": udp.LocalAddr().String(),
		"tcp port taken": tcp.Addr().String(),
		"bad address":    "127.0.0.1",
	} {
		t.Run(name, func(t *testing.T) {
			s := &sipredirect.Server{Resolver: testResolver(), Log: testLogger(t)}
			done := make(chan error, 1)
			// The context never ends: the error must come from the bind.
			go func() { done <- s.ListenAndServe(context.Background(), addr) }()
			select {
			case err := <-done:
				if err == nil {
					t.Error("got nil, want a bind error")
				}
			case <-time.After(10 * time.Second):
				t.Fatal("ListenAndServe is serving, want a bind error")
			}
		})
	}
}

func TestServeWithoutResolver(t *testing.T) {
	udp, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	err = (&sipredirect.Server{}).Serve(context.Background(), udp, nil)
	if err == nil {
		t.Fatal("got nil, want an error for a nil Resolver")
	}
	// Serve took ownership of the listener and closed it.
	if _, _, err := udp.ReadFrom(make([]byte, 1)); !errors.Is(err, net.ErrClosed) {
		t.Errorf("listener read: got %v, want net.ErrClosed", err)
	}
}

func TestServeListenerFailure(t *testing.T) {
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &sipredirect.Server{Resolver: testResolver(), Log: testLogger(t)}
	done := make(chan error, 1)
	go func() { done <- s.Serve(context.Background(), nil, tcp) }()
	// Wait until it serves, then break the listener under it.
	if res := tcpExchange(t, tcp.Addr().String(), &request{method: "OPTIONS", ruri: "sip:" + tcp.Addr().String()}); res.status != 200 {
		t.Fatalf("OPTIONS: got %d, want 200", res.status)
	}
	tcp.Close()
	select {
	case err := <-done:
		if err == nil {
			t.Error("got nil, want the listener's error")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after its listener failed")
	}
}
