package lifecycle_test

import (
	"testing"
	"time"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/lifecycle"
)

// Regression tests for timers lost while an SV was cancel-pending, and for
// both sides canceling.
//
// A timer fires once: the store marks it fired whether or not Fire changed
// the SV. Conflict expiration and pending purge are guarded on the conflict
// and pending statuses, so when one comes due while the SV is
// cancel-pending it does nothing and is gone. A cancel-undo then returns
// the SV to conflict (or pending) with no timer left to end it, and the SV
// stays in that status forever, against npac-spec.md §2: "conflict →
// canceled: Conflict Expiration Window (30 calendar days) expires" and
// "Pending SVs are purged 30 days after due date".
//
// The fix: cancel-undo schedules the timer again (Machine.rearm). The tests
// accept any of the fixes that end the SV: Fire settling the SV while it is
// cancel-pending, or cancel-undo refused once the expiry has passed.

// TestConflictExpirationLostDuringCancelPending: an SV in conflict since
// 2025-06-05 09:00 New York, whose old SP cancels an hour before the
// conflict expires (2025-07-05 09:00) and undoes the cancel an hour after,
// is back in conflict with no conflict-expiration timer.
func TestConflictExpirationLostDuringCancelPending(t *testing.T) {
	m := federal(t)
	sv := concurred(t, m)
	e := act(t, m, sv, conflictWith(npac.CauseGeneralConflict), npac.SideOld, ny(2025, time.June, 5, 9, 0))
	expires := timerOf(t, e, npac.TimerConflictExpiration)

	act(t, m, sv, do(npac.ActCancel), npac.SideOld, expires.Add(-hour))
	if sv.Status != npac.StatusCancelPending {
		t.Fatalf("setup: status %s, want %s", sv.Status, npac.StatusCancelPending)
	}
	fired, changed := m.Fire(sv, npac.TimerConflictExpiration, expires, expires)
	checkTimerNotLost(t, m, sv, fired, changed, npac.SideOld, expires.Add(hour), npac.TimerConflictExpiration)
}

// TestPendingPurgeLostDuringCancelPending: a concurred SV due
// 2025-06-10, whose new SP cancels an hour before the purge (2025-07-10
// 00:00 GMT) and undoes the cancel an hour after, is pending again with no
// pending-purge timer.
func TestPendingPurgeLostDuringCancelPending(t *testing.T) {
	m := federal(t)
	sv := concurred(t, m)
	purge := due.Add(thirtyDays)

	act(t, m, sv, do(npac.ActCancel), npac.SideNew, purge.Add(-hour))
	if sv.Status != npac.StatusCancelPending {
		t.Fatalf("setup: status %s, want %s", sv.Status, npac.StatusCancelPending)
	}
	fired, changed := m.Fire(sv, npac.TimerPendingPurge, purge, purge)
	checkTimerNotLost(t, m, sv, fired, changed, npac.SideNew, purge.Add(hour), npac.TimerPendingPurge)
}

// checkTimerNotLost undoes the cancel of sv by side at now, after a timer
// of kind fired (with effects fired, changed reporting whether Fire did
// anything), and fails unless the SV ended, or is left with a timer of kind
// to end it.
func checkTimerNotLost(t *testing.T, m *lifecycle.Machine, sv *npac.SV, fired lifecycle.Effects, changed bool,
	side npac.Side, now time.Time, kind npac.TimerKind) {
	t.Helper()
	if sv.Status == npac.StatusCanceled {
		return // Fire ended it
	}
	rescheduled := changed && hasTimer(fired, kind) // the store drops the effects of a Fire that did nothing
	undo, err := m.Act(sv, do(npac.ActCancelUndo), side, now)
	if err != nil {
		// Undo refused: the SV stays cancel-pending and its cancel
		// windows settle it.
		if sv.Status != npac.StatusCancelPending {
			t.Errorf("refused cancel-undo left status %s, want %s", sv.Status, npac.StatusCancelPending)
		}
		return
	}
	if sv.Status == npac.StatusCanceled || rescheduled || hasTimer(undo, kind) {
		return
	}
	t.Errorf("after the %s timer came due during cancel-pending (Fire reported %t with timers %v) and the cancel was undone at %v, "+
		"the SV is %s with no %s timer (cancel-undo timers %v): it will never end",
		kind, changed, fired.Timers, now, sv.Status, kind, undo.Timers)
}

// TestCancelByBothSides: npac-spec.md §2 (NANC 388, confirmed): "if
// both SPs send cancel, immediately canceled". When one side has canceled a
// concurred SV (cancel-pending) and the other side sends a cancel too,
// lifecycle.go refuses it with sv-wrong-status; only a cancel-ack ends the
// SV. The spec wants the second cancel to cancel the SV at once, as the
// ack does.
func TestCancelByBothSides(t *testing.T) {
	for _, first := range []npac.Side{npac.SideNew, npac.SideOld} {
		t.Run("first "+string(first), func(t *testing.T) {
			m := federal(t)
			sv := cancelPending(t, m, npac.StatusPending, first)
			second := npac.SideOld
			if first == npac.SideOld {
				second = npac.SideNew
			}
			e, err := m.Act(sv, do(npac.ActCancel), second, later)
			if err != nil {
				t.Fatalf("cancel by the %s SP after the %s SP's: got error %q (%v), want the SV canceled",
					second, first, npac.ErrorCode(err), err)
			}
			wantStatus(t, sv, npac.StatusCanceled, npac.SlotNone)
			wantCleared(t, e, allTimerKinds...)
			wantNotices(t, e, statusChange(npac.StatusCancelPending, npac.StatusCanceled))
		})
	}
}

// TestNPACConflictLeavesOldSPConflict: when the new SP never acknowledges
// the old SP's cancel, the NPAC places the SV in conflict (cause 55). That
// conflict is the NPAC's, not the old SP's: after it is resolved the old SP
// may still place its own conflict once (N012/N375 limit the old SP).
func TestNPACConflictLeavesOldSPConflict(t *testing.T) {
	m := federal(t)
	sv := cancelPending(t, m, npac.StatusPending, npac.SideOld)
	at := ny(2025, time.June, 4, 10, 0)
	if _, changed := m.Fire(sv, npac.TimerCancelFinal, at, at); !changed {
		t.Fatal("cancel-final did nothing")
	}
	if sv.Status != npac.StatusConflict || sv.CauseCode != npac.CauseCancelNotAcked || sv.ConflictUsed {
		t.Fatalf("got %s cause %d used %t, want conflict cause 55 not used by the old SP", sv.Status, sv.CauseCode, sv.ConflictUsed)
	}
	act(t, m, sv, do(npac.ActResolveConflict), npac.SideOld, at.Add(time.Hour))
	a := do(npac.ActConflict)
	a.CauseCode = npac.CauseLSRNotReceived
	act(t, m, sv, a, npac.SideOld, at.Add(2*time.Hour))
	if sv.Status != npac.StatusConflict || !sv.ConflictUsed {
		t.Errorf("old SP's own conflict: got %s used %t, want conflict used", sv.Status, sv.ConflictUsed)
	}
}
