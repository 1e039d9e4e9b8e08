package enum_test

import (
	"net"
	"strings"
	"testing"

	"github.com/miekg/dns"
	"github.com/opennpac/npac/enum"
)

// query returns a NAPTR query for name with RD set, as dig sends it.
func query(name string, qtype uint16) *dns.Msg {
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	return m
}

// TestExchange sends queries dig cannot easily make through the real
// server with the miekg/dns client and checks the whole reply.
func TestExchange(t *testing.T) {
	s, r, log := newServer()
	port := start(t, s)
	addr := "127.0.0.1:" + port
	name := enumName(ported, "e164.arpa.")
	const uri = "!^.*$!tel:+16135550100;npdi;rn=+16135559999!"

	tests := []struct {
		name string
		net  string // "udp" or "tcp"
		q    func() *dns.Msg
		// want is the reply's RCODE, flags and sections, each record
		// as dns.RR.String prints it with tabs made spaces.
		rcode         int
		aa, rd, cd    bool
		answer, auth  []string
		opt           string // the OPT record as dig prints it, "" for none
		resolverCalls int64  // -1: not checked
	}{
		{
			name: "EDNS with DO", net: "udp",
			q:  func() *dns.Msg { m := query(name, dns.TypeNAPTR); m.SetEdns0(4096, true); return m },
			aa: true, rd: true,
			answer: []string{name + ` 0 IN NAPTR 100 10 "u" "E2U+pstn:tel" "` + uri + `" .`},
			opt:    "; EDNS: version 0; flags: do; udp: 1232", resolverCalls: 1,
		},
		{
			name: "EDNS without DO, small buffer", net: "udp",
			q:  func() *dns.Msg { m := query(name, dns.TypeNAPTR); m.SetEdns0(512, false); return m },
			aa: true, rd: true,
			answer: []string{name + ` 0 IN NAPTR 100 10 "u" "E2U+pstn:tel" "` + uri + `" .`},
			opt:    "; EDNS: version 0; flags:; udp: 1232", resolverCalls: 1,
		},
		{
			name: "no EDNS, no RD, CD", net: "udp",
			q: func() *dns.Msg {
				m := query(name, dns.TypeNAPTR)
				m.RecursionDesired, m.CheckingDisabled = false, true
				return m
			},
			aa: true, cd: true,
			answer:        []string{name + ` 0 IN NAPTR 100 10 "u" "E2U+pstn:tel" "` + uri + `" .`},
			resolverCalls: 1,
		},
		{
			name: "EDNS version 1", net: "udp",
			q: func() *dns.Msg {
				m := query(name, dns.TypeNAPTR)
				m.SetEdns0(4096, false)
				m.IsEdns0().SetVersion(1)
				return m
			},
			rcode: dns.RcodeBadVers, rd: true, opt: "; EDNS: version 0; flags:; udp: 1232",
		},
		{
			name: "mixed case echoed", net: "udp",
			q:  func() *dns.Msg { return query("0.0.1.0.5.5.5.3.1.6.1.E164.aRpA.", dns.TypeNAPTR) },
			aa: true, rd: true,
			answer:        []string{`0.0.1.0.5.5.5.3.1.6.1.E164.aRpA. 0 IN NAPTR 100 10 "u" "E2U+pstn:tel" "` + uri + `" .`},
			resolverCalls: 1,
		},
		{
			name: "class ANY", net: "udp",
			q: func() *dns.Msg {
				m := query(enumName(notPorted, "e164.arpa."), dns.TypeNAPTR)
				m.Question[0].Qclass = dns.ClassANY
				return m
			},
			aa: true, rd: true,
			answer:        []string{enumName(notPorted, "e164.arpa.") + ` 0 IN NAPTR 100 10 "u" "E2U+pstn:tel" "!^.*$!tel:+16135550101;npdi!" .`},
			resolverCalls: 1,
		},
		{
			name: "class CHAOS", net: "udp",
			q: func() *dns.Msg {
				m := query(name, dns.TypeNAPTR)
				m.Question[0].Qclass = dns.ClassCHAOS
				return m
			},
			rcode: dns.RcodeRefused, rd: true,
		},
		{
			name: "NOTIFY", net: "udp",
			q:     func() *dns.Msg { m := query("e164.arpa.", dns.TypeSOA); m.Opcode = dns.OpcodeNotify; return m },
			rcode: dns.RcodeNotImplemented, rd: true,
		},
		{
			name: "AXFR", net: "tcp",
			q:     func() *dns.Msg { return query("e164.arpa.", dns.TypeAXFR) },
			rcode: dns.RcodeRefused, rd: true,
		},
		{
			name: "escaped dot before the apex", net: "udp",
			q:     func() *dns.Msg { return query(`0\.e164.arpa.`, dns.TypeNAPTR) },
			rcode: dns.RcodeRefused, rd: true,
		},
		{
			name: "label ending with the apex's first label", net: "udp",
			q:     func() *dns.Msg { return query(`1xe164.arpa.`, dns.TypeNAPTR) },
			rcode: dns.RcodeRefused, rd: true,
		},
		{
			name: "ported without a valid LRN", net: "udp",
			q:     func() *dns.Msg { return query(enumName(badLRN, "e164.arpa."), dns.TypeNAPTR) },
			rcode: dns.RcodeServerFailure, rd: true, resolverCalls: 1,
		},
		{
			name: "NXX starting with 0: resolver not asked", net: "udp",
			q:     func() *dns.Msg { return query(enumName("6130550100", "e164.arpa."), dns.TypeNAPTR) },
			rcode: dns.RcodeNameError, aa: true, rd: true,
			auth: []string{soa}, resolverCalls: 0,
		},
		{
			name: "short prefix: resolver not asked", net: "udp",
			q:  func() *dns.Msg { return query("3.1.6.1.e164.arpa.", dns.TypeNAPTR) },
			aa: true, rd: true, auth: []string{soa}, resolverCalls: 0,
		},
		{
			name: "nine-digit prefix: resolver not asked", net: "tcp",
			q:  func() *dns.Msg { return query("0.1.0.5.5.5.2.1.2.1.e164.arpa.", dns.TypeNAPTR) },
			aa: true, rd: true, auth: []string{soa}, resolverCalls: 0,
		},
		{
			name: "prefix with NXX starting with 1", net: "tcp",
			q:     func() *dns.Msg { return query("1.3.1.6.1.e164.arpa.", dns.TypeNAPTR) },
			rcode: dns.RcodeNameError, aa: true, rd: true, auth: []string{soa}, resolverCalls: 0,
		},
		{
			name: "unknown number over TCP", net: "tcp",
			q:     func() *dns.Msg { return query(enumName(unknown, "e164.arpa."), dns.TypeNAPTR) },
			rcode: dns.RcodeNameError, aa: true, rd: true, auth: []string{soa}, resolverCalls: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := tt.q()
			before := r.calls.Load()
			c := &dns.Client{Net: tt.net}
			got, _, err := c.Exchange(q, addr)
			if err != nil {
				t.Fatalf("exchange: %v", err)
			}
			if got.Id != q.Id || !got.Response || got.Opcode != q.Opcode {
				t.Errorf("got id %d response %t opcode %d, want id %d response true opcode %d", got.Id, got.Response, got.Opcode, q.Id, q.Opcode)
			}
			if got.Rcode != tt.rcode {
				t.Errorf("got rcode %s, want %s", dns.RcodeToString[got.Rcode], dns.RcodeToString[tt.rcode])
			}
			if got.Authoritative != tt.aa || got.RecursionDesired != tt.rd || got.CheckingDisabled != tt.cd ||
				got.RecursionAvailable || got.Truncated || got.AuthenticatedData || got.Zero {
				t.Errorf("got header %+v, want aa %t rd %t cd %t and no other flag", got.MsgHdr, tt.aa, tt.rd, tt.cd)
			}
			if len(got.Question) != 1 || got.Question[0] != q.Question[0] {
				t.Errorf("got question %v, want %v", got.Question, q.Question)
			}
			checkRRs(t, "answer", got.Answer, tt.answer)
			checkRRs(t, "authority", got.Ns, tt.auth)
			var opt string
			var extra []dns.RR
			for _, rr := range got.Extra {
				if o, ok := rr.(*dns.OPT); ok {
					for line := range strings.Lines(o.String()) {
						if strings.HasPrefix(line, "; EDNS") {
							opt = strings.TrimSpace(line)
						}
					}
					continue
				}
				extra = append(extra, rr)
			}
			if opt != tt.opt {
				t.Errorf("got OPT %q, want %q", opt, tt.opt)
			}
			checkRRs(t, "additional", extra, nil)
			if tt.resolverCalls >= 0 {
				if n := r.calls.Load() - before; n != tt.resolverCalls {
					t.Errorf("resolver called %d times, want %d", n, tt.resolverCalls)
				}
			}
		})
	}
	if !strings.Contains(log.String(), `level=ERROR msg="enum: ported route without a valid LRN" tn=613-555-0199 lrn=61355`) {
		t.Errorf("log lacks the bad LRN fault:\n%s", log)
	}
}

// checkRRs compares records with their wanted String forms.
func checkRRs(t *testing.T, section string, rrs []dns.RR, want []string) {
	t.Helper()
	var got []string
	for _, rr := range rrs {
		got = append(got, strings.Join(strings.Fields(rr.String()), " "))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s section: got\n%s\nwant\n%s", section, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestNegativeTTL checks RFC 2308: the SOA of a negative answer carries
// the Server's TTL both as its own TTL and as its MINIMUM.
func TestNegativeTTL(t *testing.T) {
	s := &enum.Server{Resolver: testRoutes(), TTL: 60, Log: quiet}
	port := start(t, s)
	got, err := dns.Exchange(query(enumName(unknown, "e164.arpa."), dns.TypeNAPTR), "127.0.0.1:"+port)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Ns) != 1 {
		t.Fatalf("got authority %v, want one SOA", got.Ns)
	}
	soa, ok := got.Ns[0].(*dns.SOA)
	if !ok {
		t.Fatalf("got authority %v, want an SOA", got.Ns[0])
	}
	if soa.Hdr.Ttl != 60 || soa.Minttl != 60 {
		t.Errorf("got SOA TTL %d, MINIMUM %d, want 60 and 60", soa.Hdr.Ttl, soa.Minttl)
	}
}

// writer is a dns.ResponseWriter that keeps what is written.
type writer struct {
	replies [][]byte
}

var (
	local  = &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 53}
	remote = &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}
)

func (w *writer) LocalAddr() net.Addr  { return local }
func (w *writer) RemoteAddr() net.Addr { return remote }
func (w *writer) WriteMsg(m *dns.Msg) error {
	b, err := m.Pack()
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}
func (w *writer) Write(b []byte) (int, error) {
	w.replies = append(w.replies, append([]byte(nil), b...))
	return len(b), nil
}
func (w *writer) Close() error        { return nil }
func (w *writer) TsigStatus() error   { return nil }
func (w *writer) TsigTimersOnly(bool) {}
func (w *writer) Hijack()             {}

// serve calls the handler alone and returns its replies, unpacked.
func serve(t *testing.T, s *enum.Server, q *dns.Msg) []*dns.Msg {
	t.Helper()
	var w writer
	s.ServeDNS(&w, q)
	var out []*dns.Msg
	for _, b := range w.replies {
		m := new(dns.Msg)
		if err := m.Unpack(b); err != nil {
			t.Fatalf("reply does not unpack: %v", err)
		}
		out = append(out, m)
	}
	return out
}

// TestServeDNS covers queries a miekg/dns server rejects before the handler
// sees them, and a handler used without Serve.
func TestServeDNS(t *testing.T) {
	twoQuestions := query(enumName(ported, "e164.arpa."), dns.TypeNAPTR)
	twoQuestions.Question = append(twoQuestions.Question, twoQuestions.Question[0])
	noQuestion := query(enumName(ported, "e164.arpa."), dns.TypeNAPTR)
	noQuestion.Question = nil
	response := query(enumName(ported, "e164.arpa."), dns.TypeNAPTR)
	response.Response = true
	notFQDN := query(enumName(ported, "e164.arpa."), dns.TypeNAPTR)
	notFQDN.Question[0].Name = "0.0.1.0.5.5.5.3.1.6.1.e164.arpa"

	tests := []struct {
		name    string
		s       *enum.Server
		q       *dns.Msg
		replies int
		rcode   int
	}{
		{"two questions", &enum.Server{Resolver: testRoutes()}, twoQuestions, 1, dns.RcodeFormatError},
		{"no question", &enum.Server{Resolver: testRoutes()}, noQuestion, 1, dns.RcodeFormatError},
		{"name not fully qualified", &enum.Server{Resolver: testRoutes()}, notFQDN, 1, dns.RcodeFormatError},
		{"a response", &enum.Server{Resolver: testRoutes()}, response, 0, 0},
		{"no resolver", &enum.Server{}, query(enumName(ported, "e164.arpa."), dns.TypeNAPTR), 1, dns.RcodeServerFailure},
		{"bad apex", &enum.Server{Resolver: testRoutes(), Apex: "a..b"}, query(enumName(ported, "e164.arpa."), dns.TypeNAPTR), 1, dns.RcodeServerFailure},
		{"alone", &enum.Server{Resolver: testRoutes()}, query(enumName(ported, "e164.arpa."), dns.TypeNAPTR), 1, dns.RcodeSuccess},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := serve(t, tt.s, tt.q)
			if len(got) != tt.replies {
				t.Fatalf("got %d replies, want %d", len(got), tt.replies)
			}
			if tt.replies == 1 && (got[0].Rcode != tt.rcode || got[0].Id != tt.q.Id) {
				t.Errorf("got rcode %s id %d, want %s id %d", dns.RcodeToString[got[0].Rcode], got[0].Id, dns.RcodeToString[tt.rcode], tt.q.Id)
			}
		})
	}
}

// TestRootApex serves numbers directly under the root, the shortest apex.
func TestRootApex(t *testing.T) {
	s := &enum.Server{Resolver: testRoutes(), Apex: "."}
	got := serve(t, s, query(enumName(ported, ""), dns.TypeNAPTR))
	if len(got) != 1 {
		t.Fatalf("got %d replies, want 1", len(got))
	}
	checkRRs(t, "answer", got[0].Answer, []string{enumName(ported, "") + ` 0 IN NAPTR 100 10 "u" "E2U+pstn:tel" "!^.*$!tel:+16135550100;npdi;rn=+16135559999!" .`})
	got = serve(t, s, query(".", dns.TypeNS))
	checkRRs(t, "answer", got[0].Answer, []string{". 0 IN NS localhost."})
	got = serve(t, s, query(enumName(unknown, ""), dns.TypeNAPTR))
	checkRRs(t, "authority", got[0].Ns, []string{". 0 IN SOA localhost. hostmaster. 1 3600 600 86400 0"})
}

// TestLargestReplies checks that with the longest apex a number's name
// allows, the largest replies fit the 512 bytes every client takes, which
// is why the server never truncates.
func TestLargestReplies(t *testing.T) {
	// 22 bytes of digit labels + this apex (63+1)*3 + 40+1 + 1 = 255 bytes.
	label := strings.Repeat("x", 63)
	apex := label + "." + label + "." + label + "." + strings.Repeat("y", 39) + "."
	s := &enum.Server{Resolver: testRoutes(), Apex: apex}
	for _, q := range []*dns.Msg{
		query(enumName(ported, apex), dns.TypeNAPTR),
		query(enumName(ported, apex), dns.TypeANY),
		query(enumName(unknown, apex), dns.TypeNAPTR),
		query(apex, dns.TypeANY),
	} {
		q.SetEdns0(4096, true)
		var w writer
		s.ServeDNS(&w, q)
		if len(w.replies) != 1 {
			t.Fatalf("%v: got %d replies, want 1", q.Question[0], len(w.replies))
		}
		m := new(dns.Msg)
		if err := m.Unpack(w.replies[0]); err != nil {
			t.Fatalf("%v: reply does not unpack: %v", q.Question[0], err)
		}
		if len(m.Answer)+len(m.Ns) == 0 {
			t.Errorf("%v: reply has no records: %v", q.Question[0], m)
		}
		if n := len(w.replies[0]); n > 512 {
			t.Errorf("%v: reply is %d bytes, want at most 512", q.Question[0], n)
		}
	}
}

// discard is a dns.ResponseWriter that drops replies without allocating.
type discard struct{ writer }

func (discard) Write(b []byte) (int, error) { return len(b), nil }

// TestServeDNSAllocs guards the hot path: answering a number allocates
// only the TN handed to the Resolver.
func TestServeDNSAllocs(t *testing.T) {
	s := &enum.Server{Resolver: testRoutes()}
	q := query(enumName(ported, "e164.arpa."), dns.TypeNAPTR)
	q.SetEdns0(1232, false)
	var w discard
	s.ServeDNS(&w, q)
	if n := testing.AllocsPerRun(1000, func() { s.ServeDNS(&w, q) }); n > 1 {
		t.Errorf("ServeDNS allocates %v times per query, want at most 1", n)
	}
}
