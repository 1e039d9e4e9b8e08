package lifecycle_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/lifecycle"
)

// TestConcurrenceTimers checks T1, computed at the create, and T2, computed
// from T1's due time when T1 fires, as absolute instants on the business-hour
// calendar (08:00–17:00 region time, weekdays, no holidays) of the SV's
// region.
func TestConcurrenceTimers(t *testing.T) {
	tests := []struct {
		name    string
		machine func(*testing.T) *lifecycle.Machine
		region  npac.Region
		side    npac.Side
		timer   npac.TimerType
		create  time.Time
		t1, t2  time.Time
		t1UTC   time.Time // t1 in UTC, where a wrong zone would show
	}{
		{name: "T1 spans a weekend", machine: opm, create: ny(2019, time.November, 22, 15, 0), // Friday
			t1: ny(2019, time.November, 25, 15, 0), t2: ny(2019, time.November, 26, 15, 0)},
		{name: "old SP first, T1 spans a weekend", machine: opm, side: npac.SideOld, create: ny(2019, time.November, 22, 15, 0),
			t1: ny(2019, time.November, 25, 15, 0), t2: ny(2019, time.November, 26, 15, 0)},
		// Thanksgiving, Thursday 2019-11-28; the Friday after is a
		// business day in the OPM list.
		{name: "T1 spans Thanksgiving", machine: opm, create: ny(2019, time.November, 27, 15, 0), // Wednesday
			t1: ny(2019, time.November, 29, 15, 0), t2: ny(2019, time.December, 2, 15, 0)},
		{name: "short timers over Thanksgiving", machine: opm, timer: npac.TimerShort,
			create: ny(2019, time.November, 27, 16, 30), t1: ny(2019, time.November, 29, 8, 30), t2: ny(2019, time.November, 29, 9, 30)},
		// Christmas, Friday 2020-12-25, then the weekend.
		{name: "T1 spans Christmas and a weekend", machine: opm, create: ny(2020, time.December, 24, 15, 0),
			t1: ny(2020, time.December, 28, 15, 0), t2: ny(2020, time.December, 29, 15, 0)},
		// Independence Day 2020 observed on Friday 2020-07-03.
		{name: "T1 spans an observed Independence Day", machine: opm, create: ny(2020, time.July, 2, 15, 0),
			t1: ny(2020, time.July, 6, 15, 0), t2: ny(2020, time.July, 7, 15, 0)},
		// Inauguration Day, Wednesday 2021-01-20, is in the OPM list only.
		{name: "T1 spans Inauguration Day (OPM)", machine: opm, create: ny(2021, time.January, 19, 15, 0),
			t1: ny(2021, time.January, 21, 15, 0), t2: ny(2021, time.January, 22, 15, 0)},
		{name: "Inauguration Day is a business day by rule", machine: federal, create: ny(2021, time.January, 19, 15, 0),
			t1: ny(2021, time.January, 20, 15, 0), t2: ny(2021, time.January, 21, 15, 0)},
		// Daylight saving time ends Sunday 2019-11-03: 15:00 EDT is 19:00
		// GMT, 15:00 EST is 20:00 GMT.
		{name: "T1 spans the end of daylight saving time", machine: opm, create: ny(2019, time.November, 1, 15, 0),
			t1: ny(2019, time.November, 4, 15, 0), t2: ny(2019, time.November, 5, 15, 0),
			t1UTC: time.Date(2019, time.November, 4, 20, 0, 0, 0, time.UTC)},
		// Friday 16:30 Central is 17:30 Eastern: after hours in the
		// Northeast, half an hour before closing in the Midwest.
		{name: "Midwest counts Central business hours", machine: opm, region: npac.Midwest, create: chi(2019, time.November, 22, 16, 30),
			t1: chi(2019, time.November, 25, 16, 30), t2: chi(2019, time.November, 26, 16, 30),
			t1UTC: time.Date(2019, time.November, 25, 22, 30, 0, 0, time.UTC)},
		{name: "Northeast at the same instant", machine: opm, create: chi(2019, time.November, 22, 16, 30),
			t1: ny(2019, time.November, 25, 17, 0), t2: ny(2019, time.November, 26, 17, 0),
			t1UTC: time.Date(2019, time.November, 25, 22, 0, 0, 0, time.UTC)},
		{name: "created on a Saturday", machine: opm, create: ny(2019, time.November, 23, 10, 0),
			t1: ny(2019, time.November, 25, 17, 0), t2: ny(2019, time.November, 26, 17, 0)},
		{name: "created before business hours", machine: opm, create: ny(2019, time.November, 25, 6, 0),
			t1: ny(2019, time.November, 25, 17, 0), t2: ny(2019, time.November, 26, 17, 0)},
		{name: "short timers", machine: opm, timer: npac.TimerShort, create: ny(2019, time.November, 26, 10, 0),
			t1: ny(2019, time.November, 26, 11, 0), t2: ny(2019, time.November, 26, 12, 0)},
		{name: "short timers over a weekend", machine: opm, timer: npac.TimerShort, create: ny(2019, time.November, 22, 16, 30),
			t1: ny(2019, time.November, 25, 8, 30), t2: ny(2019, time.November, 25, 9, 30)},
		{name: "medium timers", machine: opm, timer: npac.TimerMedium, create: ny(2019, time.November, 26, 15, 0),
			t1: ny(2019, time.November, 27, 9, 0), t2: ny(2019, time.November, 27, 12, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := tt.machine(t)
			region, side := tt.region, tt.side
			if region == "" {
				region = npac.Northeast
			}
			if side == "" {
				side = npac.SideNew
			}
			dueDate := gmtDay(tt.create.Year(), tt.create.Month()+1, 15)
			in := oldCreate(dueDate)
			if side == npac.SideNew {
				in = newCreate(dueDate)
			}
			in.TimerType = tt.timer
			sv, e := createIn(t, m, region, in, side, tt.create)

			t1 := timerOf(t, e, npac.TimerT1)
			if !t1.Equal(tt.t1) {
				t.Errorf("T1 timer: got %v, want %v", t1, tt.t1)
			}
			wantTime(t, "T1ExpiresAt", sv.T1ExpiresAt, tt.t1)
			if !tt.t1UTC.IsZero() && !t1.Equal(tt.t1UTC) {
				t.Errorf("T1 timer: got %v, want %v", t1.UTC(), tt.t1UTC)
			}

			// T1 fires late; T2 still counts from T1's due time.
			e = fire(t, m, sv, npac.TimerT1, t1, t1.Add(90*time.Minute))
			t2 := timerOf(t, e, npac.TimerT2)
			if !t2.Equal(tt.t2) {
				t.Errorf("T2 timer: got %v, want %v", t2, tt.t2)
			}
			wantTime(t, "T2ExpiresAt", sv.T2ExpiresAt, tt.t2)
		})
	}
}

func TestFireT1(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(*testing.T, *lifecycle.Machine) *npac.SV
		notices []notice
	}{
		{"new SP created: second concurrence request to the old SP", pendingNew, []notice{
			note(lifecycle.PartyBoth, npac.NoticeT1Expired),
			note(lifecycle.PartyOld, npac.NoticeConcurrenceRequest)}},
		{"old SP created: create request to the new SP", pendingOld, []notice{
			note(lifecycle.PartyBoth, npac.NoticeT1Expired),
			note(lifecycle.PartyNew, npac.NoticeCreateRequest)}},
		{"old SP denied in its create", func(t *testing.T, m *lifecycle.Machine) *npac.SV {
			sv, _ := create(t, m, denyCreate(due, npac.CauseGeneralConflict), npac.SideOld, created)
			return sv
		}, []notice{
			note(lifecycle.PartyBoth, npac.NoticeT1Expired),
			note(lifecycle.PartyNew, npac.NoticeCreateRequest)}},
	}
	t2 := ny(2025, time.June, 5, 10, 0) // t1At + 9 business hours
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := federal(t)
			sv := tt.setup(t, m)
			st := sv.Status
			now := t1At.Add(time.Minute)
			e := fire(t, m, sv, npac.TimerT1, t1At, now)
			wantTimers(t, e, lifecycle.Timer{Kind: npac.TimerT2, At: t2})
			wantCleared(t, e)
			wantNotices(t, e, tt.notices...)
			for _, n := range e.Notices {
				if n.Kind != npac.NoticeT1Expired {
					continue
				}
				if got, ok := n.Data["t2_expires_at"].(time.Time); !ok || !got.Equal(t2) {
					t.Errorf("t2_expires_at: got %v, want %v", n.Data["t2_expires_at"], t2)
				}
			}
			wantTime(t, "T2ExpiresAt", sv.T2ExpiresAt, t2)
			if sv.Status != st {
				t.Errorf("status: got %s, want %s unchanged", sv.Status, st)
			}
			if !sv.UpdatedAt.Equal(now) {
				t.Errorf("UpdatedAt: got %v, want %v", sv.UpdatedAt, now)
			}
		})
	}
}

func TestFireT2(t *testing.T) {
	for _, setup := range []func(*testing.T, *lifecycle.Machine) *npac.SV{pendingNew, pendingOld} {
		m := federal(t)
		sv := setup(t, m)
		e := fire(t, m, sv, npac.TimerT1, t1At, t1At)
		t2 := timerOf(t, e, npac.TimerT2)
		e = fire(t, m, sv, npac.TimerT2, t2, t2)
		wantStatus(t, sv, npac.StatusPending, npac.SlotPending)
		wantTimers(t, e)
		wantNotices(t, e, note(lifecycle.PartyBoth, npac.NoticeT2Expired))
	}
}

func TestCancelWindows(t *testing.T) {
	tests := []struct {
		name     string
		created  time.Time
		due      time.Time
		cancelAt time.Time
		canceler npac.Side
		prior    npac.Status
		initial  time.Time
		final    time.Time
	}{
		{"new SP's cancel, never acknowledged", ny(2025, time.June, 3, 10, 0), gmtDay(2025, time.June, 10),
			ny(2025, time.June, 5, 15, 0), npac.SideNew, npac.StatusPending,
			ny(2025, time.June, 6, 15, 0), ny(2025, time.June, 9, 15, 0)},
		{"old SP's cancel, never acknowledged", ny(2025, time.June, 3, 10, 0), gmtDay(2025, time.June, 10),
			ny(2025, time.June, 5, 15, 0), npac.SideOld, npac.StatusPending,
			ny(2025, time.June, 6, 15, 0), ny(2025, time.June, 9, 15, 0)},
		{"old SP's cancel in conflict, never acknowledged", ny(2025, time.June, 3, 10, 0), gmtDay(2025, time.June, 10),
			ny(2025, time.June, 5, 15, 0), npac.SideOld, npac.StatusConflict,
			ny(2025, time.June, 6, 15, 0), ny(2025, time.June, 9, 15, 0)},
		// Thanksgiving, Thursday 2025-11-27, falls in the initial window.
		{"new SP's cancel over Thanksgiving", ny(2025, time.November, 24, 10, 0), gmtDay(2025, time.December, 5),
			ny(2025, time.November, 26, 15, 0), npac.SideNew, npac.StatusPending,
			ny(2025, time.November, 28, 15, 0), ny(2025, time.December, 1, 15, 0)},
		{"old SP's cancel over Thanksgiving", ny(2025, time.November, 24, 10, 0), gmtDay(2025, time.December, 5),
			ny(2025, time.November, 26, 15, 0), npac.SideOld, npac.StatusPending,
			ny(2025, time.November, 28, 15, 0), ny(2025, time.December, 1, 15, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := federal(t)
			sv, _ := create(t, m, newCreate(tt.due), npac.SideNew, tt.created)
			concur(t, m, sv, oldCreate(tt.due), npac.SideOld, tt.created.Add(hour))
			if tt.prior == npac.StatusConflict {
				act(t, m, sv, conflictWith(npac.CauseGeneralConflict), npac.SideOld, tt.created.Add(2*hour))
			}
			e := act(t, m, sv, do(npac.ActCancel), tt.canceler, tt.cancelAt)
			initial := timerOf(t, e, npac.TimerCancelInitial)
			if !initial.Equal(tt.initial) {
				t.Errorf("cancel-initial timer: got %v, want %v", initial, tt.initial)
			}

			other := lifecycle.PartyOld
			if tt.canceler == npac.SideOld {
				other = lifecycle.PartyNew
			}
			e = fire(t, m, sv, npac.TimerCancelInitial, initial, initial.Add(time.Minute))
			wantStatus(t, sv, npac.StatusCancelPending, npac.SlotPending)
			wantTimers(t, e, lifecycle.Timer{Kind: npac.TimerCancelFinal, At: tt.final})
			wantNotices(t, e, note(other, npac.NoticeCancelWindowExpired))

			now := tt.final.Add(time.Minute)
			e = fire(t, m, sv, npac.TimerCancelFinal, tt.final, now)
			if tt.canceler == npac.SideNew {
				wantStatus(t, sv, npac.StatusCanceled, npac.SlotNone)
				wantCleared(t, e, allTimerKinds...)
				wantTimers(t, e)
				wantNotices(t, e, statusChange(npac.StatusCancelPending, npac.StatusCanceled),
					note(lifecycle.PartyBoth, npac.NoticeCancelWindowExpired))
				return
			}
			// The new SP never acknowledged the old SP's cancel: the NPAC
			// puts the SV in conflict with cause code 55.
			wantStatus(t, sv, npac.StatusConflict, npac.SlotPending)
			if sv.CauseCode != npac.CauseCancelNotAcked {
				t.Errorf("CauseCode: got %d, want %d", sv.CauseCode, npac.CauseCancelNotAcked)
			}
			wantTime(t, "ConflictAt", sv.ConflictAt, now)
			if sv.PriorStatus != "" || sv.CancelBy != "" || sv.CancelRequestedAt != nil {
				t.Errorf("cancel fields: got prior %q, by %q, at %v; want cleared", sv.PriorStatus, sv.CancelBy, sv.CancelRequestedAt)
			}
			wantTimers(t, e, lifecycle.Timer{Kind: npac.TimerConflictExpiration, At: now.Add(thirtyDays)})
			wantNotices(t, e, statusChange(npac.StatusCancelPending, npac.StatusConflict),
				note(lifecycle.PartyNew, npac.NoticeConflict),
				note(lifecycle.PartyBoth, npac.NoticeCancelWindowExpired))

			// A cause-55 conflict is not one only the old SP may lift.
			_, err := m.Act(sv, do(npac.ActResolveConflict), npac.SideNew, now.Add(time.Minute))
			wantCode(t, err, npac.EConflictRestricted)
			act(t, m, sv, do(npac.ActResolveConflict), npac.SideNew, now.Add(2*day))
			wantStatus(t, sv, npac.StatusPending, npac.SlotPending)
		})
	}
}

func TestConflictExpiration(t *testing.T) {
	tests := []struct {
		name  string
		setup func(*testing.T, *lifecycle.Machine) (*npac.SV, lifecycle.Effects)
		at    time.Time
	}{
		{"placed by the old SP", func(t *testing.T, m *lifecycle.Machine) (*npac.SV, lifecycle.Effects) {
			sv := concurred(t, m)
			return sv, act(t, m, sv, conflictWith(npac.CauseLSRNotReceived), npac.SideOld, ny(2025, time.June, 5, 9, 0))
		}, ny(2025, time.July, 5, 9, 0)},
		{"denied in the old SP's create", func(t *testing.T, m *lifecycle.Machine) (*npac.SV, lifecycle.Effects) {
			return create(t, m, denyCreate(due, npac.CauseFOCNotIssued), npac.SideOld, created)
		}, ny(2025, time.July, 3, 10, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := federal(t)
			sv, e := tt.setup(t, m)
			// 30 calendar days.
			at := timerOf(t, e, npac.TimerConflictExpiration)
			if !at.Equal(tt.at) {
				t.Errorf("conflict-expiration timer: got %v, want %v", at, tt.at)
			}
			e = fire(t, m, sv, npac.TimerConflictExpiration, at, at)
			wantStatus(t, sv, npac.StatusCanceled, npac.SlotNone)
			wantCleared(t, e, allTimerKinds...)
			wantNotices(t, e, statusChange(npac.StatusConflict, npac.StatusCanceled))
		})
	}
}

func TestPendingPurge(t *testing.T) {
	for _, setup := range []func(*testing.T, *lifecycle.Machine) *npac.SV{pendingNew, pendingOld, concurred} {
		m := federal(t)
		sv := setup(t, m)
		at := due.Add(thirtyDays)
		e := fire(t, m, sv, npac.TimerPendingPurge, at, at)
		wantStatus(t, sv, npac.StatusCanceled, npac.SlotNone)
		wantCleared(t, e, allTimerKinds...)
		wantNotices(t, e, statusChange(npac.StatusPending, npac.StatusCanceled))
	}
}

// A timer whose guard no longer holds does nothing: no effects, no change.
func TestFireStale(t *testing.T) {
	conflict := func(t *testing.T, m *lifecycle.Machine) *npac.SV {
		return conflicted(t, m, npac.CauseGeneralConflict, concurAt.Add(hour))
	}
	resolved := func(t *testing.T, m *lifecycle.Machine) *npac.SV {
		sv := conflict(t, m)
		act(t, m, sv, do(npac.ActResolveConflict), npac.SideOld, concurAt.Add(2*hour))
		return sv
	}
	undone := func(t *testing.T, m *lifecycle.Machine) *npac.SV {
		sv := cancelPending(t, m, npac.StatusPending, npac.SideNew)
		act(t, m, sv, do(npac.ActCancelUndo), npac.SideNew, concurAt.Add(3*hour))
		return sv
	}
	cancelPendingNew := func(t *testing.T, m *lifecycle.Machine) *npac.SV {
		return cancelPending(t, m, npac.StatusPending, npac.SideNew)
	}
	dp := func(t *testing.T, m *lifecycle.Machine) *npac.SV {
		return disconnectPending(t, m, gmtDay(2025, time.June, 13))
	}
	tests := []struct {
		name  string
		setup func(*testing.T, *lifecycle.Machine) *npac.SV
		kinds []npac.TimerKind
	}{
		{"concurred", concurred, []npac.TimerKind{npac.TimerT1, npac.TimerT2, npac.TimerCancelInitial, npac.TimerCancelFinal,
			npac.TimerConflictExpiration, npac.TimerRelease, "unknown"}},
		{"conflict", conflict, []npac.TimerKind{npac.TimerT1, npac.TimerT2, npac.TimerCancelInitial, npac.TimerCancelFinal,
			npac.TimerPendingPurge, npac.TimerRelease}},
		{"conflict resolved", resolved, []npac.TimerKind{npac.TimerConflictExpiration}},
		{"cancel undone", undone, []npac.TimerKind{npac.TimerCancelInitial, npac.TimerCancelFinal}},
		// Conflict expiration and pending purge during cancel-pending are
		// left out: see bug_test.go.
		{"cancel-pending", cancelPendingNew, []npac.TimerKind{npac.TimerT1, npac.TimerT2, npac.TimerRelease}},
		{"sending", sending(nil), allTimerKinds},
		{"active", active, allTimerKinds},
		{"disconnect-pending", dp, []npac.TimerKind{npac.TimerT1, npac.TimerT2, npac.TimerCancelInitial, npac.TimerCancelFinal,
			npac.TimerConflictExpiration, npac.TimerPendingPurge}},
		{"old", old, allTimerKinds},
		{"canceled", canceled, allTimerKinds},
	}
	for _, tt := range tests {
		for _, kind := range tt.kinds {
			t.Run(tt.name+"/"+string(kind), func(t *testing.T) {
				m := federal(t)
				sv := tt.setup(t, m)
				before := *sv
				at := later.Add(40 * day)
				e, ok := m.Fire(sv, kind, at, at)
				if ok {
					t.Errorf("Fire(%s) on %s SV: got true, want false", kind, before.Status)
				}
				if diff := cmp.Diff(lifecycle.Effects{}, e); diff != "" {
					t.Errorf("effects of a stale timer (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(before, *sv); diff != "" {
					t.Errorf("stale timer changed the SV (-before +after):\n%s", diff)
				}
			})
		}
	}
}
