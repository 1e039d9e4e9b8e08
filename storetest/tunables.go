package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	npac "github.com/opennpac/npac"
)

// testTunables changes the tunables online: refusals write nothing, a
// change is audited, applies to the next SV's timers, and survives a
// restart and reaches a second server on the same database.
func testTunables(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	def, err := w.S.Tunables(w.B)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(npac.DefaultTunables(), def); diff != "" {
		t.Fatalf("tunables of a fresh store (-default +got):\n%s", diff)
	}
	_, err = w.S.Tunables(context.Background())
	WantCode(t, err, npac.EUNAUTHORIZED)

	want := def.Clone()
	long := want.Timers[npac.TimerLong]
	long.T1, long.T2 = 2*time.Hour, 3*time.Hour
	want.Timers[npac.TimerLong] = long
	want.BroadcastRetries = 5

	_, err = w.S.SetTunables(w.B, want)
	WantCode(t, err, npac.EFORBIDDEN)
	bad := want.Clone()
	bad.BusinessEnd = bad.BusinessStart
	_, err = w.S.SetTunables(w.Admin, bad)
	WantCode(t, err, npac.EINVALID)
	if msg := npac.ErrorMessage(err); !strings.HasPrefix(msg, "business_end: ") {
		t.Errorf("refusal %q does not name business_end first", msg)
	}
	if got, _ := w.S.Tunables(w.B); !cmp.Equal(got, def) {
		t.Fatalf("refused changes were put in force: %+v", got)
	}
	if recs, err := w.S.Audit(w.Admin, npac.AuditFilter{Entity: "tunables"}); err != nil || len(recs) != 0 {
		t.Fatalf("refused changes left %d audit records (%v)", len(recs), err)
	}

	before := w.MustCreate(t, w.B, NewCreate(TN(40), SPA, SPB, LRNB))
	got, err := w.S.SetTunables(w.Admin, want)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("SetTunables returned (-want +got):\n%s", diff)
	}
	recs, err := w.S.Audit(w.Admin, npac.AuditFilter{Entity: "tunables"})
	if err != nil || len(recs) != 1 || recs[0].Action != "update" || !strings.Contains(string(recs[0].After), `"broadcast_retries":5`) {
		t.Fatalf("audit of the change: %+v (%v)", recs, err)
	}

	// The next SV runs on the new long timers; the earlier one keeps its.
	after := w.MustCreate(t, w.B, NewCreate(TN(41), SPA, SPB, LRNB))
	cal := w.S.Machine().Calendar(npac.Northeast)
	if want := cal.Add(after.CreatedAt, 2*time.Hour); after.T1ExpiresAt == nil || !after.T1ExpiresAt.Equal(want) {
		t.Errorf("T1 of an SV created after the change: got %v, want %v", after.T1ExpiresAt, want)
	}
	if want := cal.Add(before.CreatedAt, 9*time.Hour); before.T1ExpiresAt == nil || !before.T1ExpiresAt.Equal(want) {
		t.Errorf("T1 of an SV created before the change: got %v, want %v", before.T1ExpiresAt, want)
	}

	// A restarted or second server reads them from the database, and a
	// change made there reaches this one when it reloads.
	other := b.Attach(t, w.S)
	if got := other.Machine().Tunables; !cmp.Equal(got, want) {
		t.Fatalf("a second server runs with %+v, want the saved tunables", got)
	}
	again := want.Clone()
	again.Weekends = true
	if _, err := other.SetTunables(w.Admin, again); err != nil {
		t.Fatal(err)
	}
	if err := w.S.ReloadTunables(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, _ := w.S.Tunables(w.B); !got.Weekends {
		t.Errorf("after reload the first server still runs without weekends")
	}
}
