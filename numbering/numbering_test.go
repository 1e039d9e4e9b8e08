package numbering

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opennpac/npac"
)

// shared returns the contents of a file in the shared data directory. The
// tests exercise the real published files; a missing file is a failure.
func shared(t testing.TB, parts ...string) []byte {
	t.Helper()
	p := filepath.Join(append([]string{"..", "..", "shared", "data"}, parts...)...)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("cannot read the shared data file %s (%v): these tests need the numbering files in /work/shared/data; see the SOURCE.md files cited in numbering/doc.go", p, err)
	}
	return b
}

const (
	cnac2023 = "COCodeStatus_ALL_2023-08-04.csv"
	cnac2024 = "COCodeStatus_ALL_2024-10-10.csv"
	report5  = "All5XXNXXCodesReport_2023-03-07.txt"
	npa2023  = "npa_report_2023-03-06.csv"
	npa2025  = "npa_report_2025-11-26.csv"
)

func readCNACFile(t testing.TB, name string) *CodeFile {
	t.Helper()
	f, err := ReadCNAC(bytes.NewReader(shared(t, "cnac-co-codes", name)))
	if err != nil {
		t.Fatalf("ReadCNAC(%s): %v", name, err)
	}
	return f
}

func readNPAFile(t testing.TB, name string) *AreaFile {
	t.Helper()
	f, err := ReadNPAReport(bytes.NewReader(shared(t, "nanpa-npa-report", name)))
	if err != nil {
		t.Fatalf("ReadNPAReport(%s): %v", name, err)
	}
	return f
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func findCode(t *testing.T, f *CodeFile, code npac.NPANXX) *Code {
	t.Helper()
	for i := range f.Codes {
		if f.Codes[i].NPANXX == code {
			return &f.Codes[i]
		}
	}
	t.Fatalf("code %s not found", code)
	return nil
}

func TestReadCNAC(t *testing.T) {
	cases := []struct {
		name        string
		date        time.Time
		hasProvince bool
		want        Code
	}{
		{cnac2023, day(2023, 8, 4), false, Code{Line: 3, NPANXX: "204200", Status: "In Service", OCN: "930E", Company: "FlexITy Solutions Inc", ExchangeArea: "Winnipeg"}},
		{cnac2024, day(2024, 10, 10), true, Code{Line: 3, NPANXX: "204200", Status: "In Service", OCN: "4727", Company: "ISP Telecom Inc.", ExchangeArea: "Winnipeg", Province: "MB"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := readCNACFile(t, c.name)
			if f.Source != "cnac" || !f.Date.Equal(c.date) || f.Date.Location() != time.UTC || f.HasProvince != c.hasProvince {
				t.Errorf("Source %q Date %v HasProvince %v; want cnac %v %v", f.Source, f.Date, f.HasProvince, c.date, c.hasProvince)
			}
			if len(f.Codes) != 44000 {
				t.Fatalf("%d codes, want 44000", len(f.Codes))
			}
			if got := f.Codes[0]; got != c.want {
				t.Errorf("first code\n got %+v\nwant %+v", got, c.want)
			}
			if !f.Codes[0].Held() || !f.Codes[0].InService() {
				t.Errorf("204-200 should be held and in service")
			}
			last := f.Codes[len(f.Codes)-1]
			if last.Line != 44002 {
				t.Errorf("last code on line %d, want 44002", last.Line)
			}
			// N11 codes are listed and kept.
			dir := findCode(t, f, "204411")
			if dir.Status != "For Special Use" || dir.Remarks != "Directory Assistance" || dir.Held() || dir.InService() {
				t.Errorf("204-411 = %+v", *dir)
			}
			// CNAC's "Assigned" is assigned to a provider, not yet in service.
			statuses := map[string]int{}
			for i := range f.Codes {
				c := &f.Codes[i]
				statuses[c.Status]++
				if c.Status == "Assigned" && (c.InService() || !c.Held()) {
					t.Errorf("line %d: CNAC Assigned code %s: InService %v Held %v", c.Line, c.NPANXX, c.InService(), c.Held())
				}
				if (c.OCN != "") != c.Held() {
					t.Errorf("line %d: code %s status %q OCN %q Held %v", c.Line, c.NPANXX, c.Status, c.OCN, c.Held())
				}
			}
			if statuses["In Service"] < 26000 || statuses["Available"] < 13000 {
				t.Errorf("statuses %v", statuses)
			}
		})
	}
}

func TestDiffCNAC(t *testing.T) {
	old, cur := readCNACFile(t, cnac2023), readCNACFile(t, cnac2024)
	d := DiffCodes(old.Codes, cur.Codes)
	if len(d.Added) != 0 || len(d.Removed) != 0 {
		t.Errorf("%d added, %d removed; want none", len(d.Added), len(d.Removed))
	}
	want := map[string]int{"status": 2050, "ocn": 889, "company": 1895, "exchange_area": 886, "remarks": 795}
	for k, v := range want {
		if d.Counts[k] != v {
			t.Errorf("Counts[%q] = %d, want %d", k, d.Counts[k], v)
		}
	}
	if n, ok := d.Counts["province"]; ok {
		t.Errorf("Counts[province] = %d; province must not be compared when the old file has none", n)
	}
	if len(d.Changed)+d.Unchanged != 44000 || len(d.Changed) != 3028 {
		t.Errorf("%d changed + %d unchanged; want 3028 + 40972", len(d.Changed), d.Unchanged)
	}
	for i := 1; i < len(d.Changed); i++ {
		if d.Changed[i-1].NPANXX >= d.Changed[i].NPANXX {
			t.Fatalf("Changed not sorted at %d: %s then %s", i, d.Changed[i-1].NPANXX, d.Changed[i].NPANXX)
		}
	}
	first := d.Changed[0]
	if first.NPANXX != "204200" || first.Old.OCN != "930E" || first.New.OCN != "4727" ||
		strings.Join(first.Fields, ",") != "ocn,company" {
		t.Errorf("first change %s %v: %+v -> %+v", first.NPANXX, first.Fields, *first.Old, *first.New)
	}

	// Reversed, everything swaps roles; against itself, nothing changes.
	if r := DiffCodes(cur.Codes, old.Codes); r.Counts["status"] != 2050 || r.Counts["ocn"] != 889 {
		t.Errorf("reversed counts %v", r.Counts)
	}
	if s := DiffCodes(cur.Codes, cur.Codes); len(s.Changed) != 0 || s.Unchanged != 44000 || len(s.Counts) != 0 {
		t.Errorf("self diff: %d changed, %d unchanged, counts %v", len(s.Changed), s.Unchanged, s.Counts)
	}
}

func TestDiffCodesSmall(t *testing.T) {
	old := []Code{
		{NPANXX: "613200", Status: "In Service", OCN: "1111", Province: "ON"},
		{NPANXX: "613201", Status: "Available"},
		{NPANXX: "613202", Status: "In Service", OCN: "2222", Province: "ON"},
	}
	cur := []Code{
		{NPANXX: "613203", Status: "Assigned", OCN: "3333", Province: "ON"},
		{NPANXX: "613200", Line: 9, Status: "In Service", OCN: "1111", Province: "QC"},
		{NPANXX: "613202", Status: "Being Recovered", OCN: "2222", Province: "ON"},
	}
	d := DiffCodes(old, cur)
	if len(d.Added) != 1 || d.Added[0].NPANXX != "613203" || d.Added[0].Old != nil || d.Added[0].New != &cur[0] {
		t.Errorf("Added %+v", d.Added)
	}
	if len(d.Removed) != 1 || d.Removed[0].NPANXX != "613201" || d.Removed[0].New != nil {
		t.Errorf("Removed %+v", d.Removed)
	}
	if len(d.Changed) != 2 || d.Changed[0].NPANXX != "613200" || d.Changed[0].Fields[0] != "province" ||
		d.Changed[1].NPANXX != "613202" || d.Changed[1].Fields[0] != "status" {
		t.Errorf("Changed %+v", d.Changed)
	}
	if d.Counts["province"] != 1 || d.Counts["status"] != 1 || d.Unchanged != 0 {
		t.Errorf("Counts %v Unchanged %d", d.Counts, d.Unchanged)
	}
}

func TestRead5XX(t *testing.T) {
	f, err := Read5XX(bytes.NewReader(shared(t, "nanpa-5xx-special-handling", report5)))
	if err != nil {
		t.Fatal(err)
	}
	if f.Source != "nanpa-5xx" || !f.Date.Equal(day(2023, 3, 7)) || f.HasProvince {
		t.Errorf("Source %q Date %v HasProvince %v", f.Source, f.Date, f.HasProvince)
	}
	if len(f.Codes) != 11973 {
		t.Fatalf("%d codes, want 11973", len(f.Codes))
	}
	want := Code{Line: 3, NPANXX: "500200", Status: "Assigned", OCN: "6010", Company: "NEW CINGULAR WIRELESS PCS, LLC"}
	if f.Codes[0] != want {
		t.Errorf("first code\n got %+v\nwant %+v", f.Codes[0], want)
	}
	if c := &f.Codes[0]; !c.Held() || !c.InService() {
		t.Errorf("500-200 Held %v InService %v; want both", c.Held(), c.InService())
	}
	ua := findCode(t, f, "500555")
	if ua.Status != "Unavailable" || ua.OCN != "" || ua.Company != "" || ua.Held() || ua.InService() {
		t.Errorf("500-555 = %+v", *ua)
	}
	// Vacant, but still naming its former holder: not held.
	vc := findCode(t, f, "528699")
	if vc.Status != "Vacant" || vc.OCN != "9148" || vc.Held() || vc.InService() {
		t.Errorf("528-699 = %+v Held %v", *vc, vc.Held())
	}
	uses := map[string]int{}
	for _, c := range f.Codes {
		uses[c.Status]++
	}
	if uses["Assigned"] != 11476 || uses["Vacant"] != 467 || uses["Unavailable"] != 30 {
		t.Errorf("statuses %v", uses)
	}
}

func TestReadNPAReport(t *testing.T) {
	cases := []struct {
		name string
		date time.Time
		// 343 went into service 17 May 2010; 235's in-service date is
		// 24 March 2024 in the 2023 file (written 24-MAR-24).
		npa           string
		inServiceDate time.Time
	}{
		{npa2023, day(2023, 3, 6), "235", day(2024, 3, 24)},
		{npa2025, day(2025, 11, 26), "343", day(2010, 5, 17)},
		{npa2023, day(2023, 3, 6), "343", day(2010, 5, 17)},
	}
	for _, c := range cases {
		t.Run(c.name+"/"+c.npa, func(t *testing.T) {
			f := readNPAFile(t, c.name)
			if !f.Date.Equal(c.date) {
				t.Errorf("Date %v, want %v", f.Date, c.date)
			}
			if len(f.Areas) != 800 {
				t.Fatalf("%d areas, want 800", len(f.Areas))
			}
			by := map[string]*AreaCode{}
			for i := range f.Areas {
				by[f.Areas[i].NPA] = &f.Areas[i]
			}
			a613 := by["613"]
			if a613.Region != npac.Canada || a613.Location != "ONTARIO" || a613.Country != "CANADA" ||
				!a613.InService || !a613.Assigned || !a613.InServiceDate.Equal(day(1947, 1, 1)) ||
				!a613.AssignmentDate.Equal(day(1947, 1, 1)) || a613.Kind != "General Purpose Code" ||
				!a613.Overlay || a613.OverlayComplex != "343/613/753" || a613.TimeZone != "E" || a613.Use != "G" || a613.Line != 416 {
				t.Errorf("613 = %+v", *a613)
			}
			if a := by["212"]; a.Region != npac.Northeast || a.Location != "NY" {
				t.Errorf("212 = %+v", *a)
			}
			if a := by["201"]; a.Region != npac.MidAtlantic || a.Location != "NJ" || a.Line != 4 || a.Notes != "" {
				t.Errorf("201 = %+v", *a)
			}
			if a := by["200"]; a.Assigned || a.InService || !a.AssignmentDate.IsZero() || a.Region != "" || a.Kind != "Easily Recognizable Code" {
				t.Errorf("200 = %+v", *a)
			}
			if a := by[c.npa]; !a.InServiceDate.Equal(c.inServiceDate) {
				t.Errorf("%s in service %v, want %v", c.npa, a.InServiceDate, c.inServiceDate)
			}
			if a := by["343"]; a.ParentNPA != "613" || a.AreaServed != "eastern Ontario" {
				t.Errorf("343 = %+v", *a)
			}
			if a := by["600"]; a.Region != npac.Canada {
				t.Errorf("600 (Canadian non-geographic) region %q", a.Region)
			}
			if a := by["867"]; a.Region != npac.Canada {
				t.Errorf("867 (%s) region %q", a.Location, a.Region)
			}
			if a := by["902"]; a.Region != npac.Canada {
				t.Errorf("902 (%s) region %q", a.Location, a.Region)
			}
			if a := by["340"]; a.Region != npac.Southeast {
				t.Errorf("340 (%s) region %q", a.Location, a.Region)
			}
			// Every geographic US or Canadian NPA in service gets a region.
			for _, a := range f.Areas {
				if a.Use == "G" && a.InService && (a.Country == "US" || a.Country == "CANADA") && a.Region == "" && a.Location != "AS" {
					t.Errorf("line %d: NPA %s (%q, %q) has no region", a.Line, a.NPA, a.Location, a.Country)
				}
				if !a.InServiceDate.IsZero() && a.InServiceDate.Year() > f.Date.Year()+20 {
					t.Errorf("line %d: NPA %s in service %v", a.Line, a.NPA, a.InServiceDate)
				}
			}
		})
	}
}

// The two NPA reports write dates differently; for NPAs whose dates did not
// change between them, both must read the same.
func TestNPAReportDateFormatsAgree(t *testing.T) {
	old, cur := readNPAFile(t, npa2023), readNPAFile(t, npa2025)
	same := 0
	for i := range old.Areas {
		o, n := &old.Areas[i], &cur.Areas[i]
		if o.NPA != n.NPA {
			t.Fatalf("row %d: NPA %s vs %s", i, o.NPA, n.NPA)
		}
		if !o.InServiceDate.IsZero() && o.InServiceDate.Equal(n.InServiceDate) {
			same++
		}
	}
	if same < 400 {
		t.Errorf("only %d NPAs have the same in-service date in both reports", same)
	}
}

func TestDetect(t *testing.T) {
	cases := []struct{ dir, name, want string }{
		{"cnac-co-codes", cnac2023, "cnac"},
		{"cnac-co-codes", cnac2024, "cnac"},
		{"nanpa-5xx-special-handling", report5, "nanpa-5xx"},
		{"nanpa-npa-report", npa2023, "nanpa-npa"},
		{"nanpa-npa-report", npa2025, "nanpa-npa"},
	}
	for _, c := range cases {
		b := shared(t, c.dir, c.name)
		got, err := Detect(b[:4096])
		if err != nil || got != c.want {
			t.Errorf("Detect(%s) = %q, %v; want %q", c.name, got, err, c.want)
		}
	}
	other := shared(t, "nanpa-npa-report", "npa_report_field_dictionary.csv")
	if got, err := Detect(other); err == nil || npac.ErrorCode(err) != npac.EINVALID {
		t.Errorf("Detect(field dictionary) = %q, %v; want an EINVALID error", got, err)
	}
	if _, err := Detect(nil); err == nil {
		t.Error("Detect(nil) succeeded")
	}
	if got, err := Detect([]byte("\ufeffNPA,CO Code (NXX),Status\r\n")); got != "cnac" {
		t.Errorf("Detect(BOM cnac) = %q, %v", got, err)
	}
}

const cnacHead = "\"NPA\",\"CO Code (NXX)\",\"Status\",\"Exchange Area\",\"Company\",\"OCN\",\"Remarks\"\n,,,,,,2023-08-04\n"

func TestTolerated(t *testing.T) {
	// BOM, CRLF, columns in another order with an extra one, trailing
	// blank lines, a Latin-1 company name.
	in := "\ufeffRemarks,Extra,ocn, Company ,Province,EXCHANGE AREA,Status,CO Code (NXX),NPA\r\n" +
		",,,,,,,,2024-10-10\r\n" +
		",x,4727,Soci\xe9t\xe9 Qu\xe9bec,QC,Qu\xe9bec,In Service,200,418\r\n" +
		"Home NPA,,,,,,Available,201,418\r\n\r\n\r\n"
	f, err := ReadCNAC(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Code{
		{Line: 3, NPANXX: "418200", Status: "In Service", OCN: "4727", Company: "Société Québec", ExchangeArea: "Québec", Province: "QC"},
		{Line: 4, NPANXX: "418201", Status: "Available", Remarks: "Home NPA"},
	}
	if !f.HasProvince || len(f.Codes) != 2 || f.Codes[0] != want[0] || f.Codes[1] != want[1] {
		t.Errorf("got %+v", f)
	}

	five := "Code Status For :500\tFile Updated :03/07/2023\r\nNPA\tNXX\tUse\tOCN \tCompany   \r\n500\t200\tas\t6010\tNEW CINGULAR   \r\n\r\n"
	g, err := Read5XX(strings.NewReader(five))
	if err != nil || len(g.Codes) != 1 || g.Codes[0].Status != "Assigned" || g.Codes[0].Company != "NEW CINGULAR" {
		t.Errorf("Read5XX = %+v, %v", g, err)
	}
}

func TestErrors(t *testing.T) {
	npaHead := "File Date,11/26/2025\nNPA_ID,type_of_code,ASSIGNABLE,EXPLANATION,RESERVED,ASSIGNED,ASSIGNMENT_DT,USE,LOCATION,COUNTRY,IN_SERVICE,IN_SERVICE_DT\n"
	npaRow := "613,General Purpose Code,Yes,,No,Yes,01-Jan-1947,G,ONTARIO,CANADA,Y,01-Jan-1947\n"
	fiveHead := "Code Status For :500\tFile Updated :03/07/2023\nNPA\tNXX\tUse\tOCN \tCompany\n"
	type reader func(io.Reader) error
	cnac := func(r io.Reader) error { _, err := ReadCNAC(r); return err }
	five := func(r io.Reader) error { _, err := Read5XX(r); return err }
	npa := func(r io.Reader) error { _, err := ReadNPAReport(r); return err }
	cases := []struct {
		name string
		read reader
		in   string
		want []string
	}{
		{"bad NXX", cnac, cnacHead + "204,200,In Service,Winnipeg,X,930E,\n204,2O1,In Service,Winnipeg,X,930E,\n", []string{"line 4:", `NXX "2O1" is not three digits`}},
		{"bad NXX after blank line", cnac, cnacHead + "\n204,200,In Service,Winnipeg,X,930E,\n\n204,1O1,In Service,Winnipeg,X,930E,\n", []string{"line 6:", `NXX "1O1"`}},
		{"NXX starting with 1", cnac, cnacHead + "204,120,In Service,Winnipeg,X,930E,\n", []string{"line 3:", `NXX "120" starts with 1`}},
		{"bad NPA", cnac, cnacHead + "24,200,In Service,Winnipeg,X,930E,\n", []string{"line 3:", `NPA "24" is not three digits`}},
		{"duplicate", cnac, cnacHead + "204,200,In Service,Winnipeg,X,930E,\n204,201,Available,,,,\n204,200,Available,,,,\n", []string{"line 5:", "204-200", "lines 3 and 5"}},
		{"missing column", cnac, "NPA,CO Code (NXX),Status,Exchange Area,Company,Remarks\n,,,,,2023-08-04\n", []string{"line 1:", `"OCN"`}},
		{"missing header", cnac, "204,200,In Service,Winnipeg,X,930E,\n", []string{"line 1:", `"NPA"`, "header"}},
		{"bad date", cnac, strings.Replace(cnacHead, "2023-08-04", "2023-13-04", 1), []string{"line 2:", `"2023-13-04"`}},
		{"no date row", cnac, strings.Replace(cnacHead, ",,,,,,2023-08-04", "204,200,In Service,Winnipeg,X,930E,", 1), []string{"line 2:", "snapshot date"}},
		{"field count", cnac, cnacHead + "204,200,In Service,Winnipeg,X,930E,,extra\n", []string{"line 3:", "8 fields", "header has 7"}},
		{"field count short", cnac, cnacHead + "204,200,In Service\n", []string{"line 3:", "3 fields"}},
		{"bare quote", cnac, cnacHead + "204,200,In \"Service,Winnipeg,X,930E,\n", []string{"line 3:", "malformed"}},
		{"empty", cnac, "", []string{"line 1:", "empty"}},
		{"no status", cnac, cnacHead + "204,200,,Winnipeg,X,930E,\n", []string{"line 3:", "Status"}},

		{"5xx bad use", five, fiveHead + "500\t200\tAS\t6010\tX\n500\t201\tZZ\t6010\tX\n", []string{"line 4:", `Use "ZZ"`}},
		{"5xx bad NXX", five, fiveHead + "500\t2a0\tAS\t6010\tX\n", []string{"line 3:", `NXX "2a0"`}},
		{"5xx duplicate", five, fiveHead + "500\t200\tAS\t6010\tX\n500\t200\tVC\t\t\n", []string{"line 4:", "lines 3 and 4"}},
		{"5xx field count", five, fiveHead + "500\t200\tAS\t6010\n", []string{"line 3:", "4 fields", "header has 5"}},
		{"5xx missing column", five, "Code Status For :500\tFile Updated :03/07/2023\nNPA\tNXX\tOCN\tCompany\n", []string{"line 2:", `"Use"`}},
		{"5xx bad date", five, "Code Status For :500\tFile Updated :2023-03-07\n", []string{"line 1:", `"2023-03-07"`}},
		{"5xx no title", five, "NPA\tNXX\tUse\tOCN\tCompany\n", []string{"line 1:", "Code Status For"}},

		{"npa bad date", npa, npaHead + npaRow + "343,General Purpose Code,Yes,,No,Yes,10-Sep-2008,G,ONTARIO,CANADA,Y,17-Mai-2010\n", []string{"line 4:", `IN_SERVICE_DT "17-Mai-2010"`}},
		{"npa bad file date", npa, "File Date,2025-11-26\n", []string{"line 1:", `"2025-11-26"`}},
		{"npa no file date", npa, npaHead[len("File Date,11/26/2025\n"):] + npaRow, []string{"line 1:", "File Date"}},
		{"npa duplicate", npa, npaHead + npaRow + npaRow, []string{"line 4:", "NPA 613", "lines 3 and 4"}},
		{"npa field count", npa, npaHead + "613,General Purpose Code\n", []string{"line 3:", "2 fields", "header has 12"}},
		{"npa bad bool", npa, npaHead + strings.Replace(npaRow, ",Y,", ",Maybe,", 1), []string{"line 3:", `IN_SERVICE is "Maybe"`}},
		{"npa bad NPA", npa, npaHead + "61,General Purpose Code,Yes,,No,Yes,,G,,,N,\n", []string{"line 3:", `NPA "61"`}},
		{"npa missing column", npa, "File Date,11/26/2025\nNPA_ID,type_of_code\n", []string{"line 2:", `"ASSIGNABLE"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.read(strings.NewReader(c.in))
			if err == nil {
				t.Fatal("no error")
			}
			if code := npac.ErrorCode(err); code != npac.EINVALID {
				t.Errorf("code %q, want %q (%v)", code, npac.EINVALID, err)
			}
			msg := npac.ErrorMessage(err)
			t.Log(msg)
			if !strings.HasPrefix(msg, "line ") {
				t.Errorf("message %q does not start with the line", msg)
			}
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q does not contain %q", msg, w)
				}
			}
		})
	}
}

func TestHeldAndInService(t *testing.T) {
	cases := []struct {
		code            Code
		held, inService bool
	}{
		{Code{NPANXX: "613200", Status: "In Service", OCN: "1234"}, true, true},
		{Code{NPANXX: "613200", Status: "Assigned", OCN: "1234"}, true, false},
		{Code{NPANXX: "613200", Status: "Being Recovered", OCN: "1234"}, true, false},
		{Code{NPANXX: "613200", Status: "New NPA Testing", OCN: "1234"}, true, false},
		{Code{NPANXX: "613200", Status: "Available"}, false, false},
		{Code{NPANXX: "613200", Status: "In Service"}, false, true},
		{Code{NPANXX: "500200", Status: "Assigned", OCN: "6010"}, true, true},
		{Code{NPANXX: "524200", Status: "Assigned", OCN: "6010"}, true, true},
		{Code{NPANXX: "588200", Status: "Assigned", OCN: "6010"}, true, true},
		{Code{NPANXX: "520200", Status: "Assigned", OCN: "6010"}, true, false}, // Arizona
		{Code{NPANXX: "514200", Status: "Assigned", OCN: "6010"}, true, false}, // Montreal
		{Code{NPANXX: "528699", Status: "Vacant", OCN: "9148"}, false, false},
		{Code{NPANXX: "500555", Status: "Unavailable"}, false, false},
	}
	for _, c := range cases {
		if c.code.Held() != c.held || c.code.InService() != c.inService {
			t.Errorf("%+v: Held %v InService %v; want %v %v", c.code, c.code.Held(), c.code.InService(), c.held, c.inService)
		}
	}
}

func BenchmarkReadCNAC(b *testing.B) {
	data := shared(b, "cnac-co-codes", cnac2024)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		f, err := ReadCNAC(bytes.NewReader(data))
		if err != nil || len(f.Codes) != 44000 {
			b.Fatal(err)
		}
	}
}
