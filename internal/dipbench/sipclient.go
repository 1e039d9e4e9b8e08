package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/opennpac/npac"
	"github.com/opennpac/npac/sipredirect"
)

// serveSIP runs a sipredirect.Server over r on 127.0.0.1 UDP until ctx
// ends. Only UDP is served.
func serveSIP(ctx context.Context, r npac.Resolver) (addr string, err error) {
	udp, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	s := &sipredirect.Server{Resolver: r, Log: log}
	go func() {
		if err := s.Serve(ctx, udp, nil); err != nil {
			log.Error("sip server stopped", "err", err)
		}
	}()
	return udp.LocalAddr().String(), nil
}

// sipClient is a minimal SIP UAC on its own connected UDP socket: it sends
// an INVITE for the TN, waits for the final answer, reads the LRN from the
// 302's Contact (RFC 4694 rn parameter), and ACKs the answer after the
// dip's latency is taken, as RFC 3261 requires for a non-2xx answer (the
// stateless redirect server absorbs it).
type sipClient struct {
	conn    *net.UDPConn
	id      int
	seq     int
	local   string
	remote  string
	timeout time.Duration
	out     []byte
	in      []byte
	// what the pending ACK needs
	ackTN    npac.TN
	ackToTag []byte
	ackDue   bool
}

func dialSIP(addr string, id int, timeout time.Duration) (*sipClient, error) {
	raddr, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, err
	}
	conn, err := net.DialUDP("udp", nil, raddr)
	if err != nil {
		return nil, err
	}
	return &sipClient{
		conn: conn, id: id, local: conn.LocalAddr().String(), remote: addr, timeout: timeout,
		out: make([]byte, 0, 1024), in: make([]byte, 65535),
	}, nil
}

// branch returns the Via branch of the current transaction.
func (c *sipClient) appendBranch(b []byte) []byte {
	b = append(b, "z9hG4bKdb"...)
	b = strconv.AppendInt(b, int64(c.id), 10)
	b = append(b, 'x')
	return strconv.AppendInt(b, int64(c.seq), 10)
}

// appendRequest renders an INVITE or its ACK for tn in the current
// transaction.
func (c *sipClient) appendRequest(b []byte, method string, tn npac.TN, toTag []byte) []byte {
	uri := func(b []byte) []byte {
		b = append(b, "sip:+1"...)
		b = append(b, tn...)
		b = append(b, '@')
		return append(b, c.remote...)
	}
	b = append(b, method...)
	b = append(b, ' ')
	b = uri(b)
	b = append(b, " SIP/2.0\r\nVia: SIP/2.0/UDP "...)
	b = append(b, c.local...)
	b = append(b, ";branch="...)
	b = c.appendBranch(b)
	b = append(b, ";rport\r\nFrom: <sip:dipbench@"...)
	b = append(b, c.local...)
	b = append(b, ">;tag=f"...)
	b = strconv.AppendInt(b, int64(c.id), 10)
	b = append(b, "\r\nTo: <"...)
	b = uri(b)
	b = append(b, '>')
	if len(toTag) > 0 {
		b = append(b, ";tag="...)
		b = append(b, toTag...)
	}
	b = append(b, "\r\nCall-ID: "...)
	b = c.appendBranch(b)
	b = append(b, "@dipbench\r\nCSeq: 1 "...)
	b = append(b, method...)
	b = append(b, "\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"...)
	return b
}

var errTimeout = errors.New("no final answer in time")

// sipT1 is RFC 3261's T1: an unanswered INVITE over UDP is sent again
// after T1, 2×T1, 4×T1, … (Timer A), as a switch's UAC would.
const sipT1 = 500 * time.Millisecond

// sipRetransmits counts INVITEs sent again, over all clients.
var sipRetransmits atomic.Int64

func (c *sipClient) Dip(tn npac.TN) (*npac.Route, error) {
	c.seq++
	c.out = c.appendRequest(c.out[:0], "INVITE", tn, nil)
	if _, err := c.conn.Write(c.out); err != nil {
		return nil, err
	}
	branch := c.appendBranch(nil)
	now := time.Now()
	giveUp := now.Add(c.timeout)
	interval := sipT1
	resend := now.Add(interval)
	for {
		c.conn.SetReadDeadline(minTime(resend, giveUp))
		n, err := c.conn.Read(c.in)
		if err != nil {
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() {
				return nil, err
			}
			if now = time.Now(); !now.Before(giveUp) {
				return nil, errTimeout
			}
			if _, err := c.conn.Write(c.out); err != nil {
				return nil, err
			}
			sipRetransmits.Add(1)
			interval *= 2
			resend = now.Add(interval)
			continue
		}
		msg := c.in[:n]
		if !bytes.Contains(msg, branch) {
			continue // a late answer to an earlier transaction
		}
		if len(msg) < 12 || !bytes.HasPrefix(msg, []byte("SIP/2.0 ")) {
			return nil, fmt.Errorf("not a SIP response: %.40q", msg)
		}
		status, err := strconv.Atoi(string(msg[8:11]))
		if err != nil {
			return nil, fmt.Errorf("bad status line: %.40q", msg)
		}
		if status < 200 {
			continue
		}
		c.ackTN, c.ackDue = tn, true
		c.ackToTag = append(c.ackToTag[:0], headerParam(msg, "\nTo:", ";tag=")...)
		if status != 302 {
			return nil, fmt.Errorf("SIP %d", status)
		}
		contact := header(msg, "\nContact:")
		if contact == nil {
			return nil, errors.New("302 without Contact")
		}
		r := &npac.Route{}
		if i := bytes.Index(contact, []byte(";rn=+1")); i >= 0 && len(contact) >= i+16 {
			r.Ported = true
			r.LRN = npac.LRN(contact[i+6 : i+16])
		} else if !bytes.Contains(contact, []byte(";npdi")) {
			return nil, fmt.Errorf("302 Contact without rn or npdi: %q", contact)
		}
		return r, nil
	}
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// AfterDip ACKs the final answer of the last dip.
func (c *sipClient) AfterDip() error {
	if !c.ackDue {
		return nil
	}
	c.ackDue = false
	c.out = c.appendRequest(c.out[:0], "ACK", c.ackTN, c.ackToTag)
	_, err := c.conn.Write(c.out)
	return err
}

func (c *sipClient) Close() error {
	c.AfterDip()
	return c.conn.Close()
}

// header returns the value of the header line starting with name (which
// begins with "\n"), or nil.
func header(msg []byte, name string) []byte {
	i := bytes.Index(msg, []byte(name))
	if i < 0 {
		return nil
	}
	v := msg[i+len(name):]
	if j := bytes.IndexByte(v, '\r'); j >= 0 {
		v = v[:j]
	}
	return bytes.TrimSpace(v)
}

// headerParam returns the value of param (such as ";tag=") in the header
// line name, or nil.
func headerParam(msg []byte, name, param string) []byte {
	v := header(msg, name)
	i := bytes.Index(v, []byte(param))
	if i < 0 {
		return nil
	}
	v = v[i+len(param):]
	if j := bytes.IndexAny(v, ";>, "); j >= 0 {
		v = v[:j]
	}
	return v
}
