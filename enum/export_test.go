package enum

// ReplyWire is replyWire for the tests of package enum_test.
func (s *Server) ReplyWire(b, p []byte) ([]byte, bool) {
	z, err := s.prepare()
	if err != nil {
		return b, false
	}
	return z.replyWire(b, p)
}

// ReplyPacket is replyPacket for the tests of package enum_test.
func (s *Server) ReplyPacket(b, p []byte) []byte { return s.replyPacket(b, p) }
