package portorder

import (
	"bytes"
	"embed"
	"encoding/csv"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode"
)

// The USPS Publication 28 tables, copied from ../shared/data/usps-pub28
// (see pub28/SOURCE.md): three CSV files without header rows or a newline at
// the end.
//
//go:embed pub28/*.csv
var pub28FS embed.FS

// abbrevTables holds the Pub 28 tables, each mapping a word and its
// standard abbreviation to the standard abbreviation.
type abbrevTables struct {
	suffix      map[string]string // Appendix C1: AVENUE, AV, AVE → AVE
	secondary   map[string]string // Appendix C2: APARTMENT, APT → APT
	directional map[string]string // NORTH, N → N
}

// extraSecondary are the Pub 28 Appendix C2 designators missing from the
// embedded CSV subset (which lacks the range designators), and "#".
var extraSecondary = map[string]string{
	"UNIT": "UNIT", "LOT": "LOT", "PIER": "PIER", "SLIP": "SLIP", "STOP": "STOP",
	"KEY": "KEY", "REAR": "REAR", "SIDE": "SIDE", "HANGAR": "HNGR", "#": "#",
}

// frenchWords are Canada Post's French street types and directionals that
// Pub 28 does not list (AV and BOUL are in Pub 28 already, as AVE and BLVD).
// French "EST" (east) is deliberately absent: Pub 28 uses EST for ESTATE.
var frenchWords = map[string]string{
	"CHEMIN": "CH", "PROMENADE": "PROM", "TERRASSE": "TSSE", "IMPASSE": "IMP",
	"NORD": "N", "SUD": "S", "OUEST": "W", "O": "W",
}

var tables = sync.OnceValue(func() *abbrevTables {
	t := &abbrevTables{
		suffix:      readPairs("pub28/street_suffix_abbreviations.csv"),
		secondary:   readPairs("pub28/secondary_address_abbreviations.csv"),
		directional: readPairs("pub28/directional_abbreviations.csv"),
	}
	for k, v := range extraSecondary {
		t.secondary[k] = v
	}
	return t
})

// readPairs reads an embedded two-column CSV into a map from both columns
// to the second one, upper-cased and trimmed. The files are embedded, so an
// error is a build defect and panics (the tests load every table).
func readPairs(name string) map[string]string {
	b, err := pub28FS.ReadFile(name)
	if err != nil {
		panic(fmt.Sprintf("portorder: embedded %s: %v", name, err))
	}
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = 2
	r.TrimLeadingSpace = true
	recs, err := r.ReadAll()
	if err != nil {
		panic(fmt.Sprintf("portorder: embedded %s: %v", name, err))
	}
	m := make(map[string]string, 2*len(recs))
	for _, rec := range recs {
		word := strings.ToUpper(strings.TrimSpace(rec[0]))
		std := strings.ToUpper(strings.TrimSpace(rec[1]))
		m[word] = std
		m[std] = std
	}
	return m
}

// accents maps accented upper-case Latin letters to their base letters, for
// French Canadian addresses and names (Montréal = Montreal).
var accents = strings.NewReplacer(
	"À", "A", "Â", "A", "Ä", "A", "Á", "A", "Ç", "C", "É", "E", "È", "E", "Ê", "E", "Ë", "E",
	"Î", "I", "Ï", "I", "Í", "I", "Ô", "O", "Ö", "O", "Ó", "O", "Ù", "U", "Û", "U", "Ü", "U",
	"Ú", "U", "Ÿ", "Y", "Œ", "OE", "Æ", "AE", "Ñ", "N",
)

// fold upper-cases s and removes French accents.
func fold(s string) string { return accents.Replace(strings.ToUpper(s)) }

// tokens splits an upper-cased address text into words. Periods and
// apostrophes are dropped ("St." = "St", "O'Neil" = "ONeil"); "#" is a token
// of its own when keepHash, else dropped; every other character that is not
// a letter or digit separates words (hyphens, commas, slashes).
func tokens(s string, keepHash bool) []string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '.' || r == '\'' || r == '’':
		case r == '#':
			if keepHash {
				b.WriteString(" # ")
			} else {
				b.WriteByte(' ')
			}
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		default:
			b.WriteByte(' ')
		}
	}
	return strings.Fields(b.String())
}

// exactKey is the US comparison key: case, whitespace and punctuation
// normalized, nothing else. "123 Main St." = "123 MAIN ST", but
// "123 Main St" ≠ "123 Main Street".
func exactKey(s string) string { return strings.Join(tokens(strings.ToUpper(s), false), " ") }

// nameKey compares names: only letters and digits count, so case,
// whitespace and punctuation are ignored ("Jean-Pierre O'Neil" =
// "JEAN PIERRE ONEIL" = "jeanpierre oneil"). Word order does count. With
// fold, accents are ignored too (used for Canadian records).
func nameKey(s string, foldAccents bool) string {
	if foldAccents {
		s = fold(s)
	} else {
		s = strings.ToUpper(s)
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// ordinalWords are the English and French ordinal words up to the tens.
var ordinalWords = map[string]int{
	"FIRST": 1, "SECOND": 2, "THIRD": 3, "FOURTH": 4, "FIFTH": 5, "SIXTH": 6, "SEVENTH": 7,
	"EIGHTH": 8, "NINTH": 9, "TENTH": 10, "ELEVENTH": 11, "TWELFTH": 12, "THIRTEENTH": 13,
	"FOURTEENTH": 14, "FIFTEENTH": 15, "SIXTEENTH": 16, "SEVENTEENTH": 17, "EIGHTEENTH": 18,
	"NINETEENTH": 19, "TWENTIETH": 20, "THIRTIETH": 30, "FORTIETH": 40, "FIFTIETH": 50,
	"SIXTIETH": 60, "SEVENTIETH": 70, "EIGHTIETH": 80, "NINETIETH": 90, "HUNDREDTH": 100,
	"PREMIER": 1, "PREMIERE": 1, "DEUXIEME": 2, "SECONDE": 2, "TROISIEME": 3, "QUATRIEME": 4,
	"CINQUIEME": 5, "SIXIEME": 6, "SEPTIEME": 7, "HUITIEME": 8, "NEUVIEME": 9, "DIXIEME": 10,
}

// tensWords combine with a following ordinal word: "Twenty-First" = 21st.
var tensWords = map[string]int{
	"TWENTY": 20, "THIRTY": 30, "FORTY": 40, "FIFTY": 50, "SIXTY": 60, "SEVENTY": 70, "EIGHTY": 80, "NINETY": 90,
}

// numericOrdinal matches "1ST", "2ND", "3RD", "4TH" and the French "1ER",
// "1RE", "2E", "2EME".
var numericOrdinal = regexp.MustCompile(`^([0-9]+)(ST|ND|RD|TH|ER|RE|E|EME|IEME)$`)

// ordinal returns the number an ordinal token stands for, or 0.
func ordinal(t string) int {
	if n, ok := ordinalWords[t]; ok {
		return n
	}
	if m := numericOrdinal.FindStringSubmatch(t); m != nil {
		n, err := strconv.Atoi(m[1])
		if err == nil && n > 0 {
			return n
		}
	}
	return 0
}

// ordinalString writes n the English way: 1ST, 2ND, 3RD, 4TH, 11TH, 21ST.
func ordinalString(n int) string {
	suffix := "TH"
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			suffix = "ST"
		case 2:
			suffix = "ND"
		case 3:
			suffix = "RD"
		}
	}
	return strconv.Itoa(n) + suffix
}

func hasDigit(s string) bool { return strings.ContainsAny(s, "0123456789") }

// isIdentifier reports whether t can be a unit identifier after a
// designator: it contains a digit, or it is a single letter ("Apt B").
func isIdentifier(t string) bool {
	return hasDigit(t) || len(t) == 1 && t[0] >= 'A' && t[0] <= 'Z'
}

// isName reports whether t reads as a proper name, so that a preceding
// "ST"/"STE" means Saint/Sainte ("St Clair", "Ste-Foy") rather than
// Street/Suite ("Main St W", "45 St 1St Av", "Ste 200").
func isName(t string) bool {
	if len(t) < 2 || hasDigit(t) || ordinal(t) != 0 {
		return false
	}
	tb := tables()
	if _, ok := tb.directional[t]; ok {
		return false
	}
	if _, ok := tb.suffix[t]; ok {
		return false
	}
	if _, ok := tb.secondary[t]; ok {
		return false
	}
	_, ok := frenchWords[t]
	return !ok
}

// canonWord maps one word to its Pub 28 standard form: directionals
// (NORTH → N), street suffixes (AVENUE, AV → AVE; STREET → ST), secondary
// designators (APARTMENT → APT), then the French supplement.
func canonWord(t string) string {
	tb := tables()
	if s, ok := tb.directional[t]; ok {
		return s
	}
	if s, ok := tb.suffix[t]; ok {
		return s
	}
	if s, ok := tb.secondary[t]; ok {
		return s
	}
	if s, ok := frenchWords[t]; ok {
		return s
	}
	return t
}

// leadingUnit matches the Canada Post "unit-civic number" form at the start
// of an address line: "4-123 Main St" is unit 4 at 123 Main St.
var leadingUnit = regexp.MustCompile(`^\s*([A-Za-z0-9]+)\s*-\s*([0-9]+[A-Za-z]?)\b`)

// canonical returns the abbreviation-tolerant key of an address text and
// the unit identifiers found in it (only when units is true). It is the
// Canadian comparison: Pub 28 suffixes, secondary designators and
// directionals, ordinals (First = 1st = 1St = 1re), St/Ste as Saint/Sainte
// before a name, accents folded. Unit designators are dropped and only
// their identifiers kept, so "Apt 4", "Unit 4", "Suite 4" and "#4" are the
// same unit (see Validate for why).
func canonical(s string, units bool) (key string, unit []string) {
	toks := tokens(fold(s), units)
	out := make([]string, 0, len(toks))
	tb := tables()
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		next := ""
		if i+1 < len(toks) {
			next = toks[i+1]
		}
		_, designator := tb.secondary[t]
		switch {
		case t == "ST" && isName(next), t == "SAINT":
			out = append(out, "SAINT")
		case t == "STE" && isName(next), t == "SAINTE":
			out = append(out, "SAINTE")
		case units && designator && next != "" && isIdentifier(next):
			unit = append(unit, next)
			i++
		case t == "#":
			// a "#" with nothing after it carries no information
		case tensWords[t] != 0 && ordinal(next) > 0 && ordinal(next) < 10:
			out = append(out, ordinalString(tensWords[t]+ordinal(next)))
			i++
		case ordinal(t) != 0:
			out = append(out, ordinalString(ordinal(t)))
		default:
			out = append(out, canonWord(t))
		}
	}
	return strings.Join(out, " "), unit
}

// line joins the street parts of an address.
func (a Address) line() string {
	return strings.TrimSpace(strings.Join([]string{a.Number, a.Street, a.Unit}, " "))
}

// canadianStreet returns the Canadian comparison keys of a's street line
// and unit.
func canadianStreet(a Address) (street, unit string) {
	l := a.line()
	var pre []string
	if m := leadingUnit.FindStringSubmatch(l); m != nil && strings.TrimSpace(a.Unit) == "" {
		pre = []string{fold(m[1])}
		l = m[2] + l[len(m[0]):]
	}
	key, u := canonical(l, true)
	return key, strings.Join(append(pre, u...), " ")
}

// provinces maps Canadian province and territory names, English and
// French, to their two-letter codes.
var provinces = map[string]string{
	"ALBERTA": "AB", "BRITISHCOLUMBIA": "BC", "COLOMBIEBRITANNIQUE": "BC", "MANITOBA": "MB",
	"NEWBRUNSWICK": "NB", "NOUVEAUBRUNSWICK": "NB", "NEWFOUNDLANDANDLABRADOR": "NL",
	"TERRENEUVEETLABRADOR": "NL", "NEWFOUNDLAND": "NL", "NOVASCOTIA": "NS", "NOUVELLEECOSSE": "NS",
	"NORTHWESTTERRITORIES": "NT", "TERRITOIRESDUNORDOUEST": "NT", "NUNAVUT": "NU", "ONTARIO": "ON",
	"PRINCEEDWARDISLAND": "PE", "ILEDUPRINCEEDOUARD": "PE", "QUEBEC": "QC", "PQ": "QC",
	"SASKATCHEWAN": "SK", "YUKON": "YT",
}

// provinceCodes are the valid Canadian codes.
var provinceCodes = map[string]bool{
	"AB": true, "BC": true, "MB": true, "NB": true, "NL": true, "NS": true, "NT": true,
	"NU": true, "ON": true, "PE": true, "QC": true, "SK": true, "YT": true,
}

// provinceKey returns the two-letter code of a Canadian province written
// as a code or a name.
func provinceKey(s string) string {
	k := nameKey(s, true)
	if p, ok := provinces[k]; ok {
		return p
	}
	return k
}

// countryOf returns the country code of an address, "US" by default.
func countryOf(a Address) string {
	c := strings.ToUpper(strings.TrimSpace(a.Country))
	if c == "" {
		return "US"
	}
	return c
}

// postalKey returns the comparison key of a postal code: the first five
// digits of a US ZIP or ZIP+4, or the six characters of a Canadian code
// without space, upper-cased.
func postalKey(s, country string) string {
	if country == "CA" {
		return nameKey(s, false)
	}
	var d strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			d.WriteRune(r)
		}
	}
	k := d.String()
	if len(k) > 5 {
		k = k[:5]
	}
	return k
}

// SamePostalCode reports whether two postal codes match in country ("US"
// or "CA"): a US ZIP matches on its first five digits (ZIP+4 tolerant:
// "20001-1234" = "20001"), a Canadian code ignoring case and spaces
// ("k1a 0b1" = "K1A0B1").
func SamePostalCode(a, b, country string) bool {
	ka, kb := postalKey(a, country), postalKey(b, country)
	return ka != "" && ka == kb
}

// SameStreet reports whether the street lines (number, street and unit)
// and the city and state or province of two addresses match, by the rules
// of the record's country (the second address; see Validate). The postal
// code is compared by SamePostalCode.
func SameStreet(order, record Address) bool {
	country, ok := sameCountry(order, record)
	if !ok {
		return false
	}
	if country != "CA" {
		return exactKey(order.line()) == exactKey(record.line()) &&
			exactKey(order.City) == exactKey(record.City) &&
			exactKey(order.State) == exactKey(record.State)
	}
	s1, u1 := canadianStreet(order)
	s2, u2 := canadianStreet(record)
	c1, _ := canonical(order.City, false)
	c2, _ := canonical(record.City, false)
	return s1 == s2 && u1 == u2 && c1 == c2 && provinceKey(order.State) == provinceKey(record.State)
}

// SameAddress reports whether SameStreet and SamePostalCode both hold.
func SameAddress(order, record Address) bool {
	country, _ := sameCountry(order, record)
	return SameStreet(order, record) && SamePostalCode(order.PostalCode, record.PostalCode, country)
}

// sameCountry returns the country whose rules compare two addresses: the
// record's, else the order's, else "US"; ok is false when both name a
// country and they differ.
func sameCountry(order, record Address) (country string, ok bool) {
	o := strings.ToUpper(strings.TrimSpace(order.Country))
	r := strings.ToUpper(strings.TrimSpace(record.Country))
	switch {
	case r != "" && o != "" && r != o:
		return r, false
	case r != "":
		return r, true
	case o != "":
		return o, true
	}
	return "US", true
}

// IsPOBox reports whether an address line names a mailbox rather than a
// place: "PO Box 12", "P.O. Box", "POBox", "Post Office Box", "Postal Box",
// "PMB 7", "Box 123" alone (or after a rural route, "RR 2 Box 5"), and the
// Canadian French "BP 45"/"B.P." (boîte postale), "CP 456"/"C.P." and "Case
// postale" (also "Casier postal"). Words that merely contain "box" ("Box
// Hill Road", "Boxwood Ln"), "Post Office Square" and "CP Rail Way" are not
// boxes.
//
// A porting service address is where the line is installed (for nomadic
// VoIP or mobile service, a street address on record), never a mailbox: "A
// post office box is a guaranteed mismatch as it's not a real address"
// (VoIP.ms, Port Rejection; seed 002 line 417).
func IsPOBox(line string) bool {
	toks := tokens(fold(line), false)
	// Join runs of single letters: "P O BOX" → "PO BOX", "B P" → "BP".
	var t []string
	for i := 0; i < len(toks); {
		j := i
		for j < len(toks) && len(toks[j]) == 1 && !hasDigit(toks[j]) {
			j++
		}
		if j-i >= 2 {
			t = append(t, strings.Join(toks[i:j], ""))
			i = j
			continue
		}
		t = append(t, toks[i])
		i++
	}
	at := func(i int) string {
		if i >= 0 && i < len(t) {
			return t[i]
		}
		return ""
	}
	for i, w := range t {
		next := at(i + 1)
		switch w {
		case "POBOX", "LOCKBOX":
			return true
		case "PO", "GPO", "LOCK", "POSTAL":
			if next == "BOX" {
				return true
			}
		case "POB", "PMB":
			if isIdentifier(next) {
				return true
			}
		case "POST":
			if next == "OFFICE" && at(i+2) == "BOX" {
				return true
			}
		case "BOITE", "CASE":
			if next == "POSTALE" {
				return true
			}
		case "CASIER":
			if next == "POSTAL" {
				return true
			}
		case "BP", "CP":
			// "CP 456" but not "100 CP Rail Way": a number must follow.
			if hasDigit(next) {
				return true
			}
		case "BOX":
			if !isIdentifier(next) {
				continue
			}
			if i == 0 {
				return true
			}
			switch t[0] {
			case "RR", "HC", "RURAL", "STAR":
				return true
			}
		}
	}
	return false
}
