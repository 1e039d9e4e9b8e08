package smtptest_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"io"
	"net"
	"net/smtp"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/opennpac/npac/internal/smtptest"
)

func send(t *testing.T, addr string, auth smtp.Auth, from string, to []string, msg string) error {
	t.Helper()
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		return err
	}
	if auth != nil {
		if err := c.Auth(auth); err != nil {
			return err
		}
	}
	if err := c.Mail(from); err != nil {
		return err
	}
	for _, r := range to {
		if err := c.Rcpt(r); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

func TestDeliver(t *testing.T) {
	srv := smtptest.Start(t)
	msg := "Subject: hi\r\n\r\nline one\r\n.starts with a dot\r\n.\r\n..two dots\r\nend\r\n"
	if err := send(t, srv.Addr(), nil, "a@example.com", []string{"b@example.com", "c@example.com"}, msg); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	msgs, err := srv.Wait(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	m := msgs[0]
	if m.From != "a@example.com" || strings.Join(m.To, ",") != "b@example.com,c@example.com" {
		t.Errorf("envelope = %q %q", m.From, m.To)
	}
	if string(m.Data) != msg {
		t.Errorf("data = %q, want %q", m.Data, msg)
	}
	pm, err := m.Parse()
	if err != nil {
		t.Fatal(err)
	}
	if got := pm.Header.Get("Subject"); got != "hi" {
		t.Errorf("subject = %q", got)
	}
}

func TestAuthAndFailNext(t *testing.T) {
	srv := smtptest.Start(t)
	srv.SetAuth("user", "secret")
	msg := "Subject: x\r\n\r\nbody\r\n"
	host, _, _ := net.SplitHostPort(srv.Addr())

	// Without AUTH, MAIL is refused.
	err := send(t, srv.Addr(), nil, "a@example.com", []string{"b@example.com"}, msg)
	if te, ok := err.(*textproto.Error); !ok || te.Code != 530 {
		t.Fatalf("no auth: err = %v, want 530", err)
	}
	// Wrong password.
	err = send(t, srv.Addr(), smtp.PlainAuth("", "user", "wrong", host), "a@example.com", []string{"b@example.com"}, msg)
	if te, ok := err.(*textproto.Error); !ok || te.Code != 535 {
		t.Fatalf("bad auth: err = %v, want 535", err)
	}
	// Temporary failure, then success.
	srv.FailNext(1)
	auth := smtp.PlainAuth("", "user", "secret", host)
	err = send(t, srv.Addr(), auth, "a@example.com", []string{"b@example.com"}, msg)
	if te, ok := err.(*textproto.Error); !ok || te.Code != 451 {
		t.Fatalf("fail next: err = %v, want 451", err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("%d messages kept after 451", n)
	}
	if err := send(t, srv.Addr(), auth, "a@example.com", []string{"b@example.com"}, msg); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 || msgs[0].User != "user" {
		t.Fatalf("messages = %+v", msgs)
	}
}

// TestProtocol drives the server by hand: sequencing errors, RSET, NOOP,
// HELO, the null reverse-path and AUTH PLAIN with a separate response.
func TestProtocol(t *testing.T) {
	srv := smtptest.Start(t)
	srv.SetAuth("u", "p")
	c, err := textproto.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	expect := func(code int) {
		t.Helper()
		if _, _, err := c.ReadResponse(code); err != nil {
			t.Fatalf("want %d: %v", code, err)
		}
	}
	cmd := func(code int, format string, args ...any) {
		t.Helper()
		if _, err := c.Cmd(format, args...); err != nil {
			t.Fatal(err)
		}
		expect(code)
	}
	expect(220)
	cmd(503, "MAIL FROM:<a@example.com>")
	cmd(250, "HELO client.test")
	cmd(530, "MAIL FROM:<a@example.com>")
	cmd(334, "AUTH PLAIN")
	cmd(235, "%s", base64.StdEncoding.EncodeToString([]byte("\x00u\x00p")))
	cmd(503, "RCPT TO:<b@example.com>")
	cmd(503, "DATA")
	cmd(250, "MAIL FROM:<>")
	cmd(503, "MAIL FROM:<a@example.com>")
	cmd(250, "RCPT TO:<b@example.com>")
	cmd(250, "RSET")
	cmd(503, "DATA")
	cmd(250, "NOOP")
	cmd(501, "MAIL FROM:a@example.com")
	cmd(250, "mail from:<a@example.com> BODY=8BITMIME")
	cmd(250, "rcpt to:<b@example.com>")
	cmd(354, "DATA")
	cmd(250, "Subject: s\r\n\r\nx\r\n.")
	cmd(500, "BOGUS")
	cmd(500, "%s", strings.Repeat("x", 2000))
	cmd(221, "QUIT")

	msgs := srv.Messages()
	if len(msgs) != 1 || msgs[0].From != "a@example.com" || string(msgs[0].Data) != "Subject: s\r\n\r\nx\r\n" {
		t.Fatalf("messages = %+v", msgs)
	}
}

func TestWaitTimeout(t *testing.T) {
	srv := smtptest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	msgs, err := srv.Wait(ctx, 1)
	if err == nil || len(msgs) != 0 {
		t.Fatalf("Wait = %v, %v", msgs, err)
	}
}

// TestCloseEndsSessions checks that Close does not wait for idle clients.
func TestCloseEndsSessions(t *testing.T) {
	srv := smtptest.Start(t)
	conn, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := bufio.NewReader(conn).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { srv.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close hung on an idle connection")
	}
}
