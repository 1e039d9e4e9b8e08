package sipredirect

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"
)

// tcpWriteTimeout bounds the sending of one answer over TCP: a client that
// reads nothing for that long loses its connection.
const tcpWriteTimeout = 10 * time.Second

// tcpServer answers requests on TCP connections, each read by a goroutine
// of its own that frames messages by their Content-Length (RFC 3261
// §18.3) and writes each answer back on the connection.
type tcpServer struct {
	h  *handler
	l  net.Listener
	wg sync.WaitGroup // the connections' goroutines
	mu sync.Mutex
	// conns are the open connections, closed at shutdown.
	conns    map[net.Conn]struct{}
	stopping bool
}

func newTCPServer(h *handler, l net.Listener) *tcpServer {
	return &tcpServer{h: h, l: l, conns: make(map[net.Conn]struct{})}
}

// serve accepts connections until shutdown or until accepting fails, then
// waits for the connections' goroutines, closed by shutdown, and returns
// nil or the failure.
func (t *tcpServer) serve() error {
	err := t.accept()
	t.shutdown()
	t.wg.Wait()
	return err
}

func (t *tcpServer) accept() error {
	var delay time.Duration
	for {
		c, err := t.l.Accept()
		if err != nil {
			t.mu.Lock()
			stopping := t.stopping
			t.mu.Unlock()
			if stopping {
				return nil
			}
			// As net/http: wait out a temporary failure, such as too
			// many open files.
			var te interface{ Temporary() bool }
			if errors.As(err, &te) && te.Temporary() {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				t.h.debug("sip: accept", "error", err, "retry in", delay)
				time.Sleep(delay)
				continue
			}
			return err
		}
		delay = 0
		t.mu.Lock()
		if t.stopping {
			t.mu.Unlock()
			c.Close()
			return nil
		}
		t.conns[c] = struct{}{}
		t.wg.Add(1)
		t.mu.Unlock()
		go func() {
			defer t.wg.Done()
			t.conn(c)
			t.mu.Lock()
			delete(t.conns, c)
			t.mu.Unlock()
			c.Close()
		}()
	}
}

// shutdown closes the listener and every connection.
func (t *tcpServer) shutdown() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopping {
		return
	}
	t.stopping = true
	t.l.Close()
	for c := range t.conns {
		c.Close()
	}
}

// ping is a CRLF keep-alive, which gets pong (RFC 5626 §3.5.1).
var ping, pong = []byte("\r\n\r\n"), []byte("\r\n")

// conn answers the requests on c until c closes or sends what cannot be
// framed.
func (t *tcpServer) conn(c net.Conn) {
	src, _ := netip.ParseAddrPort(c.RemoteAddr().String())
	src = netip.AddrPortFrom(src.Addr().Unmap(), src.Port())
	// arr[start:end] is what was read and not yet parsed.
	arr := make([]byte, 4096)
	start, end := 0, 0
	var out []byte
	for {
		// Between messages: keep-alives and stray CRLFs (RFC 3261 §7.5).
		for {
			if bytes.HasPrefix(arr[start:end], ping) {
				if !t.write(c, pong) {
					return
				}
				start += len(ping)
			} else if end-start >= 2 && arr[start] == '\r' && arr[start+1] == '\n' {
				start += 2
			} else {
				break
			}
		}
		msg, n, err := t.next(arr[start:end])
		if err == nil {
			start += n
			req, ok := msg.(*sip.Request)
			if !ok {
				continue // a response: the server sends no requests
			}
			req.SetTransport("TCP")
			res := t.h.answer(req, src)
			if res == nil {
				continue
			}
			out = appendMessage(out[:0], res)
			if !t.write(c, out) {
				return
			}
			continue
		}
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.h.debug("sip: closing a TCP connection that sent what cannot be framed", "src", src, "error", err)
			return
		}
		// Read more, after what is still buffered.
		end = copy(arr, arr[start:end])
		start = 0
		if end == len(arr) {
			// next has seen that a message this long can still be
			// whole: make room.
			arr = append(arr, make([]byte, len(arr))...)
		}
		n, err = c.Read(arr[end:])
		if err != nil {
			return
		}
		end += n
	}
}

// next parses the next message in buf. It returns io.ErrUnexpectedEOF
// while buf holds only part of one, and another error when buf holds what
// cannot be framed.
func (t *tcpServer) next(buf []byte) (sip.Message, int, error) {
	maxLen := t.h.parser.MaxMessageLength
	if len(buf) > maxLen {
		buf = buf[:maxLen]
	}
	if !bytes.Contains(buf, []byte("\r\n\r\n")) {
		if len(buf) == maxLen {
			return nil, 0, sip.ErrMessageTooLarge
		}
		return nil, 0, io.ErrUnexpectedEOF
	}
	msg, n, err := t.h.parser.Parse(buf, true)
	if errors.Is(err, sip.ErrParseReadBodyIncomplete) {
		if msg == nil || msg.ContentLength() == nil {
			return nil, 0, errors.New("message without Content-Length")
		}
		if len(buf) == maxLen {
			return nil, 0, sip.ErrMessageTooLarge
		}
		return nil, 0, io.ErrUnexpectedEOF
	}
	return msg, n, err
}

// write sends b on c, and reports whether it could.
func (t *tcpServer) write(c net.Conn, b []byte) bool {
	c.SetWriteDeadline(time.Now().Add(tcpWriteTimeout))
	if _, err := c.Write(b); err != nil {
		t.h.debug("sip: TCP write", "error", err)
		return false
	}
	return true
}
