package sipredirect

import (
	"fmt"
	"testing"

	"github.com/emiago/sipgo/sip"

	"github.com/opennpac/npac"
)

// BenchmarkAnswer measures the server's own work per dip: reading the
// number from a parsed request and formatting the Contact, without sipgo's
// parsing, transactions and I/O.
//
//	go test -run '^$' -bench Answer -benchmem ./sipredirect
func BenchmarkAnswer(b *testing.B) {
	msg, err := sip.ParseMessage([]byte("INVITE sip:+16135550100@gw.example.net:5060 SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1\r\n" +
		"From: <sip:lnp@192.0.2.1>;tag=1\r\n" +
		"To: <sip:+16135550100@gw.example.net>\r\n" +
		"Call-ID: 1@192.0.2.1\r\n" +
		"CSeq: 1 INVITE\r\n" +
		"Content-Length: 0\r\n\r\n"))
	if err != nil {
		b.Fatal(err)
	}
	req := msg.(*sip.Request)
	for b.Loop() {
		d, status := dialed(req)
		if status != 0 {
			b.Fatalf("got status %d", status)
		}
		if c := d.contact("6132180000"); len(c) == 0 {
			b.Fatal("empty contact")
		}
	}
}

// TestValidTN checks validTN against npac.ParseTN on every NPA-NXX.
func TestValidTN(t *testing.T) {
	for code := range 1_000_000 {
		s := fmt.Sprintf("%06d0100", code)
		_, err := npac.ParseTN(s)
		if got := validTN(s); got != (err == nil) {
			t.Fatalf("validTN(%s) = %v, npac.ParseTN: %v", s, got, err)
		}
	}
}
