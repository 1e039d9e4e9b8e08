package sipredirect

import (
	"bytes"
	"context"
	"log/slog"
	"net/netip"
	"strconv"

	"github.com/emiago/sipgo/sip"

	"github.com/opennpac/npac"
)

// The fast path answers the common dip, an INVITE over UDP whose
// Request-URI user part is a bare number, straight from the datagram's
// bytes: it neither parses the request into a sip.Request nor builds a
// sip.Response, and allocates only the number it hands the Resolver.
//
// Its answer must be the general path's (packetSlow: sipgo's parser,
// answer, StringWrite) byte for byte. So it takes a request only when every
// part that reaches the answer is written in a strict subset of SIP's
// grammar on which reading with sipgo and writing back gives the bytes
// read: one space where SIP allows several, no quoted parameter values,
// no line folding, no IPv6 literals, ports without leading zeros, no
// repeated parameter or header, and so on. It also checks that the parts
// it does not copy would not make sipgo reject the request. Anything else
// goes the general way. TestFastMatchesSlow and FuzzFastPath check that
// both paths answer every request alike.

// maxFastVias is the most Via headers the fast path copies.
const maxFastVias = 8

// fastVia is the top Via of a request, as the fast path reads it.
type fastVia struct {
	head   []byte // "SIP/2.0/UDP host[:port]", as it is written back
	host   []byte
	port   int // 0 when there is none
	params []byte
	// hasRport: a "rport" parameter; rportAsked: one without a value,
	// which the answer fills in; hasReceived: a "received" parameter.
	hasRport, rportAsked, hasReceived bool
	branch                            []byte
}

// fastRequest is an INVITE as the fast path reads it: slices of the
// datagram.
type fastRequest struct {
	scheme, user, host, uriParams []byte // the Request-URI's
	port                          int
	via                           fastVia
	vias                          [maxFastVias][]byte // every Via value; the first is via
	nvia                          int
	from, to, callID, cseq        []byte
	fromTag                       []byte
	toTagged                      bool
	contentLength                 int // -1 when there is none
	body                          []byte
}

// fastInvite answers p as packetSlow would, when p is in the fast path's
// grammar: done is then true and out, dst and ok are packetSlow's.
// Otherwise done is false, and p must go the general way.
func (h *handler) fastInvite(b, p []byte, src netip.AddrPort) (out []byte, dst netip.AddrPort, ok, done bool) {
	if h.log.Enabled(context.Background(), slog.LevelDebug) {
		return b, dst, false, false // the general path logs each request
	}
	if hasPrefixFold(p, "ACK ") {
		// An ACK, or a message sipgo would not parse: no answer either way.
		return b, dst, false, true
	}
	var r fastRequest
	if !r.parse(p) {
		return b, dst, false, false
	}
	// The number: as fromURI and parseNumber read it.
	tn, status := parseNumber(string(r.user), "")
	var lrn npac.LRN
	if status == 0 {
		status, lrn = h.route(tn)
	}

	b = append(b, "SIP/2.0 "...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, ' ')
	b = append(b, reason(status)...)
	for i, v := range r.vias[:r.nvia] {
		b = append(b, "\r\nVia: "...)
		if i > 0 {
			b = append(b, v...)
			continue
		}
		b = r.via.appendAnswer(b, src)
	}
	b = append(b, "\r\nFrom: "...)
	b = append(b, r.from...)
	b = append(b, "\r\nTo: "...)
	b = append(b, r.to...)
	if !r.toTagged {
		b = append(b, ";tag="...)
		b = appendTag(b, h.seed, r.callID, r.fromTag, r.via.branch)
	}
	b = append(b, "\r\nCall-ID: "...)
	b = append(b, r.callID...)
	b = append(b, "\r\nCSeq: "...)
	b = append(b, r.cseq...)
	b = append(b, "\r\nContent-Length: 0"...)
	if status == sip.StatusMovedTemporarily {
		b = append(b, "\r\nContact: <"...)
		b = append(b, r.scheme...)
		b = append(b, ":+1"...)
		b = append(b, tn...)
		if lrn != "" {
			b = append(b, ";rn=+1"...)
			b = append(b, lrn...)
		}
		b = append(b, ";npdi@"...)
		b = append(b, r.host...)
		if r.port > 0 {
			b = append(b, ':')
			b = strconv.AppendInt(b, int64(r.port), 10)
		}
		if len(r.uriParams) > 0 {
			b = append(b, ';')
			b = append(b, r.uriParams...)
		}
		b = append(b, '>')
	}
	b = append(b, "\r\n\r\n"...)

	dst = src
	if !r.via.hasRport {
		port := r.via.port
		if port == 0 {
			port = defaultPort
		}
		dst = netip.AddrPortFrom(src.Addr(), uint16(port))
	}
	return b, dst, true, true
}

// appendAnswer appends the Via as the answer carries it: with rport and
// received filled in as response does (RFC 3261 §18.2.1, RFC 3581).
func (v *fastVia) appendAnswer(b []byte, src netip.AddrPort) []byte {
	b = append(b, v.head...)
	received := false
	if len(v.params) > 0 {
		b = append(b, ';')
		if !v.rportAsked {
			b = append(b, v.params...)
		} else {
			for s := v.params; ; {
				name, value, rest, more := cutParam(s)
				b = append(b, name...)
				switch string(name) {
				case "rport":
					b = append(b, '=')
					b = strconv.AppendUint(b, uint64(src.Port()), 10)
				case "received":
					b = append(b, '=')
					b = src.Addr().AppendTo(b)
					received = true
				default:
					if len(value) > 0 {
						b = append(b, '=')
						b = append(b, value...)
					}
				}
				if !more {
					break
				}
				b = append(b, ';')
				s = rest
			}
		}
	}
	if v.rportAsked && !received || !v.rportAsked && !v.hasReceived && !sameHost(string(v.host), src.Addr()) {
		b = append(b, ";received="...)
		b = src.Addr().AppendTo(b)
	}
	return b
}

// route looks up a valid TN: the status of the answer and, for a ported
// number, its LRN.
func (h *handler) route(tn npac.TN) (status int, lrn npac.LRN) {
	r, ok := h.resolver.Resolve(tn)
	if !ok {
		return sip.StatusNotFound, ""
	}
	if r == nil || r.Ported && len(r.LRN) != 10 {
		// A route the resolver should never hold: answering npdi
		// without rn would send the call to the donor switch.
		h.log.Error("sip dip: resolver returned an unusable route", "tn", string(tn), "route", r)
		return sip.StatusInternalServerError, ""
	}
	if r.Ported {
		lrn = r.LRN
	}
	return sip.StatusMovedTemporarily, lrn
}

// parse reads p into r, and reports whether p is in the fast path's
// grammar.
func (r *fastRequest) parse(p []byte) bool {
	if len(p) > sip.ParseMaxMessageLength {
		return false
	}
	// The request line: INVITE SP Request-URI SP SIP/2.0 CRLF.
	line, rest, ok := nextFastLine(p)
	if !ok || !hasPrefix(line, "INVITE ") || len(line) < len("INVITE  SIP/2.0") ||
		string(line[len(line)-len(" SIP/2.0"):]) != " SIP/2.0" {
		return false
	}
	if !r.parseRequestURI(line[len("INVITE ") : len(line)-len(" SIP/2.0")]) {
		return false
	}
	r.contentLength = -1
	var seen [nHeaders]bool
	for {
		line, rest, ok = nextFastLine(rest)
		if !ok {
			return false
		}
		if len(line) == 0 {
			break
		}
		if len(rest) > 0 && (rest[0] == ' ' || rest[0] == '\t') {
			return false // folded
		}
		colon := indexByte(line, ':')
		if colon <= 0 || !allToken(line[:colon]) {
			return false
		}
		name := line[:colon]
		value := line[colon+1:]
		for len(value) > 0 && (value[0] == ' ' || value[0] == '\t') {
			value = value[1:]
		}
		hd := header(name)
		if hd == hOther {
			continue // sipgo keeps it as a generic header, which never fails
		}
		if len(value) == 0 || !printable(value[len(value)-1]) {
			return false // sipgo would trim or reject what the answer copies
		}
		if hd != hVia {
			if seen[hd] {
				return false
			}
			seen[hd] = true
		}
		switch hd {
		case hVia:
			if r.nvia == maxFastVias {
				return false
			}
			if r.nvia == 0 {
				if !r.via.parse(value) {
					return false
				}
			} else {
				var v fastVia
				if !v.parse(value) {
					return false
				}
			}
			r.vias[r.nvia] = value
			r.nvia++
		case hFrom:
			params, ok := parseAddress(value)
			if !ok {
				return false
			}
			r.from = value
			r.fromTag, _ = paramGet(params, "tag")
		case hTo:
			params, ok := parseAddress(value)
			if !ok {
				return false
			}
			r.to = value
			_, r.toTagged = paramGet(params, "tag")
		case hCallID:
			for _, c := range value {
				if c <= ' ' || c > '~' {
					return false
				}
			}
			r.callID = value
		case hCSeq:
			n, _, ok := cutNumber(value, 2147483647)
			if !ok || string(value[n:]) != " INVITE" {
				return false
			}
			r.cseq = value
		case hContentLength:
			n, v, ok := cutNumber(value, 1<<32-1)
			if !ok || n != len(value) {
				return false
			}
			r.contentLength = int(v)
		case hMaxForwards:
			if n, _, ok := cutNumber(value, 1<<32-1); !ok || n != len(value) {
				return false
			}
		case hContentType:
			// Any value will do.
		case hContact:
			if !checkContact(value) {
				return false
			}
		default: // headers whose parsing the fast path does not check
			return false
		}
	}
	r.body = rest
	if r.nvia == 0 || r.from == nil || r.to == nil || r.callID == nil || r.cseq == nil {
		return false // the general path answers 400
	}
	if r.contentLength > len(r.body) {
		return false // the general path drops it
	}
	return true
}

// parseRequestURI reads the Request-URI, which must be a sip or sips URI
// whose user part is a bare number: "+" and digits, or digits.
func (r *fastRequest) parseRequestURI(u []byte) bool {
	var ok bool
	r.scheme, r.user, r.host, r.port, r.uriParams, ok = parseURI(u)
	if !ok || len(r.user) == 0 {
		return false
	}
	user := r.user
	if user[0] == '+' {
		user = user[1:]
	}
	for _, c := range user {
		if !isDigit(c) {
			return false
		}
	}
	return true
}

// parse reads a Via value: SIP/2.0/TRANSPORT SP host[:port][;params].
func (v *fastVia) parse(s []byte) bool {
	const proto = "SIP/2.0/"
	if !hasPrefix(s, proto) {
		return false
	}
	i := len(proto)
	for i < len(s) && isAlnum(s[i]) {
		i++
	}
	if i == len(proto) || i == len(s) || s[i] != ' ' {
		return false
	}
	i++
	hostStart := i
	for i < len(s) && isHostChar(s[i]) {
		i++
	}
	if i == hostStart || !isAlnum(s[hostStart]) {
		return false
	}
	v.host = s[hostStart:i]
	v.port = 0
	if i < len(s) && s[i] == ':' {
		n, port, ok := cutPort(s[i+1:])
		if !ok {
			return false
		}
		v.port = port
		i += 1 + n
	}
	v.head = s[:i]
	v.params = nil
	if i == len(s) {
		return true
	}
	if s[i] != ';' {
		return false
	}
	v.params = s[i+1:]
	if !checkParams(v.params) {
		return false
	}
	var rport []byte
	rport, v.hasRport = paramGet(v.params, "rport")
	v.rportAsked = v.hasRport && len(rport) == 0
	_, v.hasReceived = paramGet(v.params, "received")
	v.branch, _ = paramGet(v.params, "branch")
	return true
}

// parseURI reads a sip or sips URI: scheme ":" [user "@"] host [":" port]
// *(";" param), with a host name or IPv4 address for host and token
// parameters.
func parseURI(u []byte) (scheme, user, host []byte, port int, params []byte, ok bool) {
	switch {
	case hasPrefix(u, "sip:"):
		scheme, u = u[:3], u[4:]
	case hasPrefix(u, "sips:"):
		scheme, u = u[:4], u[5:]
	default:
		return
	}
	if hasPrefix(u, "//") {
		return // sipgo drops "//" and writes it back, but not with an empty user
	}
	if at := indexByte(u, '@'); at >= 0 {
		user, u = u[:at], u[at+1:]
		if len(user) == 0 {
			return
		}
		for _, c := range user {
			if !isUserChar(c) {
				return
			}
		}
	}
	i := 0
	for i < len(u) && isHostChar(u[i]) {
		i++
	}
	if i == 0 || !isAlnum(u[0]) {
		return
	}
	host = u[:i]
	if i < len(u) && u[i] == ':' {
		n, p, portOK := cutPort(u[i+1:])
		if !portOK {
			return
		}
		port = p
		i += 1 + n
	}
	if i < len(u) {
		if u[i] != ';' || !checkParams(u[i+1:]) {
			return
		}
		params = u[i+1:]
	}
	return scheme, user, host, port, params, true
}

// parseAddress reads a From or To value: ["display name" SP] "<" URI ">"
// *(";" param), and returns its parameters.
func parseAddress(s []byte) (params []byte, ok bool) {
	uri, rest, ok := cutNameAddr(s)
	if !ok {
		return nil, false
	}
	if _, _, _, _, _, ok := parseURI(uri); !ok {
		return nil, false
	}
	if len(rest) == 0 {
		return nil, true
	}
	if rest[0] != ';' || !checkParams(rest[1:]) {
		return nil, false
	}
	return rest[1:], true
}

// checkContact reports whether sipgo parses a Contact value the fast path
// sees as sure to parse: one name-addr as in parseAddress, followed by
// anything but a comma.
func checkContact(s []byte) bool {
	uri, rest, ok := cutNameAddr(s)
	if !ok {
		return false
	}
	if _, _, _, _, _, ok := parseURI(uri); !ok {
		return false
	}
	return indexByte(rest, ',') < 0
}

// cutNameAddr splits ["display name" SP] "<" URI ">" rest. The display
// name, when there is one, must be quoted, not empty, and hold neither
// quotes nor backslashes.
func cutNameAddr(s []byte) (uri, rest []byte, ok bool) {
	if len(s) > 0 && s[0] == '"' {
		i := 1
		for i < len(s) && s[i] != '"' {
			if c := s[i]; c < ' ' || c > '~' || c == '\\' {
				return nil, nil, false
			}
			i++
		}
		if i == 1 || i+2 >= len(s) || s[i] != '"' || s[i+1] != ' ' {
			return nil, nil, false
		}
		s = s[i+2:]
	}
	if len(s) == 0 || s[0] != '<' {
		return nil, nil, false
	}
	end := indexByte(s, '>')
	if end < 0 {
		return nil, nil, false
	}
	return s[1:end], s[end+1:], true
}

// checkParams reports whether s is name[=value] *(";" name[=value]), names
// and values tokens, no name twice.
func checkParams(s []byte) bool {
	if len(s) == 0 {
		return false
	}
	for {
		name, value, rest, more := cutParam(s)
		if len(name) == 0 || !allToken(name) {
			return false
		}
		if value != nil && (len(value) == 0 || !allToken(value)) {
			return false
		}
		if !more {
			return true
		}
		if _, dup := paramGet(rest, string(name)); dup {
			return false
		}
		s = rest
	}
}

// cutParam cuts the first parameter off a ";"-separated list: its name,
// its value (nil when there is no "=") and the parameters after it; more
// is false when it was the last.
func cutParam(s []byte) (name, value, rest []byte, more bool) {
	p := s
	if semi := indexByte(s, ';'); semi >= 0 {
		p, rest, more = s[:semi], s[semi+1:], true
	}
	name = p
	if eq := indexByte(p, '='); eq >= 0 {
		name, value = p[:eq], p[eq+1:]
	}
	return name, value, rest, more
}

// paramGet returns the value of the parameter name in a ";"-separated
// list, and whether it is there.
func paramGet(s []byte, name string) ([]byte, bool) {
	for len(s) > 0 {
		n, v, rest, more := cutParam(s)
		if string(n) == name {
			return v, true
		}
		if !more {
			break
		}
		s = rest
	}
	return nil, false
}

// Headers the fast path tells apart.
const (
	hOther = iota
	hVia
	hFrom
	hTo
	hCallID
	hCSeq
	hContentLength
	hMaxForwards
	hContentType
	hContact
	hChecked // headers sipgo parses that the fast path does not check
	nHeaders
)

// header names the header of a name as sipgo reads it: case aside, the
// full and the compact form alike.
func header(name []byte) int {
	if len(name) == 1 {
		switch name[0] | 0x20 {
		case 'v':
			return hVia
		case 'f':
			return hFrom
		case 't':
			return hTo
		case 'i':
			return hCallID
		case 'l':
			return hContentLength
		case 'c':
			return hContentType
		case 'm':
			return hContact
		}
		return hOther
	}
	for _, k := range [...]struct {
		name string
		h    int
	}{
		{"via", hVia}, {"from", hFrom}, {"to", hTo}, {"call-id", hCallID},
		{"cseq", hCSeq}, {"content-length", hContentLength},
		{"max-forwards", hMaxForwards}, {"content-type", hContentType},
		{"contact", hContact}, {"route", hChecked}, {"record-route", hChecked},
		{"refer-to", hChecked}, {"referred-by", hChecked},
	} {
		if equalFoldASCII(name, k.name) {
			return k.h
		}
	}
	return hOther
}

// nextFastLine returns the line at the start of p, without its CRLF, and
// what follows; ok is false when there is no CRLF or the line holds a CR
// or LF of its own.
func nextFastLine(p []byte) (line, rest []byte, ok bool) {
	i := bytes.IndexByte(p, '\r')
	if i < 0 || i+1 == len(p) || p[i+1] != '\n' || bytes.IndexByte(p[:i], '\n') >= 0 {
		return nil, nil, false
	}
	return p[:i], p[i+2:], true
}

// cutNumber returns the length and the value of the decimal number at the
// start of s, written without leading zeros, if it is at most limit.
func cutNumber(s []byte, limit uint64) (n int, v uint64, ok bool) {
	for n < len(s) && isDigit(s[n]) {
		v = v*10 + uint64(s[n]-'0')
		n++
		if n > 10 || v > limit {
			return 0, 0, false
		}
	}
	if n == 0 || n > 1 && s[0] == '0' {
		return 0, 0, false
	}
	return n, v, true
}

// cutPort returns the length and the value of the port number at the
// start of s: 1 to 65535, without leading zeros.
func cutPort(s []byte) (n, port int, ok bool) {
	n, v, ok := cutNumber(s, 65535)
	return n, int(v), ok && v > 0
}

func hasPrefix(s []byte, prefix string) bool {
	return len(s) >= len(prefix) && string(s[:len(prefix)]) == prefix
}

func hasPrefixFold(s []byte, prefix string) bool {
	return len(s) >= len(prefix) && equalFoldASCII(s[:len(prefix)], prefix)
}

// equalFoldASCII reports whether s and t are equal, ASCII letters' case
// aside, as sipgo compares header names.
func equalFoldASCII(s []byte, t string) bool {
	if len(s) != len(t) {
		return false
	}
	for i := range len(s) {
		a, b := s[i], t[i]
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}

func indexByte(s []byte, c byte) int { return bytes.IndexByte(s, c) }

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || isDigit(c)
}

// isHostChar: a host name or IPv4 address.
func isHostChar(c byte) bool { return isAlnum(c) || c == '-' || c == '.' }

// isToken: RFC 3261 token characters.
func isToken(c byte) bool { return tokenChars[c] }

var tokenChars = func() (t [256]bool) {
	for c := range 256 {
		t[c] = isAlnum(byte(c)) || bytes.IndexByte([]byte("-.!%*_+`'~"), byte(c)) >= 0
	}
	return t
}()

func allToken(s []byte) bool {
	for _, c := range s {
		if !isToken(c) {
			return false
		}
	}
	return true
}

// isUserChar: RFC 3261 user characters, but for escapes' meaning, which
// the answer does not look at.
func isUserChar(c byte) bool {
	switch c {
	case '-', '_', '.', '!', '~', '*', '\'', '(', ')', '%', '&', '=', '+', '$', ',', ';', '?', '/':
		return true
	}
	return isAlnum(c)
}

// printable: a visible ASCII character, which no trimming removes.
func printable(c byte) bool { return c > ' ' && c <= '~' }
