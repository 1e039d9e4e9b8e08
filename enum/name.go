package enum

// nameKind says where a query name falls in the zone.
type nameKind uint8

const (
	// outside: neither the apex nor below it; the server is not
	// authoritative and refuses.
	outside nameKind = iota
	// atApex: the apex itself, where the SOA and NS records live.
	atApex
	// noName: below the apex, but no NANP number can be at or below it:
	// a label that is not one digit, a country code other than 1, an NPA
	// or NXX starting with 0 or 1, or more digits than a number has.
	noName
	// prefix: the first digits of a NANP number, country code first, as a
	// static zone would hold it: an empty non-terminal.
	prefix
	// number: a whole NANP number, country code 1 and ten digits.
	number
)

// parseName classifies name, a fully qualified name in the presentation
// format miekg/dns unpacks, against apex, a lower-case fully qualified name
// without escapes. For number it writes the ten digits after the country
// code, most significant first, into digits. It does not allocate. name is
// a string when it comes from a dns.Msg, bytes when replyWire builds it.
func parseName[S ~string | ~[]byte](name S, apex string, digits *[10]byte) nameKind {
	n, a := len(name), len(apex)
	if n < a || !hasSuffixFold(name, apex) {
		return outside
	}
	if n == a {
		return atApex
	}
	var rest S
	if apex == "." {
		rest = name[:n-1]
	} else {
		// The byte before the apex must be a label separator, not part
		// of a label ("xe164.arpa.") nor an escaped dot ("x\.e164.arpa.").
		if name[n-a-1] != '.' || escaped(name, n-a-1) {
			return outside
		}
		rest = name[:n-a-1]
	}
	// rest is "d.d.….d": one-digit labels, least significant first. Its
	// last label is the country code. A number has 1+10 labels.
	if len(rest)%2 == 0 || len(rest) > 2*11-1 {
		return noName
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if i%2 == 1 {
			if c != '.' {
				return noName
			}
		} else if c < '0' || c > '9' {
			return noName
		}
	}
	last := len(rest) - 1
	if rest[last] != '1' {
		return noName
	}
	nd := last / 2
	for j := range nd {
		digits[j] = rest[last-2*(j+1)]
	}
	// NANP area codes (NPA) and exchange codes (NXX) start with 2-9.
	if nd > 0 && digits[0] < '2' || nd > 3 && digits[3] < '2' {
		return noName
	}
	if nd == 10 {
		return number
	}
	return prefix
}

// hasSuffixFold reports whether s ends with suffix, ignoring ASCII case.
// suffix must be lower case.
func hasSuffixFold[S ~string | ~[]byte](s S, suffix string) bool {
	off := len(s) - len(suffix)
	for i := 0; i < len(suffix); i++ {
		c := s[off+i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != suffix[i] {
			return false
		}
	}
	return true
}

// escaped reports whether s[i] is escaped by an odd run of backslashes
// before it.
func escaped[S ~string | ~[]byte](s S, i int) bool {
	n := 0
	for i--; i >= 0 && s[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}
