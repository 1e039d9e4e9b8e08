package sipredirect_test

import "testing"

// BenchmarkDipUDP measures one dip end to end over loopback UDP: INVITE
// out, 302 back, ACK out, through the kernel on both sides of the socket
// (the client here is the test's raw one, whose formatting and parsing
// cost more than the server's work: see BenchmarkPacket for that).
//
//	go test -run '^$' -bench DipUDP -benchmem ./sipredirect
func BenchmarkDipUDP(b *testing.B) {
	srv := startServer(b)
	c := dialUDP(b, srv.udp)
	for b.Loop() {
		r := &request{method: "INVITE", ruri: "sip:+16135550100@gw.example.net"}
		res := c.do(r)
		if res.status != 302 {
			b.Fatalf("got %d, want 302", res.status)
		}
		c.ack(r, res)
	}
}
