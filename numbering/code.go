package numbering

import (
	"bufio"
	"io"
	"strings"
	"time"

	"github.com/opennpac/npac"
)

// Code is one central-office code (NPA-NXX) as a numbering administrator
// publishes it.
type Code struct {
	Line         int // 1-based line in the file
	NPANXX       npac.NPANXX
	Status       string // as published: CNAC "In Service", "Available", ...; 5XX "Assigned", "Unavailable", "Vacant"
	OCN          string // "" when none; upper-case, trimmed
	Company      string // trimmed
	ExchangeArea string // CNAC; "" for 5XX
	Province     string // CNAC 2024+ files; "" when the file has no Province column
	Remarks      string
}

// notHeld lists, lower-cased, the statuses that mean a code is not assigned
// to any provider whatever OCN the row names.
var notHeld = map[string]bool{
	"available":                      true,
	"available as initial code only": true,
	"vacant":                         true,
	"unavailable":                    true,
	"not available":                  true,
	"temporarily unavailable":        true,
	"recovered/aging":                true,
	"new npa":                        true,
	"stranded code":                  true,
	"protected":                      true,
	"moratorium on assignment":       true,
	"for special use":                true,
	"plant test":                     true,
	"new entrants reserved":          true,
}

// Held reports whether the code is assigned to a service provider: it has
// an OCN and its status is not one of Available, Available as Initial Code
// only, Vacant, Unavailable, Not Available, Temporarily Unavailable,
// Recovered/Aging, New NPA, Stranded Code, Protected, Moratorium on
// Assignment, For Special Use, Plant Test or New Entrants Reserved
// (compared case-insensitively). Any other status with an OCN is held: CNAC
// "In Service", "Assigned", "Being Recovered" and "New NPA Testing", and 5XX
// "Assigned". In the published files the rule only excludes seven 5XX
// "Vacant" codes that still name their former holder's OCN; no CNAC code
// has an OCN with a status in the list above.
func (c *Code) Held() bool {
	return c.OCN != "" && !notHeld[strings.ToLower(c.Status)]
}

// InService reports whether the code carries live traffic: CNAC lists it
// "In Service", or NANPA's 5XX report lists it "Assigned" (AS). CNAC also
// uses "Assigned", for a code assigned but not yet in service, so
// "Assigned" counts only in a 5XX personal-communications NPA (500, 521-529,
// or 533-599 with a repeated digit); no Canadian area code is among them.
func (c *Code) InService() bool {
	switch {
	case strings.EqualFold(c.Status, "In Service"):
		return true
	case strings.EqualFold(c.Status, "Assigned"):
		return is5XXNPA(string(c.NPANXX))
	}
	return false
}

// is5XXNPA reports whether the code is in one of the NPAs NANPA assigns for
// personal communications services: 500, 521-529, 533, 544, ... 599.
func is5XXNPA(npanxx string) bool {
	if len(npanxx) < 3 || npanxx[0] != '5' {
		return false
	}
	a, b := npanxx[1], npanxx[2]
	return a == '0' && b == '0' || a == '2' && b >= '1' && b <= '9' || a == b && a >= '3' && a <= '9'
}

// CodeFile is a snapshot of CO codes.
type CodeFile struct {
	Source      string    // "cnac" or "nanpa-5xx"
	Date        time.Time // the snapshot date the file states (UTC midnight)
	HasProvince bool      // the file has a Province column
	Codes       []Code    // in file order
}

// The CNAC columns, in the order of cnacCols.
const (
	cNPA = iota
	cNXX
	cStatus
	cArea
	cProvince
	cCompany
	cOCN
	cRemarks
)

var cnacCols = []column{
	cNPA:      {"NPA", []string{"npa"}, true},
	cNXX:      {"CO Code (NXX)", []string{"co code (nxx)", "co code", "nxx"}, true},
	cStatus:   {"Status", []string{"status"}, true},
	cArea:     {"Exchange Area", []string{"exchange area"}, true},
	cProvince: {"Province", []string{"province"}, false},
	cCompany:  {"Company", []string{"company"}, true},
	cOCN:      {"OCN", []string{"ocn"}, true},
	cRemarks:  {"Remarks", []string{"remarks"}, false},
}

// ReadCNAC reads CNAC's COCodeStatus_ALL.csv: a header naming the columns
// (NPA, CO Code (NXX), Status, Exchange Area, optionally Province, Company,
// OCN, Remarks; found by name, in any order, extra columns ignored), then a
// date-only row whose last field is the snapshot date (YYYY-MM-DD), then one
// row per code.
func ReadCNAC(r io.Reader) (*CodeFile, error) {
	cr := newCSV(r)
	header, err := cr.read()
	if err == io.EOF {
		return nil, lineError(1, "the file is empty; a CNAC file starts with a header row naming NPA, CO Code (NXX), Status, ...")
	} else if err != nil {
		return nil, err
	}
	headerLine := cr.line
	width := len(header)
	idx, err := locate(headerLine, header, cnacCols)
	if err != nil {
		return nil, err
	}
	f := &CodeFile{Source: "cnac", HasProvince: idx[cProvince] >= 0}

	rec, err := cr.read()
	if err == io.EOF {
		return nil, lineError(headerLine+1, "the file ends after the header; expected the snapshot date row (empty fields, then a date like 2024-10-10 in the last).")
	} else if err != nil {
		return nil, err
	}
	if err := fieldCount(cr.line, rec, width); err != nil {
		return nil, err
	}
	for _, s := range rec[:width-1] {
		if text(s) != "" {
			return nil, lineError(cr.line, "expected the snapshot date row after the header (every field empty but the last, which holds a date like 2024-10-10), but field %q is not empty.", text(s))
		}
	}
	ds := text(rec[width-1])
	f.Date, err = time.Parse(time.DateOnly, ds)
	if err != nil {
		return nil, lineError(cr.line, "the snapshot date %q is not a date like 2024-10-10 (year-month-day).", ds)
	}

	in := interner{}
	seen := make(map[npac.NPANXX]int, 50000)
	f.Codes = make([]Code, 0, 50000)
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
		npa, nxx := field(rec, idx[cNPA]), field(rec, idx[cNXX])
		code, err := makeNPANXX(line, npa, nxx, seen)
		if err != nil {
			return nil, err
		}
		status := field(rec, idx[cStatus])
		if status == "" {
			return nil, lineError(line, "code %s-%s has no Status; every CNAC row states one (In Service, Available, ...).", npa, nxx)
		}
		f.Codes = append(f.Codes, Code{
			Line:         line,
			NPANXX:       code,
			Status:       in.get(status),
			OCN:          in.get(strings.ToUpper(field(rec, idx[cOCN]))),
			Company:      in.get(field(rec, idx[cCompany])),
			ExchangeArea: in.get(field(rec, idx[cArea])),
			Province:     in.get(field(rec, idx[cProvince])),
			Remarks:      in.get(field(rec, idx[cRemarks])),
		})
	}
	return f, nil
}

// makeNPANXX validates an NPA and NXX and records the code in seen,
// rejecting a code seen before.
func makeNPANXX(line int, npa, nxx string, seen map[npac.NPANXX]int) (npac.NPANXX, error) {
	if why := checkCode("NPA", npa); why != "" {
		return "", lineError(line, "%s.", why)
	}
	if why := checkCode("NXX", nxx); why != "" {
		return "", lineError(line, "%s.", why)
	}
	code := npac.NPANXX(npa + nxx)
	if first, dup := seen[code]; dup {
		return "", lineError(line, "NPA-NXX %s-%s is listed twice, on lines %d and %d; remove one.", npa, nxx, first, line)
	}
	seen[code] = line
	return code, nil
}

// maxLine bounds a line of a tab-separated report.
const maxLine = 1 << 20

// The 5XX report columns, in the order of fiveCols.
const (
	fNPA = iota
	fNXX
	fUse
	fOCN
	fCompany
)

var fiveCols = []column{
	fNPA:     {"NPA", []string{"npa"}, true},
	fNXX:     {"NXX", []string{"nxx"}, true},
	fUse:     {"Use", []string{"use"}, true},
	fOCN:     {"OCN", []string{"ocn"}, true},
	fCompany: {"Company", []string{"company"}, true},
}

var fiveUse = map[string]string{"AS": "Assigned", "UA": "Unavailable", "VC": "Vacant"}

// Read5XX reads NANPA's All5XXNXXCodesReport.txt: a title line
// "Code Status For :500,521,...<TAB>File Updated :MM/DD/YYYY", a header
// line (NPA, NXX, Use, OCN, Company; found by name), then one tab-separated
// row per code. The file is not quoted CSV, so it is split on tabs.
func Read5XX(r io.Reader) (*CodeFile, error) {
	sc := bufio.NewScanner(skipBOM(r))
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	line := 0
	next := func() (string, bool) {
		for sc.Scan() {
			line++
			s := strings.TrimSuffix(sc.Text(), "\r")
			if strings.TrimSpace(s) != "" {
				return s, true
			}
		}
		return "", false
	}

	title, ok := next()
	if !ok {
		if err := sc.Err(); err != nil {
			return nil, readError(err)
		}
		return nil, lineError(1, "the file is empty; a 5XX report starts with \"Code Status For :...<TAB>File Updated :MM/DD/YYYY\".")
	}
	f := &CodeFile{Source: "nanpa-5xx"}
	var err error
	if f.Date, err = fiveDate(line, title); err != nil {
		return nil, err
	}

	hs, ok := next()
	if !ok {
		if err := sc.Err(); err != nil {
			return nil, readError(err)
		}
		return nil, lineError(line+1, "the file ends after the title; expected the header NPA, NXX, Use, OCN, Company.")
	}
	header := strings.Split(hs, "\t")
	width := len(header)
	idx, err := locate(line, header, fiveCols)
	if err != nil {
		return nil, err
	}

	in := interner{}
	seen := make(map[npac.NPANXX]int, 16000)
	f.Codes = make([]Code, 0, 16000)
	for {
		s, ok := next()
		if !ok {
			break
		}
		rec := strings.Split(s, "\t")
		if err := fieldCount(line, rec, width); err != nil {
			return nil, err
		}
		npa, nxx := field(rec, idx[fNPA]), field(rec, idx[fNXX])
		code, err := makeNPANXX(line, npa, nxx, seen)
		if err != nil {
			return nil, err
		}
		use := strings.ToUpper(field(rec, idx[fUse]))
		status, ok := fiveUse[use]
		if !ok {
			return nil, lineError(line, "Use %q of %s-%s is not AS (assigned), UA (unavailable) or VC (vacant).", use, npa, nxx)
		}
		f.Codes = append(f.Codes, Code{
			Line:    line,
			NPANXX:  code,
			Status:  status,
			OCN:     in.get(strings.ToUpper(field(rec, idx[fOCN]))),
			Company: in.get(field(rec, idx[fCompany])),
		})
	}
	if err := sc.Err(); err != nil {
		return nil, readError(err)
	}
	return f, nil
}

// fiveDate reads the date from the 5XX title line.
func fiveDate(line int, title string) (time.Time, error) {
	const key = "file updated"
	i := strings.Index(strings.ToLower(title), key)
	if !strings.HasPrefix(strings.ToLower(title), "code status for") || i < 0 {
		return time.Time{}, lineError(line, "expected the title \"Code Status For :500,...<TAB>File Updated :MM/DD/YYYY\", found %q; is this a NANPA 5XX report?", clip(text(title)))
	}
	ds := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(title[i+len(key):]), ":"))
	d, err := time.Parse("1/2/2006", ds)
	if err != nil {
		return time.Time{}, lineError(line, "the File Updated date %q is not a date like 03/07/2023 (month/day/year).", ds)
	}
	return d, nil
}

// clip shortens s for a message.
func clip(s string) string {
	if r := []rune(s); len(r) > 80 {
		return string(r[:77]) + "..."
	}
	return s
}
