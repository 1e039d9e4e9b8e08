package sipredirect

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/emiago/sipgo/sip"

	"github.com/opennpac/npac"
)

// target is the number a dip asks about and the URI it was read from, whose
// scheme, host, port and parameters the answer's Contact keeps.
type target struct {
	tn     npac.TN
	scheme string // sip, sips or tel
	host   string // brackets kept around IPv6 addresses; empty for tel
	port   int
	params sip.HeaderParams
}

// dialed finds the number an INVITE asks about: in the Request-URI, or in
// the To URI when the Request-URI user part is not a number. status is 0
// when d.tn is a valid TN, else the SIP status to answer with.
func dialed(req *sip.Request) (d target, status int) {
	if d, status, ok := fromURI(&req.Recipient); ok {
		return d, status
	}
	if to := req.To(); to != nil {
		if d, status, ok := fromURI(&to.Address); ok {
			return d, status
		}
	}
	return target{}, sip.StatusAddressIncomplete
}

// fromURI reads the number in a sip, sips or tel URI. ok is false when the
// URI holds nothing that looks like a number: a user part that is empty or
// does not start with a digit or "+".
func fromURI(u *sip.Uri) (d target, status int, ok bool) {
	var user string
	switch u.Scheme {
	case "sip", "sips":
		user = u.User
		d = target{scheme: u.Scheme, host: u.Host, port: u.Port, params: u.UriParams}
	case "tel":
		user = u.Raw()
		d = target{scheme: u.Scheme}
	default:
		return d, 0, false
	}
	if strings.IndexByte(user, '%') >= 0 {
		if s, err := url.PathUnescape(user); err == nil {
			user = s
		}
	}
	number, params, _ := strings.Cut(user, ";")
	if number == "" || number[0] != '+' && !isDigit(number[0]) {
		return d, 0, false
	}
	d.tn, status = parseNumber(number, params)
	return d, status, true
}

// parseNumber validates a telephone-subscriber number (RFC 3966: "+" and
// digits, or digits, with visual separators) and its user parameters as a
// NANP TN. It returns the TN, or the status to answer: 404 for a number
// outside the NANP, 484 for anything malformed.
func parseNumber(number, params string) (npac.TN, int) {
	global := number[0] == '+'
	if global {
		number = number[1:]
	}
	var buf [16]byte
	n := 0
	for i := 0; i < len(number); i++ {
		switch c := number[i]; {
		case isDigit(c):
			if n == len(buf) {
				return "", sip.StatusAddressIncomplete
			}
			buf[n] = c
			n++
		case c == '-' || c == '.' || c == '(' || c == ')':
		default:
			return "", sip.StatusAddressIncomplete
		}
	}
	digits := buf[:n]
	switch {
	case global:
		if n > 0 && digits[0] != '1' {
			return "", sip.StatusNotFound // E.164 outside country code 1
		}
		if n != 11 {
			return "", sip.StatusAddressIncomplete
		}
		digits = digits[1:]
	default:
		if pc := paramValue(params, "phone-context"); len(pc) > 1 && pc[0] == '+' && pc[1] != '1' {
			return "", sip.StatusNotFound // a local number of another country
		}
		if n == 11 && digits[0] == '1' {
			digits = digits[1:]
		}
		if len(digits) != 10 {
			return "", sip.StatusAddressIncomplete
		}
	}
	s := number[len(number)-len(digits):] // no copy when there were no separators
	if n != len(number) {
		s = string(digits)
	}
	if !validTN(s) {
		return "", sip.StatusAddressIncomplete
	}
	return npac.TN(s), 0
}

// validTN reports whether ten digits are a NANP TN, as npac.ParseTN
// checks them, without its allocations: an NPA and an NXX that start with
// 2-9 and are not N11 codes.
func validTN(s string) bool {
	return s[0] >= '2' && s[1:3] != "11" && s[3] >= '2' && s[4:6] != "11"
}

// paramValue returns the value of parameter name in a ";"-separated list,
// or "".
func paramValue(params, name string) string {
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		k, v, _ := strings.Cut(p, "=")
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// contact formats the Contact header value of a 302 answer: the TN in
// E.164 form with ";rn=+1LRN" when lrn is not empty, then ";npdi", at the
// target's host, port and URI parameters.
func (d target) contact(lrn npac.LRN) string {
	var b strings.Builder
	b.Grow(48 + len(d.host))
	b.WriteByte('<')
	b.WriteString(d.scheme)
	b.WriteString(":+1")
	b.WriteString(string(d.tn))
	if lrn != "" {
		b.WriteString(";rn=+1")
		b.WriteString(string(lrn))
	}
	b.WriteString(";npdi")
	if d.scheme != "tel" {
		b.WriteByte('@')
		b.WriteString(d.host)
		if d.port > 0 {
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(d.port))
		}
		if d.params.Length() > 0 {
			b.WriteByte(';')
			d.params.ToStringWrite(';', &b)
		}
	}
	b.WriteByte('>')
	return b.String()
}
