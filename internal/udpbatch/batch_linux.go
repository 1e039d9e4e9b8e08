package udpbatch

import (
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// batching: recvmmsg and sendmmsg are to be had.
const batching = true

// batchSize is how many datagrams one recvmmsg or sendmmsg call moves at
// most.
const batchSize = 64

// oobSize holds the control messages of a datagram on a socket bound to a
// wildcard address: an IP_PKTINFO (32 bytes with its header) and an
// IPV6_PKTINFO (40 bytes).
const oobSize = 128

// fullRuns is how many full batches in a row make a reader start a helper.
const fullRuns = 2

// helperStarts counts the helpers started, for tests.
var helperStarts atomic.Int64

// batcher is the batched server of a *net.UDPConn.
type batcher struct {
	s    *Server
	conn *net.UDPConn
	pc   *ipv4.PacketConn // for ReadBatch and WriteBatch, whatever the family
	// pktinfo: the socket is bound to a wildcard address, so each answer
	// is sent from the address its datagram came to.
	pktinfo bool
	// helpers are the reading goroutines besides the leader.
	helpers sync.WaitGroup
	mu      sync.Mutex
	// nhelpers run, at most maxHelpers; idle holds the descriptors and
	// buffers of the helpers that returned, for the next ones.
	nhelpers, maxHelpers int
	idle                 []*helper
}

func newBatcher(s *Server, conn *net.UDPConn) (*batcher, error) {
	u := &batcher{s: s, conn: conn, pc: ipv4.NewPacketConn(conn), maxHelpers: runtime.GOMAXPROCS(0) - 1}
	if a, ok := conn.LocalAddr().(*net.UDPAddr); ok && (a.IP == nil || a.IP.IsUnspecified()) {
		// Ask for the destination address of each datagram, of either
		// family; fail only if neither can be had.
		err6 := ipv6.NewPacketConn(conn).SetControlMessage(ipv6.FlagDst|ipv6.FlagInterface, true)
		err4 := u.pc.SetControlMessage(ipv4.FlagDst|ipv4.FlagInterface, true)
		if err6 != nil && err4 != nil {
			return nil, err4
		}
		u.pktinfo = true
	}
	return u, nil
}

// serve reads and answers datagrams until Shutdown or until reading
// fails, and returns the failure, or nil after Shutdown.
//
// One goroutine, the leader, reads with recvmmsg, blocking until a
// datagram comes. When it reads full batches twice in a row, datagrams
// are piling up faster than one goroutine answers them, and it starts a
// helper, up to one goroutine per CPU in all. A helper reads and writes
// through its own descriptor of the socket, so that it does not wait for
// the leader's (Go serializes the reads, and the writes, on one
// descriptor), without blocking, and returns as soon as no datagram
// waits. So a server that keeps up runs one goroutine, which costs the
// least CPU per datagram, and a loaded one answers on every CPU.
func (u *batcher) serve() error {
	err := u.read(u.pc, newBatch(u.s.opts), false)
	u.s.Shutdown() // the helpers
	u.helpers.Wait()
	for _, h := range u.idle {
		h.conn.Close()
	}
	u.idle = nil
	return err
}

// helper is what a helper reads with: its descriptor and its buffers.
type helper struct {
	conn *net.UDPConn
	pc   *ipv4.PacketConn
	b    *batch
}

// spawn starts a helper unless enough run or none can be had.
func (u *batcher) spawn() {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.nhelpers >= u.maxHelpers || u.s.stopping.Load() {
		return
	}
	var h *helper
	if n := len(u.idle); n > 0 {
		h, u.idle = u.idle[n-1], u.idle[:n-1]
	} else {
		c, err := dupUDP(u.conn)
		if err != nil {
			u.s.fault(NoHelper, nil, err)
			return
		}
		h = &helper{conn: c, pc: ipv4.NewPacketConn(c), b: newBatch(u.s.opts)}
	}
	u.nhelpers++
	helperStarts.Add(1)
	u.helpers.Go(func() {
		u.read(h.pc, h.b, true)
		u.mu.Lock()
		u.nhelpers--
		u.idle = append(u.idle, h)
		u.mu.Unlock()
	})
}

// dupUDP returns a second descriptor of c's socket, as a *net.UDPConn.
func dupUDP(c *net.UDPConn) (*net.UDPConn, error) {
	f, err := c.File()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	pc, err := net.FilePacketConn(f)
	if err != nil {
		return nil, err
	}
	d, ok := pc.(*net.UDPConn)
	if !ok {
		pc.Close()
		return nil, errors.New("not a UDP socket")
	}
	return d, nil
}

// batch is a reader's buffers.
type batch struct {
	in, out []ipv4.Message
	bufs    [][]byte // answer buffers, one per slot of out
	oobs    [][]byte // answer control messages, one per slot of out
}

func newBatch(opts Options) *batch {
	b := &batch{
		in:   make([]ipv4.Message, batchSize),
		out:  make([]ipv4.Message, batchSize),
		bufs: make([][]byte, batchSize),
		oobs: make([][]byte, batchSize),
	}
	for i := range b.in {
		b.in[i].Buffers = [][]byte{make([]byte, opts.ReadSize)}
		b.in[i].OOB = make([]byte, oobSize)
		b.out[i].Buffers = [][]byte{nil}
		b.bufs[i] = make([]byte, 0, opts.ReplySize)
		b.oobs[i] = make([]byte, 0, pktinfo6Space)
	}
	return b
}

// read is the loop of the leader, or of a helper, which returns nil when
// no datagram waits. It reads and writes through pc, with the buffers b.
func (u *batcher) read(pc *ipv4.PacketConn, b *batch, helper bool) error {
	s := u.s
	flags := 0
	if helper {
		flags = syscall.MSG_DONTWAIT
	}
	full := 0 // full batches in a row
	for {
		if helper && s.stopping.Load() {
			return nil
		}
		n, err := pc.ReadBatch(b.in, flags)
		if err != nil {
			if helper || s.stopping.Load() {
				return nil
			}
			if temporary(err) {
				continue
			}
			return err
		}
		if n < len(b.in) {
			full = 0
		} else if full++; full >= fullRuns {
			full = 0
			u.spawn()
		}
		k := 0
		for i := range b.in[:n] {
			m := &b.in[i]
			if s.opts.DropTruncated && m.Flags&syscall.MSG_TRUNC != 0 {
				s.fault(Truncated, m.Addr, nil)
				continue
			}
			r, dst := s.h(b.bufs[k][:0], m.Buffers[0][:m.N], m.Addr)
			if r == nil {
				continue
			}
			if cap(r) > cap(b.bufs[k]) {
				b.bufs[k] = r[:0] // keep a buffer the Handler grew
			}
			if dst == nil {
				dst = m.Addr
			}
			o := &b.out[k]
			o.Buffers[0] = r
			o.Addr = dst
			o.OOB = nil
			if u.pktinfo {
				o.OOB = replySource(b.oobs[k][:0], m.OOB[:m.NN])
			}
			k++
		}
		u.write(pc, b.out[:k])
		for i := range b.out[:k] {
			b.out[i].Buffers[0] = nil
			b.out[i].Addr = nil
		}
		for i := range b.in[:n] {
			b.in[i].Addr = nil
		}
	}
}

// write sends the answers in out. An answer that cannot be sent is
// reported and skipped.
func (u *batcher) write(pc *ipv4.PacketConn, out []ipv4.Message) {
	for len(out) > 0 {
		n, err := pc.WriteBatch(out, 0)
		if err == nil {
			out = out[n:]
			continue
		}
		if errors.Is(err, net.ErrClosed) {
			return
		}
		// sendmmsg fails only when its first datagram does.
		u.s.fault(WriteFailed, out[0].Addr, err)
		out = out[1:]
	}
}

// Control messages of Linux for the source address of an answer.
const (
	pktinfo4Len   = 12 // struct in_pktinfo
	pktinfo6Len   = 20 // struct in6_pktinfo
	pktinfo6Space = syscall.SizeofCmsghdr + (pktinfo6Len+7)&^7
)

// replySource appends to b the control message that makes an answer
// leave from the address its datagram came to, given the datagram's
// control messages, and returns it; or returns nil if they do not say. It
// takes the IPv6 destination if there is one, else the IPv4 one, and
// sends from an IPv4 address, mapped or not, with IP_PKTINFO.
func replySource(b, oob []byte) []byte {
	var dst netip.Addr
	for len(oob) >= syscall.SizeofCmsghdr {
		l, level, typ := cmsgHeader(oob)
		if l < syscall.SizeofCmsghdr || l > len(oob) {
			break
		}
		data := oob[syscall.SizeofCmsghdr:l]
		switch {
		case level == syscall.IPPROTO_IPV6 && typ == syscall.IPV6_PKTINFO && len(data) >= pktinfo6Len:
			dst = netip.AddrFrom16([16]byte(data[:16]))
		case level == syscall.IPPROTO_IP && typ == syscall.IP_PKTINFO && len(data) >= pktinfo4Len && !dst.IsValid():
			dst = netip.AddrFrom4([4]byte(data[8:12])) // ipi_addr
		}
		next := syscall.CmsgSpace(l - syscall.SizeofCmsghdr)
		if next > len(oob) {
			break
		}
		oob = oob[next:]
	}
	if !dst.IsValid() {
		return nil
	}
	if dst = dst.Unmap(); dst.Is4() {
		b = cmsg(b, syscall.IPPROTO_IP, syscall.IP_PKTINFO, pktinfo4Len)
		a := dst.As4()
		copy(b[len(b)-syscall.CmsgSpace(pktinfo4Len)+syscall.SizeofCmsghdr+4:], a[:]) // ipi_spec_dst
		return b
	}
	b = cmsg(b, syscall.IPPROTO_IPV6, syscall.IPV6_PKTINFO, pktinfo6Len)
	a := dst.As16()
	copy(b[len(b)-syscall.CmsgSpace(pktinfo6Len)+syscall.SizeofCmsghdr:], a[:]) // ipi6_addr
	return b
}

// cmsgHeader reads the header of the control message at the start of b:
// its length, level and type.
func cmsgHeader(b []byte) (l, level, typ int) {
	// struct cmsghdr: a size_t length, then int level and int type.
	h := syscall.SizeofCmsghdr
	if h == 16 {
		l = int(binary.NativeEndian.Uint64(b))
	} else {
		l = int(binary.NativeEndian.Uint32(b))
	}
	return l, int(int32(binary.NativeEndian.Uint32(b[h-8:]))), int(int32(binary.NativeEndian.Uint32(b[h-4:])))
}

// cmsg appends a control message of level and type with n zero bytes of
// data, padded.
func cmsg(b []byte, level, typ, n int) []byte {
	h := syscall.SizeofCmsghdr
	start := len(b)
	b = append(b, make([]byte, syscall.CmsgSpace(n))...)
	l := syscall.CmsgLen(n)
	if h == 16 {
		binary.NativeEndian.PutUint64(b[start:], uint64(l))
	} else {
		binary.NativeEndian.PutUint32(b[start:], uint32(l))
	}
	binary.NativeEndian.PutUint32(b[start+h-8:], uint32(level))
	binary.NativeEndian.PutUint32(b[start+h-4:], uint32(typ))
	return b
}
