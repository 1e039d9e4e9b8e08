package enum_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/opennpac/npac"
	"github.com/opennpac/npac/enum"
)

// quiet is a logger for servers whose log a test does not read.
var quiet = slog.New(slog.DiscardHandler)

// within returns what f returns, failing the test if it takes over 10s.
func within(t *testing.T, what string, f func() error) error {
	t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- f() }()
	select {
	case err := <-errc:
		return err
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not return within 10s", what)
		return nil
	}
}

func TestListenAndServe(t *testing.T) {
	s, _, log := newServer()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- s.ListenAndServe(ctx, "127.0.0.1:0") }()

	// Port 0: the log tells the port UDP got, which TCP binds too.
	var port string
	addr := regexp.MustCompile(`udp=127\.0\.0\.1:(\d+) tcp=127\.0\.0\.1:(\d+)`)
	for deadline := time.Now().Add(10 * time.Second); port == ""; {
		select {
		case err := <-errc:
			t.Fatalf("ListenAndServe returned %v before serving", err)
		default:
		}
		if m := addr.FindStringSubmatch(log.String()); m != nil {
			if m[1] != m[2] {
				t.Fatalf("UDP on port %s, TCP on port %s, want the same port", m[1], m[2])
			}
			port = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("no serving line in the log:\n%s", log)
		} else {
			time.Sleep(10 * time.Millisecond)
		}
	}
	for _, net := range []string{"udp", "tcp"} {
		c := &dns.Client{Net: net}
		got, _, err := c.Exchange(query(enumName(notPorted, "e164.arpa."), dns.TypeNAPTR), "127.0.0.1:"+port)
		if err != nil {
			t.Fatalf("%s: %v", net, err)
		}
		checkRRs(t, net+" answer", got.Answer, []string{enumName(notPorted, "e164.arpa.") + ` 0 IN NAPTR 100 10 "u" "E2U+pstn:tel" "!^.*$!tel:+16135550101;npdi!" .`})
	}

	cancel()
	if err := within(t, "ListenAndServe after cancel", func() error { return <-errc }); err != nil {
		t.Errorf("ListenAndServe returned %v, want nil", err)
	}
	// Both listeners are closed: the port can be bound again.
	udp, err := net.ListenPacket("udp", "127.0.0.1:"+port)
	if err != nil {
		t.Errorf("UDP port still bound after ListenAndServe returned: %v", err)
	} else {
		udp.Close()
	}
	tcp, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		t.Errorf("TCP port still bound after ListenAndServe returned: %v", err)
	} else {
		tcp.Close()
	}
	if !strings.Contains(log.String(), `msg="enum: stopped"`) {
		t.Errorf("no stopped line in the log:\n%s", log)
	}
}

// TestListenAndServeBindError checks that a taken port is reported at once,
// for UDP and for TCP, and that a half-bound address is released.
func TestListenAndServeBindError(t *testing.T) {
	t.Run("udp", func(t *testing.T) {
		taken, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer taken.Close()
		s := &enum.Server{Resolver: testRoutes(), Log: quiet}
		err = within(t, "ListenAndServe", func() error {
			return s.ListenAndServe(context.Background(), taken.LocalAddr().String())
		})
		if err == nil || !strings.Contains(err.Error(), "address already in use") {
			t.Errorf("got %v, want an address-in-use error", err)
		}
	})
	t.Run("tcp", func(t *testing.T) {
		taken, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer taken.Close()
		addr := taken.Addr().String()
		s := &enum.Server{Resolver: testRoutes(), Log: quiet}
		err = within(t, "ListenAndServe", func() error { return s.ListenAndServe(context.Background(), addr) })
		if err == nil || !strings.Contains(err.Error(), "address already in use") {
			t.Errorf("got %v, want an address-in-use error", err)
		}
		udp, err := net.ListenPacket("udp", addr)
		if err != nil {
			t.Errorf("UDP left bound after the TCP bind failed: %v", err)
		} else {
			udp.Close()
		}
	})
}

func TestServeConfigErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		s    *enum.Server
	}{
		{"no resolver", &enum.Server{Log: quiet}},
		{"bad apex", &enum.Server{Resolver: testRoutes(), Apex: "e164..arpa", Log: quiet}},
		{"escaped apex", &enum.Server{Resolver: testRoutes(), Apex: `e164\.arpa`, Log: quiet}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			udp, tcp, port := listenPair(t)
			err := within(t, "Serve", func() error { return tt.s.Serve(context.Background(), udp, tcp) })
			var e *npac.Error
			if !errors.As(err, &e) || e.Code != npac.EINVALID {
				t.Errorf("Serve: got %v, want an %s error", err, npac.EINVALID)
			}
			if _, err := net.Listen("tcp", "127.0.0.1:"+port); err != nil {
				t.Errorf("Serve left its TCP listener open: %v", err)
			}
			err = within(t, "ListenAndServe", func() error { return tt.s.ListenAndServe(context.Background(), "127.0.0.1:0") })
			if !errors.As(err, &e) || e.Code != npac.EINVALID {
				t.Errorf("ListenAndServe: got %v, want an %s error", err, npac.EINVALID)
			}
		})
	}
}

func TestServeOneTransport(t *testing.T) {
	udp, tcp, _ := listenPair(t)
	tcp.Close()
	s := &enum.Server{Resolver: testRoutes(), Log: quiet}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- s.Serve(ctx, udp, nil) }()
	got, err := dns.Exchange(query(enumName(ported, "e164.arpa."), dns.TypeNAPTR), udp.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Answer) != 1 {
		t.Errorf("got answer %v, want one NAPTR", got.Answer)
	}
	cancel()
	if err := within(t, "Serve", func() error { return <-errc }); err != nil {
		t.Errorf("Serve returned %v, want nil", err)
	}

	err = within(t, "Serve", func() error { return s.Serve(context.Background(), nil, nil) })
	if err == nil {
		t.Error("Serve with no listener returned nil, want an error")
	}
}

// TestServeListenerFails checks that Serve returns, with an error and
// having stopped the other listener, when one listener fails.
func TestServeListenerFails(t *testing.T) {
	udp, tcp, port := listenPair(t)
	tcp.Close() // Accept fails at once
	s := &enum.Server{Resolver: testRoutes(), Log: quiet}
	err := within(t, "Serve", func() error { return s.Serve(context.Background(), udp, tcp) })
	if err == nil || !strings.Contains(err.Error(), "enum: serve:") {
		t.Errorf("got %v, want an enum: serve: error", err)
	}
	c, err := net.ListenPacket("udp", "127.0.0.1:"+port)
	if err != nil {
		t.Errorf("UDP still bound after Serve returned: %v", err)
	} else {
		c.Close()
	}
}
