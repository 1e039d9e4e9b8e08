package enum

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// batchSize is how many datagrams one recvmmsg or sendmmsg call moves at
// most.
const batchSize = 64

// readSize is the read buffer of one datagram: dns.DefaultMsgSize, as the
// miekg/dns server this replaces used. A longer datagram is cut to it, as
// it was.
const readSize = 4096

// oobSize holds the control messages of a query on a socket bound to a
// wildcard address: an IP_PKTINFO (32 bytes with its header) and an
// IPV6_PKTINFO (40 bytes).
const oobSize = 128

// batchUDP answers queries on one UDP socket with one goroutine, or more
// under load (see serve), each of which reads up to batchSize queries with
// one recvmmsg, answers them all and sends the replies with one sendmmsg.
// Against a goroutine and a decoded dns.Msg per query, as miekg/dns
// serves, this saves most of the CPU a query costs.
type batchUDP struct {
	s    *Server
	z    *zone
	conn *net.UDPConn
	pc   *ipv4.PacketConn // for ReadBatch and WriteBatch, whatever the family
	// pktinfo: the socket is bound to a wildcard address, so each reply
	// is sent from the address its query came to, as miekg/dns does.
	pktinfo  bool
	stopping atomic.Bool
	// helpers are the reading goroutines besides the leader.
	helpers sync.WaitGroup
	mu      sync.Mutex
	// nhelpers run, at most maxHelpers; idle holds the descriptors and
	// buffers of the helpers that returned, for the next ones.
	nhelpers, maxHelpers int
	idle                 []*helper
}

// newBatchUDP returns the batch server for c, or nil when c is not a
// *net.UDPConn: the caller then serves it with miekg/dns.
func newBatchUDP(s *Server, z *zone, c net.PacketConn) (*batchUDP, error) {
	conn, ok := c.(*net.UDPConn)
	if !ok || conn == nil {
		return nil, nil
	}
	u := &batchUDP{s: s, z: z, conn: conn, pc: ipv4.NewPacketConn(conn), maxHelpers: runtime.GOMAXPROCS(0) - 1}
	if a, ok := conn.LocalAddr().(*net.UDPAddr); ok && (a.IP == nil || a.IP.IsUnspecified()) {
		// As miekg/dns: ask for the destination address of each
		// query, of either family; fail only if neither can be had.
		err6 := ipv6.NewPacketConn(conn).SetControlMessage(ipv6.FlagDst|ipv6.FlagInterface, true)
		err4 := u.pc.SetControlMessage(ipv4.FlagDst|ipv4.FlagInterface, true)
		if err6 != nil && err4 != nil {
			return nil, err4
		}
		u.pktinfo = true
	}
	return u, nil
}

// serve reads and answers queries until shutdown or until reading fails,
// calls started once it does, and returns the failure, or nil after
// shutdown.
//
// One goroutine, the leader, reads with recvmmsg, blocking until a query
// comes. When it reads full batches twice in a row, queries are piling up
// faster than one goroutine answers them, and it starts a helper, up to
// one goroutine per CPU in all. A helper reads and writes through its own
// descriptor of the socket, so that it does not wait for the leader's
// (Go serializes the reads, and the writes, on one descriptor), without
// blocking, and returns as soon as no query waits. So a server that keeps
// up runs one goroutine, which costs the least CPU per query, and a
// loaded one answers on every CPU.
func (u *batchUDP) serve(started func()) error {
	started()
	err := u.read(u.pc, newBatch(), false)
	u.stop() // the helpers
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

// fullRuns is how many full batches in a row make a reader start a helper.
const fullRuns = 2

// helperStarts counts the helpers started, for tests.
var helperStarts atomic.Int64

// spawn starts a helper unless enough run or none can be had.
func (u *batchUDP) spawn() {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.nhelpers >= u.maxHelpers || u.stopping.Load() {
		return
	}
	var h *helper
	if n := len(u.idle); n > 0 {
		h, u.idle = u.idle[n-1], u.idle[:n-1]
	} else {
		c, err := dupUDP(u.conn)
		if err != nil {
			u.z.log.Debug("enum: no descriptor for a UDP helper", "err", err)
			return
		}
		h = &helper{conn: c, pc: ipv4.NewPacketConn(c), b: newBatch()}
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

// stop makes the leader and the helpers return once they have sent the
// replies to the queries they hold.
func (u *batchUDP) stop() {
	u.stopping.Store(true)
	u.conn.SetReadDeadline(time.Unix(1, 0))
}

// shutdown stops the readers; Serve waits for serve to return.
func (u *batchUDP) shutdown(context.Context) { u.stop() }

// batch is a reader's buffers.
type batch struct {
	in, out []ipv4.Message
	bufs    [][]byte // reply buffers, one per slot of out
	oobs    [][]byte // reply control messages, one per slot of out
}

func newBatch() *batch {
	b := &batch{
		in:   make([]ipv4.Message, batchSize),
		out:  make([]ipv4.Message, batchSize),
		bufs: make([][]byte, batchSize),
		oobs: make([][]byte, batchSize),
	}
	for i := range b.in {
		b.in[i].Buffers = [][]byte{make([]byte, readSize)}
		b.in[i].OOB = make([]byte, oobSize)
		b.out[i].Buffers = [][]byte{nil}
		b.bufs[i] = make([]byte, 0, maxReply)
		b.oobs[i] = make([]byte, 0, pktinfo6Space)
	}
	return b
}

// read is the loop of the leader, or of a helper, which returns nil when
// no query waits. It reads and writes through pc, with the buffers b.
func (u *batchUDP) read(pc *ipv4.PacketConn, b *batch, helper bool) error {
	flags := 0
	if helper {
		flags = syscall.MSG_DONTWAIT
	}
	full := 0 // full batches in a row
	for {
		if helper && u.stopping.Load() {
			return nil
		}
		n, err := pc.ReadBatch(b.in, flags)
		if err != nil {
			if helper || u.stopping.Load() {
				return nil
			}
			// As miekg/dns: a temporary error is no failure.
			var t interface{ Temporary() bool }
			if errors.As(err, &t) && t.Temporary() {
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
			p := m.Buffers[0][:m.N]
			r, ok := u.z.replyWire(b.bufs[k], p)
			if !ok {
				r = u.s.replyPacket(b.bufs[k], p)
				if r == nil {
					continue
				}
			}
			o := &b.out[k]
			o.Buffers[0] = r
			o.Addr = m.Addr
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

// write sends the replies in out. A reply that cannot be sent is logged at
// debug level and skipped, as the handler does with a failed write.
func (u *batchUDP) write(pc *ipv4.PacketConn, out []ipv4.Message) {
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
		u.z.log.Debug("enum: write reply", "remote", out[0].Addr, "err", err)
		out = out[1:]
	}
}

// Control messages of Linux for the source address of a reply.
const (
	pktinfo4Len   = 12 // struct in_pktinfo
	pktinfo6Len   = 20 // struct in6_pktinfo
	pktinfo6Space = syscall.SizeofCmsghdr + (pktinfo6Len+7)&^7
)

// replySource appends to b the control message that makes a reply leave
// from the address its query came to, given the query's control
// messages, and returns it; or returns nil if they do not say. Like
// miekg/dns, it takes the IPv6 destination if there is one, else the IPv4
// one, and sends from an IPv4 address, mapped or not, with IP_PKTINFO.
func replySource(b, oob []byte) []byte {
	var dst net.IP
	var dst4 []byte
	for len(oob) >= syscall.SizeofCmsghdr {
		l, level, typ := cmsgHeader(oob)
		if l < syscall.SizeofCmsghdr || l > len(oob) {
			break
		}
		data := oob[syscall.SizeofCmsghdr:l]
		switch {
		case level == syscall.IPPROTO_IPV6 && typ == syscall.IPV6_PKTINFO && len(data) >= pktinfo6Len:
			dst = net.IP(data[:16])
		case level == syscall.IPPROTO_IP && typ == syscall.IP_PKTINFO && len(data) >= pktinfo4Len:
			dst4 = data[8:12] // ipi_addr
		}
		next := syscall.CmsgSpace(l - syscall.SizeofCmsghdr)
		if next > len(oob) {
			break
		}
		oob = oob[next:]
	}
	if dst == nil && dst4 != nil {
		dst = net.IP(dst4)
	}
	if dst == nil {
		return nil
	}
	if v4 := dst.To4(); v4 != nil {
		b = cmsg(b, syscall.IPPROTO_IP, syscall.IP_PKTINFO, pktinfo4Len)
		copy(b[len(b)-syscall.CmsgSpace(pktinfo4Len)+syscall.SizeofCmsghdr+4:], v4) // ipi_spec_dst
		return b
	}
	b = cmsg(b, syscall.IPPROTO_IPV6, syscall.IPV6_PKTINFO, pktinfo6Len)
	copy(b[len(b)-syscall.CmsgSpace(pktinfo6Len)+syscall.SizeofCmsghdr:], dst) // ipi6_addr
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
