package lifecycle_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
	_ "time/tzdata" // the region time zones, even where the system has none

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/calendar"
	"github.com/opennpac/npac/lifecycle"
)

// The parties of the test port.
const (
	newSP = npac.SPID("1111")
	oldSP = npac.SPID("2222")
	tn    = npac.TN("2125550100")
	lrn   = npac.LRN("2125550000")
	lrn2  = npac.LRN("2125559999")
)

const (
	hour = time.Hour
	day  = 24 * time.Hour
	// thirtyDays is the default conflict expiration and pending purge.
	thirtyDays = 30 * day
)

func loadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

var (
	newYork = loadLocation("America/New_York") // Northeast
	chicago = loadLocation("America/Chicago")  // Midwest
)

// ny is a wall-clock time in New York, the Northeast region's zone.
func ny(y int, mo time.Month, d, h, mi int) time.Time {
	return time.Date(y, mo, d, h, mi, 0, 0, newYork)
}

// chi is a wall-clock time in Chicago, the Midwest region's zone.
func chi(y int, mo time.Month, d, h, mi int) time.Time {
	return time.Date(y, mo, d, h, mi, 0, 0, chicago)
}

// gmtDay is 00:00:00 GMT of a day: a normalized wireline due date.
func gmtDay(y int, mo time.Month, d int) time.Time {
	return time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)
}

// The fixed scenario most tests run on (US federal holidays, Northeast).
var (
	created  = ny(2025, time.June, 3, 10, 0)  // Tuesday: the new SP creates
	concurAt = ny(2025, time.June, 3, 11, 0)  // the old SP concurs
	due      = gmtDay(2025, time.June, 10)    // Tuesday
	t1At     = ny(2025, time.June, 4, 10, 0)  // created + 9 business hours
	dueAt    = ny(2025, time.June, 10, 9, 0)  // on the due date: activation allowed
	later    = ny(2025, time.June, 11, 10, 0) // after activation
)

// federal returns a machine with the default tunables and the rule-based
// US federal holidays.
func federal(t *testing.T) *lifecycle.Machine {
	t.Helper()
	m, err := lifecycle.New(npac.DefaultTunables(), calendar.USFederal())
	if err != nil {
		t.Fatalf("lifecycle.New: %v", err)
	}
	return m
}

// opm returns a machine with the default tunables and the OPM federal
// holiday list for 2011–2022, read from ../shared/data/us-holidays relative
// to the module root.
func opm(t *testing.T) *lifecycle.Machine {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the working directory")
		}
		dir = parent
	}
	path := filepath.Join(dir, "..", "shared", "data", "us-holidays", "opm_federal_holidays_2011-2022.csv")
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("holiday data missing: %v", err)
	}
	defer f.Close()
	h, err := calendar.ReadCSV(f)
	if err != nil {
		t.Fatalf("ReadCSV(%s): %v", path, err)
	}
	m, err := lifecycle.New(npac.DefaultTunables(), h)
	if err != nil {
		t.Fatalf("lifecycle.New: %v", err)
	}
	return m
}

// newCreate is the new SP's create of the test port.
func newCreate(due time.Time) npac.SVCreate {
	return npac.SVCreate{TN: tn, NewSPID: newSP, OldSPID: oldSP, DueDate: due,
		RoutingData: npac.RoutingData{LRN: lrn, SVType: npac.SVWireline}}
}

// oldCreate is the old SP's (concurring) create of the test port.
func oldCreate(due time.Time) npac.SVCreate {
	return npac.SVCreate{TN: tn, NewSPID: newSP, OldSPID: oldSP, DueDate: due}
}

// denyCreate is the old SP's create denying the port with a cause code.
func denyCreate(due time.Time, cause int) npac.SVCreate {
	in := oldCreate(due)
	f := false
	in.Authorization = &f
	in.CauseCode = cause
	return in
}

// createIn makes a new SV in region r from a first create, as the store
// does: region and due-date format set before, ID assigned after. The
// ports are wireline or intermodal, due on a day.
func createIn(t *testing.T, m *lifecycle.Machine, r npac.Region, in npac.SVCreate, side npac.Side, now time.Time) (*npac.SV, lifecycle.Effects) {
	t.Helper()
	return createSV(t, m, &npac.SV{Region: r, DueIsDay: true}, in, side, now)
}

// createSV runs the first create on a prepared SV.
func createSV(t *testing.T, m *lifecycle.Machine, sv *npac.SV, in npac.SVCreate, side npac.Side, now time.Time) (*npac.SV, lifecycle.Effects) {
	t.Helper()
	e, err := m.Create(sv, in, side, now)
	if err != nil {
		t.Fatalf("Create by %s SP at %v: %v", side, now, err)
	}
	sv.ID = 42
	return sv, e
}

// create makes a new Northeast SV.
func create(t *testing.T, m *lifecycle.Machine, in npac.SVCreate, side npac.Side, now time.Time) (*npac.SV, lifecycle.Effects) {
	t.Helper()
	return createIn(t, m, npac.Northeast, in, side, now)
}

func concur(t *testing.T, m *lifecycle.Machine, sv *npac.SV, in npac.SVCreate, side npac.Side, now time.Time) lifecycle.Effects {
	t.Helper()
	e, err := m.Concur(sv, in, side, now)
	if err != nil {
		t.Fatalf("Concur by %s SP at %v: %v", side, now, err)
	}
	return e
}

func act(t *testing.T, m *lifecycle.Machine, sv *npac.SV, a npac.Action, side npac.Side, now time.Time) lifecycle.Effects {
	t.Helper()
	e, err := m.Act(sv, a, side, now)
	if err != nil {
		t.Fatalf("Act %s by %s SP at %v on %s SV: %v", a.Kind, side, now, sv.Status, err)
	}
	return e
}

func conclude(t *testing.T, m *lifecycle.Machine, sv *npac.SV, targets int, failed []npac.SPID, now time.Time) lifecycle.Effects {
	t.Helper()
	e, err := m.Conclude(sv, targets, failed, now)
	if err != nil {
		t.Fatalf("Conclude(%d, %v): %v", targets, failed, err)
	}
	return e
}

func fire(t *testing.T, m *lifecycle.Machine, sv *npac.SV, kind npac.TimerKind, at, now time.Time) lifecycle.Effects {
	t.Helper()
	e, ok := m.Fire(sv, kind, at, now)
	if !ok {
		t.Fatalf("Fire(%s) at %v on %s SV did nothing, want a transition", kind, at, sv.Status)
	}
	return e
}

func do(k npac.ActionKind) npac.Action { return npac.Action{Kind: k} }

func conflictWith(cause int) npac.Action {
	return npac.Action{Kind: npac.ActConflict, CauseCode: cause}
}

func modify(md npac.SVModify) npac.Action { return npac.Action{Kind: npac.ActModify, Modify: &md} }

func ptr[T any](v T) *T { return &v }

// pendingNew is an SV only the new SP has created (at created, due due).
func pendingNew(t *testing.T, m *lifecycle.Machine) *npac.SV {
	t.Helper()
	sv, _ := create(t, m, newCreate(due), npac.SideNew, created)
	return sv
}

// pendingOld is an SV only the old SP has created.
func pendingOld(t *testing.T, m *lifecycle.Machine) *npac.SV {
	t.Helper()
	sv, _ := create(t, m, oldCreate(due), npac.SideOld, created)
	return sv
}

// concurred is a pending SV both sides created.
func concurred(t *testing.T, m *lifecycle.Machine) *npac.SV {
	t.Helper()
	sv := pendingNew(t, m)
	concur(t, m, sv, oldCreate(due), npac.SideOld, concurAt)
	return sv
}

// conflicted is a concurred SV the old SP placed in conflict at when.
func conflicted(t *testing.T, m *lifecycle.Machine, cause int, when time.Time) *npac.SV {
	t.Helper()
	sv := concurred(t, m)
	act(t, m, sv, conflictWith(cause), npac.SideOld, when)
	return sv
}

// cancelPending is a concurred SV in status prior that side canceled.
func cancelPending(t *testing.T, m *lifecycle.Machine, prior npac.Status, side npac.Side) *npac.SV {
	t.Helper()
	sv := concurred(t, m)
	if prior == npac.StatusConflict {
		act(t, m, sv, conflictWith(npac.CauseGeneralConflict), npac.SideOld, concurAt.Add(hour))
	}
	act(t, m, sv, do(npac.ActCancel), side, concurAt.Add(2*hour))
	if sv.Status != npac.StatusCancelPending {
		t.Fatalf("setup: status %s, want %s", sv.Status, npac.StatusCancelPending)
	}
	return sv
}

// active is an SV activated on its due date and broadcast everywhere.
func active(t *testing.T, m *lifecycle.Machine) *npac.SV {
	t.Helper()
	sv := concurred(t, m)
	act(t, m, sv, do(npac.ActActivate), npac.SideNew, dueAt)
	conclude(t, m, sv, 0, nil, dueAt)
	if sv.Status != npac.StatusActive {
		t.Fatalf("setup: status %s, want %s", sv.Status, npac.StatusActive)
	}
	return sv
}

// canceled is a one-sided SV its creator canceled.
func canceled(t *testing.T, m *lifecycle.Machine) *npac.SV {
	t.Helper()
	sv := pendingNew(t, m)
	act(t, m, sv, do(npac.ActCancel), npac.SideNew, concurAt)
	if sv.Status != npac.StatusCanceled {
		t.Fatalf("setup: status %s, want %s", sv.Status, npac.StatusCanceled)
	}
	return sv
}

// old is an active SV that was disconnected.
func old(t *testing.T, m *lifecycle.Machine) *npac.SV {
	t.Helper()
	sv := active(t, m)
	act(t, m, sv, do(npac.ActDisconnect), npac.SideNew, later)
	conclude(t, m, sv, 0, nil, later)
	if sv.Status != npac.StatusOld {
		t.Fatalf("setup: status %s, want %s", sv.Status, npac.StatusOld)
	}
	return sv
}

// disconnectPending is an active SV with a disconnect due at erd.
func disconnectPending(t *testing.T, m *lifecycle.Machine, erd time.Time) *npac.SV {
	t.Helper()
	sv := active(t, m)
	act(t, m, sv, npac.Action{Kind: npac.ActDisconnect, EffectiveReleaseDate: &erd}, npac.SideNew, later)
	if sv.Status != npac.StatusDisconnectPending {
		t.Fatalf("setup: status %s, want %s", sv.Status, npac.StatusDisconnectPending)
	}
	return sv
}

// wantCode fails unless err carries the error code want.
func wantCode(t *testing.T, err error, want string) {
	t.Helper()
	if got := npac.ErrorCode(err); got != want {
		t.Errorf("error code: got %q, want %q (error: %v)", got, want, err)
	}
}

// notice is the part of a notice the tests compare: who, what, and for a
// status change the status the SV left and the one it entered.
type notice struct {
	To        lifecycle.Party
	Kind      npac.NoticeKind
	OldStatus npac.Status
	Status    npac.Status
}

func noticesOf(e lifecycle.Effects) []notice {
	out := []notice{}
	for _, n := range e.Notices {
		out = append(out, notice{n.To, n.Kind, n.OldStatus, n.Status})
	}
	return out
}

// statusChange is the status-change notice (to both sides) for a move
// from one status to another.
func statusChange(from, to npac.Status) notice {
	return notice{lifecycle.PartyBoth, npac.NoticeStatusChange, from, to}
}

// note is a notice that is not a status change.
func note(to lifecycle.Party, kind npac.NoticeKind) notice {
	return notice{To: to, Kind: kind}
}

// sortNotices compares notice lists without regard to order.
var sortNotices = cmpopts.SortSlices(func(a, b notice) bool {
	if a.To != b.To {
		return a.To < b.To
	}
	if a.Kind != b.Kind {
		return a.Kind < b.Kind
	}
	if a.OldStatus != b.OldStatus {
		return a.OldStatus < b.OldStatus
	}
	return a.Status < b.Status
})

// sortTimers compares timer lists without regard to order.
var sortTimers = cmpopts.SortSlices(func(a, b lifecycle.Timer) bool {
	if a.Kind != b.Kind {
		return a.Kind < b.Kind
	}
	return a.At.Before(b.At)
})

var sortKinds = cmpopts.SortSlices(func(a, b npac.TimerKind) bool { return a < b })

func wantNotices(t *testing.T, e lifecycle.Effects, want ...notice) {
	t.Helper()
	if want == nil {
		want = []notice{}
	}
	if diff := cmp.Diff(want, noticesOf(e), sortNotices); diff != "" {
		t.Errorf("notices mismatch (-want +got):\n%s", diff)
	}
}

func wantTimers(t *testing.T, e lifecycle.Effects, want ...lifecycle.Timer) {
	t.Helper()
	got := e.Timers
	if got == nil {
		got = []lifecycle.Timer{}
	}
	if want == nil {
		want = []lifecycle.Timer{}
	}
	if diff := cmp.Diff(want, got, sortTimers); diff != "" {
		t.Errorf("timers mismatch (-want +got):\n%s", diff)
	}
}

// wantCleared checks that the effects clear exactly the timer kinds want.
func wantCleared(t *testing.T, e lifecycle.Effects, want ...npac.TimerKind) {
	t.Helper()
	got := slices.Compact(slices.Sorted(slices.Values(e.ClearTimers)))
	if got == nil {
		got = []npac.TimerKind{}
	}
	if want == nil {
		want = []npac.TimerKind{}
	}
	if diff := cmp.Diff(want, got, sortKinds); diff != "" {
		t.Errorf("cleared timers mismatch (-want +got):\n%s", diff)
	}
}

// allTimerKinds is every kind of timer an SV may have.
var allTimerKinds = []npac.TimerKind{npac.TimerT1, npac.TimerT2, npac.TimerCancelInitial, npac.TimerCancelFinal,
	npac.TimerConflictExpiration, npac.TimerPendingPurge, npac.TimerRelease}

func wantStatus(t *testing.T, sv *npac.SV, status npac.Status, slot npac.Slot) {
	t.Helper()
	if sv.Status != status {
		t.Errorf("status: got %q, want %q", sv.Status, status)
	}
	if sv.Slot != slot {
		t.Errorf("slot: got %q, want %q", sv.Slot, slot)
	}
}

// timerOf returns the timer of kind in e.
func timerOf(t *testing.T, e lifecycle.Effects, kind npac.TimerKind) time.Time {
	t.Helper()
	for _, tm := range e.Timers {
		if tm.Kind == kind {
			return tm.At
		}
	}
	t.Fatalf("no %s timer in %+v", kind, e.Timers)
	return time.Time{}
}

func hasTimer(e lifecycle.Effects, kind npac.TimerKind) bool {
	for _, tm := range e.Timers {
		if tm.Kind == kind {
			return true
		}
	}
	return false
}

// wantTime checks an optional instant.
func wantTime(t *testing.T, name string, got *time.Time, want time.Time) {
	t.Helper()
	switch {
	case got == nil:
		t.Errorf("%s: got nil, want %v", name, want)
	case !got.Equal(want):
		t.Errorf("%s: got %v, want %v", name, got.UTC(), want.UTC())
	}
}
