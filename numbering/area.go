package numbering

import (
	"io"
	"strings"
	"time"

	"github.com/opennpac/npac"
)

// AreaCode is one NPA (area code) of NANPA's NPA database report.
type AreaCode struct {
	Line int
	NPA  string // 3 digits
	Kind string // type_of_code, e.g. "General Purpose Code"

	Assignable, Reserved, Assigned, InService bool

	AssignmentDate, InServiceDate time.Time // UTC midnight; zero when blank

	Use      string // G (geographic), N (non-geographic), ""
	Location string // as published: "TX", "ONTARIO", "NANP AREA", ...
	Country  string
	// Region is the NPAC region derived from Location: a US state or
	// territory postal code gives its region (npac.RegionOfArea; the
	// report's "USVI" and "CNMI" are read as VI and MP); a Canadian province
	// or territory, by name ("ONTARIO", "NOVA SCOTIA - PRINCE EDWARD
	// ISLAND", ...) or postal code, or "CANADA" gives npac.Canada. When
	// Location is blank and Country is CANADA (Canadian non-geographic codes
	// such as 600) it is npac.Canada too. Otherwise "".
	Region         npac.Region
	Status         string // STATUS column (relief activity), e.g. "Active", "Trigger", ""
	Overlay        bool
	OverlayComplex string // e.g. "343/613/753"
	ParentNPA      string // "" when none
	Service        string
	TimeZone       string // raw, e.g. "E", "EC", "(UTC+10)"
	AreaServed     string
	Notes          string
}

// AreaFile is a snapshot of the NPA database report.
type AreaFile struct {
	Date  time.Time // the "File Date" on line 1 (UTC midnight)
	Areas []AreaCode
}

// The NPA report columns, in the order of npaCols.
const (
	nNPA = iota
	nKind
	nAssignable
	nReserved
	nAssigned
	nAssignDate
	nUse
	nLocation
	nCountry
	nInService
	nInServiceDate
	nStatus
	nOverlay
	nComplex
	nParent
	nService
	nTimeZone
	nAreaServed
	nNotes
)

var npaCols = []column{
	nNPA:           {"NPA_ID", []string{"npa_id"}, true},
	nKind:          {"type_of_code", []string{"type_of_code"}, true},
	nAssignable:    {"ASSIGNABLE", []string{"assignable"}, true},
	nReserved:      {"RESERVED", []string{"reserved"}, true},
	nAssigned:      {"ASSIGNED", []string{"assigned"}, true},
	nAssignDate:    {"ASSIGNMENT_DT", []string{"assignment_dt"}, true},
	nUse:           {"USE", []string{"use"}, true},
	nLocation:      {"LOCATION", []string{"location"}, true},
	nCountry:       {"COUNTRY", []string{"country"}, true},
	nInService:     {"IN_SERVICE", []string{"in_service"}, true},
	nInServiceDate: {"IN_SERVICE_DT", []string{"in_service_dt"}, true},
	nStatus:        {"STATUS", []string{"status"}, false},
	nOverlay:       {"OVERLAY", []string{"overlay"}, false},
	nComplex:       {"OVERLAY_COMPLEX", []string{"overlay_complex"}, false},
	nParent:        {"PARENT_NPA_ID", []string{"parent_npa_id"}, false},
	nService:       {"SERVICE", []string{"service"}, false},
	nTimeZone:      {"TIME_ZONE", []string{"time_zone"}, false},
	nAreaServed:    {"AREA_SERVED", []string{"area_served"}, false},
	nNotes:         {"NOTES", []string{"notes"}, false},
}

// ReadNPAReport reads NANPA's npa_report.csv: line 1 "File Date,MM/DD/YYYY",
// line 2 a header (columns found by name; see npa_report_field_dictionary.csv),
// then one row per NPA. Dates may be written 01-Jan-1947 or 01-JAN-47; a
// two-digit year is placed in the century that puts it no more than 20
// years after the file date.
func ReadNPAReport(r io.Reader) (*AreaFile, error) {
	cr := newCSV(r)
	rec, err := cr.read()
	if err == io.EOF {
		return nil, lineError(1, "the file is empty; an NPA report starts with \"File Date,MM/DD/YYYY\".")
	} else if err != nil {
		return nil, err
	}
	if len(rec) < 2 || !strings.EqualFold(text(rec[0]), "File Date") {
		return nil, lineError(cr.line, "expected \"File Date,MM/DD/YYYY\", found %q; is this a NANPA NPA report?", clip(text(strings.Join(rec, ","))))
	}
	f := &AreaFile{}
	ds := text(rec[1])
	if f.Date, err = time.Parse("1/2/2006", ds); err != nil {
		return nil, lineError(cr.line, "the File Date %q is not a date like 11/26/2025 (month/day/year).", ds)
	}

	header, err := cr.read()
	if err == io.EOF {
		return nil, lineError(cr.line+1, "the file ends after the File Date line; expected the header NPA_ID,type_of_code,...")
	} else if err != nil {
		return nil, err
	}
	width := len(header)
	idx, err := locate(cr.line, header, npaCols)
	if err != nil {
		return nil, err
	}

	in := interner{}
	seen := make(map[string]int, 800)
	f.Areas = make([]AreaCode, 0, 800)
	for {
		rec, err := cr.read()
		if err == io.EOF {
			break
		} else if err != nil {
			return nil, err
		}
		line := cr.line
		if err := fieldCount(line, rec, width); err != nil {
			return nil, err
		}
		get := func(c int) string { return field(rec, idx[c]) }
		a := AreaCode{
			Line:           line,
			NPA:            get(nNPA),
			Kind:           in.get(get(nKind)),
			Use:            in.get(strings.ToUpper(get(nUse))),
			Location:       in.get(get(nLocation)),
			Country:        in.get(get(nCountry)),
			Status:         in.get(get(nStatus)),
			OverlayComplex: get(nComplex),
			ParentNPA:      get(nParent),
			Service:        in.get(get(nService)),
			TimeZone:       in.get(get(nTimeZone)),
			AreaServed:     get(nAreaServed),
			Notes:          get(nNotes),
		}
		if why := checkCode("NPA", a.NPA); why != "" {
			return nil, lineError(line, "%s.", why)
		}
		if first, dup := seen[a.NPA]; dup {
			return nil, lineError(line, "NPA %s is listed twice, on lines %d and %d; remove one.", a.NPA, first, line)
		}
		seen[a.NPA] = line
		for _, b := range []struct {
			col int
			dst *bool
		}{{nAssignable, &a.Assignable}, {nReserved, &a.Reserved}, {nAssigned, &a.Assigned}, {nInService, &a.InService}, {nOverlay, &a.Overlay}} {
			if *b.dst, err = yesNo(line, npaCols[b.col].name, get(b.col)); err != nil {
				return nil, err
			}
		}
		if a.AssignmentDate, err = npaDate(line, "ASSIGNMENT_DT", get(nAssignDate), f.Date); err != nil {
			return nil, err
		}
		if a.InServiceDate, err = npaDate(line, "IN_SERVICE_DT", get(nInServiceDate), f.Date); err != nil {
			return nil, err
		}
		a.Region = regionOf(a.Location, a.Country)
		f.Areas = append(f.Areas, a)
	}
	return f, nil
}

// yesNo reads Yes/Y/No/N (any case); blank is false.
func yesNo(line int, col, s string) (bool, error) {
	switch strings.ToUpper(s) {
	case "YES", "Y":
		return true, nil
	case "NO", "N", "":
		return false, nil
	}
	return false, lineError(line, "%s is %q; it must be Yes, No, Y, N or blank.", col, s)
}

// npaDate reads 01-Jan-1947 or 01-JAN-47; blank is the zero time. A
// two-digit year goes in the century that puts it at most 20 years after
// fileDate (NANPA lists planned in-service dates a few years ahead).
func npaDate(line int, col, s string, fileDate time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	layout := "2-Jan-2006"
	short := false
	if i := strings.LastIndexByte(s, '-'); i >= 0 && len(s)-i-1 == 2 {
		layout, short = "2-Jan-06", true
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return time.Time{}, lineError(line, "%s %q is not a date like 01-Jan-1947 or 01-JAN-47.", col, s)
	}
	if short {
		y := 1900 + t.Year()%100
		for y+100 <= fileDate.Year()+20 {
			y += 100
		}
		t = time.Date(y, t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	}
	return t, nil
}

// canadian lists, upper-case, the names the report uses for Canadian
// provinces and territories (and parts of combined names split on "-", "/",
// "&" or ",").
var canadian = map[string]bool{
	"CANADA": true, "ONTARIO": true, "QUEBEC": true, "QUÉBEC": true,
	"BRITISH COLUMBIA": true, "ALBERTA": true, "MANITOBA": true,
	"SASKATCHEWAN": true, "NEW BRUNSWICK": true, "NOVA SCOTIA": true,
	"PRINCE EDWARD ISLAND": true, "NEWFOUNDLAND": true,
	"NEWFOUNDLAND AND LABRADOR": true, "LABRADOR": true, "YUKON": true,
	"NORTHWEST TERRITORIES": true, "NW TERR.": true, "NW TERR": true,
	"NWT": true, "NUNAVUT": true,
}

// usAliases maps location names the report uses for US territories to
// their postal codes.
var usAliases = map[string]string{"USVI": "VI", "CNMI": "MP"}

// regionOf derives the NPAC region of an NPA from its LOCATION and COUNTRY.
func regionOf(location, country string) npac.Region {
	loc := strings.ToUpper(strings.TrimSpace(location))
	if loc == "" {
		if strings.EqualFold(strings.TrimSpace(country), "CANADA") {
			return npac.Canada
		}
		return ""
	}
	if pc, ok := usAliases[loc]; ok {
		loc = pc
	}
	if len(loc) == 2 {
		r, _ := npac.RegionOfArea(loc)
		return r
	}
	for _, part := range strings.FieldsFunc(loc, func(r rune) bool {
		return r == '-' || r == '/' || r == '&' || r == ','
	}) {
		if canadian[strings.TrimSpace(part)] {
			return npac.Canada
		}
	}
	if canadian[loc] {
		return npac.Canada
	}
	return ""
}
