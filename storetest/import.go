package storetest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/numbering"
)

// SharedData is the path of the project's shared data folder from a test
// in a package one level below the repository root.
var SharedData = filepath.Join("..", "..", "shared", "data")

// ReadCNAC reads one of the shared CNAC snapshots (2023-08-04 or
// 2024-10-10).
func ReadCNAC(t testing.TB, date string) *numbering.CodeFile {
	t.Helper()
	f, err := os.Open(filepath.Join(SharedData, "cnac-co-codes", "COCodeStatus_ALL_"+date+".csv"))
	if err != nil {
		t.Fatalf("the shared CNAC data is needed beside the repository: %v", err)
	}
	defer f.Close()
	cf, err := numbering.ReadCNAC(f)
	if err != nil {
		t.Fatal(err)
	}
	return cf
}

// wantNetwork checks that the NPAC's Canadian codes are exactly the held
// codes of a snapshot, each with its OCN as holder and open for porting
// while in service.
func wantNetwork(t *testing.T, w *World, cf *numbering.CodeFile) {
	t.Helper()
	want := map[npac.NPANXX]numbering.Code{}
	for _, c := range cf.Codes {
		if _, err := npac.ParseNPANXX(string(c.NPANXX)); c.Held() && err == nil {
			want[c.NPANXX] = c
		}
	}
	got := 0
	var after npac.NPANXX
	for {
		cs, err := w.S.Codes(w.Admin, npac.CodeFilter{Region: npac.Canada, After: after, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			got++
			wc, ok := want[c.NPANXX]
			switch {
			case !ok:
				t.Errorf("NPA-NXX %s is in the NPAC but not held in the %s snapshot", c.NPANXX, cf.Date.Format("2006-01-02"))
			case string(c.SPID) != wc.OCN || c.Portable != wc.InService():
				t.Errorf("NPA-NXX %s: holder %s portable %t, want %s %t (%s)", c.NPANXX, c.SPID, c.Portable, wc.OCN, wc.InService(), wc.Status)
			}
		}
		if len(cs) < 1000 {
			break
		}
		after = cs[len(cs)-1].NPANXX
	}
	if got != len(want) {
		t.Errorf("the NPAC holds %d Canadian codes, want the %d held in the snapshot", got, len(want))
	}
}

func testImportCNAC(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	ctx := context.Background()
	old, cur := ReadCNAC(t, "2023-08-04"), ReadCNAC(t, "2024-10-10")

	_, err := w.S.ImportCodes(w.B, old, numbering.ImportOptions{})
	WantCode(t, err, npac.EFORBIDDEN)
	rep, err := w.S.ImportCodes(w.Admin, old, numbering.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Added != 44000 || rep.Changed != 0 || rep.Rows != 44000 || rep.ID == 0 {
		t.Fatalf("first import: %d added, %d changed of %d rows (id %d), want 44,000 added", rep.Added, rep.Changed, rep.Rows, rep.ID)
	}
	if len(rep.Network.ProvidersCreated) == 0 || rep.Network.CodesCreated == 0 {
		t.Fatalf("first import created %d providers and %d codes", len(rep.Network.ProvidersCreated), rep.Network.CodesCreated)
	}
	p, err := w.S.Provider(w.Admin, "930E")
	if err != nil || p.Origin != "import" || p.Name != "FlexITy Solutions Inc" {
		t.Fatalf("provider for OCN 930E: %+v (%v), want created by import", p, err)
	}
	wantNetwork(t, w, old)

	// The newer snapshot: exactly the differences the files hold.
	head, _ := w.S.LogHead(ctx)
	dry, err := w.S.ImportCodes(w.Admin, cur, numbering.ImportOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if h, _ := w.S.LogHead(ctx); h != head {
		t.Fatalf("a dry run logged %d messages", h-head)
	}
	rep, err = w.S.ImportCodes(w.Admin, cur, numbering.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []*numbering.Report{dry, rep} {
		if r.Counts["status"] != 2050 || r.Counts["ocn"] != 889 || r.Added != 0 || r.Removed != 0 {
			t.Errorf("second snapshot (dry run %t): %d status and %d OCN changes, %d added, %d removed; want 2,050 and 889, none added or removed",
				r.DryRun, r.Counts["status"], r.Counts["ocn"], r.Added, r.Removed)
		}
	}
	if dry.Network.CodesCreated != rep.Network.CodesCreated || dry.Network.HolderChanged != rep.Network.HolderChanged {
		t.Errorf("the dry run foresaw %+v, the import did %+v", dry.Network, rep.Network)
	}
	if rep.Network.HolderChanged == 0 || rep.Network.CodesOpened == 0 {
		t.Errorf("second import: %+v, want holder changes and openings", rep.Network)
	}
	wantNetwork(t, w, cur)
	// The same snapshot again changes nothing.
	head, _ = w.S.LogHead(ctx)
	rep, err = w.S.ImportCodes(w.Admin, cur, numbering.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Added+rep.Changed+rep.Removed != 0 || rep.Unchanged != 44000 {
		t.Errorf("re-import: %d added, %d changed %v, %d removed, %d unchanged; want 44,000 unchanged", rep.Added, rep.Changed, rep.Counts, rep.Removed, rep.Unchanged)
	}
	if h, _ := w.S.LogHead(ctx); h != head {
		t.Errorf("re-importing the same snapshot logged %d messages", h-head)
	}
	list, err := w.S.Imports(w.Admin, 10)
	if err != nil || len(list) != 3 || list[0].Source != "cnac" || list[2].Added != 44000 {
		t.Errorf("import history: %d entries (%v)", len(list), err)
	}
}

func testImportRules(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	file := func(rows ...string) *numbering.CodeFile {
		t.Helper()
		cf, err := numbering.ReadCNAC(strings.NewReader("NPA,CO Code (NXX),Status,Exchange Area,Company,OCN,Remarks\n,,,,,,2024-01-01\n" + strings.Join(rows, "\n") + "\n"))
		if err != nil {
			t.Fatal(err)
		}
		return cf
	}
	if _, err := w.S.ImportCodes(w.Admin, file("613,555,In Service,Ottawa,Test Tel,9999,", "613,556,Available,Ottawa,,,"), numbering.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	c, err := w.S.Code(w.Admin, "613555")
	if err != nil || c.SPID != "9999" || !c.Portable || c.Region != npac.Canada {
		t.Fatalf("imported code: %+v (%v)", c, err)
	}
	_, err = w.S.Code(w.Admin, "613556")
	WantCode(t, err, npac.ENOTFOUND)
	// A code with a live SV stays, closed, when it is no longer held.
	if err := w.S.CreateLRN(w.Admin, &npac.LRNRecord{LRN: "6135550000", SPID: SPB, Region: npac.Canada}); err != nil {
		t.Fatal(err)
	}
	w.MustCreate(t, w.B, NewCreate("6135550001", "9999", SPB, "6135550000"))
	rep, err := w.S.ImportCodes(w.Admin, file("613,555,Available,Ottawa,,,", "613,556,Available,Ottawa,,,"), numbering.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Network.Kept) != 1 || rep.Network.Kept[0] != "613555" || rep.Network.CodesClosed != 1 {
		t.Fatalf("release with a live SV: %+v, want 613555 kept and closed", rep.Network)
	}
	if c, err := w.S.Code(w.Admin, "613555"); err != nil || c.Portable {
		t.Fatalf("kept code: %+v (%v), want closed", c, err)
	}
	// 5XX codes need a region.
	x := &numbering.CodeFile{Source: "nanpa-5xx", Codes: []numbering.Code{{NPANXX: "500200", Status: "Assigned", OCN: "6010"}}}
	_, err = w.S.ImportCodes(w.Admin, x, numbering.ImportOptions{})
	WantCode(t, err, npac.EINVALID)
	if _, err := w.S.ImportCodes(w.Admin, x, numbering.ImportOptions{Region: npac.Southeast}); err != nil {
		t.Fatal(err)
	}
	if c, err := w.S.Code(w.Admin, "500200"); err != nil || c.Region != npac.Southeast || c.SPID != "6010" {
		t.Fatalf("5XX code: %+v (%v)", c, err)
	}
}

func testImportAreaCodes(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	read := func(name string) *numbering.AreaFile {
		f, err := os.Open(filepath.Join(SharedData, "nanpa-npa-report", name))
		if err != nil {
			t.Fatalf("the shared NANPA data is needed beside the repository: %v", err)
		}
		defer f.Close()
		af, err := numbering.ReadNPAReport(f)
		if err != nil {
			t.Fatal(err)
		}
		return af
	}
	rep, err := w.S.ImportAreaCodes(w.Admin, read("npa_report_2023-03-06.csv"), numbering.ImportOptions{})
	if err != nil || rep.Added != 800 {
		t.Fatalf("first area-code import: %+v (%v), want 800 added", rep, err)
	}
	rep, err = w.S.ImportAreaCodes(w.Admin, read("npa_report_2025-11-26.csv"), numbering.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Added != 0 || rep.Removed != 0 || rep.Changed == 0 || rep.Changed+rep.Unchanged != 800 || rep.Counts["in_service"] == 0 {
		t.Errorf("second area-code import: %d changed (%v), %d unchanged; want some, with new area codes in service", rep.Changed, rep.Counts, rep.Unchanged)
	}
}
