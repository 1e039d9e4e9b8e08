package storetest

import (
	"slices"
	"testing"
	"time"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/portorder"
)

func testReports(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	if err := w.S.PutCSR(w.A, SPA, JaneCSR(OrderTN(970))); err != nil {
		t.Fatal(err)
	}
	bad := JaneOrder(OrderTN(970))
	bad.EndUser.Name = "Someone Else"
	o := w.mustOrder(t, bad)
	if _, err := w.S.SubmitOrder(w.C, o.ID); err != nil {
		t.Fatal(err)
	}
	w.register(t, SPC)
	w.Port(t, TN(970))
	w.ackAll(t, SPC)
	w.Port(t, TN(971))                                       // sending: SPC's LSMS has not acknowledged
	w.MustCreate(t, w.B, NewCreate(TN(972), SPA, SPB, LRNB)) // pending
	day := DueDay.Add(14 * time.Hour).UTC().Format("2006-01-02")

	// The open SVs: the one sending and the one pending.
	r, err := w.S.Report(w.Admin, npac.ReportOpenSVs, npac.ReportFilter{})
	if err != nil || len(r.Rows) != 2 || r.Rows[0][2] != "sending" || r.Rows[1][1] != string(TN(972)) {
		t.Errorf("open SVs: %v (%v)", r, err)
	}
	r, err = w.S.Report(w.Admin, npac.ReportLSMSLag, npac.ReportFilter{})
	if err != nil || len(r.Rows) != 1 || r.Rows[0][0] != "CCC3" || r.Rows[0][3] == "0" || r.Rows[0][4] != "1" {
		t.Errorf("LSMS lag: %v (%v)", r, err)
	}
	// SPC's LSMS, the only one, misses the deadline of the second port:
	// it fails, and a failed activation is no port.
	w.Clock.Advance(time.Hour)
	if _, err := w.S.SweepDeliveries(t.Context(), w.Clock.Now(), 100); err != nil {
		t.Fatal(err)
	}
	r, err = w.S.Report(w.Admin, npac.ReportFailedSVs, npac.ReportFilter{})
	if err != nil || len(r.Rows) != 1 || r.Rows[0][1] != string(TN(971)) || r.Rows[0][7] != "CCC3" {
		t.Errorf("failed SVs: %v (%v)", r, err)
	}
	r, err = w.S.Report(w.Admin, npac.ReportPortsPerDay, npac.ReportFilter{From: Start, To: w.Clock.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{day, "AAA1", "0", "1"}, {day, "BBB2", "1", "0"}}
	if !slices.EqualFunc(r.Rows, want, slices.Equal[[]string]) {
		t.Errorf("ports per day: %v, want %v", r.Rows, want)
	}
	// An SOA reports on its own SPID only.
	r, err = w.S.Report(w.B, npac.ReportPortsPerMonth, npac.ReportFilter{From: Start, To: w.Clock.Now().Add(time.Hour)})
	if err != nil || len(r.Rows) != 1 || r.Rows[0][1] != "BBB2" || r.Rows[0][2] != "1" {
		t.Errorf("Bravo's ports per month: %v (%v)", r, err)
	}
	_, err = w.S.Report(w.B, npac.ReportOpenSVs, npac.ReportFilter{SPID: SPC})
	WantCode(t, err, npac.EFORBIDDEN)
	_, err = w.S.Report(w.Admin, "nonsense", npac.ReportFilter{})
	WantCode(t, err, npac.EINVALID)
	r, err = w.S.Report(w.A, npac.ReportOrderRejections, npac.ReportFilter{From: Start, To: w.Clock.Now().Add(time.Hour)})
	if err != nil || len(r.Rows) == 0 || r.Rows[0][1] != "name-mismatch" || r.Rows[0][3] != "1" {
		t.Errorf("order rejections: %v (%v)", r, err)
	}
	if rc, _ := portorder.Lookup("name-mismatch"); r != nil && len(r.Rows) > 0 && r.Rows[0][2] != rc.Title {
		t.Errorf("rejection title %q, want %q", r.Rows[0][2], rc.Title)
	}
}
