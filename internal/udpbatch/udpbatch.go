// Package udpbatch serves a request-and-answer protocol over UDP, such as
// DNS or SIP, where each datagram gets at most one answer built from it
// alone.
//
// On Linux, when the socket is a *net.UDPConn, the server reads up to 64
// datagrams with one recvmmsg, answers them all and sends the answers with
// one sendmmsg, from one goroutine, which starts helpers, up to one
// goroutine per CPU in all, while datagrams arrive faster than it answers
// them. Against a goroutine per datagram, or a read and a write system
// call per datagram, this saves most of the CPU a datagram costs. On a
// socket bound to a wildcard address, each answer leaves from the address
// its request came to.
//
// Elsewhere, or when the socket is any other net.PacketConn, one goroutine
// per CPU reads and answers one datagram at a time.
package udpbatch

import (
	"errors"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Handler answers the datagram p, which came from src. It appends the
// answer to b and returns it, with where to send it: src, or another
// address (a nil dst means src). It returns a nil reply when p gets no
// answer.
//
// b is empty, with Options.ReplySize of capacity or more; a buffer the
// Handler grows is kept for later answers. The answer must be built in b
// or in memory the Handler owns, never in p, which it must not keep
// either: both are reused for the next datagrams. The Handler is called
// from several goroutines at once.
type Handler func(b, p []byte, src net.Addr) (reply []byte, dst net.Addr)

// Options are a Server's sizes and reports.
type Options struct {
	// ReadSize is the buffer each datagram is read into; a longer one is
	// cut to it. Zero means 65535 bytes, the largest datagram.
	ReadSize int
	// ReplySize is the capacity the answer buffers handed to the Handler
	// start with. Zero means none: they grow as the Handler needs.
	ReplySize int
	// DropTruncated makes the server drop a datagram longer than ReadSize,
	// and report it as Truncated, rather than hand it to the Handler cut.
	// Only the batched server can tell; the other hands it on cut.
	DropTruncated bool
	// Fault, if not nil, is told of what the server gives up on; nothing
	// else can act on it, so it is for debug logs. It is called from
	// several goroutines at once.
	Fault func(f Fault, addr net.Addr, err error)
}

// Fault is something a Server gave up on, reported to Options.Fault.
type Fault int

const (
	// NoHelper: no descriptor of the socket could be had for a helper;
	// err says why, addr is nil. The server goes on with the goroutines it
	// has.
	NoHelper Fault = iota
	// WriteFailed: the answer to addr could not be sent, for err. The
	// server goes on with the next one.
	WriteFailed
	// Truncated: a datagram from addr was longer than ReadSize and was
	// dropped, with Options.DropTruncated; err is nil.
	Truncated
)

// Server answers datagrams on one socket with a Handler. Serve it once.
type Server struct {
	conn     net.PacketConn
	h        Handler
	opts     Options
	stopping atomic.Bool
	batch    *batcher // nil when the server reads one datagram at a time
}

// Batched reports whether a Server of c reads and writes in batches: on
// Linux, when c is a *net.UDPConn.
func Batched(c net.PacketConn) bool {
	u, ok := c.(*net.UDPConn)
	return batching && ok && u != nil
}

// New returns a Server that answers the datagrams arriving on c with h.
// It fails only when c is bound to a wildcard address and the destination
// address of a datagram, which its answer is sent from, cannot be asked
// for.
func New(c net.PacketConn, h Handler, opts Options) (*Server, error) {
	if opts.ReadSize <= 0 {
		opts.ReadSize = 65535
	}
	s := &Server{conn: c, h: h, opts: opts}
	if Batched(c) {
		b, err := newBatcher(s, c.(*net.UDPConn))
		if err != nil {
			return nil, err
		}
		s.batch = b
	}
	return s, nil
}

// Serve reads and answers datagrams until Shutdown or until reading
// fails, and returns the failure, or nil after Shutdown. It does not close
// the socket.
func (s *Server) Serve() error {
	if s.batch != nil {
		return s.batch.serve()
	}
	return s.servePlain()
}

// Shutdown makes Serve return once the answers in hand are sent. It may
// be called before Serve, and returns at once.
func (s *Server) Shutdown() {
	s.stopping.Store(true)
	s.conn.SetReadDeadline(time.Unix(1, 0))
}

// fault reports f to Options.Fault.
func (s *Server) fault(f Fault, addr net.Addr, err error) {
	if s.opts.Fault != nil {
		s.opts.Fault(f, addr, err)
	}
}

// temporary reports whether err from a read is no failure of the socket.
func temporary(err error) bool {
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && t.Temporary()
}

// servePlain serves the socket one datagram at a time, from one goroutine
// per CPU.
func (s *Server) servePlain() error {
	n := runtime.GOMAXPROCS(0)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { errs <- s.readPlain() })
	}
	err := <-errs // the first reader to return: stopped, or failed
	s.Shutdown()  // the others
	wg.Wait()
	if errors.Is(err, errStopped) {
		return nil
	}
	return err
}

// errStopped is what a plain reader returns after Shutdown.
var errStopped = errors.New("stopped")

// readPlain is the loop of one plain reader.
func (s *Server) readPlain() error {
	buf := make([]byte, s.opts.ReadSize)
	out := make([]byte, 0, s.opts.ReplySize)
	for {
		n, addr, err := s.conn.ReadFrom(buf)
		if s.stopping.Load() {
			return errStopped
		}
		if err != nil {
			if temporary(err) {
				continue
			}
			return err
		}
		r, dst := s.h(out[:0], buf[:n], addr)
		if r == nil {
			continue
		}
		if cap(r) > cap(out) {
			out = r[:0] // keep a buffer the Handler grew
		}
		if dst == nil {
			dst = addr
		}
		if _, err := s.conn.WriteTo(r, dst); err != nil {
			s.fault(WriteFailed, dst, err)
		}
	}
}
