// Package smtptest is a real, minimal SMTP server for tests. It speaks the
// subset of RFC 5321 a mail submission client needs (EHLO/HELO, MAIL FROM,
// RCPT TO, DATA with dot-unstuffing, RSET, NOOP, QUIT and, when credentials
// are configured, AUTH PLAIN) on 127.0.0.1, and keeps every accepted message
// in memory. It is not a mock: clients talk to it over TCP exactly as they
// would to a relay.
//
//	srv := smtptest.Start(t)
//	... send to srv.Addr() ...
//	msgs, err := srv.Wait(ctx, 1)
//
// The server closes when the test ends.
package smtptest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"
)

// Limits of the server. A client exceeding them gets an error reply.
const (
	MaxLineLength  = 1000     // RFC 5321 4.5.3.1.4 text line, with CRLF
	MaxMessageSize = 10 << 20 // DATA bytes
	MaxRecipients  = 100      // RFC 5321 4.5.3.1.8
	idleTimeout    = time.Minute
)

// Message is one message the server accepted.
type Message struct {
	From string   // reverse-path of MAIL FROM, without angle brackets ("" for <>)
	To   []string // forward-paths of RCPT TO, without angle brackets
	Data []byte   // the message as sent after DATA, dot-unstuffed, CRLF line endings kept, without the final ".\r\n"
	User string   // the user who authenticated with AUTH PLAIN, or ""
}

// Parse parses Data as an RFC 5322 message.
func (m Message) Parse() (*mail.Message, error) {
	return mail.ReadMessage(bytes.NewReader(m.Data))
}

// Server is a running SMTP server. Its methods are safe for concurrent use.
type Server struct {
	ln net.Listener
	wg sync.WaitGroup

	mu       sync.Mutex
	conns    map[net.Conn]struct{}
	msgs     []Message
	changed  chan struct{} // closed and replaced when msgs grows
	user     string
	pass     string
	failNext int
	closed   bool
}

// Start starts a server on 127.0.0.1 on a free port. It stops when t's test
// and its subtests end.
func Start(t testing.TB) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtptest: listen: %v", err)
	}
	s := &Server{ln: ln, conns: map[net.Conn]struct{}{}, changed: make(chan struct{})}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(s.Close)
	return s
}

// Addr returns the server's "host:port".
func (s *Server) Addr() string { return s.ln.Addr().String() }

// SetAuth makes the server advertise AUTH PLAIN, accept only user and
// password, and refuse MAIL before a successful AUTH. An empty user turns
// authentication off again.
func (s *Server) SetAuth(user, password string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.user, s.pass = user, password
}

// FailNext makes the server answer the next n messages' end of DATA with
// "451 4.3.0" (a temporary failure) and not keep them.
func (s *Server) FailNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = n
}

// Messages returns a copy of the messages accepted so far, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.copyLocked()
}

func (s *Server) copyLocked() []Message {
	out := make([]Message, len(s.msgs))
	for i, m := range s.msgs {
		m.To = append([]string(nil), m.To...)
		m.Data = append([]byte(nil), m.Data...)
		out[i] = m
	}
	return out
}

// Wait waits until the server has accepted at least n messages and returns
// them all, or returns ctx's error with the messages accepted so far.
func (s *Server) Wait(ctx context.Context, n int) ([]Message, error) {
	for {
		s.mu.Lock()
		if len(s.msgs) >= n {
			defer s.mu.Unlock()
			return s.copyLocked(), nil
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			msgs := s.Messages()
			return msgs, fmt.Errorf("smtptest: %d of %d messages: %w", len(msgs), n, ctx.Err())
		}
	}
}

// Close stops the server, closes its connections and waits for them to end.
// Start arranges for it to be called at the end of the test.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.ln.Close()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *Server) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			defer func() {
				s.mu.Lock()
				delete(s.conns, c)
				s.mu.Unlock()
				c.Close()
			}()
			(&session{srv: s, conn: c, r: bufio.NewReaderSize(c, 4096), w: bufio.NewWriter(c)}).run()
		}()
	}
}

func (s *Server) auth() (user, pass string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.user, s.pass
}

// deliver stores m unless a failure was requested; it returns whether it
// stored it.
func (s *Server) deliver(m Message) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failNext > 0 {
		s.failNext--
		return false
	}
	s.msgs = append(s.msgs, m)
	close(s.changed)
	s.changed = make(chan struct{})
	return true
}

// session is one SMTP connection.
type session struct {
	srv  *Server
	conn net.Conn
	r    *bufio.Reader
	w    *bufio.Writer

	greeted bool
	user    string // authenticated user
	inMail  bool   // MAIL FROM accepted
	from    string
	to      []string
}

var (
	errLineTooLong = errors.New("line too long")
	errTooBig      = errors.New("message too big")
)

func (ss *session) reply(code int, lines ...string) error {
	for i, l := range lines {
		sep := " "
		if i < len(lines)-1 {
			sep = "-"
		}
		fmt.Fprintf(ss.w, "%d%s%s\r\n", code, sep, l)
	}
	return ss.w.Flush()
}

// readLine reads one line and returns it with its line ending.
func (ss *session) readLine() (string, error) {
	ss.conn.SetReadDeadline(time.Now().Add(idleTimeout))
	var b []byte
	for {
		chunk, err := ss.r.ReadSlice('\n')
		b = append(b, chunk...)
		if len(b) > MaxLineLength {
			if err == nil {
				return "", errLineTooLong
			}
			// Discard the rest of the line before answering.
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = ss.r.ReadSlice('\n')
			}
			if err != nil {
				return "", err
			}
			return "", errLineTooLong
		}
		switch {
		case err == nil:
			return string(b), nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		default:
			return "", err
		}
	}
}

func (ss *session) resetTx() {
	ss.inMail, ss.from, ss.to = false, "", nil
}

func (ss *session) run() {
	if ss.reply(220, "smtptest ESMTP ready") != nil {
		return
	}
	for {
		line, err := ss.readLine()
		if errors.Is(err, errLineTooLong) {
			if ss.reply(500, "5.5.2 line too long") != nil {
				return
			}
			continue
		} else if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb, arg, _ := strings.Cut(line, " ")
		quit, err := ss.command(strings.ToUpper(verb), strings.TrimSpace(arg))
		if quit || err != nil {
			return
		}
	}
}

// command handles one command; it reports whether the session ends.
func (ss *session) command(verb, arg string) (quit bool, err error) {
	user, pass := ss.srv.auth()
	switch verb {
	case "EHLO":
		if arg == "" {
			return false, ss.reply(501, "5.5.4 EHLO needs a domain")
		}
		ss.greeted = true
		ss.resetTx()
		lines := []string{"smtptest greets " + arg, "8BITMIME", "PIPELINING", fmt.Sprintf("SIZE %d", MaxMessageSize)}
		if user != "" {
			lines = append(lines, "AUTH PLAIN")
		}
		return false, ss.reply(250, append(lines, "HELP")...)
	case "HELO":
		if arg == "" {
			return false, ss.reply(501, "5.5.4 HELO needs a domain")
		}
		ss.greeted = true
		ss.resetTx()
		return false, ss.reply(250, "smtptest greets "+arg)
	case "AUTH":
		return false, ss.authPlain(arg, user, pass)
	case "MAIL":
		switch {
		case !ss.greeted:
			return false, ss.reply(503, "5.5.1 say EHLO first")
		case user != "" && ss.user == "":
			return false, ss.reply(530, "5.7.0 authentication required")
		case ss.inMail:
			return false, ss.reply(503, "5.5.1 nested MAIL command")
		}
		addr, ok := path(arg, "FROM:")
		if !ok {
			return false, ss.reply(501, "5.5.4 syntax: MAIL FROM:<address>")
		}
		ss.inMail, ss.from = true, addr
		return false, ss.reply(250, "2.1.0 OK")
	case "RCPT":
		switch {
		case !ss.inMail:
			return false, ss.reply(503, "5.5.1 need MAIL before RCPT")
		case len(ss.to) >= MaxRecipients:
			return false, ss.reply(452, "4.5.3 too many recipients")
		}
		addr, ok := path(arg, "TO:")
		if !ok || addr == "" {
			return false, ss.reply(501, "5.5.4 syntax: RCPT TO:<address>")
		}
		ss.to = append(ss.to, addr)
		return false, ss.reply(250, "2.1.5 OK")
	case "DATA":
		if arg != "" {
			return false, ss.reply(501, "5.5.4 DATA takes no arguments")
		}
		if len(ss.to) == 0 {
			return false, ss.reply(503, "5.5.1 need RCPT before DATA")
		}
		if err := ss.reply(354, "end data with <CR><LF>.<CR><LF>"); err != nil {
			return true, err
		}
		data, err := ss.readData()
		m := Message{From: ss.from, To: ss.to, Data: data, User: ss.user}
		ss.resetTx()
		switch {
		case errors.Is(err, errTooBig):
			return false, ss.reply(552, "5.3.4 message too big")
		case err != nil:
			return true, err
		case !ss.srv.deliver(m):
			return false, ss.reply(451, "4.3.0 temporary failure, try again later")
		}
		return false, ss.reply(250, "2.0.0 OK queued")
	case "RSET":
		ss.resetTx()
		return false, ss.reply(250, "2.0.0 OK")
	case "NOOP":
		return false, ss.reply(250, "2.0.0 OK")
	case "VRFY":
		return false, ss.reply(252, "2.5.0 cannot VRFY")
	case "QUIT":
		ss.reply(221, "2.0.0 bye")
		return true, nil
	default:
		return false, ss.reply(500, "5.5.2 unknown command")
	}
}

// authPlain handles AUTH PLAIN (RFC 4616) with or without an initial
// response.
func (ss *session) authPlain(arg, user, pass string) error {
	mech, resp, _ := strings.Cut(arg, " ")
	switch {
	case user == "":
		return ss.reply(502, "5.5.1 AUTH not available")
	case !ss.greeted:
		return ss.reply(503, "5.5.1 say EHLO first")
	case ss.user != "":
		return ss.reply(503, "5.5.1 already authenticated")
	case ss.inMail:
		return ss.reply(503, "5.5.1 AUTH not allowed during a mail transaction")
	case !strings.EqualFold(mech, "PLAIN"):
		return ss.reply(504, "5.5.4 only PLAIN is supported")
	}
	if resp == "" {
		if err := ss.reply(334, ""); err != nil {
			return err
		}
		line, err := ss.readLine()
		if err != nil {
			return err
		}
		resp = strings.TrimRight(line, "\r\n")
	}
	if resp == "*" {
		return ss.reply(501, "5.0.0 authentication canceled")
	}
	raw, err := base64.StdEncoding.DecodeString(resp)
	if err != nil {
		return ss.reply(501, "5.5.2 cannot decode response")
	}
	parts := strings.Split(string(raw), "\x00")
	if len(parts) != 3 || parts[1] != user || parts[2] != pass || (parts[0] != "" && parts[0] != user) {
		return ss.reply(535, "5.7.8 authentication credentials invalid")
	}
	ss.user = user
	return ss.reply(235, "2.7.0 authentication successful")
}

// readData reads message data up to the terminating "." line, removing the
// leading dot RFC 5321 4.5.2 adds to lines that start with one.
func (ss *session) readData() ([]byte, error) {
	var buf bytes.Buffer
	tooBig := false
	for {
		line, err := ss.readLine()
		if errors.Is(err, errLineTooLong) {
			tooBig = true // keep reading to the end of the data
			continue
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		if line == ".\r\n" || line == ".\n" {
			break
		}
		line = strings.TrimPrefix(line, ".")
		if buf.Len()+len(line) > MaxMessageSize {
			tooBig = true
		}
		if !tooBig {
			buf.WriteString(line)
		}
	}
	if tooBig {
		return nil, errTooBig
	}
	return buf.Bytes(), nil
}

// path parses "FROM:<addr> params" or "TO:<addr> params" and returns addr.
func path(arg, prefix string) (string, bool) {
	if len(arg) < len(prefix) || !strings.EqualFold(arg[:len(prefix)], prefix) {
		return "", false
	}
	rest := strings.TrimSpace(arg[len(prefix):])
	if !strings.HasPrefix(rest, "<") {
		return "", false
	}
	end := strings.IndexByte(rest, '>')
	if end < 0 {
		return "", false
	}
	addr := rest[1:end]
	if strings.ContainsAny(addr, " \t<>") {
		return "", false
	}
	return addr, true
}
