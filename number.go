package npac

import (
	"strconv"
	"strings"
)

// TN is a 10-digit North American Numbering Plan telephone number,
// NPA-NXX-XXXX, stored as its ten digits.
type TN string

// NPANXX is a central office code: the first six digits of a TN.
type NPANXX string

// NPANXXX is a 1,000-number pool block: the first seven digits of a TN.
type NPANXXX string

// LRN is a Location Routing Number: a 10-digit NANP number that names the
// switch serving ported numbers.
type LRN string

// SPID is a Service Provider ID: four letters or digits, usually the
// provider's OCN.
type SPID string

// NPANXX returns the central office code of the TN.
func (tn TN) NPANXX() NPANXX { return NPANXX(tn[:6]) }

// NPANXXX returns the pool block of the TN.
func (tn TN) NPANXXX() NPANXXX { return NPANXXX(tn[:7]) }

// NPANXX returns the central office code the pool block belongs to.
func (b NPANXXX) NPANXX() NPANXX { return NPANXX(b[:6]) }

// String formats the block as NPA-NXX-X.
func (b NPANXXX) String() string {
	if len(b) != 7 {
		return string(b)
	}
	return string(b[:3]) + "-" + string(b[3:6]) + "-" + string(b[6:])
}

// String formats the TN as NPA-NXX-XXXX.
func (tn TN) String() string {
	if len(tn) != 10 {
		return string(tn)
	}
	return string(tn[:3]) + "-" + string(tn[3:6]) + "-" + string(tn[6:])
}

// digitsOnly strips the punctuation people write in numbers: spaces, dashes,
// dots, parentheses and a leading "+1" or "1". It returns "" if anything else
// is present.
func digitsOnly(s string) string {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')' || r == '+':
		default:
			return ""
		}
	}
	d := b.String()
	if len(d) == 11 && d[0] == '1' {
		d = d[1:]
	}
	return d
}

// checkNPA reports why a 3-digit NPA is not a valid NANP area code, or "".
func checkNPA(npa string) string {
	switch {
	case npa[0] == '0' || npa[0] == '1':
		return "the area code (NPA) " + npa + " starts with " + npa[:1] + "; NANP area codes start with 2-9"
	case npa[1:] == "11":
		return "the area code (NPA) " + npa + " is an N11 service code, not an area code"
	}
	return ""
}

// checkNXX reports why a 3-digit NXX is not a valid central office code, or "".
func checkNXX(nxx string) string {
	switch {
	case nxx[0] == '0' || nxx[0] == '1':
		return "the exchange code (NXX) " + nxx + " starts with " + nxx[:1] + "; NANP exchange codes start with 2-9"
	case nxx[1:] == "11":
		return "the exchange code (NXX) " + nxx + " is an N11 service code, not an exchange code"
	}
	return ""
}

// ParseTN validates s as a NANP telephone number and returns its ten digits.
// It accepts common punctuation ("(613) 555-0100", "+1 613 555 0100").
func ParseTN(s string) (TN, error) {
	d := digitsOnly(s)
	if len(d) != 10 {
		return "", Errorf(EINVALID, "%q is not a telephone number: give 10 digits, NPA-NXX-XXXX.", s)
	}
	if why := checkNPA(d[:3]); why != "" {
		return "", Errorf(EINVALID, "%q is not a valid telephone number: %s.", s, why)
	}
	if why := checkNXX(d[3:6]); why != "" {
		return "", Errorf(EINVALID, "%q is not a valid telephone number: %s.", s, why)
	}
	return TN(d), nil
}

// ParseNPANXX validates s as a 6-digit central office code (NPA-NXX).
func ParseNPANXX(s string) (NPANXX, error) {
	d := digitsOnly(s)
	if len(d) != 6 {
		return "", Errorf(EINVALID, "%q is not an NPA-NXX: give 6 digits, such as 613-555.", s)
	}
	if why := checkNPA(d[:3]); why != "" {
		return "", Errorf(EINVALID, "%q is not a valid NPA-NXX: %s.", s, why)
	}
	if why := checkNXX(d[3:6]); why != "" {
		return "", Errorf(EINVALID, "%q is not a valid NPA-NXX: %s.", s, why)
	}
	return NPANXX(d), nil
}

// ParseNPANXXX validates s as a 7-digit pool block (NPA-NXX-X).
func ParseNPANXXX(s string) (NPANXXX, error) {
	d := digitsOnly(s)
	if len(d) != 7 {
		return "", Errorf(EINVALID, "%q is not an NPA-NXX-X: give 7 digits, such as 613-555-1.", s)
	}
	if _, err := ParseNPANXX(d[:6]); err != nil {
		return "", Errorf(EINVALID, "%q is not a valid NPA-NXX-X: %s", s, ErrorMessage(err))
	}
	return NPANXXX(d), nil
}

// ParseLRN validates s as a Location Routing Number: a valid 10-digit NANP
// number, or the pseudo-LRN 000-000-0000.
func ParseLRN(s string) (LRN, error) {
	if digitsOnly(s) == string(PseudoLRN) {
		return PseudoLRN, nil
	}
	tn, err := ParseTN(s)
	if err != nil {
		return "", Errorf(EINVALID, "%q is not a valid LRN: an LRN is a 10-digit NANP number (%s)", s, ErrorMessage(err))
	}
	return LRN(tn), nil
}

// ParseSPID validates s as a Service Provider ID: exactly four letters or
// digits. Letters are upper-cased.
func ParseSPID(s string) (SPID, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	if len(u) != 4 {
		return "", Errorf(EINVALID, "%q is not a SPID: a SPID is exactly 4 letters or digits, such as 0123 or X001.", s)
	}
	for _, r := range u {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z') {
			return "", Errorf(EINVALID, "%q is not a SPID: a SPID has only letters and digits.", s)
		}
	}
	return SPID(u), nil
}

// SignalingPoint is a Destination Point Code and Subsystem Number pair, the
// SS7 address of a service such as CLASS or CNAM. The two always travel
// together.
type SignalingPoint struct {
	// DPC is three octets written NNN-NNN-NNN; the first is 001-255, the
	// others 000-255.
	DPC string `json:"dpc"`
	// SSN is the subsystem number, 0-255. A pointer so that a missing SSN
	// can be told from zero.
	SSN *int `json:"ssn"`
}

// ParseDPC validates a point code given as NNN-NNN-NNN, NNN.NNN.NNN or nine
// digits and returns it as NNN-NNN-NNN.
func ParseDPC(s string) (string, error) {
	s = strings.TrimSpace(s)
	var parts []string
	switch {
	case strings.ContainsAny(s, "-."):
		parts = strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == '.' })
	case len(s) == 9:
		parts = []string{s[:3], s[3:6], s[6:]}
	}
	if len(parts) != 3 {
		return "", Errorf(EINVALID, "%q is not a DPC: give three octets, such as 001-234-056.", s)
	}
	out := make([]string, 3)
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || len(p) > 3 || n < 0 || n > 255 {
			return "", Errorf(EINVALID, "%q is not a DPC: each octet is a number from 000 to 255.", s)
		}
		if i == 0 && n == 0 {
			return "", Errorf(EINVALID, "%q is not a DPC: the first octet is 001-255.", s)
		}
		out[i] = strconv.Itoa(n + 1000)[1:]
	}
	return strings.Join(out, "-"), nil
}

// Validate checks the pair and canonicalizes its DPC. name ("CLASS",
// "LIDB", …) goes into the error message.
func (sp *SignalingPoint) Validate(name string) error {
	if sp.DPC == "" && sp.SSN == nil {
		return Errorf(EINVALID, "The %s DPC and SSN are empty: give both or leave the %s pair out.", name, name)
	}
	if sp.DPC == "" || sp.SSN == nil {
		return Errorf(EINVALID, "The %s DPC and SSN come in a pair: give both or neither.", name)
	}
	dpc, err := ParseDPC(sp.DPC)
	if err != nil {
		return Errorf(EINVALID, "%s: %s", name, ErrorMessage(err))
	}
	if *sp.SSN < 0 || *sp.SSN > 255 {
		return Errorf(EINVALID, "The %s SSN %d is out of range: an SSN is 0-255.", name, *sp.SSN)
	}
	sp.DPC = dpc
	return nil
}
