package enum_test

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/opennpac/npac/enum"
)

// digReply is what dig printed about one reply.
type digReply struct {
	status    string
	flags     string
	answer    []string // records, fields separated by single spaces
	authority []string
}

var (
	digStatus = regexp.MustCompile(`status: ([A-Z]+),`)
	digFlags  = regexp.MustCompile(`;; flags: ([a-z ]*);`)
)

// dig queries the server on 127.0.0.1:port with the real dig binary. The
// test fails if dig is missing: CI installs dnsutils.
func dig(t *testing.T, port string, args ...string) digReply {
	t.Helper()
	path, err := exec.LookPath("dig")
	if err != nil {
		t.Fatalf("dig not found (%v): install dnsutils", err)
	}
	args = append([]string{"@127.0.0.1", "-p", port, "+time=2", "+tries=1",
		"+noall", "+comments", "+answer", "+authority"}, args...)
	out, err := exec.Command(path, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("dig %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	var r digReply
	if m := digStatus.FindSubmatch(out); m != nil {
		r.status = string(m[1])
	}
	if m := digFlags.FindSubmatch(out); m != nil {
		r.flags = string(m[1])
	}
	if r.status == "" || strings.Contains(string(out), "WARNING: Message") || strings.Contains(string(out), "malformed") {
		t.Fatalf("dig %s: unexpected output:\n%s", strings.Join(args, " "), out)
	}
	var section *[]string
	for line := range strings.Lines(string(out)) {
		line = strings.TrimSpace(line)
		switch {
		case line == ";; ANSWER SECTION:":
			section = &r.answer
		case line == ";; AUTHORITY SECTION:":
			section = &r.authority
		case line == "" || strings.HasPrefix(line, ";"):
		case section != nil:
			*section = append(*section, strings.Join(strings.Fields(line), " "))
		}
	}
	return r
}

// digShort returns the lines of dig +short.
func digShort(t *testing.T, port string, args ...string) []string {
	t.Helper()
	path, err := exec.LookPath("dig")
	if err != nil {
		t.Fatalf("dig not found (%v): install dnsutils", err)
	}
	args = append([]string{"@127.0.0.1", "-p", port, "+time=2", "+tries=1", "+short"}, args...)
	out, err := exec.Command(path, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("dig %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

const soa = "e164.arpa. 0 IN SOA localhost. hostmaster.e164.arpa. 1 3600 600 86400 0"

func TestDig(t *testing.T) {
	s, _, _ := newServer()
	port := start(t, s)
	naptr := func(tn, uri string) string {
		return enumName(tn, "e164.arpa.") + ` 0 IN NAPTR 100 10 "u" "E2U+pstn:tel" "!^.*$!` + uri + `!" .`
	}
	tests := []struct {
		name string
		args []string
		want digReply
	}{
		{"ported", []string{enumName(ported, "e164.arpa."), "NAPTR"},
			digReply{"NOERROR", "qr aa rd", []string{naptr(ported, "tel:+16135550100;npdi;rn=+16135559999")}, nil}},
		{"not ported", []string{enumName(notPorted, "e164.arpa."), "NAPTR"},
			digReply{"NOERROR", "qr aa rd", []string{naptr(notPorted, "tel:+16135550101;npdi")}, nil}},
		{"ported over TCP", []string{"+tcp", enumName(ported, "e164.arpa."), "NAPTR"},
			digReply{"NOERROR", "qr aa rd", []string{naptr(ported, "tel:+16135550100;npdi;rn=+16135559999")}, nil}},
		{"not ported over TCP", []string{"+tcp", enumName(notPorted, "e164.arpa."), "NAPTR"},
			digReply{"NOERROR", "qr aa rd", []string{naptr(notPorted, "tel:+16135550101;npdi")}, nil}},
		{"no EDNS", []string{"+noedns", enumName(ported, "e164.arpa."), "NAPTR"},
			digReply{"NOERROR", "qr aa rd", []string{naptr(ported, "tel:+16135550100;npdi;rn=+16135559999")}, nil}},
		{"ANY", []string{enumName(ported, "e164.arpa."), "ANY"},
			digReply{"NOERROR", "qr aa rd", []string{naptr(ported, "tel:+16135550100;npdi;rn=+16135559999")}, nil}},
		{"unknown NPA-NXX", []string{enumName(unknown, "e164.arpa."), "NAPTR"},
			digReply{"NXDOMAIN", "qr aa rd", nil, []string{soa}}},
		{"unknown NPA-NXX over TCP", []string{"+tcp", enumName(unknown, "e164.arpa."), "NAPTR"},
			digReply{"NXDOMAIN", "qr aa rd", nil, []string{soa}}},
		{"wrong qtype", []string{enumName(ported, "e164.arpa."), "A"},
			digReply{"NOERROR", "qr aa rd", nil, []string{soa}}},
		{"wrong qtype over TCP", []string{"+tcp", enumName(notPorted, "e164.arpa."), "TXT"},
			digReply{"NOERROR", "qr aa rd", nil, []string{soa}}},
		{"outside the apex", []string{"example.com.", "NAPTR"},
			digReply{"REFUSED", "qr rd", nil, nil}},
		{"parent of the apex", []string{"arpa.", "SOA"},
			digReply{"REFUSED", "qr rd", nil, nil}},
		{"letter label", []string{"a.0.1.0.5.5.5.3.1.6.1.e164.arpa.", "NAPTR"},
			digReply{"NXDOMAIN", "qr aa rd", nil, []string{soa}}},
		{"two-digit label", []string{"00.1.0.5.5.5.3.1.6.1.e164.arpa.", "NAPTR"},
			digReply{"NXDOMAIN", "qr aa rd", nil, []string{soa}}},
		{"below a number", []string{"1." + enumName(ported, "e164.arpa."), "NAPTR"},
			digReply{"NXDOMAIN", "qr aa rd", nil, []string{soa}}},
		{"other country code", []string{"0.0.1.0.5.5.5.3.1.6.4.4.e164.arpa.", "NAPTR"},
			digReply{"NXDOMAIN", "qr aa rd", nil, []string{soa}}},
		{"NPA starting with 1", []string{"0.0.1.0.5.5.5.3.1.1.1.e164.arpa.", "NAPTR"},
			digReply{"NXDOMAIN", "qr aa rd", nil, []string{soa}}},
		{"country code: empty non-terminal", []string{"1.e164.arpa.", "NAPTR"},
			digReply{"NOERROR", "qr aa rd", nil, []string{soa}}},
		{"known NPA-NXX: empty non-terminal", []string{"5.5.5.3.1.6.1.e164.arpa.", "NAPTR"},
			digReply{"NOERROR", "qr aa rd", nil, []string{soa}}},
		{"unknown NPA-NXX prefix: empty non-terminal all the same", []string{"5.5.5.2.1.2.1.e164.arpa.", "NAPTR"},
			digReply{"NOERROR", "qr aa rd", nil, []string{soa}}},
		{"apex SOA", []string{"e164.arpa.", "SOA"},
			digReply{"NOERROR", "qr aa rd", []string{soa}, nil}},
		{"apex NS", []string{"e164.arpa.", "NS"},
			digReply{"NOERROR", "qr aa rd", []string{"e164.arpa. 0 IN NS localhost."}, nil}},
		{"apex NAPTR", []string{"e164.arpa.", "NAPTR"},
			digReply{"NOERROR", "qr aa rd", nil, []string{soa}}},
		{"apex over TCP", []string{"+tcp", "e164.arpa.", "SOA"},
			digReply{"NOERROR", "qr aa rd", []string{soa}, nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := dig(t, port, tt.args...)
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(digReply{})); diff != "" {
				t.Errorf("dig %s: reply differs (-want +got):\n%s", strings.Join(tt.args, " "), diff)
			}
		})
	}
}

func TestDigShort(t *testing.T) {
	s, _, _ := newServer()
	port := start(t, s)
	for _, tt := range []struct {
		tcp  bool
		tn   string
		want string
	}{
		{false, ported, `100 10 "u" "E2U+pstn:tel" "!^.*$!tel:+16135550100;npdi;rn=+16135559999!" .`},
		{false, notPorted, `100 10 "u" "E2U+pstn:tel" "!^.*$!tel:+16135550101;npdi!" .`},
		{true, ported, `100 10 "u" "E2U+pstn:tel" "!^.*$!tel:+16135550100;npdi;rn=+16135559999!" .`},
		{true, notPorted, `100 10 "u" "E2U+pstn:tel" "!^.*$!tel:+16135550101;npdi!" .`},
	} {
		args := []string{enumName(tt.tn, "e164.arpa."), "NAPTR"}
		if tt.tcp {
			args = append([]string{"+tcp"}, args...)
		}
		got := digShort(t, port, args...)
		if len(got) != 1 || got[0] != tt.want {
			t.Errorf("dig +short %s: got %q, want %q", strings.Join(args, " "), got, tt.want)
		}
	}
}

// TestDigApexAndTTL checks a configured apex, written without the trailing
// dot and in upper case, and a configured TTL.
func TestDigApexAndTTL(t *testing.T) {
	s := &enum.Server{Resolver: testRoutes(), Apex: "ENUM.Example", TTL: 30, Log: quiet}
	port := start(t, s)

	got := dig(t, port, enumName(ported, "enum.example."), "NAPTR")
	want := digReply{"NOERROR", "qr aa rd",
		[]string{enumName(ported, "enum.example.") + ` 30 IN NAPTR 100 10 "u" "E2U+pstn:tel" "!^.*$!tel:+16135550100;npdi;rn=+16135559999!" .`}, nil}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(digReply{})); diff != "" {
		t.Errorf("NAPTR under the configured apex (-want +got):\n%s", diff)
	}

	got = dig(t, port, enumName(unknown, "enum.example."), "NAPTR")
	want = digReply{"NXDOMAIN", "qr aa rd", nil,
		[]string{"enum.example. 30 IN SOA localhost. hostmaster.enum.example. 1 3600 600 86400 30"}}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(digReply{})); diff != "" {
		t.Errorf("NXDOMAIN under the configured apex (-want +got):\n%s", diff)
	}

	got = dig(t, port, enumName(ported, "e164.arpa."), "NAPTR")
	if got.status != "REFUSED" {
		t.Errorf("name under the default apex: got status %s, want REFUSED", got.status)
	}
}
