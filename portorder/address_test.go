package portorder

import (
	"testing"
)

func TestPub28Tables(t *testing.T) {
	tb := tables()
	for word, want := range map[string]string{
		"AVENUE": "AVE", "AV": "AVE", "AVE": "AVE", "STREET": "ST", "BOULEVARD": "BLVD", "BOUL": "BLVD",
	} {
		if got := tb.suffix[word]; got != want {
			t.Errorf("suffix %s = %q, want %q", word, got, want)
		}
	}
	for word, want := range map[string]string{"APARTMENT": "APT", "SUITE": "STE", "UNIT": "UNIT", "FLOOR": "FL"} {
		if got := tb.secondary[word]; got != want {
			t.Errorf("secondary %s = %q, want %q", word, got, want)
		}
	}
	// The CSV row is "WEST, W": the stray space must be gone.
	if got := tb.directional["WEST"]; got != "W" {
		t.Errorf("directional WEST = %q, want W", got)
	}
	if len(tb.directional) != 16 {
		t.Errorf("%d directional keys, want 8 words + 8 abbreviations", len(tb.directional))
	}
	if len(tb.suffix) < 507 {
		t.Errorf("%d suffix keys; the table has 507 rows", len(tb.suffix))
	}
}

func ca(number, street, unit string) Address {
	return Address{Number: number, Street: street, Unit: unit, City: "Ottawa", State: "ON", PostalCode: "K1A 0B1", Country: "CA"}
}

func us(number, street, unit string) Address {
	return Address{Number: number, Street: street, Unit: unit, City: "Albany", State: "NY", PostalCode: "12207", Country: "US"}
}

// Canada: abbreviations are not a reason for rejection (seed 002 line 391).
func TestSameStreetCanada(t *testing.T) {
	for _, c := range []struct {
		a, b Address
		same bool
	}{
		// The seed's own example.
		{ca("45", "St 1St Av", ""), ca("45", "Street First Avenue", ""), true},
		{ca("", "45 St 1St Av", ""), ca("", "45 Street First Avenue", ""), true},
		// Suffix, directional and unit designator: Unit 4 = Apt 4 in Canada
		// (the identifier is compared, not the designator word).
		{ca("123", "Main Street West", "Unit 4"), ca("123", "MAIN ST W", "APT 4"), true},
		{ca("123", "Main Street West Unit 4", ""), ca("123", "MAIN ST W", "APT 4"), true},
		{ca("123", "Main St W", "#4"), ca("123", "Main Street West", "Suite 4"), true},
		{ca("4-123", "Main St W", ""), ca("123", "Main Street West", "Apt 4"), true},
		{ca("123", "Main St W", "Unit 4"), ca("123", "Main St W", "Apt 5"), false},
		{ca("123", "Main St W", "Unit 4"), ca("123", "Main St W", ""), false},
		{ca("123", "Main St W", ""), ca("123", "Main St E", ""), false},
		{ca("123", "Main St", ""), ca("124", "Main St", ""), false},
		{ca("45", "St 1St Av", ""), ca("45", "Street Second Avenue", ""), false},
		// St before a name is Saint; after a name or before a number, Street.
		{ca("100", "St Clair Ave W", ""), ca("100", "Saint Clair Avenue West", ""), true},
		{ca("100", "St. Clair Ave. W.", ""), ca("100", "SAINT-CLAIR AV O", ""), true},
		{ca("100", "St Clair Ave", ""), ca("100", "Street Clair Ave", ""), false},
		{ca("10", "Rue Ste-Catherine O", ""), ca("10", "rue Sainte-Catherine Ouest", ""), true},
		{ca("10", "Rue Ste-Catherine", "Ste 200"), ca("10", "Rue Sainte Catherine", "Suite 200"), true},
		{ca("1000", "Boul. René-Lévesque", ""), ca("1000", "Boulevard Rene Levesque", ""), true},
		{ca("5", "Twenty-First St", ""), ca("5", "21st Street", ""), true},
		{ca("5", "1re Avenue", ""), ca("5", "Premiere Av", ""), true},
		{ca("5", "First Av", ""), ca("5", "1er Avenue", ""), true},
		{ca("7", "Chemin du Lac", ""), ca("7", "ch du Lac", ""), true},
		{ca("9", "Mount Pleasant Road", ""), ca("9", "Mt Pleasant Rd", ""), true},
	} {
		if got := SameStreet(c.a, c.b); got != c.same {
			k1, u1 := canadianStreet(c.a)
			k2, u2 := canadianStreet(c.b)
			t.Errorf("SameStreet(%q, %q) = %t, want %t (keys %q/%q vs %q/%q)", c.a.line(), c.b.line(), got, c.same, k1, u1, k2, u2)
		}
	}
	// City and province.
	a, b := ca("1", "Water St", ""), ca("1", "Water Street", "")
	a.City, a.State = "St. John's", "Newfoundland and Labrador"
	b.City, b.State = "SAINT JOHNS", "NL"
	if !SameStreet(a, b) {
		t.Error("St. John's, Newfoundland and Labrador should equal SAINT JOHNS, NL")
	}
	a.City, b.City = "Ste-Foy", "Sainte Foy"
	if !SameStreet(a, b) {
		t.Error("Ste-Foy should equal Sainte Foy")
	}
	b.State = "NS"
	if SameStreet(a, b) {
		t.Error("NL ≠ NS")
	}
}

// US: exact after normalizing case, whitespace and punctuation (seed 002
// line 393).
func TestSameStreetUS(t *testing.T) {
	for _, c := range []struct {
		a, b Address
		same bool
	}{
		{us("123", "Main St", ""), us("123", "Main Street", ""), false},
		{us("123", "Main St.", ""), us("123", "MAIN  ST", ""), true},
		{us("123", "Main St", "Apt 4"), us("123", "Main St Apt 4", ""), true},
		{us("123", "Main St", "Apt #4"), us("123", "main st", "apt 4"), true},
		{us("123", "Main St", "Apt 4"), us("123", "Main St", "Unit 4"), false},
		{us("123", "Main St W", ""), us("123", "Main St West", ""), false},
		{us("45", "St 1St Av", ""), us("45", "Street First Avenue", ""), false},
		{us("123", "O'Neil Rd", ""), us("123", "ONeil Rd", ""), true},
	} {
		if got := SameStreet(c.a, c.b); got != c.same {
			t.Errorf("SameStreet(%q, %q) = %t, want %t", c.a.line(), c.b.line(), got, c.same)
		}
	}
	a, b := us("1", "Main St", ""), us("1", "Main St", "")
	b.City = "Albany City"
	if SameStreet(a, b) {
		t.Error("different city matched")
	}
	b = us("1", "Main St", "")
	b.Country = "CA"
	if SameStreet(a, b) {
		t.Error("different country matched")
	}
}

func TestSamePostalCode(t *testing.T) {
	for _, c := range []struct {
		a, b, country string
		same          bool
	}{
		{"12207", "12207-1234", "US", true},
		{"12207-1234", "122075678", "US", true},
		{"12207", "12208", "US", false},
		{"", "", "US", false},
		{"k1a 0b1", "K1A0B1", "CA", true},
		{"K1A 0B1", "K1A 0B2", "CA", false},
	} {
		if got := SamePostalCode(c.a, c.b, c.country); got != c.same {
			t.Errorf("SamePostalCode(%q, %q, %s) = %t", c.a, c.b, c.country, got)
		}
	}
	if !SameAddress(us("1", "Main St", ""), us("1", "MAIN ST", "")) {
		t.Error("SameAddress")
	}
}

func TestIsPOBox(t *testing.T) {
	for _, s := range []string{
		"PO Box 123", "P.O. Box 123", "P. O. Box 123", "POBox 123", "P.O.Box 12", "po box", "PO BOX 9 Station A",
		"Post Office Box 77", "Postal Box 5", "Box 123", "BOX 4567", "RR 2 Box 45", "PMB 301",
		"BP 45", "B.P. 45", "b p 45", "CP 456 Succ. Centre-Ville", "C.P. 456", "Case postale 456",
		"Boîte postale 12", "Casier postal 3", "GPO Box 1", "Lockbox 55", "POB 12",
	} {
		if !IsPOBox(s) {
			t.Errorf("IsPOBox(%q) = false, want true", s)
		}
	}
	for _, s := range []string{
		"Box Hill Road", "123 Box Hill Rd", "45 Boxwood Lane", "1 Post Office Square", "100 CP Rail Way",
		"12 Boxer St", "123 Main St", "45 St 1St Av", "7 Box Elder Ct", "22 Capital Pkwy", "5 BP Plaza",
		"", "12 Rue Principale",
	} {
		if IsPOBox(s) {
			t.Errorf("IsPOBox(%q) = true, want false", s)
		}
	}
}
