package lifecycle_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/lifecycle"
)

func TestConflict(t *testing.T) {
	for cause := npac.CauseLSRNotReceived; cause <= npac.CauseGeneralConflict; cause++ {
		t.Run(strconv.Itoa(cause), func(t *testing.T) {
			m := federal(t)
			sv := concurred(t, m)
			now := ny(2025, time.June, 5, 9, 0)
			e := act(t, m, sv, conflictWith(cause), npac.SideOld, now)

			wantStatus(t, sv, npac.StatusConflict, npac.SlotPending)
			if sv.CauseCode != cause {
				t.Errorf("CauseCode: got %d, want %d", sv.CauseCode, cause)
			}
			if sv.Authorization == nil || *sv.Authorization {
				t.Errorf("Authorization: got %v, want false", sv.Authorization)
			}
			if !sv.ConflictUsed {
				t.Error("ConflictUsed: got false, want true")
			}
			wantTime(t, "ConflictAt", sv.ConflictAt, now)
			if !sv.StatusChangedAt.Equal(now) || !sv.UpdatedAt.Equal(now) {
				t.Errorf("StatusChangedAt, UpdatedAt: got %v, %v, want %v", sv.StatusChangedAt, sv.UpdatedAt, now)
			}
			wantTimers(t, e, lifecycle.Timer{Kind: npac.TimerConflictExpiration, At: now.Add(thirtyDays)})
			wantNotices(t, e, statusChange(npac.StatusPending, npac.StatusConflict), note(lifecycle.PartyNew, npac.NoticeConflict))
			if e.Broadcast {
				t.Error("Broadcast: got true, want false")
			}
		})
	}
}

// A conflict on a port only the new SP created is the old SP's answer: it
// counts as the old SP's create.
func TestConflictOneSided(t *testing.T) {
	m := federal(t)
	sv := pendingNew(t, m)
	now := ny(2025, time.June, 3, 14, 0)
	act(t, m, sv, conflictWith(npac.CauseLSRNotReceived), npac.SideOld, now)
	wantStatus(t, sv, npac.StatusConflict, npac.SlotPending)
	wantTime(t, "OldSPCreatedAt", sv.OldSPCreatedAt, now)
}

func TestConflictRefused(t *testing.T) {
	now := ny(2025, time.June, 5, 9, 0)
	tests := []struct {
		name  string
		setup func(*testing.T, *lifecycle.Machine) *npac.SV
		side  npac.Side
		cause int
		want  string
	}{
		{"by the new SP", concurred, npac.SideNew, npac.CauseGeneralConflict, npac.ESVWrongActor},
		{"cause 49", concurred, npac.SideOld, 49, npac.EINVALID},
		{"cause 55 is the NPAC's", concurred, npac.SideOld, npac.CauseCancelNotAcked, npac.EINVALID},
		{"no cause", concurred, npac.SideOld, 0, npac.EINVALID},
		{"in conflict", func(t *testing.T, m *lifecycle.Machine) *npac.SV {
			return conflicted(t, m, npac.CauseVacantNumber, concurAt.Add(hour))
		}, npac.SideOld, npac.CauseGeneralConflict, npac.ESVWrongStatus},
		{"cancel-pending", func(t *testing.T, m *lifecycle.Machine) *npac.SV {
			return cancelPending(t, m, npac.StatusPending, npac.SideNew)
		}, npac.SideOld, npac.CauseGeneralConflict, npac.ESVWrongStatus},
		{"again after resolution", func(t *testing.T, m *lifecycle.Machine) *npac.SV {
			sv := conflicted(t, m, npac.CauseVacantNumber, concurAt.Add(hour))
			act(t, m, sv, do(npac.ActResolveConflict), npac.SideOld, concurAt.Add(2*hour))
			return sv
		}, npac.SideOld, npac.CauseGeneralConflict, npac.EConflictAlreadyUsed},
		{"after denying in the create", func(t *testing.T, m *lifecycle.Machine) *npac.SV {
			sv, _ := create(t, m, denyCreate(due, npac.CauseFOCNotIssued), npac.SideOld, created)
			act(t, m, sv, do(npac.ActResolveConflict), npac.SideOld, concurAt)
			return sv
		}, npac.SideOld, npac.CauseGeneralConflict, npac.EConflictAlreadyUsed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := federal(t)
			sv := tt.setup(t, m)
			before := *sv
			_, err := m.Act(sv, conflictWith(tt.cause), tt.side, now)
			wantCode(t, err, tt.want)
			if sv.Status != before.Status || sv.CauseCode != before.CauseCode {
				t.Errorf("refused conflict changed the SV: status %s→%s, cause %d→%d", before.Status, sv.Status, before.CauseCode, sv.CauseCode)
			}
		})
	}
}

// The old SP may place an SV in conflict until 12:00 region time on the
// business day before the due date (the due date's GMT day).
func TestConflictWindow(t *testing.T) {
	tests := []struct {
		name     string
		region   npac.Region
		svType   npac.SVType
		due      time.Time
		deadline time.Time
		now      time.Time
		want     string
	}{
		{"day before, just before noon", npac.Northeast, "", gmtDay(2025, time.June, 10), ny(2025, time.June, 9, 12, 0),
			ny(2025, time.June, 9, 12, 0).Add(-time.Second), ""},
		{"day before, at noon", npac.Northeast, "", gmtDay(2025, time.June, 10), ny(2025, time.June, 9, 12, 0),
			ny(2025, time.June, 9, 12, 0), npac.EConflictWindowClosed},
		{"day before, afternoon", npac.Northeast, "", gmtDay(2025, time.June, 10), ny(2025, time.June, 9, 12, 0),
			ny(2025, time.June, 9, 15, 0), npac.EConflictWindowClosed},
		{"due date", npac.Northeast, "", gmtDay(2025, time.June, 10), ny(2025, time.June, 9, 12, 0),
			ny(2025, time.June, 10, 9, 0), npac.EConflictWindowClosed},
		{"days ahead", npac.Northeast, "", gmtDay(2025, time.June, 10), ny(2025, time.June, 9, 12, 0),
			ny(2025, time.June, 4, 9, 0), ""},
		// A Monday due date: the business day before is the Friday.
		{"Monday due, Friday before noon", npac.Northeast, "", gmtDay(2025, time.June, 9), ny(2025, time.June, 6, 12, 0),
			ny(2025, time.June, 6, 11, 59), ""},
		{"Monday due, Friday noon", npac.Northeast, "", gmtDay(2025, time.June, 9), ny(2025, time.June, 6, 12, 0),
			ny(2025, time.June, 6, 12, 0), npac.EConflictWindowClosed},
		{"Monday due, Sunday morning", npac.Northeast, "", gmtDay(2025, time.June, 9), ny(2025, time.June, 6, 12, 0),
			ny(2025, time.June, 8, 10, 0), npac.EConflictWindowClosed},
		// Memorial Day, Monday 2025-05-26: the day before a Tuesday due
		// date is the Friday before.
		{"after a holiday Monday, Friday before noon", npac.Northeast, "", gmtDay(2025, time.May, 27), ny(2025, time.May, 23, 12, 0),
			ny(2025, time.May, 23, 11, 59), ""},
		{"after a holiday Monday, Friday noon", npac.Northeast, "", gmtDay(2025, time.May, 27), ny(2025, time.May, 23, 12, 0),
			ny(2025, time.May, 23, 12, 0), npac.EConflictWindowClosed},
		{"after a holiday Monday, on the holiday", npac.Northeast, "", gmtDay(2025, time.May, 27), ny(2025, time.May, 23, 12, 0),
			ny(2025, time.May, 26, 10, 0), npac.EConflictWindowClosed},
		// Thanksgiving, Thursday 2025-11-27: a Friday due date's window
		// closes on Wednesday.
		{"after Thanksgiving, Wednesday before noon", npac.Northeast, "", gmtDay(2025, time.November, 28), ny(2025, time.November, 26, 12, 0),
			ny(2025, time.November, 26, 11, 59), ""},
		{"after Thanksgiving, on Thanksgiving", npac.Northeast, "", gmtDay(2025, time.November, 28), ny(2025, time.November, 26, 12, 0),
			ny(2025, time.November, 27, 10, 0), npac.EConflictWindowClosed},
		// Noon is region time: in the Midwest it is 13:00 in New York.
		{"Midwest, before noon Central", npac.Midwest, "", gmtDay(2025, time.June, 10), chi(2025, time.June, 9, 12, 0),
			chi(2025, time.June, 9, 11, 59), ""},
		{"Midwest, noon Central", npac.Midwest, "", gmtDay(2025, time.June, 10), chi(2025, time.June, 9, 12, 0),
			chi(2025, time.June, 9, 12, 0), npac.EConflictWindowClosed},
		// A wireless port due Mon 22:00 New York is due on Tuesday GMT:
		// its window closes Monday noon, not Friday.
		{"wireless due late evening, Monday morning", npac.Northeast, npac.SVWireless, time.Date(2025, time.June, 10, 2, 0, 0, 0, time.UTC),
			ny(2025, time.June, 9, 12, 0), ny(2025, time.June, 9, 11, 0), ""},
		{"wireless due late evening, Monday noon", npac.Northeast, npac.SVWireless, time.Date(2025, time.June, 10, 2, 0, 0, 0, time.UTC),
			ny(2025, time.June, 9, 12, 0), ny(2025, time.June, 9, 12, 0), npac.EConflictWindowClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := federal(t)
			start := tt.deadline.Add(-7 * day)

			// Placing an SV in conflict.
			in := newCreate(tt.due)
			in.SVType = tt.svType
			sv, _ := createIn(t, m, tt.region, in, npac.SideNew, start)
			if got := m.ConflictDeadline(sv); !got.Equal(tt.deadline) {
				t.Errorf("ConflictDeadline: got %v, want %v", got, tt.deadline)
			}
			_, err := m.Act(sv, conflictWith(npac.CauseGeneralConflict), npac.SideOld, tt.now)
			wantCode(t, err, tt.want)
			wantConflict := tt.want == ""
			if got := sv.Status == npac.StatusConflict; got != wantConflict {
				t.Errorf("in conflict after Act: got %t, want %t", got, wantConflict)
			}

			// Denying the port in the old SP's concurring create.
			sv, _ = createIn(t, m, tt.region, in, npac.SideNew, start)
			_, err = m.Concur(sv, denyCreate(tt.due, npac.CauseGeneralConflict), npac.SideOld, tt.now)
			wantCode(t, err, tt.want)

			// Denying the port in the old SP's first create.
			sv = &npac.SV{Region: tt.region}
			_, err = m.Create(sv, denyCreate(tt.due, npac.CauseGeneralConflict), npac.SideOld, tt.now)
			wantCode(t, err, tt.want)
		})
	}
}

func TestResolveConflict(t *testing.T) {
	// Placed Friday 15:00; 6 business hours later is Monday 12:00.
	placed := ny(2025, time.June, 6, 15, 0)
	newSPFrom := ny(2025, time.June, 9, 12, 0)
	tests := []struct {
		name  string
		cause int
		side  npac.Side
		now   time.Time
		want  string
	}{
		{"old SP at once", npac.CauseLSRNotReceived, npac.SideOld, placed.Add(time.Minute), ""},
		{"old SP, cause 54", npac.CauseGeneralConflict, npac.SideOld, placed.Add(time.Minute), ""},
		{"new SP, cause 52, same afternoon", npac.CauseDueDateMismatch, npac.SideNew, ny(2025, time.June, 6, 16, 59), npac.EConflictRestricted},
		{"new SP, cause 52, over the weekend", npac.CauseDueDateMismatch, npac.SideNew, ny(2025, time.June, 8, 10, 0), npac.EConflictRestricted},
		{"new SP, cause 52, a second early", npac.CauseDueDateMismatch, npac.SideNew, newSPFrom.Add(-time.Second), npac.EConflictRestricted},
		{"new SP, cause 52, after 6 business hours", npac.CauseDueDateMismatch, npac.SideNew, newSPFrom, ""},
		{"new SP, cause 53, after 6 business hours", npac.CauseVacantNumber, npac.SideNew, newSPFrom, ""},
		{"new SP, cause 54, after 6 business hours", npac.CauseGeneralConflict, npac.SideNew, newSPFrom.Add(hour), ""},
		{"new SP, cause 50, never", npac.CauseLSRNotReceived, npac.SideNew, newSPFrom.Add(3 * day), npac.EConflictRestricted},
		{"new SP, cause 51, never", npac.CauseFOCNotIssued, npac.SideNew, newSPFrom.Add(3 * day), npac.EConflictRestricted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := federal(t)
			sv := conflicted(t, m, tt.cause, placed)
			e, err := m.Act(sv, do(npac.ActResolveConflict), tt.side, tt.now)
			wantCode(t, err, tt.want)
			if tt.want != "" {
				wantStatus(t, sv, npac.StatusConflict, npac.SlotPending)
				if sv.CauseCode != tt.cause {
					t.Errorf("CauseCode: got %d, want %d kept", sv.CauseCode, tt.cause)
				}
				return
			}
			wantStatus(t, sv, npac.StatusPending, npac.SlotPending)
			if sv.CauseCode != 0 {
				t.Errorf("CauseCode: got %d, want 0", sv.CauseCode)
			}
			if tt.side == npac.SideOld && (sv.Authorization == nil || !*sv.Authorization) {
				t.Errorf("Authorization: got %v, want true after the old SP lifts its conflict", sv.Authorization)
			}
			if !sv.ConflictUsed {
				t.Error("ConflictUsed: got false, want true (the old SP has used its conflict)")
			}
			wantCleared(t, e, npac.TimerConflictExpiration)
			wantTimers(t, e)
			wantNotices(t, e, statusChange(npac.StatusConflict, npac.StatusPending))
		})
	}
}

func TestResolveConflictRefused(t *testing.T) {
	m := federal(t)
	sv := concurred(t, m)
	_, err := m.Act(sv, do(npac.ActResolveConflict), npac.SideOld, later)
	wantCode(t, err, npac.ESVWrongStatus)

	// In an intra-provider port the provider is both sides: no wait.
	in := newCreate(due)
	in.OldSPID = newSP
	intra, _ := create(t, m, in, npac.SideNew, created)
	act(t, m, intra, conflictWith(npac.CauseLSRNotReceived), npac.SideOld, concurAt)
	act(t, m, intra, do(npac.ActResolveConflict), npac.SideNew, concurAt.Add(time.Minute))
	wantStatus(t, intra, npac.StatusPending, npac.SlotPending)
}

func TestActivate(t *testing.T) {
	for _, now := range []time.Time{due, dueAt} {
		t.Run(now.Format(time.RFC3339), func(t *testing.T) {
			m := federal(t)
			sv := concurred(t, m)
			e := act(t, m, sv, do(npac.ActActivate), npac.SideNew, now)

			wantStatus(t, sv, npac.StatusSending, npac.SlotPending)
			if sv.Pending != "activate" {
				t.Errorf("Pending: got %q, want %q", sv.Pending, "activate")
			}
			wantTime(t, "ActivationTimestamp", sv.ActivationTimestamp, now)
			if !e.Broadcast {
				t.Error("Broadcast: got false, want true")
			}
			if e.RetireActive {
				t.Error("RetireActive: got true, want false until the broadcast concludes")
			}
			wantCleared(t, e, allTimerKinds...)
			wantTimers(t, e)
			wantNotices(t, e, statusChange(npac.StatusPending, npac.StatusSending))
		})
	}
}

func TestActivateRefused(t *testing.T) {
	tests := []struct {
		name  string
		setup func(*testing.T, *lifecycle.Machine) *npac.SV
		side  npac.Side
		now   time.Time
		want  string
	}{
		{"by the old SP", concurred, npac.SideOld, dueAt, npac.ESVWrongActor},
		{"before the due date", concurred, npac.SideNew, due.Add(-time.Nanosecond), npac.ESVDueDateNotReached},
		{"in conflict", func(t *testing.T, m *lifecycle.Machine) *npac.SV {
			return conflicted(t, m, npac.CauseGeneralConflict, concurAt.Add(hour))
		}, npac.SideNew, dueAt, npac.ESVWrongStatus},
		{"cancel-pending", func(t *testing.T, m *lifecycle.Machine) *npac.SV {
			return cancelPending(t, m, npac.StatusPending, npac.SideOld)
		}, npac.SideNew, dueAt, npac.ESVWrongStatus},
		{"active", active, npac.SideNew, later, npac.ESVWrongStatus},
		{"sending", func(t *testing.T, m *lifecycle.Machine) *npac.SV {
			sv := concurred(t, m)
			act(t, m, sv, do(npac.ActActivate), npac.SideNew, dueAt)
			return sv
		}, npac.SideNew, dueAt, npac.ESVWrongStatus},
		{"new SP alone, T1 running", pendingNew, npac.SideNew, dueAt, npac.ESVNotConcurred},
		{"old SP alone", pendingOld, npac.SideNew, dueAt, npac.ESVNotConcurred},
		{"old SP alone, T2 expired", func(t *testing.T, m *lifecycle.Machine) *npac.SV {
			sv, e := create(t, m, oldCreate(due), npac.SideOld, created)
			t1 := timerOf(t, e, npac.TimerT1)
			e = fire(t, m, sv, npac.TimerT1, t1, t1)
			t2 := timerOf(t, e, npac.TimerT2)
			fire(t, m, sv, npac.TimerT2, t2, t2)
			return sv
		}, npac.SideNew, dueAt, npac.ESVNotConcurred},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := federal(t)
			sv := tt.setup(t, m)
			before, stamp := sv.Status, sv.ActivationTimestamp
			e, err := m.Act(sv, do(npac.ActActivate), tt.side, tt.now)
			wantCode(t, err, tt.want)
			if sv.Status != before || e.Broadcast {
				t.Errorf("refused activation: status %s→%s, broadcast %t; want unchanged, false", before, sv.Status, e.Broadcast)
			}
			if sv.ActivationTimestamp != stamp {
				t.Errorf("ActivationTimestamp: got %v, want %v unchanged", sv.ActivationTimestamp, stamp)
			}
		})
	}
}

// A port the old SP never answered can be activated once T1 and then T2
// have expired, and not before.
func TestActivateUnconcurredAfterT2(t *testing.T) {
	m := federal(t)
	start := ny(2025, time.June, 3, 10, 0)
	sv, e := create(t, m, newCreate(gmtDay(2025, time.June, 3)), npac.SideNew, start)

	_, err := m.Act(sv, do(npac.ActActivate), npac.SideNew, start.Add(30*time.Minute))
	wantCode(t, err, npac.ESVNotConcurred)

	t1 := timerOf(t, e, npac.TimerT1)
	if want := ny(2025, time.June, 4, 10, 0); !t1.Equal(want) {
		t.Fatalf("T1: got %v, want %v", t1, want)
	}
	// T1 has expired but T2 has not been started yet.
	_, err = m.Act(sv, do(npac.ActActivate), npac.SideNew, t1)
	wantCode(t, err, npac.ESVNotConcurred)

	e = fire(t, m, sv, npac.TimerT1, t1, t1.Add(time.Minute))
	t2 := timerOf(t, e, npac.TimerT2)
	if want := ny(2025, time.June, 5, 10, 0); !t2.Equal(want) {
		t.Fatalf("T2: got %v, want %v", t2, want)
	}
	_, err = m.Act(sv, do(npac.ActActivate), npac.SideNew, t2.Add(-time.Second))
	wantCode(t, err, npac.ESVNotConcurred)
	wantStatus(t, sv, npac.StatusPending, npac.SlotPending)

	fire(t, m, sv, npac.TimerT2, t2, t2)
	e = act(t, m, sv, do(npac.ActActivate), npac.SideNew, t2)
	wantStatus(t, sv, npac.StatusSending, npac.SlotPending)
	if !e.Broadcast {
		t.Error("Broadcast: got false, want true")
	}
	e = conclude(t, m, sv, 0, nil, t2)
	wantStatus(t, sv, npac.StatusActive, npac.SlotActive)
	if !e.RetireActive {
		t.Error("RetireActive: got false, want true")
	}
}

func TestConclude(t *testing.T) {
	tests := []struct {
		name        string
		setup       func(*testing.T, *lifecycle.Machine) *npac.SV
		targets     int
		failed      []npac.SPID
		wantStatus  npac.Status
		wantSlot    npac.Slot
		wantRetire  bool
		wantFromSts npac.Status
	}{
		{"activate, none failed", sending(nil), 0, nil, npac.StatusActive, npac.SlotActive, true, npac.StatusSending},
		{"activate, all of 3 applied", sending(nil), 3, nil, npac.StatusActive, npac.SlotActive, true, npac.StatusSending},
		{"activate, 1 of 3 failed", sending(nil), 3, []npac.SPID{"7777"}, npac.StatusPartialFailure, npac.SlotActive, true, npac.StatusSending},
		{"activate, 3 of 3 failed", sending(nil), 3, []npac.SPID{"7777", "8888", "9999"}, npac.StatusFailed, npac.SlotPending, false, npac.StatusSending},
		{"activate, 1 of 1 failed", sending(nil), 1, []npac.SPID{"7777"}, npac.StatusFailed, npac.SlotPending, false, npac.StatusSending},
		{"port-to-original", sending(func(in *npac.SVCreate) { in.PortToOriginal = true }), 0, nil, npac.StatusOld, npac.SlotNone, true, npac.StatusSending},
		{"modify active", func(t *testing.T, m *lifecycle.Machine) *npac.SV {
			sv := active(t, m)
			act(t, m, sv, modify(npac.SVModify{LRN: ptr(lrn2)}), npac.SideNew, later)
			return sv
		}, 0, nil, npac.StatusActive, npac.SlotActive, false, npac.StatusSending},
		{"modify active, 1 of 3 failed", func(t *testing.T, m *lifecycle.Machine) *npac.SV {
			sv := active(t, m)
			act(t, m, sv, modify(npac.SVModify{LRN: ptr(lrn2)}), npac.SideNew, later)
			return sv
		}, 3, []npac.SPID{"7777"}, npac.StatusPartialFailure, npac.SlotActive, false, npac.StatusSending},
		{"disconnect", func(t *testing.T, m *lifecycle.Machine) *npac.SV {
			sv := active(t, m)
			act(t, m, sv, do(npac.ActDisconnect), npac.SideNew, later)
			return sv
		}, 0, nil, npac.StatusOld, npac.SlotNone, false, npac.StatusSending},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := federal(t)
			sv := tt.setup(t, m)
			now := later.Add(time.Minute)
			e := conclude(t, m, sv, tt.targets, tt.failed, now)
			wantStatus(t, sv, tt.wantStatus, tt.wantSlot)
			if e.RetireActive != tt.wantRetire {
				t.Errorf("RetireActive: got %t, want %t", e.RetireActive, tt.wantRetire)
			}
			if e.Broadcast {
				t.Error("Broadcast: got true, want false")
			}
			// A failed or partly failed broadcast keeps what it was, for a
			// resend; a complete one clears it.
			if wantPending := map[bool]string{true: tt.setup(t, m).Pending}[len(tt.failed) > 0]; sv.Pending != wantPending {
				t.Errorf("Pending: got %q, want %q", sv.Pending, wantPending)
			}
			wantFailed := tt.failed
			if wantFailed == nil {
				wantFailed = []npac.SPID{}
			}
			if diff := cmp.Diff(wantFailed, sv.FailedSPs); diff != "" {
				t.Errorf("FailedSPs mismatch (-want +got):\n%s", diff)
			}
			if !sv.StatusChangedAt.Equal(now) {
				t.Errorf("StatusChangedAt: got %v, want %v", sv.StatusChangedAt, now)
			}
			wantNotices(t, e, statusChange(tt.wantFromSts, tt.wantStatus))
		})
	}
}

// sending returns a setup for a concurred SV, its new SP's create edited by
// edit, that was just activated.
func sending(edit func(*npac.SVCreate)) func(*testing.T, *lifecycle.Machine) *npac.SV {
	return func(t *testing.T, m *lifecycle.Machine) *npac.SV {
		t.Helper()
		in := newCreate(due)
		if edit != nil {
			edit(&in)
		}
		sv, _ := create(t, m, in, npac.SideNew, created)
		o := oldCreate(due)
		o.PortToOriginal = in.PortToOriginal
		concur(t, m, sv, o, npac.SideOld, concurAt)
		act(t, m, sv, do(npac.ActActivate), npac.SideNew, dueAt)
		return sv
	}
}

func TestConcludeRefused(t *testing.T) {
	for _, setup := range []func(*testing.T, *lifecycle.Machine) *npac.SV{concurred, active, canceled} {
		m := federal(t)
		sv := setup(t, m)
		st := sv.Status
		_, err := m.Conclude(sv, 0, nil, later)
		wantCode(t, err, npac.ESVWrongStatus)
		if sv.Status != st {
			t.Errorf("Conclude on %s: status became %s", st, sv.Status)
		}
	}
}

func TestRetire(t *testing.T) {
	m := federal(t)
	sv := active(t, m)
	e := m.Retire(sv, later)
	wantStatus(t, sv, npac.StatusOld, npac.SlotNone)
	wantCleared(t, e, allTimerKinds...)
	wantNotices(t, e, statusChange(npac.StatusActive, npac.StatusOld))
}
