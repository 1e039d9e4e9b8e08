package outbound_test

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/opennpac/npac"
	"github.com/opennpac/npac/internal/smtptest"
	"github.com/opennpac/npac/outbound"
)

func TestFormatEmail(t *testing.T) {
	n := statusChange("8051", "6132210100", npac.StatusSending, npac.StatusActive)
	n.Seq = 42
	subject, body := outbound.FormatEmail(&n)
	if want := "[OpenNPAC] 8051: status-change of 613-221-0100 (sending → active)"; subject != want {
		t.Errorf("subject = %q, want %q", subject, want)
	}
	for _, want := range []string{"OpenNPAC notification 8051-42\n", "Number:    613-221-0100\n", "Status:    sending → active\n",
		"The SV's status changed.\n", "  new_spid: 8821\n", "Event ID 8051-42"} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
	subject, _ = outbound.FormatEmail(&npac.Notification{SPID: "8051", Seq: 1, Kind: npac.NoticeCodeOpened})
	if subject != "[OpenNPAC] 8051: npa-nxx-opened" {
		t.Errorf("subject = %q", subject)
	}
}

func mailer(srv *smtptest.Server) *outbound.Mailer {
	return &outbound.Mailer{Addr: srv.Addr(), From: "OpenNPAC <npac@example.test>", Hello: "npac.example.test", Timeout: 10 * time.Second}
}

func emailEndpoint(spid npac.SPID, to ...string) outbound.Endpoint {
	return outbound.Endpoint{SPID: spid, Kind: outbound.KindEmail, To: to}
}

func waitMessages(t *testing.T, srv *smtptest.Server, n int) []smtptest.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	msgs, err := srv.Wait(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

func TestEmailDelivery(t *testing.T) {
	srv := smtptest.Start(t)
	store, _, w := setup(t)
	w.Sender.Mail = mailer(srv)
	store.AddEndpoint(t, emailEndpoint("8051", "Ops Desk <ops@carrier.example>", "noc@carrier.example"))
	n := statusChange("8051", "6132210100", npac.StatusSending, npac.StatusActive)
	n.Message = "First line.\n.hidden would vanish without dot-stuffing\n.\n..two dots\nDernière ligne: café"
	sent := store.Append(n)

	runOnce(t, w, 1)
	msgs := waitMessages(t, srv, 1)
	m := msgs[0]
	if m.From != "npac@example.test" || !slices.Equal(m.To, []string{"ops@carrier.example", "noc@carrier.example"}) {
		t.Errorf("envelope from %q to %q", m.From, m.To)
	}
	raw := string(m.Data)
	if !strings.Contains(raw, "\r\n.hidden would vanish") || !strings.Contains(raw, "\r\n.\r\n..two dots") {
		t.Errorf("dot lines not intact on the wire:\n%s", raw)
	}
	if i := strings.Index(raw, "\r\n\r\n"); i < 0 || regexp.MustCompile(`[^\r]\n`).MatchString(raw) {
		t.Errorf("bad line endings:\n%q", raw)
	}
	pm, err := m.Parse()
	if err != nil {
		t.Fatal(err)
	}
	h := pm.Header
	wantSubject, wantBody := outbound.FormatEmail(sent)
	rawSubject := h["Subject"][0]
	if !strings.HasPrefix(rawSubject, "=?utf-8?q?") {
		t.Errorf("non-ASCII subject not RFC 2047 encoded: %q", rawSubject)
	}
	var dec mime.WordDecoder
	if got, err := dec.DecodeHeader(rawSubject); err != nil || got != wantSubject {
		t.Errorf("subject decodes to %q (%v), want %q", got, err, wantSubject)
	}
	if d, err := h.Date(); err != nil || time.Since(d).Abs() > time.Minute {
		t.Errorf("Date %q: %v", h.Get("Date"), err)
	}
	if from, err := h.AddressList("From"); err != nil || len(from) != 1 || from[0].Address != "npac@example.test" || from[0].Name != "OpenNPAC" {
		t.Errorf("From %q: %v", h.Get("From"), err)
	}
	to, err := h.AddressList("To")
	if err != nil || len(to) != 2 || to[0].Name != "Ops Desk" || to[0].Address != "ops@carrier.example" || to[1].Address != "noc@carrier.example" {
		t.Errorf("To %q: %v", h.Get("To"), err)
	}
	if id := h.Get("Message-ID"); !regexp.MustCompile(`^<[0-9a-f]{32}@example\.test>$`).MatchString(id) {
		t.Errorf("Message-ID %q", id)
	}
	for k, want := range map[string]string{"MIME-Version": "1.0", "Content-Type": "text/plain; charset=utf-8", "Content-Transfer-Encoding": "quoted-printable"} {
		if got := h.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	body, err := io.ReadAll(quotedprintable.NewReader(pm.Body))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.ReplaceAll(string(body), "\r\n", "\n"); got != wantBody {
		t.Errorf("body =\n%s\nwant\n%s", got, wantBody)
	}
}

func TestEmailRetryAfter451(t *testing.T) {
	srv := smtptest.Start(t)
	srv.FailNext(1)
	store, clk, w := setup(t)
	w.Sender.Mail = mailer(srv)
	id := store.AddEndpoint(t, emailEndpoint("8051", "noc@carrier.example"))
	store.Append(statusChange("8051", "6132210100", npac.StatusPending, npac.StatusActive))
	store.Append(statusChange("8051", "6132210100", npac.StatusActive, npac.StatusOld))

	runOnce(t, w, 0)
	ep := store.Endpoint(id)
	if ep.Attempts != 1 || ep.Disabled() || !strings.Contains(ep.LastError, "451") || ep.Cursor != 0 {
		t.Fatalf("after 451: %+v", ep)
	}
	clk.Advance(10 * time.Second)
	runOnce(t, w, 2)
	msgs := waitMessages(t, srv, 2)
	var subjects []string
	for _, m := range msgs {
		pm, err := m.Parse()
		if err != nil {
			t.Fatal(err)
		}
		s, _ := new(mime.WordDecoder).DecodeHeader(pm.Header.Get("Subject"))
		subjects = append(subjects, s)
	}
	want := []string{"[OpenNPAC] 8051: status-change of 613-221-0100 (pending → active)", "[OpenNPAC] 8051: status-change of 613-221-0100 (active → old)"}
	if !slices.Equal(subjects, want) {
		t.Errorf("subjects %q, want %q", subjects, want)
	}
	if ep := store.Endpoint(id); ep.Cursor != 2 || ep.Failing {
		t.Errorf("endpoint = %+v", ep)
	}
}

func TestMailerAuth(t *testing.T) {
	srv := smtptest.Start(t)
	srv.SetAuth("npac", "s3cret")
	m := mailer(srv)
	ctx := context.Background()
	err := m.Send(ctx, []string{"a@carrier.example"}, "hi", "body")
	if err == nil || outbound.IsPermanent(err) {
		t.Fatalf("without credentials: %v", err)
	}
	m.Username, m.Password = "npac", "wrong"
	if err := m.Send(ctx, []string{"a@carrier.example"}, "hi", "body"); err == nil || !strings.Contains(err.Error(), "535") {
		t.Fatalf("wrong password: %v", err)
	}
	m.Password = "s3cret"
	if err := m.Send(ctx, []string{"a@carrier.example"}, "hi", "body"); err != nil {
		t.Fatal(err)
	}
	if msgs := waitMessages(t, srv, 1); msgs[0].User != "npac" {
		t.Errorf("user = %q", msgs[0].User)
	}
}

func TestMailerHeaders(t *testing.T) {
	srv := smtptest.Start(t)
	m := mailer(srv)
	m.From = "Équipe NPAC <npac@example.test>"
	long := strings.Repeat("Numéro porté ", 12)
	if err := m.Send(context.Background(), []string{"a@carrier.example"}, long+"\r\nBcc: evil@example.com", "x"); err != nil {
		t.Fatal(err)
	}
	msgs := waitMessages(t, srv, 1)
	pm, err := msgs[0].Parse()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := pm.Header["Bcc"]; ok {
		t.Fatal("header injection through the subject")
	}
	for _, line := range strings.Split(string(msgs[0].Data), "\r\n") {
		if len(line) > 78 {
			t.Errorf("line longer than 78: %q", line)
		}
	}
	got, err := new(mime.WordDecoder).DecodeHeader(pm.Header.Get("Subject"))
	if want := long + "  Bcc: evil@example.com"; err != nil || got != want {
		t.Errorf("subject = %q (%v), want %q", got, err, want)
	}
	from, err := pm.Header.AddressList("From")
	if err != nil || from[0].Name != "Équipe NPAC" {
		t.Errorf("From = %q: %v", pm.Header.Get("From"), err)
	}
	// Long ASCII subjects fold at spaces; an unbreakable one is encoded.
	ascii := strings.Repeat("porting window ", 10) + strings.Repeat("x", 100)
	if err := m.Send(context.Background(), []string{"a@carrier.example"}, ascii, "x"); err != nil {
		t.Fatal(err)
	}
	msgs = waitMessages(t, srv, 2)
	for _, line := range strings.Split(string(msgs[1].Data), "\r\n") {
		if len(line) > 78 {
			t.Errorf("line longer than 78: %q", line)
		}
	}
	pm, err = msgs[1].Parse()
	if err != nil {
		t.Fatal(err)
	}
	if got, err := new(mime.WordDecoder).DecodeHeader(pm.Header.Get("Subject")); err != nil || got != ascii {
		t.Errorf("subject = %q (%v), want %q", got, err, ascii)
	}

	// A bad recipient is permanent; a missing relay is not.
	if err := m.Send(context.Background(), []string{"nobody"}, "s", "b"); !outbound.IsPermanent(err) {
		t.Errorf("bad recipient: %v", err)
	}
}

func TestMailerTimeout(t *testing.T) {
	// A relay that accepts connections and never greets.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	m := &outbound.Mailer{Addr: ln.Addr().String(), From: "npac@example.test", Timeout: 200 * time.Millisecond}
	start := time.Now()
	err = m.Send(context.Background(), []string{"a@carrier.example"}, "s", "b")
	if err == nil || outbound.IsPermanent(err) || time.Since(start) > 5*time.Second {
		t.Fatalf("Send = %v after %v", err, time.Since(start))
	}
	ctx, cancel := context.WithCancel(context.Background())
	m.Timeout = time.Minute
	time.AfterFunc(100*time.Millisecond, cancel)
	err = m.Send(ctx, []string{"a@carrier.example"}, "s", "b")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled Send = %v", err)
	}
}
