package udpbatch

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// packetConn hides a *net.UDPConn under a net.PacketConn, so that a
// Server of it cannot batch.
type packetConn struct{ net.PacketConn }

// modes are the two ways a Server serves: in batches where it can (on
// Linux), and one datagram at a time.
var modes = []struct {
	name string
	wrap func(*net.UDPConn) net.PacketConn
}{
	{"batched", func(c *net.UDPConn) net.PacketConn { return c }},
	{"plain", func(c *net.UDPConn) net.PacketConn { return packetConn{c} }},
}

// echo is the Handler of the tests. It answers "re:" and the datagram, to
// its source, except:
//
//	drop        no answer
//	to:PORT     the answer goes to PORT at the source's address
//	long:N:...  the answer is N bytes long
func echo(b, p []byte, src net.Addr) ([]byte, net.Addr) {
	s := string(p)
	switch {
	case s == "drop":
		return nil, nil
	case strings.HasPrefix(s, "to:"):
		port, _ := strconv.Atoi(s[len("to:"):])
		ua := src.(*net.UDPAddr)
		return append(append(b, "re:"...), p...), &net.UDPAddr{IP: ua.IP, Port: port, Zone: ua.Zone}
	case strings.HasPrefix(s, "long:"):
		n, _, _ := strings.Cut(s[len("long:"):], ":")
		size, _ := strconv.Atoi(n)
		b = append(append(b, "re:"...), p...)
		for len(b) < size {
			b = append(b, '.')
		}
		return b, src
	}
	return append(append(b, "re:"...), p...), src
}

// faults records what a Server reports.
type faults struct {
	mu   sync.Mutex
	list []string
}

func (f *faults) add(ft Fault, addr net.Addr, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.list = append(f.list, fmt.Sprintf("%d %v %v", ft, addr, err))
}

func (f *faults) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.list)
}

// listen binds a UDP socket on the loopback address.
func listen(t testing.TB) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// start runs s.Serve and returns a function that waits for its result,
// or fails the test if it takes more than 10 seconds.
func start(t testing.TB, s *Server) (wait func() error) {
	errc := make(chan error, 1)
	go func() { errc <- s.Serve() }()
	return func() error {
		select {
		case err := <-errc:
			return err
		case <-time.After(10 * time.Second):
			t.Fatal("Serve did not return")
			return nil
		}
	}
}

// serve serves c with h until the test ends, then checks that Serve
// returns nil after Shutdown.
func serve(t testing.TB, c net.PacketConn, h Handler, opts Options) *Server {
	t.Helper()
	s, err := New(c, h, opts)
	if err != nil {
		t.Fatal(err)
	}
	wait := start(t, s)
	t.Cleanup(func() {
		s.Shutdown()
		if err := wait(); err != nil {
			t.Errorf("Serve returned %v", err)
		}
	})
	return s
}

// dial returns a client socket connected to addr: it takes datagrams from
// addr only.
func dial(t testing.TB, addr net.Addr) *net.UDPConn {
	t.Helper()
	c, err := net.DialUDP("udp", nil, addr.(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// recv reads a datagram, or returns "" when none comes within wait.
func recv(t testing.TB, c *net.UDPConn, wait time.Duration) string {
	t.Helper()
	buf := make([]byte, 1<<16)
	c.SetReadDeadline(time.Now().Add(wait))
	n, err := c.Read(buf)
	if err != nil {
		return ""
	}
	return string(buf[:n])
}

func send(t testing.TB, c *net.UDPConn, msgs ...string) {
	t.Helper()
	for _, m := range msgs {
		if _, err := c.Write([]byte(m)); err != nil {
			t.Fatal(err)
		}
	}
}

func TestBatched(t *testing.T) {
	c := listen(t)
	if got, want := Batched(c), batching; got != want {
		t.Errorf("Batched(*net.UDPConn) = %t, want %t", got, want)
	}
	if Batched(packetConn{c}) {
		t.Error("Batched(packetConn) = true")
	}
	if Batched((*net.UDPConn)(nil)) {
		t.Error("Batched(nil *net.UDPConn) = true")
	}
}

// TestAnswers sends bursts of datagrams of many lengths, some of which get
// no answer, and checks every answer. The answer buffers start small, so
// that the Handler grows them.
func TestAnswers(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			udp := listen(t)
			serve(t, mode.wrap(udp), echo, Options{ReadSize: 4096, ReplySize: 8})
			const clients, rounds, burst = 4, 20, 16
			var wg sync.WaitGroup
			for i := range clients {
				c := dial(t, udp.LocalAddr())
				wg.Go(func() {
					buf := make([]byte, 8192)
					for r := range rounds {
						want := make(map[string]bool)
						for j := range burst {
							m := fmt.Sprintf("%d.%d.%d", i, r, j)
							switch j % 4 {
							case 1:
								m = "drop"
							case 2:
								m = fmt.Sprintf("long:%d:%s", 100+j*r*7, m)
							}
							if _, err := c.Write([]byte(m)); err != nil {
								t.Error(err)
								return
							}
							if m != "drop" {
								want[m] = true
							}
						}
						c.SetReadDeadline(time.Now().Add(5 * time.Second))
						for len(want) > 0 {
							n, err := c.Read(buf)
							if err != nil {
								t.Errorf("client %d round %d: %d answers missing: %v", i, r, len(want), err)
								return
							}
							a := string(buf[:n])
							m, ok := strings.CutPrefix(a, "re:")
							if strings.HasPrefix(m, "long:") {
								var size int
								fmt.Sscanf(m, "long:%d:", &size)
								ok = ok && n == size
								m = strings.TrimRight(m, ".")
							}
							if !ok || !want[m] {
								t.Errorf("client %d round %d: unexpected or repeated answer %q", i, r, a)
								return
							}
							delete(want, m)
						}
					}
				})
			}
			wg.Wait()
		})
	}
}

// TestOtherDestination checks that an answer goes where the Handler says,
// from the address the datagram came to: the receiving socket is
// connected to the server's.
func TestOtherDestination(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			udp := listen(t)
			serve(t, mode.wrap(udp), echo, Options{})
			a, b := dial(t, udp.LocalAddr()), dial(t, udp.LocalAddr())
			m := "to:" + strconv.Itoa(b.LocalAddr().(*net.UDPAddr).Port)
			send(t, a, m)
			if got := recv(t, b, 5*time.Second); got != "re:"+m {
				t.Errorf("got %q, want %q", got, "re:"+m)
			}
			if got := recv(t, a, 100*time.Millisecond); got != "" {
				t.Errorf("the sender got %q too", got)
			}
		})
	}
}

// TestWriteFailed queues a datagram whose answer cannot be sent before
// two that can, and checks that the failure is reported and the others
// answered.
func TestWriteFailed(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			udp := listen(t)
			c := dial(t, udp.LocalAddr())
			send(t, c, "a", "to:0", "b") // port 0: sendmsg fails
			var f faults
			serve(t, mode.wrap(udp), echo, Options{Fault: f.add})
			got := []string{recv(t, c, 5*time.Second), recv(t, c, 5*time.Second)}
			if got[0] != "re:a" || got[1] != "re:b" {
				t.Errorf("got %q, want re:a and re:b", got)
			}
			if n := f.count(); n != 1 || !strings.HasPrefix(f.list[0], fmt.Sprint(WriteFailed, " ")) {
				t.Errorf("faults %q, want one WriteFailed", f.list)
			}
		})
	}
}

// TestReadFails checks that Serve returns the failure of its socket.
func TestReadFails(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			udp := listen(t)
			s, err := New(mode.wrap(udp), echo, Options{})
			if err != nil {
				t.Fatal(err)
			}
			udp.Close()
			if err := start(t, s)(); !errors.Is(err, net.ErrClosed) {
				t.Errorf("Serve returned %v, want %v", err, net.ErrClosed)
			}
		})
	}
}

// TestShutdownFirst checks that a Shutdown before Serve makes Serve
// return nil at once.
func TestShutdownFirst(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			s, err := New(mode.wrap(listen(t)), echo, Options{})
			if err != nil {
				t.Fatal(err)
			}
			s.Shutdown()
			if err := start(t, s)(); err != nil {
				t.Errorf("Serve returned %v", err)
			}
		})
	}
}

// TestPlainCut checks that a server that does not batch hands a datagram
// longer than ReadSize to the Handler cut, DropTruncated or not.
func TestPlainCut(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("reading a longer datagram fails on Windows")
	}
	udp := listen(t)
	serve(t, packetConn{udp}, echo, Options{ReadSize: 8, DropTruncated: true})
	c := dial(t, udp.LocalAddr())
	send(t, c, "0123456789abcdef")
	if got := recv(t, c, 5*time.Second); got != "re:01234567" {
		t.Errorf("got %q, want re:01234567", got)
	}
}

// BenchmarkEcho measures one datagram there and back over loopback, the
// Handler doing next to nothing, from 8 clients per CPU.
func BenchmarkEcho(b *testing.B) {
	for _, mode := range modes {
		b.Run(mode.name, func(b *testing.B) {
			udp := listen(b)
			serve(b, mode.wrap(udp), echo, Options{ReadSize: 4096, ReplySize: 512})
			b.SetParallelism(8)
			b.RunParallel(func(pb *testing.PB) {
				c, err := net.DialUDP("udp", nil, udp.LocalAddr().(*net.UDPAddr))
				if err != nil {
					b.Error(err)
					return
				}
				defer c.Close()
				p := bytes.Repeat([]byte{'x'}, 100)
				buf := make([]byte, 512)
				for pb.Next() {
					if _, err := c.Write(p); err != nil {
						b.Error(err)
						return
					}
					if n, err := c.Read(buf); err != nil || n != 103 {
						b.Errorf("got %d bytes, %v", n, err)
						return
					}
				}
			})
		})
	}
}
