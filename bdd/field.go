package bdd

import (
	"strconv"
	"time"

	npac "github.com/opennpac/npac"
)

// Field names, by position in the line (index 0 is field 1).
var (
	svNames = [...]string{"version ID", "TN", "LRN", "new current SPID", "activation timestamp",
		"CLASS DPC", "CLASS SSN", "LIDB DPC", "LIDB SSN", "ISVM DPC", "ISVM SSN", "CNAM DPC", "CNAM SSN",
		"EUL value", "EUL type", "billing ID", "LNP type", "download reason", "WSMSC DPC", "WSMSC SSN",
		"SV type", "alternative SPID", "voice URI", "MMS URI", "SMS URI"}
	npbNames = [...]string{"block ID", "NPA-NXX-X", "LRN", "new current SPID", "activation timestamp",
		"CLASS DPC", "CLASS SSN", "LIDB DPC", "LIDB SSN", "ISVM DPC", "ISVM SSN", "CNAM DPC", "CNAM SSN",
		"WSMSC DPC", "WSMSC SSN", "download reason", "SV type", "alternative SPID"}
	lrnNames   = [...]string{"SPID", "ID", "LRN", "creation timestamp"}
	codeNames  = [...]string{"SPID", "ID", "NPA-NXX", "creation timestamp", "effective timestamp"}
	codeXNames = [...]string{"SPID", "ID", "NPA-NXX-X", "creation timestamp", "effective timestamp", "modified timestamp"}
	spidNames  = [...]string{"SPID", "name", "type"}
)

// Field positions (0-based) in SV and NPB lines.
const (
	svClassDPC  = 5
	svEULValue  = 13
	svLNPType   = 16
	svReason    = 17
	svWSMSCDPC  = 18
	svSVType    = 20
	svAltSPID   = 21
	svVoiceURI  = 22
	svFields    = 25 // with every extension
	svClassic   = 20 // NANC 314: fields 1-21 without 6
	svNoWSMSC   = 18
	npbClassDPC = 5
	npbReason   = 15
	npbSVType   = 16
	npbFields   = 18
	npbClassic  = 16
)

func fieldNames(k Kind) []string {
	switch k {
	case KindSV:
		return svNames[:]
	case KindNPB:
		return npbNames[:]
	case KindLRN:
		return lrnNames[:]
	case KindNPANXX:
		return codeNames[:]
	case KindNPANXXX:
		return codeXNames[:]
	case KindSPID:
		return spidNames[:]
	}
	return nil
}

// Error is a malformed record: one the reader met on a line, or one the
// writer refused.
type Error struct {
	// Line is the line number (from 1); 0 for a record refused by the
	// writer.
	Line int64
	// Kind is the kind of record; Guessed says the reader chose it from
	// the line's shape ([Subscriptions], [Any]).
	Kind    Kind
	Guessed bool
	// Field is the field's position in the line (from 1) and Name its
	// name; 0 and "" when the problem is the line as a whole.
	Field int
	Name  string
	// Value is the field's value.
	Value string
	// Problem says what is wrong.
	Problem string
}

func (e *Error) Error() string {
	b := make([]byte, 0, 96)
	if e.Line > 0 {
		b = append(b, "line "...)
		b = strconv.AppendInt(b, e.Line, 10)
		b = append(b, ": "...)
	} else {
		b = append(b, "bdd: "...)
		b = append(b, e.Kind.String()...)
		b = append(b, " record: "...)
	}
	if e.Field > 0 {
		b = append(b, "field "...)
		b = strconv.AppendInt(b, int64(e.Field), 10)
		b = append(b, " ("...)
		b = append(b, e.Name...)
		b = append(b, ") "...)
		if e.Value != "" {
			v := e.Value
			if len(v) > 64 {
				v = v[:64] + "…"
			}
			b = strconv.AppendQuote(b, v)
			b = append(b, ' ')
		}
	}
	b = append(b, e.Problem...)
	if e.Guessed {
		b = append(b, " (read as "...)
		b = append(b, aKind(e.Kind)...)
		b = append(b, " record)"...)
	}
	return string(b)
}

// Problems. They follow "field N (name) "value" ".
const (
	pEmpty       = "is empty"
	pNotID       = "is not a decimal number of at most 18 digits"
	pNotTN       = "is not 10 digits"
	pNotNPANXX   = "is not 6 digits"
	pNotNPANXXX  = "is not 7 digits"
	pNPA01       = "has an area code (NPA) starting with 0 or 1"
	pNPA11       = "has an N11 area code (NPA)"
	pNXX01       = "has an exchange code (NXX) starting with 0 or 1"
	pNXX11       = "has an N11 exchange code (NXX)"
	pPseudo      = "is the pseudo-LRN, which is not an LRN of its own"
	pNotSPID     = "is not 4 upper-case letters or digits"
	pNotTime     = "is not a GMT timestamp yyyymmddhhmmss"
	pTimeRange   = "is not a real date and time between 1900 and 9999"
	pNotDPC      = "is not 9 digits (three octets such as 001002003)"
	pDPCOctet    = "has an octet over 255"
	pDPCFirst    = "has first octet 000 (it is 001-255)"
	pNotSSN      = "is not an SSN (0-255)"
	pDPCNoSSN    = "is empty while its DPC is set: a DPC and its SSN come in a pair"
	pSSNNoDPC    = "is empty while its SSN is set: a DPC and its SSN come in a pair"
	pNotEULValue = "is not up to 12 digits"
	pNotEULType  = "is not up to 2 digits"
	pNotBilling  = "is not up to 4 letters or digits"
	pNotLNPType  = "is not an LNP type (0 lspp, 1 lisp, 2 pool)"
	pNotReason   = "is not a download reason (0 new, 1 delete, 2 modified, 3 audit-discrepancy)"
	pNotSVType   = "is not an SV type (0 wireline, 1 wireless, 2 voip, 3 vowifi, 4 prepaid-wireless)"
	pNotProvType = "is not a provider type (0 wireline, 1 wireless, 2 service-bureau, 3 voip)"
	pNotURI      = "is not a URI (at most 255 printable ASCII bytes, no spaces, starting with a scheme such as sip:)"
	pNotName     = "is not a name (1 to 200 bytes, no control characters)"
	pNegative    = "is negative"
)

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i]-'0' > 9 {
			return false
		}
	}
	return true
}

// parseID reads an ID: 1 to 18 digits (so it fits an int64).
func parseID(s string) (int64, string) {
	if s == "" {
		return 0, pEmpty
	}
	if len(s) > 18 || !digits(s) {
		return 0, pNotID
	}
	var n int64
	for i := 0; i < len(s); i++ {
		n = n*10 + int64(s[i]-'0')
	}
	return n, ""
}

// checkCode checks the NPA and NXX of a number's first six digits.
func checkCode(s string) string {
	switch {
	case s[0] == '0' || s[0] == '1':
		return pNPA01
	case s[1] == '1' && s[2] == '1':
		return pNPA11
	case s[3] == '0' || s[3] == '1':
		return pNXX01
	case s[4] == '1' && s[5] == '1':
		return pNXX11
	}
	return ""
}

func checkTN(s string) string {
	if s == "" {
		return pEmpty
	}
	if len(s) != 10 || !digits(s) {
		return pNotTN
	}
	return checkCode(s)
}

// checkLRN checks an LRN; pseudo says the pseudo-LRN is allowed.
func checkLRN(s string, pseudo bool) string {
	if s == string(npac.PseudoLRN) {
		if pseudo {
			return ""
		}
		return pPseudo
	}
	return checkTN(s)
}

func checkNPANXX(s string) string {
	if s == "" {
		return pEmpty
	}
	if len(s) != 6 || !digits(s) {
		return pNotNPANXX
	}
	return checkCode(s)
}

func checkNPANXXX(s string) string {
	if s == "" {
		return pEmpty
	}
	if len(s) != 7 || !digits(s) {
		return pNotNPANXXX
	}
	return checkCode(s)
}

func checkSPID(s string) string {
	if s == "" {
		return pEmpty
	}
	if len(s) != 4 {
		return pNotSPID
	}
	for i := 0; i < 4; i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z') {
			return pNotSPID
		}
	}
	return ""
}

func checkDigitsUpTo(s string, n int, problem string) string {
	if len(s) > n || !digits(s) {
		return problem
	}
	return ""
}

func checkBilling(s string) string {
	if len(s) > 4 {
		return pNotBilling
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return pNotBilling
		}
	}
	return ""
}

// checkURI accepts "" or scheme ":" rest, printable ASCII without spaces
// or "|", at most 255 bytes.
func checkURI(s string) string {
	if s == "" {
		return ""
	}
	if len(s) > 255 {
		return pNotURI
	}
	colon := -1
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == '|' {
			return pNotURI
		}
		if colon < 0 {
			switch {
			case c == ':' && i > 0:
				colon = i
			case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
			default:
				return pNotURI
			}
		}
	}
	if colon < 0 {
		return pNotURI
	}
	return ""
}

func checkName(s string) string {
	if s == "" {
		return pEmpty
	}
	if len(s) > 200 {
		return pNotName
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c == 0x7f || c == '|' {
			return pNotName
		}
	}
	return ""
}

// parseSSN reads 1 to 3 digits, 0-255.
func parseSSN(s string) (int, string) {
	if len(s) == 0 || len(s) > 3 || !digits(s) {
		return 0, pNotSSN
	}
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	if n > 255 {
		return 0, pNotSSN
	}
	return n, ""
}

// dpcOctets reads a DPC given as 9 digits or NNN-NNN-NNN into its three
// octets' digits.
func dpcOctets(s string) (d [9]byte, problem string) {
	switch len(s) {
	case 9:
		copy(d[:], s)
	case 11:
		if s[3] != '-' || s[7] != '-' {
			return d, pNotDPC
		}
		copy(d[0:3], s[0:3])
		copy(d[3:6], s[4:7])
		copy(d[6:9], s[8:11])
	default:
		return d, pNotDPC
	}
	for _, c := range d {
		if c-'0' > 9 {
			return d, pNotDPC
		}
	}
	for i := 0; i < 9; i += 3 {
		if v := int(d[i]-'0')*100 + int(d[i+1]-'0')*10 + int(d[i+2]-'0'); v > 255 {
			return d, pDPCOctet
		}
	}
	if d[0] == '0' && d[1] == '0' && d[2] == '0' {
		return d, pDPCFirst
	}
	return d, ""
}

// Enumerations: the code written in the file, by value.

func reasonOf(s string) (Reason, bool) {
	if len(s) == 1 && s[0] >= '0' && s[0] <= '3' {
		return Reason(s[0] - '0'), true
	}
	for i, n := range reasonNames {
		if s == n {
			return Reason(i), true
		}
	}
	return 0, false
}

var lnpTypes = [...]npac.LNPType{npac.LNPInterProvider, npac.LNPIntraProvider, LNPPool}

func lnpTypeOf(s string) (npac.LNPType, bool) {
	if s == "" {
		return "", true
	}
	if len(s) == 1 && s[0] >= '0' && int(s[0]-'0') < len(lnpTypes) {
		return lnpTypes[s[0]-'0'], true
	}
	for _, t := range lnpTypes {
		if s == string(t) {
			return t, true
		}
	}
	return "", false
}

func lnpTypeCode(t npac.LNPType) (byte, bool) {
	for i, v := range lnpTypes {
		if t == v {
			return byte('0' + i), true
		}
	}
	return 0, false
}

var svTypes = [...]npac.SVType{npac.SVWireline, npac.SVWireless, npac.SVVoIP, npac.SVVoWiFi, npac.SVPrepaidWireless}

func svTypeOf(s string) (npac.SVType, bool) {
	if s == "" {
		return "", true
	}
	if len(s) == 1 && s[0] >= '0' && int(s[0]-'0') < len(svTypes) {
		return svTypes[s[0]-'0'], true
	}
	for _, t := range svTypes {
		if s == string(t) {
			return t, true
		}
	}
	return "", false
}

func svTypeCode(t npac.SVType) (byte, bool) {
	for i, v := range svTypes {
		if t == v {
			return byte('0' + i), true
		}
	}
	return 0, false
}

var provTypes = [...]npac.ProviderType{npac.ProviderWireline, npac.ProviderWireless, npac.ProviderServiceBureau, npac.ProviderVoIP}

func provTypeOf(s string) (npac.ProviderType, bool) {
	if len(s) == 1 && s[0] >= '0' && int(s[0]-'0') < len(provTypes) {
		return provTypes[s[0]-'0'], true
	}
	for _, t := range provTypes {
		if s == string(t) {
			return t, true
		}
	}
	return "", false
}

func provTypeCode(t npac.ProviderType) (byte, bool) {
	for i, v := range provTypes {
		if t == v {
			return byte('0' + i), true
		}
	}
	return 0, false
}

// Time: civil dates to and from days since 1970-01-01 (H. Hinnant's
// algorithms), so that neither direction goes through time.Date.

const (
	minUnix = -2208988800  // 1900-01-01 00:00:00 UTC
	maxUnix = 253402300799 // 9999-12-31 23:59:59 UTC
)

func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func civilFromDays(z int64) (y, m, d int64) {
	z += 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era-- // floor division (z stays positive for years >= 1900 anyway)
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	if mp < 10 {
		m = mp + 3
	} else {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return
}

func daysIn(y, m int64) int64 {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func num(s string) int64 {
	var n int64
	for i := 0; i < len(s); i++ {
		n = n*10 + int64(s[i]-'0')
	}
	return n
}

// mkTime checks the parts of a date and time and returns it in UTC.
func mkTime(y, mo, d, h, mi, s int64) (time.Time, string) {
	if y < 1900 || mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || s > 59 {
		return time.Time{}, pTimeRange
	}
	return time.Unix(daysFromCivil(y, mo, d)*86400+h*3600+mi*60+s, 0).UTC(), ""
}

// parseTime reads yyyymmddhhmmss.
func parseTime(s string) (time.Time, string) {
	if len(s) != 14 || !digits(s) {
		return time.Time{}, pNotTime
	}
	return mkTime(num(s[0:4]), num(s[4:6]), num(s[6:8]), num(s[8:10]), num(s[10:12]), num(s[12:14]))
}

// appendTime writes t as yyyymmddhhmmss (GMT).
func appendTime(b []byte, t time.Time) ([]byte, string) {
	sec := t.Unix()
	if sec < minUnix || sec > maxUnix {
		return b, pTimeRange
	}
	days, rem := sec/86400, sec%86400
	if rem < 0 {
		days--
		rem += 86400
	}
	y, m, d := civilFromDays(days)
	b = append4(b, y)
	b = append2(b, m)
	b = append2(b, d)
	b = append2(b, rem/3600)
	b = append2(b, rem/60%60)
	b = append2(b, rem%60)
	return b, ""
}

func append2(b []byte, v int64) []byte { return append(b, byte('0'+v/10), byte('0'+v%10)) }

func append4(b []byte, v int64) []byte {
	return append(b, byte('0'+v/1000), byte('0'+v/100%10), byte('0'+v/10%10), byte('0'+v%10))
}
