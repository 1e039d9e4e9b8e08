package outbound

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strings"
	"time"
)

// DefaultMailTimeout bounds one SMTP session when Mailer.Timeout is zero.
const DefaultMailTimeout = 30 * time.Second

// Mailer sends plain-text email through an SMTP relay (RFC 5321), one
// session per message. It uses STARTTLS whenever the relay offers it,
// verifying the relay's certificate, and refuses to authenticate over a
// connection that is neither TLS nor to localhost (net/smtp's rule).
type Mailer struct {
	// Addr is the relay's "host:port", e.g. "smtp.example.com:587".
	Addr string
	// From is the sender, an RFC 5322 address such as
	// "OpenNPAC <npac@example.com>". It is both the envelope sender and the
	// From header.
	From string
	// Username and Password, when Username is set, authenticate with AUTH
	// PLAIN.
	Username string
	Password string
	// Hello is the name given in EHLO; empty means "localhost".
	Hello string
	// Timeout bounds the whole session, from dial to QUIT; zero means
	// DefaultMailTimeout.
	Timeout time.Duration
	// TLSConfig configures STARTTLS; nil verifies the relay's certificate
	// against the system roots for the host of Addr.
	TLSConfig *tls.Config
}

// Send sends one message with the subject and plain-text body to every
// address in to. The body's lines may end in "\n" or "\r\n"; it is sent as
// UTF-8 in quoted-printable, so any text is safe, including lines that
// start with a dot. Errors wrapping a *textproto.Error carry the relay's
// reply code; a 5xx answer to a recipient is a *PermanentError.
func (m *Mailer) Send(ctx context.Context, to []string, subject, body string) error {
	from, err := parseAddress(m.From)
	if err != nil {
		return fmt.Errorf("outbound: mailer sender %q: %w", m.From, err)
	}
	if len(to) == 0 {
		return &PermanentError{Err: errors.New("outbound: email without recipients")}
	}
	rcpts := make([]*mail.Address, len(to))
	for i, s := range to {
		if rcpts[i], err = parseAddress(s); err != nil {
			return &PermanentError{Err: fmt.Errorf("outbound: recipient %q: %w", s, err)}
		}
	}
	msg, err := compose(from, rcpts, subject, body, time.Now())
	if err != nil {
		return err
	}
	return m.send(ctx, from.Address, rcpts, msg)
}

func (m *Mailer) send(ctx context.Context, from string, rcpts []*mail.Address, msg []byte) error {
	timeout := m.Timeout
	if timeout <= 0 {
		timeout = DefaultMailTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	host, _, err := net.SplitHostPort(m.Addr)
	if err != nil {
		return fmt.Errorf("outbound: mailer address %q: %w", m.Addr, err)
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", m.Addr)
	if err != nil {
		return fmt.Errorf("outbound: smtp: %w", err)
	}
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline)
	// Cancellation interrupts whatever read or write is in progress.
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return m.wrap(ctx, "greeting", err)
	}
	defer c.Close()
	hello := m.Hello
	if hello == "" {
		hello = "localhost"
	}
	if err := c.Hello(hello); err != nil {
		return m.wrap(ctx, "EHLO", err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		cfg := m.TLSConfig.Clone()
		if cfg == nil {
			cfg = &tls.Config{}
		}
		if cfg.ServerName == "" {
			cfg.ServerName = host
		}
		if err := c.StartTLS(cfg); err != nil {
			return m.wrap(ctx, "STARTTLS", err)
		}
	}
	if m.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", m.Username, m.Password, host)); err != nil {
			return m.wrap(ctx, "AUTH", err)
		}
	}
	if err := c.Mail(from); err != nil {
		return m.wrap(ctx, "MAIL FROM", err)
	}
	for _, r := range rcpts {
		if err := c.Rcpt(r.Address); err != nil {
			err = m.wrap(ctx, "RCPT TO <"+r.Address+">", err)
			if te := (*textproto.Error)(nil); errors.As(err, &te) && te.Code >= 500 {
				return &PermanentError{Err: err}
			}
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return m.wrap(ctx, "DATA", err)
	}
	if _, err := w.Write(msg); err != nil {
		return m.wrap(ctx, "DATA", err)
	}
	if err := w.Close(); err != nil {
		return m.wrap(ctx, "end of DATA", err)
	}
	// The relay accepted the message; a failed QUIT loses nothing.
	c.Quit()
	return nil
}

// wrap names the SMTP step that failed, and reports a canceled context
// rather than the I/O error its deadline caused.
func (m *Mailer) wrap(ctx context.Context, step string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("outbound: smtp %s at %s: %w", step, m.Addr, ctx.Err())
	}
	return fmt.Errorf("outbound: smtp %s at %s: %w", step, m.Addr, err)
}

// compose builds an RFC 5322 message with a quoted-printable UTF-8 body.
func compose(from *mail.Address, to []*mail.Address, subject, body string, now time.Time) ([]byte, error) {
	var b bytes.Buffer
	header := func(k, v string) {
		b.WriteString(k)
		b.WriteString(": ")
		b.WriteString(v)
		b.WriteString("\r\n")
	}
	tos := make([]string, len(to))
	for i, a := range to {
		tos[i] = a.String()
	}
	header("Date", now.Format(time.RFC1123Z))
	header("From", from.String())
	header("To", strings.Join(tos, ",\r\n "))
	header("Subject", encodeHeader("Subject", subject))
	header("Message-ID", messageID(from.Address))
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	body = strings.ReplaceAll(body, "\r\n", "\n")
	if _, err := qp.Write([]byte(body)); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n")
	}
	return b.Bytes(), nil
}

// encodeHeader makes s a safe unstructured header value for a field named
// name: control characters become spaces; text that is not printable ASCII
// (or that looks like an encoded word) is RFC 2047 Q-encoded as UTF-8; and
// the value is folded so that lines stay within 78 characters.
func encodeHeader(name, s string) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	// Plain text must be ASCII, must not look like an encoded word and
	// must fold: no word may be too long for a line.
	plain := !strings.Contains(s, "=?")
	for i := 0; i < len(s) && plain; i++ {
		plain = s[i] < 0x7f
	}
	for _, w := range strings.Fields(s) {
		plain = plain && len(w) <= 70
	}
	col := len(name) + 2 // "Name: "
	var b strings.Builder
	if plain {
		// Fold before a space where a line would grow past 78.
		for i, w := range strings.Split(s, " ") {
			if i > 0 {
				if col+1+len(w) > 78 && col > 1 {
					b.WriteString("\r\n")
					col = 0
				}
				b.WriteByte(' ')
				col++
			}
			b.WriteString(w)
			col += len(w)
		}
		return b.String()
	}
	// Encoded words of at most 66 characters ("=?utf-8?q?" + 54 + "?="),
	// one per line, never splitting a character's bytes, preferably broken
	// after a space.
	const maxPayload = 54
	var word strings.Builder
	flush := func() {
		if b.Len() > 0 {
			b.WriteString("\r\n ")
		}
		b.WriteString("=?utf-8?q?" + word.String() + "?=")
		word.Reset()
	}
	for _, r := range s {
		var enc string
		switch {
		case r == ' ':
			enc = "_"
		case r > ' ' && r < 0x7f && r != '=' && r != '?' && r != '_':
			// RFC 2047 4.2 (3); unstructured text has no further limits.
			enc = string(r)
		default:
			for _, c := range []byte(string(r)) {
				enc += fmt.Sprintf("=%02X", c)
			}
		}
		if word.Len()+len(enc) > maxPayload {
			// Break after a space ("_") near the end rather than mid-word.
			w := word.String()
			if i := strings.LastIndexByte(w, '_'); i >= maxPayload/2 {
				word.Reset()
				word.WriteString(w[:i+1])
				flush()
				word.WriteString(w[i+1:])
			} else {
				flush()
			}
		}
		word.WriteString(enc)
	}
	if word.Len() > 0 || b.Len() == 0 {
		flush()
	}
	return b.String()
}

// messageID returns a new globally unique Message-ID in the sender's
// domain.
func messageID(from string) string {
	domain := from[strings.LastIndexByte(from, '@')+1:]
	b := make([]byte, 16)
	rand.Read(b)
	return "<" + hex.EncodeToString(b) + "@" + domain + ">"
}
